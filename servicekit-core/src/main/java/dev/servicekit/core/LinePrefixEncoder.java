package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import dev.servicekit.spi.ConsoleLogTarget;
import java.nio.charset.StandardCharsets;

/**
 * Puts the {@link ConsoleLogTarget}'s prefix for the event's syslog severity in front of each line another encoder
 * writes (for the journal: {@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug and trace).
 */
final class LinePrefixEncoder extends LineEncoder {

    private final Encoder<ILoggingEvent> inner;
    private final byte[][] prefixes = new byte[8][];

    LinePrefixEncoder(Encoder<ILoggingEvent> inner, ConsoleLogTarget target) {
        this.inner = inner;
        for (int severity = 0; severity < prefixes.length; severity++) {
            prefixes[severity] = target.linePrefix(severity).getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The RFC 5424 severity of a Logback level. */
    static int severity(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] prefix = prefixes[severity(event.getLevel())];
        byte[] body = inner.encode(event);
        byte[] line = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(body, 0, line, prefix.length, body.length);
        return line;
    }
}
