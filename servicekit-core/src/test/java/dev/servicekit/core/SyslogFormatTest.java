package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 5424 messages from log events: PRI, header fields, structured data, escaping, BOM and the size limit. */
class SyslogFormatTest {

    private static final long AT = Instant.parse("2026-12-04T15:25:27.123Z").toEpochMilli();
    private final LoggerContext context = new LoggerContext();

    @Test
    void writesEveryFieldOfTheRfc5424Header() {
        SyslogFormat format = format(settings(3, 8192, false), "web-1.example.com", Optional.empty());

        assertThat(text(format.format(event(
                        Level.INFO, "dev.servicekit.core.ConfigReloader", "started", Map.of("requestId", "r-1")))))
                .isEqualTo(
                        "<30>1 2026-12-04T15:25:27.123Z web-1.example.com users-service 4242 d.servicekit.core.ConfigReloader"
                                + " [servicekit@32473 requestId=\"r-1\"] started");
    }

    @Test
    void thePriorityIsTheFacilityTimesEightPlusTheSeverityOfTheLevel() {
        SyslogFormat daemon = format(settings(3, 8192, false), "h", Optional.empty());
        assertThat(pri(daemon, Level.ERROR)).isEqualTo("<27>"); // 3 * 8 + err (3)
        assertThat(pri(daemon, Level.WARN)).isEqualTo("<28>"); // warning (4)
        assertThat(pri(daemon, Level.INFO)).isEqualTo("<30>"); // info (6)
        assertThat(pri(daemon, Level.DEBUG)).isEqualTo("<31>"); // debug (7)
        assertThat(pri(daemon, Level.TRACE)).isEqualTo("<31>");
        SyslogFormat local7 = format(settings(23, 8192, false), "h", Optional.empty());
        assertThat(pri(local7, Level.INFO)).isEqualTo("<190>");
        assertThat(SyslogSettings.FACILITIES)
                .containsEntry("kern", 0)
                .containsEntry("user", 1)
                .containsEntry("daemon", 3)
                .containsEntry("authpriv", 10)
                .containsEntry("local0", 16)
                .containsEntry("local7", 23);
    }

    @Test
    void structuredDataEscapesQuotesBackslashesAndClosingBrackets() {
        SyslogFormat format = format(settings(3, 8192, false), "h", Optional.of("eu-1"));

        assertThat(text(format.format(event(Level.WARN, "x", "m", Map.of("requestId", "a\"b\\c]d")))))
                .contains(" [servicekit@32473 requestId=\"a\\\"b\\\\c\\]d\" instance=\"eu-1\"] m");
        assertThat(text(format.format(event(Level.WARN, "x", "m", Map.of()))))
                .contains(" x [servicekit@32473 instance=\"eu-1\"] m");
    }

    @Test
    void withoutARequestIdOrInstanceTheStructuredDataIsNil() {
        SyslogFormat format = format(settings(3, 8192, false), "h", Optional.empty());

        assertThat(text(format.format(event(Level.INFO, "x", "plain [not sd]", Map.of()))))
                .endsWith(" 4242 x - plain [not sd]");
    }

    @Test
    void headerFieldsArePrintableAsciiWithinTheirLengthsAndNilWhenEmpty() {
        SyslogSettings settings = new SyslogSettings(
                SyslogSettings.Transport.UDP, Path.of("/dev/log"), "h", 514, 3, 8192, false, "a".repeat(60));
        SyslogFormat format = new SyslogFormat(settings, "", 1, Optional.empty());
        String line = text(format.format(event(
                Level.INFO, "dev.servicekit.core.AVeryLongLoggerNameThatNoAbbreviationCanShorten", "m", Map.of())));
        String[] fields = line.split(" ");

        assertThat(fields[2]).as("HOSTNAME").isEqualTo("-");
        assertThat(fields[3]).as("APP-NAME").isEqualTo("a".repeat(48));
        assertThat(fields[5]).as("MSGID").hasSize(32).startsWith("d.s.c.AVeryLongLogger");
        assertThat(SyslogFormat.field("héllo wörld", 255)).isEqualTo("h_llo_w_rld");
    }

    @Test
    void aStackTraceFollowsTheMessageOnItsOwnLines() {
        SyslogFormat format = format(settings(3, 8192, false), "h", Optional.empty());
        LoggingEvent event = new LoggingEvent(
                "fqcn", context.getLogger("x"), Level.ERROR, "failed", new IllegalStateException("boom"), null);
        event.setTimeStamp(AT);
        event.setMDCPropertyMap(Map.of());

        assertThat(text(format.format(event)))
                .startsWith("<27>1 ")
                .contains(" - failed\njava.lang.IllegalStateException: boom\n\tat dev.servicekit.core.SyslogFormatTest")
                .doesNotEndWith("\n");
    }

    @Test
    void theTextStartsWithTheByteOrderMarkOnlyWhenAsked() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] with =
                format(settings(3, 8192, true), "h", Optional.empty()).format(event(Level.INFO, "x", "é", Map.of()));
        byte[] without =
                format(settings(3, 8192, false), "h", Optional.empty()).format(event(Level.INFO, "x", "é", Map.of()));

        String header = "<30>1 2026-12-04T15:25:27.123Z h users-service 4242 x - ";
        assertThat(Arrays.copyOfRange(with, header.length(), header.length() + 3))
                .isEqualTo(bom);
        assertThat(text(Arrays.copyOfRange(with, header.length() + 3, with.length)))
                .isEqualTo("é");
        assertThat(text(without)).isEqualTo(header + "é");
    }

    @Test
    void aLongMessageIsCutAtACharacterBoundaryToTheMaximumSize() throws CharacterCodingException {
        SyslogFormat format = format(settings(3, 1024, false), "h", Optional.empty());
        String header = "<30>1 2026-12-04T15:25:27.123Z h users-service 4242 x - ";
        // 'é' is two bytes; the header is odd-sized, so an even cut would split one
        byte[] cut = format.format(event(Level.INFO, "x", "é".repeat(5000), Map.of()));

        assertThat(cut.length).isLessThanOrEqualTo(1024).isGreaterThan(1020);
        String decoded = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(cut))
                .toString();
        assertThat(decoded).startsWith(header + "éé").matches("(?s).*é$");

        byte[] fits = format.format(event(Level.INFO, "x", "short", Map.of()));
        assertThat(text(fits)).isEqualTo(header + "short");
    }

    @Test
    void utf8BoundaryNeverSplitsASequence() {
        byte[] text = "a€b".getBytes(StandardCharsets.UTF_8); // a, 3 bytes of €, b
        assertThat(SyslogFormat.utf8Boundary(text, 1)).isEqualTo(1);
        assertThat(SyslogFormat.utf8Boundary(text, 2)).isEqualTo(1);
        assertThat(SyslogFormat.utf8Boundary(text, 3)).isEqualTo(1);
        assertThat(SyslogFormat.utf8Boundary(text, 4)).isEqualTo(4);
        assertThat(SyslogFormat.utf8Boundary(text, 9)).isEqualTo(5);
    }

    private String pri(SyslogFormat format, Level level) {
        String line = text(format.format(event(level, "x", "m", Map.of())));
        return line.substring(0, line.indexOf('>') + 1);
    }

    private static SyslogSettings settings(int facility, int max, boolean bom) {
        return new SyslogSettings(
                SyslogSettings.Transport.UDP, Path.of("/dev/log"), "h", 514, facility, max, bom, "users-service");
    }

    private static SyslogFormat format(SyslogSettings settings, String host, Optional<String> instance) {
        return new SyslogFormat(settings, host, 4242, instance);
    }

    private LoggingEvent event(Level level, String logger, String message, Map<String, String> mdc) {
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger(logger), level, message, null, null);
        event.setThreadName("main");
        event.setTimeStamp(AT);
        event.setMDCPropertyMap(mdc);
        return event;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
