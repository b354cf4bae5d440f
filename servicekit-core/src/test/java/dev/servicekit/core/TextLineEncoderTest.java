package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hand-written text encoder writes byte for byte what Logback's pattern layout writes for the same pattern. */
class TextLineEncoderTest {

    private final LoggerContext context = new LoggerContext();

    @Test
    void writesWhatThePatternLayoutWrites() {
        assertSameOutput(new TextLineEncoder(true), LoggingConfigurator.TEXT_PATTERN);
    }

    @Test
    void writesWhatThePatternLayoutWritesForTheJournal() {
        assertSameOutput(new TextLineEncoder(false), LoggingConfigurator.JOURNAL_TEXT_PATTERN);
    }

    @Test
    void writesWhatThePatternLayoutWritesWithTheInstanceAfterTheLevel() {
        assertSameOutput(
                new TextLineEncoder(true, Optional.of("eu-1")),
                LoggingConfigurator.TEXT_PATTERN.replace("%-5level [", "%-5level instance=eu-1 ["));
        assertSameOutput(
                new TextLineEncoder(false, Optional.of("a")),
                LoggingConfigurator.JOURNAL_TEXT_PATTERN.replace("%-5level [", "%-5level instance=a ["));
    }

    @Test
    void showsTheRequestIdOnlyWhenThereIsOne() {
        TextLineEncoder encoder = new TextLineEncoder(false);
        encoder.setContext(context);
        encoder.start();

        assertThat(text(encoder.encode(event(
                        Level.INFO, "dev.servicekit.http.access", "GET / 200", Map.of("requestId", "r-1"), null))))
                .isEqualTo("INFO  [main] dev.servicekit.http.access [r-1] - GET / 200" + System.lineSeparator());
        assertThat(text(encoder.encode(event(Level.WARN, "x", "no id", Map.of(), null))))
                .isEqualTo("WARN  [main] x - no id" + System.lineSeparator());
    }

    private void assertSameOutput(TextLineEncoder encoder, String pattern) {
        encoder.setContext(context);
        encoder.start();
        PatternLayoutEncoder reference = new PatternLayoutEncoder();
        reference.setContext(context);
        reference.setPattern(pattern);
        reference.start();

        for (ILoggingEvent event : events()) {
            assertThat(text(encoder.encode(event))).as(event.toString()).isEqualTo(text(reference.encode(event)));
        }
        assertThat(encoder.headerBytes()).isEqualTo(orEmpty(reference.headerBytes()));
        assertThat(encoder.footerBytes()).isEqualTo(orEmpty(reference.footerBytes()));
    }

    private List<ILoggingEvent> events() {
        IllegalStateException cause = new IllegalStateException("inner \"quoted\"", new IOException("disk"));
        RuntimeException withSuppressed = new RuntimeException("outer", cause);
        withSuppressed.addSuppressed(new IllegalArgumentException("suppressed one"));
        List<ILoggingEvent> events = new ArrayList<>();
        for (Level level : List.of(Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE)) {
            events.add(event(level, "dev.servicekit.users.UsersService", "plain {}", Map.of(), null));
        }
        events.add(event(
                Level.INFO,
                "dev.servicekit.http.access",
                "GET /api/v1/users 200",
                Map.of("requestId", "0af7651916cd43dd8448eb211c80319c"),
                null));
        events.add(event(Level.INFO, "short", "empty id", Map.of("requestId", ""), null));
        events.add(event(
                Level.INFO,
                "io.helidon.webserver.http1.Http1Connection.SomeVeryLongInnerName",
                "long logger",
                Map.of("other", "x"),
                null));
        events.add(event(Level.INFO, "odd", "id with brackets", Map.of("requestId", "a []"), null));
        events.add(event(Level.INFO, "unicode", "h\u00e9llo \u2603 line\nbreak", Map.of(), null));
        events.add(event(
                Level.ERROR, "dev.servicekit.core.ServiceHost", "failed", Map.of("requestId", "r"), withSuppressed));
        events.add(event(Level.WARN, "w", "no message exception", Map.of(), new NullPointerException()));
        return events;
    }

    private LoggingEvent event(Level level, String logger, String message, Map<String, String> mdc, Throwable thrown) {
        LoggingEvent event =
                new LoggingEvent("fqcn", context.getLogger(logger), level, message, thrown, new Object[] {"arg"});
        event.setThreadName("main");
        event.setTimeStamp(1_764_300_000_123L);
        event.setMDCPropertyMap(mdc);
        return event;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, Charset.defaultCharset());
    }

    private static byte[] orEmpty(byte[] bytes) {
        return bytes == null ? new byte[0] : bytes;
    }
}
