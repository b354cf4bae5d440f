package dev.servicekit.core;

import dev.servicekit.spi.ConsoleLogTarget;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the host configures logging: root level, console format, optional rolling file, optional syslog collector and
 * whether the per-request access log is written.
 *
 * @param level         root level: trace, debug, info, warn, error
 * @param format        {@code text} or {@code json} (JSON lines with ts, level, logger, msg, requestId, ...)
 * @param console       where console lines go ({@code System.out} for {@code run}, {@code System.err} for other verbs)
 * @param file          the active log file, when file logging is on
 * @param fileMaxSize   roll the file when it grows past this many bytes
 * @param fileMaxAge    delete rolled files older than this (rolled daily and by size, gzip-compressed)
 * @param fileTotalCap  delete the oldest rolled files when all of them exceed this many bytes
 * @param accessLog     whether one access log line per request is written
 * @param consoleTarget the log collector that reads the console (the systemd journal), when one does: console lines
 *                      then get its per-severity prefix, and no timestamp when it records its own
 * @param instance      the process's instance when several run on one host: every line carries it ({@code instance=a}
 *                      after the level in text, an {@code "instance"} field in JSON)
 * @param syslog        the syslog collector every line also goes to, when {@code log.syslog.transport} is not off
 */
public record LogSettings(
        String level,
        String format,
        PrintStream console,
        Optional<Path> file,
        long fileMaxSize,
        Duration fileMaxAge,
        long fileTotalCap,
        boolean accessLog,
        Optional<ConsoleLogTarget> consoleTarget,
        Optional<String> instance,
        Optional<SyslogSettings> syslog) {

    /** Checks values. */
    public LogSettings {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(fileMaxAge, "fileMaxAge");
        Objects.requireNonNull(consoleTarget, "consoleTarget");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(syslog, "syslog");
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException("log format must be text or json, was \"" + format + "\"");
        }
    }

    /** Settings without syslog. */
    public LogSettings(
            String level,
            String format,
            PrintStream console,
            Optional<Path> file,
            long fileMaxSize,
            Duration fileMaxAge,
            long fileTotalCap,
            boolean accessLog,
            Optional<ConsoleLogTarget> consoleTarget,
            Optional<String> instance) {
        this(
                level,
                format,
                console,
                file,
                fileMaxSize,
                fileMaxAge,
                fileTotalCap,
                accessLog,
                consoleTarget,
                instance,
                Optional.empty());
    }

    /** Settings without an instance or syslog. */
    public LogSettings(
            String level,
            String format,
            PrintStream console,
            Optional<Path> file,
            long fileMaxSize,
            Duration fileMaxAge,
            long fileTotalCap,
            boolean accessLog,
            Optional<ConsoleLogTarget> consoleTarget) {
        this(
                level,
                format,
                console,
                file,
                fileMaxSize,
                fileMaxAge,
                fileTotalCap,
                accessLog,
                consoleTarget,
                Optional.empty(),
                Optional.empty());
    }

    /**
     * Settings from the core configuration keys, with console lines going to {@code console}.
     *
     * @param serviceName the service's name, sent as APP-NAME to syslog
     */
    public static LogSettings from(
            Config config, String serviceName, PrintStream console, Optional<ConsoleLogTarget> consoleTarget) {
        return new LogSettings(
                config.get(CoreConfigKeys.LOG_LEVEL),
                config.get(CoreConfigKeys.LOG_FORMAT),
                console,
                config.find(CoreConfigKeys.LOG_FILE_PATH),
                config.get(CoreConfigKeys.LOG_FILE_MAX_SIZE),
                config.get(CoreConfigKeys.LOG_FILE_MAX_AGE),
                config.get(CoreConfigKeys.LOG_FILE_TOTAL_SIZE_CAP),
                config.get(CoreConfigKeys.LOG_ACCESS),
                consoleTarget,
                config.find(CoreConfigKeys.INSTANCE),
                SyslogSettings.from(config, serviceName));
    }
}
