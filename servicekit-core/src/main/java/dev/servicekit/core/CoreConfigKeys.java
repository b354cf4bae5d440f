package dev.servicekit.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configuration keys every Servicekit host understands: data directory, logging, shutdown, reload; and those
 * of every {@link SharedConfigSource} on the class path ({@code config.etcd.*} with servicekit-etcd).
 */
public final class CoreConfigKeys {

    /** Where the service keeps its data (database, generated keys); relative paths are against the working directory. */
    public static final ConfigKey<Path> DATA_DIR = ConfigKey.builder("data-dir", ConfigType.path())
            .defaultValue(Path.of("."))
            .defaultText(". (run mode); the service manager's data directory when installed (<dir>/<instance> for an"
                    + " instance)")
            .description("Directory for the service's data: the SQLite database and generated files.")
            .build();

    /**
     * Which of several instances of the service on one host this process is ({@code --instance NAME} sets it); unset
     * for the service itself. The process names itself by it in logs, metrics and status; service managers give
     * each instance its own name, working (data) directory, log and pid files.
     */
    public static final ConfigKey<String> INSTANCE = ConfigKey.builder("instance", ConfigType.instanceName())
            .description("This process's instance name when several instances run on one host (--instance sets it):"
                    + " log lines, metrics (tag service_instance), /admin/status and status output carry it.")
            .build();

    /** Root log level. */
    public static final ConfigKey<String> LOG_LEVEL = ConfigKey.builder(
                    "log.level", ConfigType.oneOf("trace", "debug", "info", "warn", "error"))
            .defaultValue("info")
            .reloadable()
            .description("Root log level.")
            .build();

    /** Console log format. */
    public static final ConfigKey<String> LOG_FORMAT = ConfigKey.builder("log.format", ConfigType.oneOf("text", "json"))
            .defaultValue("text")
            .description(
                    "Console and file log format: text lines, or JSON lines with ts, level, logger, msg and requestId"
                            + " (and instance, for an instance).")
            .build();

    /** The log file; no file logging when unset. */
    public static final ConfigKey<Path> LOG_FILE_PATH = ConfigKey.builder("log.file.path", ConfigType.path())
            .description(
                    "Also write logs to this file, rolled daily and by size and gzip-compressed; unset means console only.")
            .build();

    /** Size at which the log file rolls. */
    public static final ConfigKey<Long> LOG_FILE_MAX_SIZE = ConfigKey.builder(
                    "log.file.max-size", ConfigType.byteSize())
            .defaultValue(10L * 1024 * 1024)
            .description("Roll the log file when it reaches this size.")
            .build();

    /** Age after which rolled log files are deleted. */
    public static final ConfigKey<Duration> LOG_FILE_MAX_AGE = ConfigKey.builder(
                    "log.file.max-age", ConfigType.duration())
            .defaultValue(Duration.ofDays(7))
            .description("Delete rolled log files older than this (whole days).")
            .build();

    /** Total size cap of rolled log files. */
    public static final ConfigKey<Long> LOG_FILE_TOTAL_SIZE_CAP = ConfigKey.builder(
                    "log.file.total-size-cap", ConfigType.byteSize())
            .defaultValue(1024L * 1024 * 1024)
            .description("Delete the oldest rolled log files when together they exceed this size.")
            .build();

    /** Whether an access log line is written per request. */
    public static final ConfigKey<Boolean> LOG_ACCESS = ConfigKey.builder("log.access", ConfigType.bool())
            .defaultValue(true)
            .reloadable()
            .description("Write one access log line per HTTP request (logger dev.servicekit.http.access).")
            .build();

    /** Where log lines go besides the console and file: nowhere, or a syslog collector over one transport. */
    public static final ConfigKey<String> LOG_SYSLOG_TRANSPORT = ConfigKey.builder(
                    "log.syslog.transport", ConfigType.oneOf("off", "unix", "udp", "tcp", "tls"))
            .defaultValue("off")
            .description("Also send every log line as an RFC 5424 syslog message: unix (datagrams to"
                    + " log.syslog.socket, Linux), udp, tcp (RFC 6587 octet counting) or tls (RFC 5425: TCP with"
                    + " octet counting inside TLS, the collector's certificate checked against log.syslog.tls.ca-file"
                    + " and its name against log.syslog.host) to log.syslog.host and log.syslog.port; off sends"
                    + " nothing.")
            .build();

    /** The local syslog socket for the unix transport. */
    public static final ConfigKey<Path> LOG_SYSLOG_SOCKET = ConfigKey.builder("log.syslog.socket", ConfigType.path())
            .defaultValue(Path.of("/dev/log"))
            .description("The local syslog daemon's datagram socket, for log.syslog.transport unix.")
            .build();

    /** The collector's host for the udp, tcp and tls transports. */
    public static final ConfigKey<String> LOG_SYSLOG_HOST = ConfigKey.builder("log.syslog.host", ConfigType.host())
            .defaultValue("127.0.0.1")
            .description("The syslog collector's host name or IP address, for log.syslog.transport udp, tcp and tls;"
                    + " with tls, the collector's certificate must name it (as a DNS name or an IP address).")
            .build();

    /** The collector's port for the udp, tcp and tls transports; unset: 514, or 6514 for tls. */
    public static final ConfigKey<Integer> LOG_SYSLOG_PORT = ConfigKey.builder(
                    "log.syslog.port", ConfigType.integer(1, 65535))
            .derivedDefault(
                    config -> config.get(LOG_SYSLOG_TRANSPORT).equals("tls") ? SyslogSettings.TLS_PORT : 514,
                    "514; 6514 for log.syslog.transport tls (RFC 5425)")
            .description("The syslog collector's port, for log.syslog.transport udp, tcp and tls.")
            .build();

    /** The CA certificates that may sign the collector's certificate, for the tls transport. */
    public static final ConfigKey<Path> LOG_SYSLOG_TLS_CA_FILE = ConfigKey.builder(
                    "log.syslog.tls.ca-file", ConfigType.path())
            .description("PEM file of the CA certificates that sign the syslog collector's certificate, for"
                    + " log.syslog.transport tls (rsyslog's DefaultNetstreamDriverCAFile on the collector's side);"
                    + " unset: the JVM's trust store. A changed file is read at the next connection.")
            .build();

    /** The client certificate for a collector that asks for one (mutual TLS). */
    public static final ConfigKey<Path> LOG_SYSLOG_TLS_CERT_FILE = ConfigKey.builder(
                    "log.syslog.tls.cert-file", ConfigType.path())
            .description("PEM file of the client certificate (the certificate first, then its chain) presented to a"
                    + " syslog collector that asks for one (rsyslog's StreamDriver.AuthMode x509/certvalid or"
                    + " x509/name), for log.syslog.transport tls; needs log.syslog.tls.key-file. A renewed file is read"
                    + " at the next connection.")
            .build();

    /** The client certificate's private key. */
    public static final ConfigKey<Path> LOG_SYSLOG_TLS_KEY_FILE = ConfigKey.builder(
                    "log.syslog.tls.key-file", ConfigType.secretFile())
            .description("PEM file of log.syslog.tls.cert-file's private key, unencrypted PKCS#8; owner-only"
                    + " permissions (chmod 600).")
            .build();

    /** The syslog facility of every message. */
    public static final ConfigKey<String> LOG_SYSLOG_FACILITY = ConfigKey.builder(
                    "log.syslog.facility",
                    ConfigType.oneOf(SyslogSettings.FACILITIES.keySet().toArray(String[]::new)))
            .defaultValue("daemon")
            .description("The syslog facility of every message; its severity follows the level (ERROR err, WARN"
                    + " warning, INFO info, DEBUG and TRACE debug).")
            .build();

    /** Longest syslog message; longer ones are cut. */
    public static final ConfigKey<Long> LOG_SYSLOG_MAX_MESSAGE_SIZE = ConfigKey.builder(
                    "log.syslog.max-message-size", ConfigType.byteSize())
            .defaultValue(8L * 1024)
            .description("Longest syslog message, header included (rsyslog's default maxMessageSize is 8KB); the"
                    + " text of a longer one is cut at a character boundary. 1KB to 60KB.")
            .build();

    /** Whether MSG starts with the UTF-8 byte order mark. */
    public static final ConfigKey<Boolean> LOG_SYSLOG_BOM = ConfigKey.builder("log.syslog.bom", ConfigType.bool())
            .defaultValue(false)
            .description("Start each message's text with the UTF-8 byte order mark, as RFC 5424 asks of UTF-8 text."
                    + " Off by default: rsyslog and most collectors keep it as three stray bytes.")
            .build();

    /**
     * The {@code log.syslog.tls.*} keys together, for their files' problems; here, after the keys, since this class
     * and {@link SyslogSettings} initialize each other ({@link #LOG_SYSLOG_FACILITY}).
     */
    static final PemTlsFiles.Keys LOG_SYSLOG_TLS_FILES =
            new PemTlsFiles.Keys(LOG_SYSLOG_TLS_CA_FILE, LOG_SYSLOG_TLS_CERT_FILE, LOG_SYSLOG_TLS_KEY_FILE);

    /** How long in-flight requests may take to finish after a stop request. */
    public static final ConfigKey<Duration> SHUTDOWN_DRAIN_TIMEOUT = ConfigKey.builder(
                    "shutdown.drain-timeout", ConfigType.duration())
            .defaultValue(Duration.ofSeconds(20))
            .description("At stop, how long in-flight requests may run before listeners are closed anyway.")
            .build();

    /** Hard bound on the whole stop. */
    public static final ConfigKey<Duration> SHUTDOWN_TIMEOUT = ConfigKey.builder(
                    "shutdown.timeout", ConfigType.duration())
            .defaultValue(Duration.ofSeconds(30))
            .description(
                    "Hard bound on a graceful stop; past it the process exits at once. Must exceed shutdown.drain-timeout.")
            .build();

    /** Whether the configuration file is watched and reloaded when its content changes. */
    public static final ConfigKey<Boolean> RELOAD_WATCH = ConfigKey.builder("reload.watch", ConfigType.bool())
            .defaultValue(true)
            .description(
                    "Reload the configuration when its file's content changes (WatchService on the file's directory, "
                            + "polling as a fallback); SIGHUP, the reload verb and POST /admin/reload work either way.")
            .build();

    /** How often the file is polled when the WatchService cannot be used. */
    public static final ConfigKey<Duration> RELOAD_POLL_INTERVAL = ConfigKey.builder(
                    "reload.poll-interval", ConfigType.duration())
            .defaultValue(Duration.ofSeconds(1))
            .description(
                    "How often the configuration file is checked (modification time, size, then content hash) when "
                            + "the WatchService cannot be used, e.g. on macOS or when inotify watches run out. At least 100ms.")
            .build();

    /**
     * The shared configuration sources on the class path, found once: the schema, every check (each load and
     * reload) and the bootstrap read this list instead of scanning the class path again.
     */
    static final List<SharedConfigSource.Provider> SHARED_SOURCES = SharedConfigSource.providers();

    /** The smallest {@link #RELOAD_POLL_INTERVAL}. */
    static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);

    private CoreConfigKeys() {}

    /** Every core key, in documentation order, then the keys of every shared configuration source on the class path. */
    public static List<ConfigKey<?>> all() {
        List<ConfigKey<?>> keys = new ArrayList<>(List.of(
                DATA_DIR,
                INSTANCE,
                LOG_LEVEL,
                LOG_FORMAT,
                LOG_FILE_PATH,
                LOG_FILE_MAX_SIZE,
                LOG_FILE_MAX_AGE,
                LOG_FILE_TOTAL_SIZE_CAP,
                LOG_ACCESS,
                LOG_SYSLOG_TRANSPORT,
                LOG_SYSLOG_SOCKET,
                LOG_SYSLOG_HOST,
                LOG_SYSLOG_PORT,
                LOG_SYSLOG_FACILITY,
                LOG_SYSLOG_MAX_MESSAGE_SIZE,
                LOG_SYSLOG_BOM,
                LOG_SYSLOG_TLS_CA_FILE,
                LOG_SYSLOG_TLS_CERT_FILE,
                LOG_SYSLOG_TLS_KEY_FILE,
                SHUTDOWN_DRAIN_TIMEOUT,
                SHUTDOWN_TIMEOUT,
                RELOAD_WATCH,
                RELOAD_POLL_INTERVAL));
        SHARED_SOURCES.forEach(provider -> keys.addAll(provider.keys()));
        return List.copyOf(keys);
    }

    /** Cross-key checks of the core keys and of every shared configuration source's keys. */
    public static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        Duration drain = config.get(SHUTDOWN_DRAIN_TIMEOUT);
        Duration total = config.get(SHUTDOWN_TIMEOUT);
        if (drain.compareTo(total) >= 0) {
            problems.add(new ConfigProblem(
                    SHUTDOWN_DRAIN_TIMEOUT.name(),
                    config.source(SHUTDOWN_DRAIN_TIMEOUT),
                    "\"" + ConfigType.formatDuration(drain) + "\" must be shorter than shutdown.timeout (\""
                            + ConfigType.formatDuration(total) + "\"); lower it or raise shutdown.timeout"));
        }
        Duration poll = config.get(RELOAD_POLL_INTERVAL);
        if (poll.compareTo(MIN_POLL_INTERVAL) < 0) {
            problems.add(new ConfigProblem(
                    RELOAD_POLL_INTERVAL.name(),
                    config.source(RELOAD_POLL_INTERVAL),
                    "\"" + ConfigType.formatDuration(poll) + "\" is too short; use at least 100ms (default 1s)"));
        }
        dataDirectory(config).ifPresent(problems::add);
        problems.addAll(SyslogSettings.check(config));
        SHARED_SOURCES.forEach(provider -> problems.addAll(provider.check(config)));
        return List.copyOf(problems);
    }

    /**
     * A data-dir that is a file, or lies under one, can never be the service's directory: a configuration problem
     * (exit 78, listed with the others), not the I/O failure of the first file the start would write in it.
     */
    private static Optional<ConfigProblem> dataDirectory(Config config) {
        // Not whether it exists or is writable: the service creates it at start, and 'config validate' or 'install'
        // may run as another account than the service's (doctor checks that part).
        return fileInTheWayOfDataDir(config.get(DATA_DIR))
                .map(problem -> new ConfigProblem(
                        DATA_DIR.name(), config.source(DATA_DIR), problem.finding() + "; " + problem.fix()));
    }

    /** What a regular file at a data-dir, or above it, makes wrong, and the fix: for this check and for doctor. */
    record DataDirProblem(String finding, String fix) {}

    /** The problem when a regular file stands at {@code dir} or at one of its ancestors; else empty. */
    static Optional<DataDirProblem> fileInTheWayOfDataDir(Path dir) {
        return ExistingPaths.fileInTheWay(dir)
                .map(inTheWay -> inTheWay.equals(dir.toAbsolutePath())
                        ? new DataDirProblem(
                                "\"" + dir + "\" is a file, not a directory",
                                "set data-dir to a directory, or move that file away")
                        : new DataDirProblem(
                                "\"" + dir + "\" cannot be created: \"" + inTheWay + "\" is a file, not a directory",
                                "set data-dir to a path under a directory, or move that file away"));
    }
}
