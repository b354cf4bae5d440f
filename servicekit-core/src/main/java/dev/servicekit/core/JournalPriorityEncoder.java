package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

import java.nio.charset.StandardCharsets;

/**
 * Prefixes each encoded line with its syslog priority ({@code <3>} error, {@code <4>} warning,
 * {@code <6>} info, {@code <7>} debug and trace), which journald strips and stores as the entry's
 * priority, so {@code journalctl -p warning} works (sd-daemon(3)).
 */
final class JournalPriorityEncoder extends EncoderBase<ILoggingEvent> {

    private final Encoder<ILoggingEvent> inner;

    JournalPriorityEncoder(Encoder<ILoggingEvent> inner) {
        this.inner = inner;
    }

    static int priority(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
    }

    @Override
    public byte[] headerBytes() {
        return inner.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] prefix = ("<" + priority(event.getLevel()) + ">").getBytes(StandardCharsets.US_ASCII);
        byte[] body = inner.encode(event);
        byte[] line = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(body, 0, line, prefix.length, body.length);
        return line;
    }

    @Override
    public byte[] footerBytes() {
        return inner.footerBytes();
    }
}
