package dev.servicekit.etcd;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import dev.servicekit.core.PasswordFile;
import dev.servicekit.core.PemTlsFiles;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code config.etcd.*} keys: where the shared configuration lives. They are part of every application's schema
 * while servicekit-etcd is on the class path ({@code CoreConfigKeys.all()} asks {@link EtcdSourceProvider}), and
 * come only from the file, the environment and {@code --set}.
 */
public final class EtcdConfigKeys {

    /** etcd endpoints to read configuration from; empty means etcd is off. */
    public static final ConfigKey<List<URI>> CONFIG_ETCD_ENDPOINTS = ConfigKey.builder(
                    "config.etcd.endpoints", ConfigType.listOf(ConfigType.httpUrl()))
            .defaultValue(List.of())
            .defaultText("(empty: etcd is off)")
            .description(
                    "etcd v3 endpoints (http:// or https://, the JSON gateway on the client port) holding configuration "
                            + "under config.etcd.prefix, tried in order; see docs/etcd.md. Read only from the file, environment or --set.")
            .build();

    /** The etcd key prefix under which each configuration key is one etcd key. */
    public static final ConfigKey<String> CONFIG_ETCD_PREFIX = ConfigKey.builder(
                    "config.etcd.prefix", ConfigType.nonBlankString())
            .defaultText("/<service name>/config/ (e.g. /users-service/config/)")
            .description(
                    "etcd key prefix: the value of etcd key <prefix><dotted.key> (e.g. /users-service/config/log.level) "
                            + "sets that configuration key; a / is added when it does not end with one. Read only from "
                            + "the file, environment or --set.")
            .build();

    /** Whether the service refuses to start when no etcd endpoint answers. */
    public static final ConfigKey<Boolean> CONFIG_ETCD_REQUIRED = ConfigKey.builder(
                    "config.etcd.required", ConfigType.bool())
            .defaultValue(false)
            .description(
                    "When true, start fails (exit 78) if no etcd endpoint answers; when false the service starts from the "
                            + "local configuration, warns, and picks up etcd's values once it connects. Read only from the file, "
                            + "environment or --set.")
            .build();

    /** Bound on connecting to etcd and on each read. */
    public static final ConfigKey<Duration> CONFIG_ETCD_TIMEOUT = ConfigKey.builder(
                    "config.etcd.timeout", ConfigType.duration())
            .defaultValue(Duration.ofSeconds(5))
            .description(
                    "Bound on connecting to an etcd endpoint and on each read of the prefix (the watch stream itself "
                            + "stays open). Read only from the file, environment or --set.")
            .build();

    /** How often, while watching, the prefix is read again to catch a watch that hangs silently. */
    public static final ConfigKey<Duration> CONFIG_ETCD_RESYNC_INTERVAL = ConfigKey.builder(
                    "config.etcd.resync-interval", ConfigType.duration())
            .defaultValue(Duration.ofSeconds(30))
            .description(
                    "While watching, how often the prefix is read again and compared with the watched values: a watch "
                            + "that missed a change (its connection dropped silently, by a NAT or firewall idle timeout "
                            + "or a partition) is re-established, so a change is seen within about this long. At least "
                            + "1s. Read only from the file, environment or --set.")
            .build();

    /** The etcd user to authenticate as, when etcd has authentication on. */
    public static final ConfigKey<String> CONFIG_ETCD_USERNAME = ConfigKey.builder(
                    "config.etcd.username", ConfigType.nonBlankString())
            .description("etcd user the service authenticates as, for an etcd with authentication on (etcdctl auth "
                    + "enable); it needs read permission on config.etcd.prefix, and config.etcd.password-file. Unset: no "
                    + "authentication. Read only from the file, environment or --set.")
            .build();

    /** The file holding the etcd user's password. */
    public static final ConfigKey<Path> CONFIG_ETCD_PASSWORD_FILE = ConfigKey.builder(
                    "config.etcd.password-file", ConfigType.secretFile())
            .description("File whose first line is config.etcd.username's password, read at each authentication (a "
                    + "changed password is used from the next one on); owner-only permissions (chmod 600). The password "
                    + "never appears in config show, status, logs or errors. Read only from the file, environment or "
                    + "--set.")
            .build();

    /** CA certificates for the endpoints' server certificates, instead of the JVM's trust store. */
    public static final ConfigKey<Path> CONFIG_ETCD_TLS_CA_FILE = ConfigKey.builder(
                    "config.etcd.tls.ca-file", ConfigType.path())
            .description("PEM file of the CA certificates that sign the https:// endpoints' certificates (etcdctl "
                    + "--cacert); unset: the JVM's trust store. Read only from the file, environment or --set.")
            .build();

    /** The client certificate for an etcd that asks for one. */
    public static final ConfigKey<Path> CONFIG_ETCD_TLS_CERT_FILE = ConfigKey.builder(
                    "config.etcd.tls.cert-file", ConfigType.path())
            .description("PEM file of the client certificate (the certificate first, then its chain) the service "
                    + "presents to an etcd with --client-cert-auth (etcdctl --cert); needs config.etcd.tls.key-file. "
                    + "Read only from the file, environment or --set.")
            .build();

    /** The client certificate's private key. */
    public static final ConfigKey<Path> CONFIG_ETCD_TLS_KEY_FILE = ConfigKey.builder(
                    "config.etcd.tls.key-file", ConfigType.secretFile())
            .description("PEM file of config.etcd.tls.cert-file's private key, unencrypted PKCS#8 (etcdctl --key); "
                    + "owner-only permissions (chmod 600). Read only from the file, environment or --set.")
            .build();

    /**
     * The {@code config.etcd.tls.*} keys together, as {@code etcdctl --cacert --cert --key} takes the files: the CA
     * certificates that may sign the endpoints' certificates (instead of the JVM's trust store), and a client
     * certificate with its key for an etcd that asks for one ({@code --client-cert-auth}). servicekit-core's
     * {@link PemTlsFiles} reads them (the JDK's parsers; servicekit-etcd stays free of Helidon) and names the key and
     * the file of each problem.
     */
    static final PemTlsFiles.Keys TLS_FILES =
            new PemTlsFiles.Keys(CONFIG_ETCD_TLS_CA_FILE, CONFIG_ETCD_TLS_CERT_FILE, CONFIG_ETCD_TLS_KEY_FILE);

    /** Whose password {@code config.etcd.password-file} holds, for {@link PasswordFile}'s messages. */
    static final String PASSWORD_WHOSE = "the etcd user's";

    private EtcdConfigKeys() {}

    /** Every etcd key, in documentation order. */
    public static List<ConfigKey<?>> all() {
        return List.of(
                CONFIG_ETCD_ENDPOINTS,
                CONFIG_ETCD_PREFIX,
                CONFIG_ETCD_REQUIRED,
                CONFIG_ETCD_TIMEOUT,
                CONFIG_ETCD_RESYNC_INTERVAL,
                CONFIG_ETCD_USERNAME,
                CONFIG_ETCD_PASSWORD_FILE,
                CONFIG_ETCD_TLS_CA_FILE,
                CONFIG_ETCD_TLS_CERT_FILE,
                CONFIG_ETCD_TLS_KEY_FILE);
    }

    /**
     * Cross-key checks: a required source needs an endpoint; the timeout is not zero; a user needs a password file
     * that gives a password, and a password file a user; the TLS files make a TLS context, for an https://
     * endpoint.
     */
    public static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (config.get(CONFIG_ETCD_REQUIRED)
                && config.get(CONFIG_ETCD_ENDPOINTS).isEmpty()) {
            problems.add(
                    new ConfigProblem(
                            CONFIG_ETCD_REQUIRED.name(),
                            config.source(CONFIG_ETCD_REQUIRED),
                            "\"true\" needs at least one etcd endpoint; set config.etcd.endpoints or set config.etcd.required to false"));
        }
        if (config.get(CONFIG_ETCD_TIMEOUT).isZero()) {
            problems.add(new ConfigProblem(
                    CONFIG_ETCD_TIMEOUT.name(),
                    config.source(CONFIG_ETCD_TIMEOUT),
                    "\"0s\" leaves no time to reach etcd; use e.g. 5s"));
        }
        checkResyncInterval(config).ifPresent(problems::add);
        Optional<String> user = config.find(CONFIG_ETCD_USERNAME);
        Optional<Path> passwordFile = config.find(CONFIG_ETCD_PASSWORD_FILE);
        if (user.isPresent() && passwordFile.isEmpty()) {
            problems.add(new ConfigProblem(
                    CONFIG_ETCD_USERNAME.name(),
                    config.source(CONFIG_ETCD_USERNAME),
                    "\"" + user.get() + "\" needs its password: set config.etcd.password-file to a file (chmod 600)"
                            + " whose first line is the password"));
        }
        if (passwordFile.isPresent() && user.isEmpty()) {
            problems.add(new ConfigProblem(
                    CONFIG_ETCD_PASSWORD_FILE.name(),
                    config.source(CONFIG_ETCD_PASSWORD_FILE),
                    "a password needs its user: set config.etcd.username, or unset config.etcd.password-file"));
        }
        passwordFile
                .flatMap(file -> PasswordFile.problem(file, PASSWORD_WHOSE))
                .ifPresent(problem -> problems.add(new ConfigProblem(
                        CONFIG_ETCD_PASSWORD_FILE.name(), config.source(CONFIG_ETCD_PASSWORD_FILE), problem)));
        problems.addAll(tlsProblems(config));
        return problems;
    }

    /** The TLS files' problems ({@link #TLS_FILES}), when any is set; each named file must exist. */
    private static List<ConfigProblem> tlsProblems(Config config) {
        PemTlsFiles files = PemTlsFiles.of(config, TLS_FILES);
        if (!files.any()) {
            return List.of();
        }
        List<ConfigProblem> problems = new ArrayList<>();
        if (config.get(CONFIG_ETCD_ENDPOINTS).stream().noneMatch(e -> "https".equalsIgnoreCase(e.getScheme()))) {
            ConfigKey<Path> first = files.firstNamed();
            problems.add(new ConfigProblem(
                    first.name(),
                    config.source(first),
                    "applies to https:// endpoints, and config.etcd.endpoints has none; use https:// endpoints, or"
                            + " unset the config.etcd.tls.* keys"));
        }
        problems.addAll(files.check(config));
        return problems;
    }

    /** The resync interval is at least 1s: a shorter one reads etcd often for nothing. */
    private static Optional<ConfigProblem> checkResyncInterval(Config config) {
        Duration interval = config.get(CONFIG_ETCD_RESYNC_INTERVAL);
        if (interval.compareTo(Duration.ofSeconds(1)) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new ConfigProblem(
                CONFIG_ETCD_RESYNC_INTERVAL.name(),
                config.source(CONFIG_ETCD_RESYNC_INTERVAL),
                "\"" + dev.servicekit.spi.Durations.format(interval)
                        + "\" is too short, it would read etcd's prefix that often; use at least 1s (default 30s)"));
    }
}
