package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import dev.servicekit.spi.ConsoleLogTarget;
import java.nio.charset.StandardCharsets;

/**
 * Puts the {@link ConsoleLogTarget}'s prefix for the event's syslog severity in front of each line another encoder
 * writes, every line of a multi-line message or a stack trace included (for the journal: {@code <3>} error,
 * {@code <4>} warning, {@code <6>} info, {@code <7>} debug and trace).
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

    /**
     * The inner encoder's bytes with the prefix in front of every line, not only the first: journald reads a stream
     * line by line and takes the priority of each line from its own prefix, so the lines after the first of a
     * multi-line message or a stack trace would otherwise be stored at the stream's default, info, and be missing
     * from {@code journalctl -p warning} or {@code -p err}.
     */
    @Override
    public byte[] encode(ILoggingEvent event) {
        byte[] prefix = prefixes[severity(event.getLevel())];
        byte[] body = inner.encode(event);
        if (prefix.length == 0) {
            return body;
        }
        int lines = 1;
        for (int i = 0; i < body.length - 1; i++) { // a line break that ends the body starts no line
            if (body[i] == '\n') {
                lines++;
            }
        }
        byte[] out = new byte[body.length + lines * prefix.length];
        int at = 0;
        boolean lineStart = true;
        for (byte b : body) {
            if (lineStart) {
                System.arraycopy(prefix, 0, out, at, prefix.length);
                at += prefix.length;
            }
            out[at++] = b;
            lineStart = b == '\n';
        }
        return out;
    }
}
