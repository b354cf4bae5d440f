package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.spi.ConsoleLogTarget;
import dev.servicekit.testing.Poll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.Marker;

class LoggingConfiguratorTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Logger log = LoggerFactory.getLogger("test.logger");

    @TempDir
    Path dir;

    @AfterEach
    void restore() {
        MDC.clear();
        LoggingConfigurator.configureBootstrap();
    }

    private void configure(String format, Optional<Path> file, boolean accessLog) {
        LoggingConfigurator.configure(new LogSettings(
                "info",
                format,
                new PrintStream(console, true, StandardCharsets.UTF_8),
                file,
                10L * 1024 * 1024,
                Duration.ofDays(7),
                1024L * 1024 * 1024,
                accessLog,
                Optional.empty()));
    }

    private String console() {
        return console.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonLinesCarryTheDocumentedFields() throws IOException {
        configure("json", Optional.empty(), true);
        MDC.put("requestId", "req-42");
        log.info("hello {}", "world");
        MDC.clear();
        log.error("it broke", new IllegalStateException("boom"));

        String[] lines = console().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.path("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(first.path("level").asText()).isEqualTo("INFO");
        assertThat(first.path("logger").asText()).isEqualTo("test.logger");
        assertThat(first.path("msg").asText()).isEqualTo("hello world");
        assertThat(first.path("requestId").asText()).isEqualTo("req-42");
        JsonNode second = new ObjectMapper().readTree(lines[1]);
        assertThat(second.path("exception").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(second.path("exceptionMessage").asText()).isEqualTo("boom");
        assertThat(second.path("stack").asText()).contains("LoggingConfiguratorTest");
        assertThat(second.has("requestId")).isFalse();
    }

    @Test
    void textLinesShowTheRequestIdWhenThereIsOne() {
        configure("text", Optional.empty(), true);
        MDC.put("requestId", "req-7");
        log.info("inside");
        MDC.clear();
        log.info("outside");

        assertThat(console()).contains("test.logger [req-7] - inside").contains("test.logger - outside");
    }

    @Test
    void debugIsFilteredAtInfo() {
        configure("text", Optional.empty(), true);
        log.debug("hidden");

        assertThat(console()).isEmpty();
    }

    @Test
    void aReconfigureAtInfoNeverLetsADebugLineThroughWhileAnotherThreadLogs() throws Exception {
        Logger chatty = LoggerFactory.getLogger("test.chatty");
        LogSettings info = settings("info", Optional.empty());
        LoggingConfigurator.configure(info);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong debugCalls = new AtomicLong();
        Thread logging = Thread.ofPlatform().name("chatty").start(() -> {
            while (!done.get()) {
                chatty.debug("debug line");
                chatty.info("info line");
                debugCalls.incrementAndGet();
            }
        });
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (int i = 0; i < 200 && System.nanoTime() < deadline; i++) {
                LoggingConfigurator.configure(info);
            }
        } finally {
            done.set(true);
            logging.join(Duration.ofSeconds(5));
        }

        assertThat(debugCalls.get())
                .as("the other thread logged while reconfiguring")
                .isPositive();
        assertThat(console()).contains("info line").doesNotContain("debug line");
    }

    private static LoggerContext logback() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private LogSettings settings(String level, Optional<Path> file) {
        return new LogSettings(
                level,
                "text",
                new PrintStream(console, true, StandardCharsets.UTF_8),
                file,
                10L * 1024 * 1024,
                Duration.ofDays(7),
                1024L * 1024 * 1024,
                true,
                Optional.empty());
    }

    @Test
    void aReconfigureClearsTheLevelsTheEarlierConfigurationAndTheAdminApiSet() {
        LoggingConfigurator.configure(settings("info", Optional.empty()));
        LoggingConfigurator.setLevel("test.runtime", Optional.of("DEBUG"));
        LoggingConfigurator.setLevel("io.helidon", Optional.of("TRACE"));
        assertThat(logback().getLogger("com.zaxxer.hikari").getLevel()).isEqualTo(Level.WARN);

        LoggingConfigurator.configure(settings("debug", Optional.empty()));

        assertThat(LoggingConfigurator.level("test.runtime").orElseThrow().configuredLevel())
                .isEmpty();
        assertThat(LoggingConfigurator.level("test.runtime").orElseThrow().effectiveLevel())
                .isEqualTo("DEBUG");
        assertThat(logback().getLogger("io.helidon").getLevel()).isNull();
        assertThat(logback().getLogger("com.zaxxer.hikari").getLevel())
                .as("quieted only below debug")
                .isNull();
        assertThat(logback().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel())
                .isEqualTo(Level.DEBUG);

        LoggingConfigurator.configure(settings("info", Optional.empty()));
        assertThat(logback().getLogger("com.zaxxer.hikari").getLevel()).isEqualTo(Level.WARN);
        assertThat(logback().getLogger("io.helidon").getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void aReconfigureDetachesEveryEarlierAppenderAndTurboFilter() {
        LoggingConfigurator.configure(settings("info", Optional.empty()));
        ch.qos.logback.classic.Logger logger = logback().getLogger("test.logger");
        ListAppender<ILoggingEvent> earlier = new ListAppender<>();
        earlier.setContext(logback());
        earlier.start();
        logger.addAppender(earlier);
        logger.setAdditive(false);
        logback().addTurboFilter(new TurboFilter() {
            @Override
            public FilterReply decide(
                    Marker marker,
                    ch.qos.logback.classic.Logger logger,
                    Level level,
                    String format,
                    Object[] params,
                    Throwable t) {
                return FilterReply.DENY;
            }
        });

        LoggingConfigurator.configure(settings("info", Optional.empty()));
        log.info("after");

        assertThat(earlier.isStarted()).isFalse();
        assertThat(earlier.list).isEmpty();
        assertThat(logback().getTurboFilterList()).isEmpty();
        assertThat(console()).contains("test.logger - after");
    }

    @Test
    void theJulLevelPropagatorIsThereOnceAfterManyConfigurations() {
        for (String level : List.of("info", "debug", "info", "debug")) {
            LoggingConfigurator.configure(settings(level, Optional.empty()));
        }

        assertThat(logback().getCopyOfListenerList())
                .filteredOn(LevelChangePropagator.class::isInstance)
                .hasSize(1);
        assertThat(java.util.logging.Logger.getLogger("").getLevel()).isEqualTo(java.util.logging.Level.FINE);
        java.util.logging.Logger.getLogger("jul.source").fine("fine from jul");
        assertThat(console()).contains("jul.source - fine from jul");
    }

    @Test
    void theSameLogFileConfiguredAgainKeepsAppending() throws IOException {
        Path file = dir.resolve("logs/service.log");
        int errorsBefore = errorStatuses();
        LoggingConfigurator.configure(settings("info", Optional.of(file)));
        log.info("first configuration");
        LoggingConfigurator.configure(settings("info", Optional.of(file)));
        log.info("second configuration");
        LoggingConfigurator.configureBootstrap(); // closes the file

        assertThat(Files.readAllLines(file))
                .filteredOn(line -> line.contains("configuration"))
                .hasSize(2)
                .satisfies(lines -> assertThat(lines.get(0)).endsWith("first configuration"))
                .satisfies(lines -> assertThat(lines.get(1)).endsWith("second configuration"));
        assertThat(errorStatuses())
                .as("Logback reported no error (no file collision)")
                .isEqualTo(errorsBefore);
    }

    private static int errorStatuses() {
        return (int) logback().getStatusManager().getCopyOfStatusList().stream()
                .filter(status -> status.getLevel() == Status.ERROR)
                .count();
    }

    @Test
    void fileLoggingWritesTheSameLinesToTheFile() throws IOException {
        Path file = dir.resolve("logs/service.log");
        configure("json", Optional.of(file), true);
        log.warn("to both");
        LoggingConfigurator.configureBootstrap(); // closes the file

        assertThat(Files.readString(file)).contains("\"msg\":\"to both\"");
        assertThat(console()).contains("\"msg\":\"to both\"");
    }

    @Test
    void everyQueuedAccessLineReachesConsoleAndFileOnReconfigureAndShutdown() throws IOException {
        Path file = dir.resolve("logs/access.log");
        configure("text", Optional.of(file), true);
        Logger access = LoggerFactory.getLogger(LoggingConfigurator.ACCESS_LOGGER);
        int lines = LoggingConfigurator.ACCESS_QUEUE_SIZE
                * 2; // more than one queue's worth: writers wait, nothing is dropped
        for (int i = 0; i < lines; i++) {
            access.info("GET /item/{} 200", i);
        }
        LoggingConfigurator.configureBootstrap(); // a reconfigure (as a reload does) drains the queues first

        assertThat(console().lines().filter(line -> line.contains("GET /item/")))
                .hasSize(lines);
        assertThat(Files.readAllLines(file).stream().filter(line -> line.contains("GET /item/")))
                .hasSize(lines);
        assertThat(console()).contains("GET /item/" + (lines - 1) + " 200");

        configure("text", Optional.empty(), true);
        access.info("GET /last 200");
        LoggingConfigurator.shutdown();
        assertThat(console()).contains("GET /last 200");
    }

    @Test
    void accessLinesAreWrittenInBlocksOfWholeLines() throws Exception {
        CountDownLatch writerBlocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> writes = Collections.synchronizedList(new ArrayList<>());
        OutputStream recording = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writerBlocked.countDown();
                try {
                    release.await(); // the first write holds the writer while the queue fills
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                writes.add(new String(b, off, len, StandardCharsets.UTF_8));
            }
        };
        LoggingConfigurator.configure(new LogSettings(
                "info",
                "text",
                new PrintStream(recording, false, StandardCharsets.UTF_8),
                Optional.empty(),
                1024,
                Duration.ofDays(1),
                1024,
                true,
                Optional.empty()));
        Logger access = LoggerFactory.getLogger(LoggingConfigurator.ACCESS_LOGGER);
        access.info("GET /item/0 200");
        assertThat(writerBlocked.await(5, TimeUnit.SECONDS))
                .as("the first line is written without a stop")
                .isTrue();
        int lines = 500;
        for (int i = 1; i < lines; i++) {
            access.info("GET /item/{} 200", i);
        }
        release.countDown();
        LoggingConfigurator.configureBootstrap();

        String all = String.join("", writes);
        assertThat(all.lines().filter(line -> line.contains("GET /item/"))).hasSize(lines);
        assertThat(writes).allSatisfy(block -> {
            assertThat(block).endsWith("\n");
            assertThat(block.getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(LineBlockAppenders.BLOCK_BYTES);
        });
        // About 80 bytes a line: 499 queued lines fit in about ten blocks of 4 KiB, not 499 writes.
        assertThat(writes.size()).isLessThan(lines / 20);
    }

    @Test
    void anAccessLineIsWrittenSoonWithoutAStop() {
        configure("text", Optional.empty(), true);
        LoggerFactory.getLogger(LoggingConfigurator.ACCESS_LOGGER).info("GET /soon 200");

        Poll.until(
                Duration.ofSeconds(5),
                "the access line on the console",
                this::console,
                out -> out.contains("GET /soon 200"));
    }

    @Test
    void accessLogCanBeTurnedOff() {
        configure("text", Optional.empty(), false);
        LoggerFactory.getLogger(LoggingConfigurator.ACCESS_LOGGER).info("GET / 200");
        log.info("still logged");

        assertThat(console()).doesNotContain("GET / 200").contains("still logged");
    }

    @Test
    void julRecordsReachTheConfiguredOutput() {
        configure("text", Optional.empty(), true);
        java.util.logging.Logger.getLogger("jul.source").warning("from jul");

        assertThat(console()).contains("jul.source - from jul");
    }

    @Test
    void linesForAConsoleCollectorCarryItsSeverityPrefixAndNoTimestamp() {
        configureForJournal("debug");
        log.error("bad");
        log.warn("careful");
        log.info("fine");
        log.debug("detail");

        assertThat(console().split("\n"))
                .containsExactly(
                        "<3>ERROR [main] test.logger - bad",
                        "<4>WARN  [main] test.logger - careful",
                        "<6>INFO  [main] test.logger - fine",
                        "<7>DEBUG [main] test.logger - detail");
    }

    /**
     * journald takes each line's priority from that line's own prefix: the lines after the first of a multi-line
     * message or a stack trace need it too, or {@code journalctl -p warning} shows a reload refusal without its
     * problems and {@code -p err} an exception without its frames.
     */
    @Test
    void everyLineOfAMultiLineMessageAndOfAStackTraceCarriesTheSeverityPrefix() {
        configureForJournal("info");
        log.warn("reload refused (2 problems):\n  - http.port: bad\n  - log.level: bad");
        log.error("store failed", new IllegalStateException("disk full", new java.io.IOException("no space")));
        log.info("after");

        String[] lines = console().split("\n");
        assertThat(lines)
                .startsWith(
                        "<4>WARN  [main] test.logger - reload refused (2 problems):",
                        "<4>  - http.port: bad",
                        "<4>  - log.level: bad",
                        "<3>ERROR [main] test.logger - store failed",
                        "<3>java.lang.IllegalStateException: disk full")
                .endsWith("<6>INFO  [main] test.logger - after");
        assertThat(lines).anyMatch(line -> line.startsWith("<3>\tat "));
        assertThat(lines).anyMatch(line -> line.startsWith("<3>Caused by: java.io.IOException: no space"));
        assertThat(lines).allMatch(line -> line.matches("<[346]>.*"), "every line has a priority prefix");
    }

    /** Text lines at {@code level} on the console, as a journal reads them, with the access log. */
    private void configureForJournal(String level) {
        LoggingConfigurator.configure(new LogSettings(
                level,
                "text",
                new PrintStream(console, true, StandardCharsets.UTF_8),
                Optional.empty(),
                1024,
                Duration.ofDays(1),
                1024,
                true,
                Optional.of(journalTarget())));
    }

    private static ConsoleLogTarget journalTarget() {
        return new ConsoleLogTarget() {
            @Override
            public boolean readsStdout(java.util.Map<String, String> environment) {
                return true;
            }

            @Override
            public String linePrefix(int severity) {
                return "<" + severity + ">";
            }

            @Override
            public boolean timestamps() {
                return false;
            }

            @Override
            public String name() {
                return "journal";
            }
        };
    }

    @Test
    void everyLineOfAnInstanceCarriesItsNameInTextJsonFileAndJournalAlike() throws IOException {
        Path file = dir.resolve("a.log");
        for (String format : List.of("text", "json")) {
            console.reset();
            LoggingConfigurator.configure(LogSettings.from(
                    ConfigLoader.builder(ConfigSchema.builder()
                                    .add(CoreConfigKeys.all())
                                    .build())
                            .overrides(List.of("instance=eu-1", "log.format=" + format, "log.file.path=" + file))
                            .build()
                            .load(),
                    "example",
                    new PrintStream(console, true, StandardCharsets.UTF_8),
                    Optional.empty()));
            MDC.put("requestId", "r-1");
            log.info("served");
            MDC.clear();
            LoggingConfigurator.configureBootstrap(); // flushes and closes the file

            String line = console().strip();
            if (format.equals("text")) {
                assertThat(line).endsWith(" INFO  instance=eu-1 [main] test.logger [r-1] - served");
            } else {
                assertThat(new ObjectMapper().readTree(line).path("instance").asText())
                        .isEqualTo("eu-1");
            }
            assertThat(Files.readString(file))
                    .contains(format.equals("text") ? "instance=eu-1" : "\"instance\":\"eu-1\"");
        }
        LoggingConfigurator.configure(new LogSettings(
                "info",
                "text",
                new PrintStream(console, true, StandardCharsets.UTF_8),
                Optional.empty(),
                1024,
                Duration.ofDays(1),
                1024,
                false,
                Optional.of(journalTarget()),
                Optional.of("eu-1")));
        console.reset();
        log.info("fine");

        assertThat(console()).isEqualTo("<6>INFO  instance=eu-1 [main] test.logger - fine\n");
    }
}
