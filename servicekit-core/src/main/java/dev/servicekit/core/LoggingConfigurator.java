package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Configures Logback from {@link LogSettings}: console (text or JSON lines), an optional rolling file
 * (daily and by size, gzip-compressed, with age and total-size caps), and the access logger. Also routes
 * {@code java.util.logging} (used by Helidon) into SLF4J. Idempotent: each call replaces the previous
 * configuration, which is how a reload changes the level.
 */
public final class LoggingConfigurator {

    /** The logger that writes one line per HTTP request. */
    public static final String ACCESS_LOGGER = "dev.servicekit.http.access";

    /** The text format, as a Logback pattern; {@link TextLineEncoder} writes it. */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36}%replace( [%X{requestId}]){' \\[\\]', ''} - %msg%n";

    /** The text format for the journal (no timestamp), as a Logback pattern; {@link TextLineEncoder} writes it. */
    static final String JOURNAL_TEXT_PATTERN = "%-5level [%thread] %logger{36}%replace( [%X{requestId}]){' \\[\\]', ''} - %msg%n";

    private LoggingConfigurator() {
    }

    /** Applies the settings, replacing any earlier configuration. */
    public static void configure(LogSettings settings) {
        LoggerContext context = context();
        drainAccessLog(context);
        context.reset();
        installJulBridge(context);

        LineBlockAppenders.Console console = consoleAppender(context, settings.format(), settings.console(), settings.journal());
        Optional<LineBlockAppenders.File> file = settings.file().map(path -> fileAppender(context, settings, path));
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(settings.level().toUpperCase(Locale.ROOT), Level.INFO));
        root.addAppender(console);
        file.ifPresent(root::addAppender);

        Logger access = context.getLogger(ACCESS_LOGGER);
        access.setLevel(settings.accessLog() ? Level.INFO : Level.OFF);
        // One line per request, written in blocks by one platform thread: a request's virtual thread only queues
        // its line. Blocking file writes from virtual threads make the JDK add carrier threads for every write,
        // and a write(2) per line halved the throughput on one CPU (bench/RESULTS.md). Nothing is dropped: a full
        // queue makes requests wait (back-pressure), and stopping the context drains the queue.
        access.setAdditive(false);
        List<LineBlockAppenders.LineBlockAppender> targets = new ArrayList<>();
        targets.add(console);
        file.ifPresent(targets::add);
        access.addAppender(accessAppender(context, targets));
        // Helidon logs routine connection events at INFO through JUL; keep them at WARN unless asked.
        quiet(context, "io.helidon", settings.level());
        quiet(context, "com.zaxxer.hikari", settings.level());
        quiet(context, "org.flywaydb", settings.level());
    }

    /** The configuration used before the service's own configuration is loaded: WARN and up to stderr. */
    public static void configureBootstrap() {
        configure(new LogSettings("warn", "text", System.err, java.util.Optional.empty(), 0, java.time.Duration.ofDays(1), 0, false, false));
    }

    /** Flushes and stops all appenders; call once before the process exits. */
    public static void shutdown() {
        LoggerContext context = context();
        drainAccessLog(context);
        context.stop();
    }

    /**
     * Stops the access log's queues first, while the console and file they write to still run: Logback's own
     * reset stops the root's appenders before its children's, which would drop the queued lines.
     */
    private static void drainAccessLog(LoggerContext context) {
        context.getLogger(ACCESS_LOGGER).detachAndStopAllAppenders();
    }

    /** The levels of one logger, for {@code GET /admin/loggers/{name}}. */
    public record LoggerLevel(String name, Optional<String> configuredLevel, String effectiveLevel) {
    }

    /** The root logger's name in the admin API. */
    public static final String ROOT = "ROOT";

    /** The configured and effective level of a logger ({@link #ROOT} for the root logger). */
    public static LoggerLevel level(String name) {
        Logger logger = context().getLogger(name.equals(ROOT) ? org.slf4j.Logger.ROOT_LOGGER_NAME : name);
        return new LoggerLevel(name, Optional.ofNullable(logger.getLevel()).map(Level::toString), logger.getEffectiveLevel().toString());
    }

    /**
     * Sets a logger's level at runtime (until the next restart or logging reconfiguration); empty clears it so
     * the logger inherits its parent's level (not allowed for the root).
     *
     * @throws IllegalArgumentException for an unknown level name, listing the valid ones
     */
    public static LoggerLevel setLevel(String name, Optional<String> level) {
        Logger logger = context().getLogger(name.equals(ROOT) ? org.slf4j.Logger.ROOT_LOGGER_NAME : name);
        if (level.isEmpty()) {
            if (name.equals(ROOT)) {
                throw new IllegalArgumentException("The root logger needs a level; use one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
            }
            logger.setLevel(null);
        } else {
            String wanted = level.get().toUpperCase(Locale.ROOT);
            if (!java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(wanted)) {
                throw new IllegalArgumentException("\"" + level.get() + "\" is not a log level; use one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
            }
            logger.setLevel(Level.toLevel(wanted));
        }
        return level(name);
    }

    private static LoggerContext context() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            return context;
        }
        throw new IllegalStateException("Servicekit configures Logback, but SLF4J is bound to "
                + LoggerFactory.getILoggerFactory().getClass().getName() + "; remove the other SLF4J provider from the class path");
    }

    private static void quiet(LoggerContext context, String name, String rootLevel) {
        boolean verbose = rootLevel.equals("debug") || rootLevel.equals("trace");
        context.getLogger(name).setLevel(verbose ? null : Level.WARN);
    }

    private static void installJulBridge(LoggerContext context) {
        LevelChangePropagator propagator = new LevelChangePropagator();
        propagator.setContext(context);
        propagator.setResetJUL(true);
        propagator.start();
        context.addListener(propagator);
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
        if (format.equals("json")) {
            JsonLinesEncoder json = new JsonLinesEncoder();
            json.setContext(context);
            json.start();
            return json;
        }
        TextLineEncoder text = new TextLineEncoder(true); // TEXT_PATTERN, without Logback's pattern machinery
        text.setContext(context);
        text.start();
        return text;
    }

    /** Lines queued in memory for the access log writer before requests wait for it. */
    static final int ACCESS_QUEUE_SIZE = 8192;

    /** The queue and writer thread in front of the targets. */
    private static Appender<ILoggingEvent> accessAppender(LoggerContext context, List<LineBlockAppenders.LineBlockAppender> targets) {
        AccessLogAppender appender = new AccessLogAppender(targets, ACCESS_QUEUE_SIZE);
        appender.setContext(context);
        appender.setName("access");
        appender.start();
        return appender;
    }

    private static LineBlockAppenders.Console consoleAppender(LoggerContext context, String format, PrintStream stream, boolean journal) {
        LineBlockAppenders.Console appender = new LineBlockAppenders.Console();
        appender.setContext(context);
        appender.setName("console");
        appender.setEncoder(journal ? journalEncoder(context, format) : encoder(context, format));
        appender.setImmediateFlush(false); // flushed per line of the service's log, per block of access lines
        appender.setOutputStream(new BufferedOutputStream(new NonClosingOutputStream(stream), LineBlockAppenders.BLOCK_BYTES));
        appender.start();
        return appender;
    }

    /** For the journal: a syslog priority prefix, and no timestamp (journald records its own). */
    private static Encoder<ILoggingEvent> journalEncoder(LoggerContext context, String format) {
        Encoder<ILoggingEvent> inner;
        if (format.equals("json")) {
            inner = encoder(context, format);
        } else {
            TextLineEncoder text = new TextLineEncoder(false); // JOURNAL_TEXT_PATTERN
            text.setContext(context);
            text.start();
            inner = text;
        }
        JournalPriorityEncoder journal = new JournalPriorityEncoder(inner);
        journal.setContext(context);
        journal.start();
        return journal;
    }

    private static LineBlockAppenders.File fileAppender(LoggerContext context, LogSettings settings, Path file) {
        LineBlockAppenders.File appender = new LineBlockAppenders.File();
        appender.setContext(context);
        appender.setName("file");
        appender.setFile(file.toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
        policy.setMaxFileSize(new FileSize(settings.fileMaxSize()));
        policy.setMaxHistory((int) Math.max(1, settings.fileMaxAge().toDays()));
        policy.setTotalSizeCap(new FileSize(settings.fileTotalCap()));
        policy.start();
        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder(context, settings.format()));
        appender.setImmediateFlush(false); // flushed per line of the service's log, per block of access lines
        appender.start();
        return appender;
    }

    /** Keeps Logback from closing System.out/System.err when it stops or reconfigures. */
    private static final class NonClosingOutputStream extends java.io.FilterOutputStream {
        NonClosingOutputStream(PrintStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            out.flush();
        }
    }
}
