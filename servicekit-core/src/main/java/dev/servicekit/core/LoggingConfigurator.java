package dev.servicekit.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.StatusListener;
import ch.qos.logback.core.status.StatusManager;
import ch.qos.logback.core.util.FileSize;
import dev.servicekit.spi.ConsoleLogTarget;
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Configures Logback from {@link LogSettings}: console (text or JSON lines), an optional rolling file
 * (daily and by size, gzip-compressed, with age and total-size caps), an optional syslog collector (RFC 5424, see
 * {@link SyslogSettings}), and the access logger, whose lines go to each of them. Also routes
 * {@code java.util.logging} (used by Helidon) into SLF4J.
 *
 * <p>{@link #configure} runs once when the process starts (each call replaces the whole configuration). A reload
 * never reconfigures: its {@link #reloadStep() step} only sets the levels that {@code log.level} and
 * {@code log.access} decide, so appenders attached since (the Windows Event Log) and levels set at runtime through
 * {@link #setLevel} ({@code PUT /admin/loggers}) survive it. A reload that changes {@code log.level} sets the root
 * level (replacing a root level set at runtime: the key names the root) and the level of the libraries quieted to
 * WARN below debug ({@code io.helidon}, {@code com.zaxxer.hikari}, {@code org.flywaydb}) unless one of those was
 * set at runtime.
 */
public final class LoggingConfigurator {

    /** The logger that writes one line per HTTP request. */
    public static final String ACCESS_LOGGER = "dev.servicekit.http.access";

    /**
     * The text format, as a Logback pattern; {@link TextLineEncoder} writes it. With an instance, {@code instance=<name>}
     * follows the level (the pattern with {@code "%-5level instance=<name> [%thread]"}).
     */
    static final String TEXT_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36}%replace( [%X{requestId}]){' \\[\\]', ''} - %msg%n";

    /** The text format for the journal (no timestamp), as a Logback pattern; {@link TextLineEncoder} writes it. */
    static final String JOURNAL_TEXT_PATTERN =
            "%-5level [%thread] %logger{36}%replace( [%X{requestId}]){' \\[\\]', ''} - %msg%n";

    /** Libraries that log routine events at INFO; kept at WARN unless the root level is debug or trace. */
    private static final List<String> QUIETED = List.of("io.helidon", "com.zaxxer.hikari", "org.flywaydb");

    /** Loggers whose level was set through {@link #setLevel} since the last {@link #configure}. */
    private static final Set<String> RUNTIME_LEVELS = ConcurrentHashMap.newKeySet();

    /** Whether Logback has been initialised in this JVM; see {@link #shutdown()}. */
    private static volatile boolean started;

    private LoggingConfigurator() {}

    /**
     * Applies the settings, replacing any earlier configuration: the appenders of every logger, every logger's level
     * (levels set through {@link #setLevel} too), additivity, turbo filters and context listeners. Safe while other
     * threads log: no logger ever accepts a level that both the earlier and the new settings reject. Everything new
     * is built before anything changes; a line logged in the instant the appenders are swapped may be written by
     * both the old and the new ones.
     */
    public static synchronized void configure(LogSettings settings) {
        Objects.requireNonNull(settings, "settings");
        LoggerContext context = context();
        LineBlockAppenders.Console console = consoleAppender(context, settings);
        Optional<LineBlockAppenders.File> file = settings.file().map(path -> fileAppender(context, settings, path));
        Optional<SyslogAppender> syslog =
                settings.syslog().map(syslogSettings -> syslogAppender(context, syslogSettings, settings));
        List<LineBlockAppenders.LineBlockAppender> targets = new ArrayList<>();
        targets.add(console);
        file.ifPresent(targets::add);
        syslog.ifPresent(targets::add);
        // One line per request, written in blocks by one platform thread: a request's virtual thread only queues
        // its line. Blocking file writes from virtual threads make the JDK add carrier threads for every write,
        // and a write(2) per line halved the throughput on one CPU (bench/RESULTS.md). Nothing is dropped: a full
        // queue makes requests wait (back-pressure), and stopping the appender drains the queue.
        Appender<ILoggingEvent> access = accessAppender(context, targets);

        // Not LoggerContext.reset(): it sets the root to DEBUG and drops every appender before the new ones and
        // levels are in place, so a thread logging meanwhile wrote DEBUG lines at log.level info. Instead, first
        // every level becomes the stricter of the old and the new one, then the appenders are swapped, then the new
        // levels are set. Each step only makes a level stricter (first) or brings it to the new one (last).
        Level rootLevel = rootLevel(settings.level());
        Map<String, Level> levels = configuredLevels(settings);
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        List<Logger> loggers = context.getLoggerList();
        Map<Logger, List<Appender<ILoggingEvent>>> previous = appenders(loggers);
        Set<Logger> leveled = new LinkedHashSet<>();
        loggers.stream()
                .filter(logger -> logger != root && logger.getLevel() != null)
                .forEach(leveled::add);
        levels.keySet().forEach(name -> leveled.add(context.getLogger(name)));
        root.setLevel(stricter(root.getLevel(), rootLevel));
        for (Logger logger : leveled) {
            logger.setLevel(stricter(logger.getEffectiveLevel(), effectiveLevel(logger.getName(), levels, rootLevel)));
        }
        context.resetTurboFilterList();

        Logger accessLogger = context.getLogger(ACCESS_LOGGER);
        accessLogger.setAdditive(false);
        targets.forEach(root::addAppender);
        accessLogger.addAppender(access);
        previous.forEach((logger, appenders) -> appenders.forEach(logger::detachAppender));
        // The access log's queues first, while the console and file they write to still run.
        previous.getOrDefault(accessLogger, List.of()).forEach(Appender::stop);
        previous.values().forEach(appenders -> appenders.forEach(Appender::stop));

        root.setLevel(rootLevel);
        for (Logger logger : leveled) {
            logger.setLevel(levels.get(logger.getName()));
        }
        loggers.stream().filter(logger -> logger != accessLogger).forEach(logger -> logger.setAdditive(true));
        RUNTIME_LEVELS.clear();
        removeListenersAndTasks(context);
        installJulBridge(context);
    }

    /**
     * The rest of what LoggerContext.reset() did that a configuration made here could depend on: turbo filters go
     * before the swap, and here the context listeners (the earlier LevelChangePropagator among them), status
     * listeners and scheduled tasks (a logback.xml's scan) go, except those that declare themselves reset resistant.
     * Not done: clearing the context's properties and objects, which nothing here reads (Logback 1.5 keeps its
     * file-name collision maps in the configuration run that reads a logback.xml, not in the context, so the same file
     * configured again starts without a collision), and removing a logback.xml's shutdown hook, which stops the
     * context whichever configuration it has.
     */
    private static void removeListenersAndTasks(LoggerContext context) {
        for (LoggerContextListener listener : context.getCopyOfListenerList()) {
            if (!listener.isResetResistant() || listener instanceof LevelChangePropagator) {
                context.removeListener(listener);
            }
        }
        StatusManager statuses = context.getStatusManager();
        for (StatusListener listener : statuses.getCopyOfStatusListenerList()) {
            if (!listener.isResetResistant()) {
                statuses.remove(listener);
            }
        }
        context.getCopyOfScheduledFutures().forEach(task -> task.cancel(false));
    }

    /** The appenders attached to each logger that has some. */
    private static Map<Logger, List<Appender<ILoggingEvent>>> appenders(List<Logger> loggers) {
        Map<Logger, List<Appender<ILoggingEvent>>> appenders = new LinkedHashMap<>();
        for (Logger logger : loggers) {
            List<Appender<ILoggingEvent>> attached = new ArrayList<>();
            logger.iteratorForAppenders().forEachRemaining(attached::add);
            if (!attached.isEmpty()) {
                appenders.put(logger, attached);
            }
        }
        return appenders;
    }

    /** The levels the settings give loggers other than the root. */
    private static Map<String, Level> configuredLevels(LogSettings settings) {
        Map<String, Level> levels = new HashMap<>();
        quietedLevel(settings.level()).ifPresent(level -> QUIETED.forEach(name -> levels.put(name, level)));
        levels.put(ACCESS_LOGGER, accessLevel(settings.accessLog()));
        return levels;
    }

    /** A logger's effective level under the given levels: its own, else its nearest ancestor's, else the root's. */
    private static Level effectiveLevel(String name, Map<String, Level> levels, Level rootLevel) {
        String current = name;
        while (true) {
            Level level = levels.get(current);
            if (level != null) {
                return level;
            }
            // Logback separates a logger's name parts with '.' and '$'.
            int end = Math.max(current.lastIndexOf('.'), current.lastIndexOf('$'));
            if (end < 0) {
                return rootLevel;
            }
            current = current.substring(0, end);
        }
    }

    private static Level stricter(Level a, Level b) {
        return a.isGreaterOrEqual(b) ? a : b;
    }

    private static Level rootLevel(String level) {
        return Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO);
    }

    /** WARN for the libraries that log routine events at INFO, unless the root level is debug or trace. */
    private static Optional<Level> quietedLevel(String rootLevel) {
        return rootLevel.equals("debug") || rootLevel.equals("trace") ? Optional.empty() : Optional.of(Level.WARN);
    }

    private static Level accessLevel(boolean on) {
        return on ? Level.INFO : Level.OFF;
    }

    /**
     * The logging part of every reload: applies {@code log.level} and {@code log.access} by setting levels, never by
     * reconfiguring (see the class comment). Prepares nothing that can fail: the values were validated.
     *
     * @return the step
     */
    public static ReloadStep reloadStep() {
        return (next, changed) -> {
            boolean level = changed.contains(CoreConfigKeys.LOG_LEVEL.name());
            boolean access = changed.contains(CoreConfigKeys.LOG_ACCESS.name());
            if (!level && !access) {
                return ReloadPlan.none();
            }
            String rootLevel = next.get(CoreConfigKeys.LOG_LEVEL);
            boolean accessLog = next.get(CoreConfigKeys.LOG_ACCESS);
            Set<String> keys = new LinkedHashSet<>();
            if (level) {
                keys.add(CoreConfigKeys.LOG_LEVEL.name());
            }
            if (access) {
                keys.add(CoreConfigKeys.LOG_ACCESS.name());
            }
            return ReloadPlan.applying(keys, () -> {
                LoggerContext context = context();
                if (level) {
                    applyRootLevel(context, rootLevel);
                }
                if (access) {
                    applyAccessLog(context, accessLog);
                }
            });
        };
    }

    /** The root level, and the quieted libraries' levels that follow it (except those set at runtime). */
    private static void applyRootLevel(LoggerContext context, String level) {
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(rootLevel(level));
        Level quieted = quietedLevel(level).orElse(null);
        for (String name : QUIETED) {
            if (!RUNTIME_LEVELS.contains(name)) {
                // Helidon logs routine connection events at INFO through JUL; keep them at WARN unless asked.
                context.getLogger(name).setLevel(quieted);
            }
        }
    }

    private static void applyAccessLog(LoggerContext context, boolean on) {
        context.getLogger(ACCESS_LOGGER).setLevel(accessLevel(on));
    }

    /** The configuration used before the service's own configuration is loaded: WARN and up to stderr. */
    public static void configureBootstrap() {
        configure(new LogSettings(
                "warn",
                "text",
                System.err,
                Optional.empty(),
                0,
                java.time.Duration.ofDays(1),
                0,
                false,
                Optional.empty()));
    }

    /**
     * Flushes and stops all appenders; call once before the process exits. Does nothing when nothing has logged or
     * configured logging yet: starting Logback only to stop it cost a verb such as {@code version} about 100 classes.
     */
    public static void shutdown() {
        if (!started) {
            return;
        }
        LoggerContext context = context();
        drainAccessLog(context);
        context.stop();
    }

    /**
     * Stops the access log's queues first, while the console and file they write to still run: Logback's own
     * stop resets the context, which stops the root's appenders before its children's and would drop the queued lines.
     */
    private static void drainAccessLog(LoggerContext context) {
        context.getLogger(ACCESS_LOGGER).detachAndStopAllAppenders();
    }

    /** The levels of one logger, for {@code GET /admin/loggers/{name}}. */
    public record LoggerLevel(String name, Optional<String> configuredLevel, String effectiveLevel) {}

    /** The root logger's name in the admin API. */
    public static final String ROOT = "ROOT";

    /**
     * The configured and effective level of an existing logger ({@link #ROOT} for the root logger); empty when no
     * logger of that name exists. Asking never creates one: Logback keeps every logger it creates for the life of
     * the process, so {@code GET /admin/loggers/{name}} with made-up names would otherwise grow it without bound.
     */
    public static Optional<LoggerLevel> level(String name) {
        LoggerContext context = context();
        // Logback's getLogger matches the root's name in any case; its cache lookup does not.
        String logbackName = name.equalsIgnoreCase(ROOT) ? org.slf4j.Logger.ROOT_LOGGER_NAME : name;
        Logger logger = context.exists(logbackName);
        return Optional.ofNullable(logger).map(existing -> level(name, existing));
    }

    private static LoggerLevel level(String name, Logger logger) {
        return new LoggerLevel(
                name,
                Optional.ofNullable(logger.getLevel()).map(Level::toString),
                logger.getEffectiveLevel().toString());
    }

    /**
     * Sets a logger's level at runtime, until the process restarts; a reload keeps it (except the root's, when the
     * reload changes {@code log.level}). Empty clears it so the logger inherits its parent's level (not allowed for
     * the root).
     *
     * @throws IllegalArgumentException for an unknown level name, listing the valid ones
     */
    public static LoggerLevel setLevel(String name, Optional<String> level) {
        Logger logger = context().getLogger(name.equals(ROOT) ? org.slf4j.Logger.ROOT_LOGGER_NAME : name);
        if (level.isEmpty()) {
            if (name.equals(ROOT)) {
                throw new IllegalArgumentException(
                        "The root logger needs a level; use one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
            }
            logger.setLevel(null);
            RUNTIME_LEVELS.remove(name);
        } else {
            String wanted = level.get().toUpperCase(Locale.ROOT);
            if (!java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF")
                    .contains(wanted)) {
                throw new IllegalArgumentException(
                        "\"" + level.get() + "\" is not a log level; use one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
            }
            logger.setLevel(Level.toLevel(wanted));
            RUNTIME_LEVELS.add(name);
        }
        return level(name, logger);
    }

    /** Logback has been initialised (by its auto-configuration, which calls {@link BootstrapLogbackConfigurator}). */
    static void markStarted() {
        started = true;
    }

    private static LoggerContext context() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            started = true;
            return context;
        }
        throw new IllegalStateException("Servicekit configures Logback, but SLF4J is bound to "
                + LoggerFactory.getILoggerFactory().getClass().getName()
                + "; remove the other SLF4J provider from the class path");
    }

    /** A new LevelChangePropagator (its start resets JUL's levels to the context's), and the JUL to SLF4J bridge. */
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

    private static Encoder<ILoggingEvent> encoder(LoggerContext context, String format, Optional<String> instance) {
        if (format.equals("json")) {
            JsonLinesEncoder json = new JsonLinesEncoder(instance);
            json.setContext(context);
            json.start();
            return json;
        }
        // TEXT_PATTERN (with " instance=<name>" after the level), without Logback's pattern machinery
        TextLineEncoder text = new TextLineEncoder(true, instance);
        text.setContext(context);
        text.start();
        return text;
    }

    /** Lines queued in memory for the access log writer before requests wait for it. */
    static final int ACCESS_QUEUE_SIZE = 8192;

    /** The queue and writer thread in front of the targets. */
    private static Appender<ILoggingEvent> accessAppender(
            LoggerContext context, List<LineBlockAppenders.LineBlockAppender> targets) {
        AccessLogAppender appender = new AccessLogAppender(targets, ACCESS_QUEUE_SIZE);
        appender.setContext(context);
        appender.setName("access");
        appender.start();
        return appender;
    }

    private static LineBlockAppenders.Console consoleAppender(LoggerContext context, LogSettings settings) {
        LineBlockAppenders.Console appender = new LineBlockAppenders.Console();
        appender.setContext(context);
        appender.setName("console");
        appender.setEncoder(settings.consoleTarget()
                .map(target -> targetEncoder(context, settings, target))
                .orElseGet(() -> encoder(context, settings.format(), settings.instance())));
        appender.setImmediateFlush(false); // flushed per line of the service's log, per block of access lines
        appender.setOutputStream(new BufferedOutputStream(
                new NonClosingOutputStream(settings.console()), LineBlockAppenders.BLOCK_BYTES));
        appender.start();
        return appender;
    }

    /** For a collector that reads the console (the journal): its line prefix, and no timestamp if it records its own. */
    private static Encoder<ILoggingEvent> targetEncoder(
            LoggerContext context, LogSettings settings, ConsoleLogTarget target) {
        Encoder<ILoggingEvent> inner;
        if (settings.format().equals("json") || target.timestamps()) {
            inner = encoder(context, settings.format(), settings.instance());
        } else {
            TextLineEncoder text = new TextLineEncoder(false, settings.instance()); // JOURNAL_TEXT_PATTERN
            text.setContext(context);
            text.start();
            inner = text;
        }
        LinePrefixEncoder prefixed = new LinePrefixEncoder(inner, target);
        prefixed.setContext(context);
        prefixed.start();
        return prefixed;
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
        appender.setEncoder(encoder(context, settings.format(), settings.instance()));
        appender.setImmediateFlush(false); // flushed per line of the service's log, per block of access lines
        appender.start();
        return appender;
    }

    /** Sends to the collector from its own thread; a logging thread only queues (see {@link SyslogAppender}). */
    private static SyslogAppender syslogAppender(LoggerContext context, SyslogSettings syslog, LogSettings settings) {
        SyslogAppender appender = new SyslogAppender(syslog, settings.instance());
        appender.setContext(context);
        appender.setName("syslog");
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
