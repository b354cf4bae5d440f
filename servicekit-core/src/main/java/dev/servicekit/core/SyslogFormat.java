package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.Abbreviator;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * One log event as an RFC 5424 syslog message, without transport framing:
 *
 * <pre>{@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG}</pre>
 *
 * <ul>
 *   <li>PRI is facility × 8 + severity, the severity from the level: ERROR 3 (err), WARN 4 (warning), INFO 6 (info),
 *       DEBUG and TRACE 7 (debug).
 *   <li>TIMESTAMP is the event's time in UTC with milliseconds ({@code 2026-12-04T15:25:27.123Z}).
 *   <li>HOSTNAME, APP-NAME (the service's name), PROCID (the pid) and MSGID (the logger, abbreviated as in the text
 *       log to at most 32 characters) are printable US-ASCII within the RFC's lengths; any other character becomes
 *       {@code _}, and an empty field is {@code -}.
 *   <li>STRUCTURED-DATA is {@code [servicekit@32473 requestId="…" instance="…"]} with the parameters that are set,
 *       or {@code -} when none is; {@code "}, {@code \} and {@code ]} in values are escaped with {@code \}.
 *   <li>MSG is the message, then a newline and the stack trace when there is one, in UTF-8; with the BOM setting it
 *       starts with the UTF-8 byte order mark. When the whole message would exceed the maximum size, MSG is cut at
 *       a character boundary so that it fits.
 * </ul>
 *
 * Pure: the host name and pid are given. Not thread-safe (one writer thread formats).
 */
final class SyslogFormat {

    /** The SD-ID; 32473 is the private enterprise number RFC 5612 reserves for documentation and examples. */
    static final String SD_ID = "servicekit@32473";

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final int facility;
    private final String hostname;
    private final String appName;
    private final String procId;
    private final Optional<String> instance;
    private final int maxBytes;
    private final boolean bom;
    private final Abbreviator loggerName = new TargetLengthBasedClassNameAbbreviator(32);

    /**
     * @param settings the facility, APP-NAME, size limit and BOM setting
     * @param hostname HOSTNAME
     * @param pid      PROCID
     * @param instance the process's instance, sent as {@code instance} in the structured data
     */
    SyslogFormat(SyslogSettings settings, String hostname, long pid, Optional<String> instance) {
        this.facility = settings.facility();
        this.hostname = field(hostname, 255);
        this.appName = field(settings.appName(), 48);
        this.procId = Long.toString(pid);
        this.instance = instance;
        this.maxBytes = settings.maxMessageBytes();
        this.bom = settings.bom();
    }

    /** The RFC 5424 severity of a level. */
    static int severity(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
    }

    /** The whole message, at most the maximum size. */
    byte[] format(ILoggingEvent event) {
        StringBuilder head = new StringBuilder(160);
        head.append('<').append(facility * 8 + severity(event.getLevel())).append(">1 ");
        TIMESTAMP.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), head);
        head.append(' ')
                .append(hostname)
                .append(' ')
                .append(appName)
                .append(' ')
                .append(procId)
                .append(' ')
                .append(field(loggerName.abbreviate(event.getLoggerName()), 32))
                .append(' ');
        structuredData(event, head);
        head.append(' ');
        byte[] header = head.toString().getBytes(StandardCharsets.UTF_8);

        String text = event.getFormattedMessage() == null ? "" : event.getFormattedMessage();
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            text = text + "\n" + ThrowableProxyUtil.asString(thrown).stripTrailing();
        }
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        int room = Math.max(0, maxBytes - header.length - (bom ? BOM.length : 0));
        int length = msg.length <= room ? msg.length : utf8Boundary(msg, room);

        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + BOM.length + length);
        out.write(header, 0, Math.min(header.length, maxBytes));
        if (bom && header.length + BOM.length <= maxBytes) {
            out.write(BOM, 0, BOM.length);
        }
        out.write(msg, 0, length);
        return out.toByteArray();
    }

    private void structuredData(ILoggingEvent event, StringBuilder out) {
        String requestId = event.getMDCPropertyMap().get("requestId");
        if (requestId == null && instance.isEmpty()) {
            out.append('-');
            return;
        }
        out.append('[').append(SD_ID);
        if (requestId != null) {
            out.append(" requestId=\"");
            escapeParamValue(requestId, out);
            out.append('"');
        }
        if (instance.isPresent()) {
            out.append(" instance=\"");
            escapeParamValue(instance.get(), out);
            out.append('"');
        }
        out.append(']');
    }

    /** A PARAM-VALUE: {@code "}, {@code \} and {@code ]} escaped with a backslash (RFC 5424 §6.3.3). */
    static void escapeParamValue(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                out.append('\\');
            }
            out.append(c);
        }
    }

    /** A header field: printable US-ASCII (33-126) at most {@code max} long, other characters as {@code _}. */
    static String field(String value, int max) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && out.length() < max; i++) {
            char c = value.charAt(i);
            out.append(c >= 33 && c <= 126 ? c : '_');
        }
        return out.toString();
    }

    /** The largest length up to {@code limit} that does not split a UTF-8 sequence. */
    static int utf8Boundary(byte[] utf8, int limit) {
        int end = Math.min(limit, utf8.length);
        while (end > 0 && end < utf8.length && (utf8[end] & 0xC0) == 0x80) {
            end--; // utf8[end] continues a character that starts before it
        }
        return end;
    }
}
