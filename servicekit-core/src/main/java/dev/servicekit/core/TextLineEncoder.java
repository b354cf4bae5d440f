package dev.servicekit.core;

import ch.qos.logback.classic.pattern.Abbreviator;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.nio.charset.Charset;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The text log line, written by hand: exactly what a {@code PatternLayoutEncoder} with
 * {@link LoggingConfigurator#TEXT_PATTERN} (or, without the timestamp, {@link LoggingConfigurator#JOURNAL_TEXT_PATTERN})
 * writes, stack traces included ({@code TextLineEncoderTest} compares the two). Why not the pattern: Logback's
 * {@code PatternLayout} builds its table of about 80 converter constructors, each a lambda, when first used; with the
 * pattern parser and converters that is about 250 classes and a good part of Logback's start, for one fixed format.
 */
final class TextLineEncoder extends LineEncoder {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    /** {@code %replace( [%X{requestId}]){' \[\]', ''}}: the bracketed request id, dropped when it is empty. */
    private static final String EMPTY_REQUEST_ID = " []"; // a literal, as the pattern's regex is: no Matcher per line

    private final boolean timestamp;
    /** {@code " instance=a"} after the level, or empty without an instance. */
    private final String instance;

    private final Abbreviator loggerName = new TargetLengthBasedClassNameAbbreviator(36);
    private final ZoneId zone = ZoneId.systemDefault();

    /** @param timestamp whether lines start with the local time ({@code false} for the journal, which records its own) */
    TextLineEncoder(boolean timestamp) {
        this(timestamp, Optional.empty());
    }

    /**
     * @param timestamp whether lines start with the local time
     * @param instance  the process's instance, written as {@code instance=<name>} after the level of every line
     */
    TextLineEncoder(boolean timestamp, Optional<String> instance) {
        this.timestamp = timestamp;
        this.instance = instance.map(name -> " instance=" + name).orElse("");
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        if (timestamp) {
            TIMESTAMP.formatTo(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone), line);
            line.append(' ');
        }
        String level = event.getLevel().toString();
        line.append(level);
        for (int i = level.length(); i < 5; i++) {
            line.append(' ');
        }
        line.append(instance)
                .append(" [")
                .append(event.getThreadName())
                .append("] ")
                .append(loggerName.abbreviate(event.getLoggerName()));
        String requestId = event.getMDCPropertyMap().get("requestId");
        line.append((" [" + (requestId == null ? "" : requestId) + "]").replace(EMPTY_REQUEST_ID, ""));
        line.append(" - ").append(event.getFormattedMessage()).append(System.lineSeparator());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown));
        }
        return line.toString().getBytes(Charset.defaultCharset());
    }
}
