package dev.servicekit.core;

import dev.servicekit.spi.UnixDatagramSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how log lines go to a syslog collector as RFC 5424 messages ({@code log.syslog.*}).
 *
 * @param transport       how messages travel
 * @param socket          the local daemon's datagram socket, for {@link Transport#UNIX}
 * @param host            the collector's host, for {@link Transport#UDP}, {@link Transport#TCP} and
 *                        {@link Transport#TLS}; with TLS, the name the collector's certificate must carry
 * @param port            the collector's port, for {@link Transport#UDP}, {@link Transport#TCP} and
 *                        {@link Transport#TLS}
 * @param facility        the syslog facility number, 0 to 23 (3 is daemon)
 * @param maxMessageBytes the longest message, header included; the text of a longer one is cut
 * @param bom             whether the text starts with the UTF-8 byte order mark
 * @param appName         APP-NAME: the service's name
 * @param tls             the CA file and client certificate of {@code log.syslog.tls.*}, for {@link Transport#TLS}
 *                        ({@link #tlsFiles}); compared by their paths, as the other settings, when a reload
 *                        decides whether the syslog settings changed
 */
public record SyslogSettings(
        Transport transport,
        Path socket,
        String host,
        int port,
        int facility,
        int maxMessageBytes,
        boolean bom,
        String appName,
        PemTlsFiles tls) {

    /** The facilities by name, as {@code log.syslog.facility} takes them (RFC 5424 §6.2.1). */
    static final Map<String, Integer> FACILITIES = facilities();

    /** The smallest {@code log.syslog.max-message-size}: every header fits in it. */
    static final int MIN_MESSAGE_BYTES = 1024;

    /** The port of {@link Transport#TLS} when {@code log.syslog.port} is not set (RFC 5425 §4.1). */
    static final int TLS_PORT = 6514;

    /** The largest {@code log.syslog.max-message-size}: below the largest UDP datagram (65,507 bytes). */
    static final int MAX_MESSAGE_BYTES = 60 * 1024;

    /** How messages travel to the collector. */
    public enum Transport {
        /** Datagrams to a local UNIX socket such as {@code /dev/log}. */
        UNIX,
        /** One UDP datagram per message (RFC 5426). */
        UDP,
        /** A TCP connection with octet-counting framing (RFC 6587 §3.4.1). */
        TCP,
        /** TLS over TCP with the same framing (RFC 5425), the collector's certificate and name checked. */
        TLS
    }

    /**
     * No {@code log.syslog.tls.*} files: the JVM's trust store, no client certificate. A method, not a constant:
     * {@link CoreConfigKeys} and this class initialize each other, and the keys may not be there yet.
     */
    public static PemTlsFiles noTlsFiles() {
        return PemTlsFiles.none(CoreConfigKeys.LOG_SYSLOG_TLS_FILES);
    }

    /**
     * The files of {@code log.syslog.tls.*}, each optional: the CA certificates trusted for the collector (else the
     * JVM's trust store), and a client certificate with its key for a collector that asks for one.
     *
     * @param ca          {@code log.syslog.tls.ca-file}
     * @param certificate {@code log.syslog.tls.cert-file}
     * @param key         {@code log.syslog.tls.key-file}
     */
    public static PemTlsFiles tlsFiles(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {
        return new PemTlsFiles(CoreConfigKeys.LOG_SYSLOG_TLS_FILES, ca, certificate, key);
    }

    /** Settings without TLS files. */
    public SyslogSettings(
            Transport transport,
            Path socket,
            String host,
            int port,
            int facility,
            int maxMessageBytes,
            boolean bom,
            String appName) {
        this(transport, socket, host, port, facility, maxMessageBytes, bom, appName, noTlsFiles());
    }

    /** Checks values. */
    public SyslogSettings {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(appName, "appName");
        Objects.requireNonNull(tls, "tls");
        if (!tls.keys().equals(CoreConfigKeys.LOG_SYSLOG_TLS_FILES)) { // the problems' messages name these keys
            throw new IllegalArgumentException("the syslog TLS files are named by log.syslog.tls.*, not by "
                    + tls.keys().wildcard() + "; make them with SyslogSettings.tlsFiles");
        }
        if (facility < 0 || facility > 23) {
            throw new IllegalArgumentException("syslog facility must be 0 to 23, was " + facility);
        }
        if (maxMessageBytes < MIN_MESSAGE_BYTES || maxMessageBytes > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("syslog max message size must be " + MIN_MESSAGE_BYTES + " to "
                    + MAX_MESSAGE_BYTES + " bytes, was " + maxMessageBytes);
        }
    }

    /**
     * The settings of {@code log.syslog.*}, or empty when {@code log.syslog.transport} is {@code off}.
     *
     * @param config  a checked configuration
     * @param appName the service's name, sent as APP-NAME
     */
    public static Optional<SyslogSettings> from(Config config, String appName) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(appName, "appName");
        String transport = config.get(CoreConfigKeys.LOG_SYSLOG_TRANSPORT);
        if (transport.equals("off")) {
            return Optional.empty();
        }
        return Optional.of(new SyslogSettings(
                Transport.valueOf(transport.toUpperCase(java.util.Locale.ROOT)),
                config.get(CoreConfigKeys.LOG_SYSLOG_SOCKET),
                config.get(CoreConfigKeys.LOG_SYSLOG_HOST),
                config.get(CoreConfigKeys.LOG_SYSLOG_PORT),
                FACILITIES.get(config.get(CoreConfigKeys.LOG_SYSLOG_FACILITY)),
                (int) Math.min(Integer.MAX_VALUE, config.get(CoreConfigKeys.LOG_SYSLOG_MAX_MESSAGE_SIZE)),
                config.get(CoreConfigKeys.LOG_SYSLOG_BOM),
                appName,
                PemTlsFiles.of(config, CoreConfigKeys.LOG_SYSLOG_TLS_FILES)));
    }

    /** Where messages go, for log lines: {@code unix /dev/log}, {@code tcp 10.0.0.5:514}. */
    public String destination() {
        return switch (transport) {
            case UNIX -> "unix " + socket;
            case UDP -> "udp " + host + ":" + port;
            case TCP -> "tcp " + host + ":" + port;
            case TLS -> "tls " + host + ":" + port;
        };
    }

    /** The cross-key checks of {@code log.syslog.*}. */
    static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        long size = config.get(CoreConfigKeys.LOG_SYSLOG_MAX_MESSAGE_SIZE);
        if (size < MIN_MESSAGE_BYTES || size > MAX_MESSAGE_BYTES) {
            problems.add(new ConfigProblem(
                    CoreConfigKeys.LOG_SYSLOG_MAX_MESSAGE_SIZE.name(),
                    config.source(CoreConfigKeys.LOG_SYSLOG_MAX_MESSAGE_SIZE),
                    "\"" + ConfigType.formatSize(size) + "\" is out of range; use 1KB to 60KB (default 8KB)"));
        }
        if (config.get(CoreConfigKeys.LOG_SYSLOG_TRANSPORT).equals("unix")
                && UnixDatagramSocket.provider().isEmpty()) {
            problems.add(new ConfigProblem(
                    CoreConfigKeys.LOG_SYSLOG_TRANSPORT.name(),
                    config.source(CoreConfigKeys.LOG_SYSLOG_TRANSPORT),
                    "\"unix\" needs UNIX datagram sockets, which servicekit-systemd provides on Linux only;"
                            + " put it on the class path, or use udp, tcp or tls to a collector"));
        }
        problems.addAll(tlsProblems(config));
        return problems;
    }

    /** The problems of the {@code log.syslog.tls.*} files, when any is set: they must make a TLS context. */
    private static List<ConfigProblem> tlsProblems(Config config) {
        PemTlsFiles files = PemTlsFiles.of(config, CoreConfigKeys.LOG_SYSLOG_TLS_FILES);
        if (!files.any()) {
            return List.of();
        }
        if (!config.get(CoreConfigKeys.LOG_SYSLOG_TRANSPORT).equals("tls")) {
            ConfigKey<Path> first = files.firstNamed();
            return List.of(new ConfigProblem(
                    first.name(),
                    config.source(first),
                    "applies to log.syslog.transport tls, and log.syslog.transport is \""
                            + config.get(CoreConfigKeys.LOG_SYSLOG_TRANSPORT)
                            + "\"; set log.syslog.transport=tls, or unset the log.syslog.tls.* keys"));
        }
        return files.check(config);
    }

    private static Map<String, Integer> facilities() {
        Map<String, Integer> names = new LinkedHashMap<>();
        String[] low = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv"};
        for (int i = 0; i < low.length; i++) {
            names.put(low[i], i);
        }
        for (int i = 0; i <= 7; i++) {
            names.put("local" + i, 16 + i);
        }
        return java.util.Collections.unmodifiableMap(names);
    }
}
