package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import dev.servicekit.core.CoreConfigKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The configuration keys of the two listeners (API and management) and of request limits, and how they
 * become {@link ApiServerConfig} and {@link ManagementServerConfig}. Add {@link #all()} to an
 * application's schema and {@link #check} to its checks.
 *
 * {@snippet :
 * ConfigSchema schema = ConfigSchema.builder()
 *         .add(HttpConfigKeys.all()).add(CoreConfigKeys.all())
 *         .check(HttpConfigKeys::check).check(CoreConfigKeys::check)
 *         .build();
 * ApiServer api = ApiServer.create(HttpConfigKeys.apiServer(config), routes);
 * }
 */
public final class HttpConfigKeys {

    public static final ConfigKey<String> HTTP_HOST = ConfigKey.builder("http.host", ConfigType.host())
            .defaultValue("127.0.0.1")
            .description("Address the API listener binds to; 0.0.0.0 or :: for every interface.")
            .build();

    public static final ConfigKey<Integer> HTTP_PORT = ConfigKey.builder("http.port", ConfigType.port())
            .defaultValue(8080)
            .description("TCP port of the API listener; 0 picks a free port (logged at start).")
            .build();

    public static final ConfigKey<String> MANAGEMENT_HOST = ConfigKey.builder("management.host", ConfigType.host())
            .defaultValue("127.0.0.1")
            .description("Address the management listener (health, later metrics and admin) binds to.")
            .build();

    public static final ConfigKey<Integer> MANAGEMENT_PORT = ConfigKey.builder("management.port", ConfigType.port())
            .defaultValue(9090)
            .description("TCP port of the management listener; 0 picks a free port (logged at start).")
            .build();

    public static final ConfigKey<Long> LIMITS_MAX_BODY_SIZE = ConfigKey.builder(
                    "limits.max-body-size", ConfigType.byteSize())
            .defaultValue(1024L * 1024)
            .reloadable()
            .description(
                    "Largest request body accepted; larger ones get 413. A reload can raise it up to 16MB or the value at start, whichever is larger; beyond that needs a restart.")
            .build();

    /** Requests the API serves at once before new ones queue (0: unlimited). */
    public static final ConfigKey<Integer> LIMITS_MAX_CONCURRENT_REQUESTS = ConfigKey.builder(
                    "limits.max-concurrent-requests", ConfigType.integer(0, 1_000_000))
            .defaultValue(ApiSettings.DEFAULT_MAX_CONCURRENT_REQUESTS)
            .reloadable()
            .description(
                    "API requests served at the same time; further ones wait up to limits.queue-timeout for a slot (first come, first served), then get 503 with Retry-After. 0 means unlimited. Management endpoints are never limited.")
            .build();

    /** How long a request waits for a slot before it is shed. */
    public static final ConfigKey<java.time.Duration> LIMITS_QUEUE_TIMEOUT = ConfigKey.builder(
                    "limits.queue-timeout", ConfigType.duration())
            .defaultValue(ApiSettings.DEFAULT_QUEUE_TIMEOUT)
            .reloadable()
            .description(
                    "How long an API request may wait for one of limits.max-concurrent-requests slots before it gets 503 (at most 1m); 0 sheds at once when all slots are busy.")
            .build();

    /** The API listener's certificate (PEM chain or PKCS#12 keystore); HTTPS when set. */
    public static final ConfigKey<Path> TLS_CERTIFICATE_FILE = ConfigKey.builder(
                    "http.tls.certificate-file", ConfigType.path())
            .description(
                    "Serve HTTPS with this PEM certificate chain (with http.tls.private-key-file) or PKCS#12 keystore (with http.tls.keystore-password); reloaded when the files change.")
            .build();

    /** The PEM private key. */
    public static final ConfigKey<Path> TLS_PRIVATE_KEY_FILE = ConfigKey.builder(
                    "http.tls.private-key-file", ConfigType.secretFile())
            .description("PEM private key (PKCS#8 or PKCS#1 RSA) of http.tls.certificate-file; owner-only permissions.")
            .build();

    /** The PKCS#12 password. */
    public static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = ConfigKey.builder(
                    "http.tls.keystore-password", ConfigType.string())
            .secret()
            .description("Password of the PKCS#12 keystore in http.tls.certificate-file.")
            .build();

    /** The API listener's TLS protocols. */
    public static final ConfigKey<List<String>> TLS_PROTOCOLS = ConfigKey.builder(
                    "http.tls.protocols", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(TlsSettings.DEFAULT_PROTOCOLS)
            .defaultText("TLSv1.3, TLSv1.2")
            .description(
                    "TLS protocols of the API listener, comma-separated: TLSv1.3, TLSv1.2 or both. TLSv1.1 and older are refused (RFC 8996). Default: Mozilla's intermediate profile (docs/security.md).")
            .build();

    /** The API listener's TLS cipher suites. */
    public static final ConfigKey<List<String>> TLS_CIPHER_SUITES = ConfigKey.builder(
                    "http.tls.cipher-suites", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(TlsSettings.DEFAULT_CIPHER_SUITES)
            .defaultText("(Mozilla intermediate: TLS 1.3 suites, ECDHE with AES-GCM or ChaCha20-Poly1305)")
            .description(
                    "TLS cipher suites of the API listener, comma-separated IANA names as the JDK spells them (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, not ECDHE-ECDSA-AES128-GCM-SHA256); unknown names and suites this JVM does not offer are refused, weak ones (CBC, no forward secrecy) are allowed and reported by doctor. Default: the TLS 1.3 suites and ECDHE with AES-GCM or ChaCha20-Poly1305 (docs/security.md).")
            .build();

    /** Browser origins that may call the API cross-origin; empty (the default) keeps CORS off. */
    public static final ConfigKey<List<String>> CORS_ALLOWED_ORIGINS = ConfigKey.builder(
                    "http.cors.allowed-origins", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(List.of())
            .reloadable()
            .defaultText("(empty: CORS off)")
            .description(
                    "Browser origins allowed to call the API cross-origin (CORS), comma-separated, each exactly scheme://host[:port] such as https://app.example.com: no path, no trailing slash, no wildcard; matched exactly, never by prefix or suffix. Empty keeps CORS off (no CORS headers, OPTIONS gets 405). Credentials are never allowed.")
            .build();

    /** Reverse proxies whose {@code X-Forwarded-For} names the client; empty (the default) trusts none. */
    public static final ConfigKey<List<String>> TRUSTED_PROXIES = ConfigKey.builder(
                    "http.trusted-proxies", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(List.of())
            .defaultText("(empty: the client is the connection's peer)")
            .description(
                    "IP addresses of the reverse proxies in front of the API listener (nginx, a load balancer), comma-separated, each an exact IPv4 or IPv6 address: no host names, no ranges. For a request from one of them the client is the rightmost X-Forwarded-For address that is not one of them; from any other peer X-Forwarded-For is ignored. The client address keys per-client rules such as the login throttle. Empty: the client is the connection's peer, which behind a proxy is the proxy for everybody.")
            .build();

    /** The management listener's certificate; HTTPS when set. */
    public static final ConfigKey<Path> MANAGEMENT_TLS_CERTIFICATE_FILE = ConfigKey.builder(
                    "management.tls.certificate-file", ConfigType.path())
            .description(
                    "Serve the management listener over HTTPS with this PEM certificate chain or PKCS#12 keystore.")
            .build();

    /** The management listener's PEM private key. */
    public static final ConfigKey<Path> MANAGEMENT_TLS_PRIVATE_KEY_FILE = ConfigKey.builder(
                    "management.tls.private-key-file", ConfigType.secretFile())
            .description("PEM private key of management.tls.certificate-file; owner-only permissions.")
            .build();

    /** The management listener's PKCS#12 password. */
    public static final ConfigKey<String> MANAGEMENT_TLS_KEYSTORE_PASSWORD = ConfigKey.builder(
                    "management.tls.keystore-password", ConfigType.string())
            .secret()
            .description("Password of the PKCS#12 keystore in management.tls.certificate-file.")
            .build();

    /** Client CAs for mutual TLS on the management listener. */
    public static final ConfigKey<Path> MANAGEMENT_TLS_CLIENT_CA_FILE = ConfigKey.builder(
                    "management.tls.client-ca-file", ConfigType.path())
            .description(
                    "PEM CA certificates; when set, management clients must present a certificate from one of them (mutual TLS).")
            .build();

    /** The management listener's TLS protocols. */
    public static final ConfigKey<List<String>> MANAGEMENT_TLS_PROTOCOLS = ConfigKey.builder(
                    "management.tls.protocols", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(TlsSettings.DEFAULT_PROTOCOLS)
            .defaultText("TLSv1.3, TLSv1.2")
            .description("TLS protocols of the management listener; as http.tls.protocols.")
            .build();

    /** The management listener's TLS cipher suites. */
    public static final ConfigKey<List<String>> MANAGEMENT_TLS_CIPHER_SUITES = ConfigKey.builder(
                    "management.tls.cipher-suites", ConfigType.listOf(ConfigType.nonBlankString()))
            .defaultValue(TlsSettings.DEFAULT_CIPHER_SUITES)
            .defaultText("(as http.tls.cipher-suites)")
            .description("TLS cipher suites of the management listener; as http.tls.cipher-suites.")
            .build();

    /** A scope the health (and metrics) routes require; unset: open. */
    public static final ConfigKey<String> MANAGEMENT_HEALTH_SCOPE = ConfigKey.builder(
                    "management.health-scope", ConfigType.nonBlankString())
            .description(
                    "Require a token with this scope for /health/* (and /metrics) too; needs auth.enabled: true (set with auth off, the service refuses to start or reload). Unset keeps them open, as probes expect on a loopback or private management listener.")
            .build();

    /** Opt-in virtual-thread event meters, from a JFR recording stream (see {@link HttpMetrics.Builder#virtualThreadEvents}). */
    public static final ConfigKey<Boolean> METRICS_VIRTUAL_THREADS = ConfigKey.builder(
                    "metrics.virtual-threads", ConfigType.bool())
            .defaultValue(false)
            .description(
                    "Also export jvm_threads_virtual_pinned_seconds and jvm_threads_virtual_submit_failed_total; they need a JFR recording stream for the life of the process, which adds about 270 classes, tens of ms to start and several MB of memory, so they are off by default. The scheduler gauges (jvm_threads_virtual_live_threads, pool size, parallelism; JDK 24+) and the platform jvm_threads_* meters are always exported.")
            .build();

    private HttpConfigKeys() {}

    /** Every listener key, in documentation order. */
    public static List<ConfigKey<?>> all() {
        return List.of(
                HTTP_HOST,
                HTTP_PORT,
                TLS_CERTIFICATE_FILE,
                TLS_PRIVATE_KEY_FILE,
                TLS_KEYSTORE_PASSWORD,
                TLS_PROTOCOLS,
                TLS_CIPHER_SUITES,
                CORS_ALLOWED_ORIGINS,
                TRUSTED_PROXIES,
                MANAGEMENT_HOST,
                MANAGEMENT_PORT,
                MANAGEMENT_TLS_CERTIFICATE_FILE,
                MANAGEMENT_TLS_PRIVATE_KEY_FILE,
                MANAGEMENT_TLS_KEYSTORE_PASSWORD,
                MANAGEMENT_TLS_CLIENT_CA_FILE,
                MANAGEMENT_TLS_PROTOCOLS,
                MANAGEMENT_TLS_CIPHER_SUITES,
                MANAGEMENT_HEALTH_SCOPE,
                LIMITS_MAX_BODY_SIZE,
                LIMITS_MAX_CONCURRENT_REQUESTS,
                LIMITS_QUEUE_TIMEOUT,
                METRICS_VIRTUAL_THREADS);
    }

    /**
     * The metrics registry {@code metrics.*} asks for, every meter tagged {@code service_instance} when the process
     * runs as an instance; close it when the service stops.
     */
    public static HttpMetrics metrics(Config config) {
        HttpMetrics.Builder metrics = HttpMetrics.builder().virtualThreadEvents(config.get(METRICS_VIRTUAL_THREADS));
        config.find(CoreConfigKeys.INSTANCE).ifPresent(metrics::instance);
        return metrics.build();
    }

    /** The API listener's settings; its drain timeout is {@code shutdown.drain-timeout}. */
    public static ApiServerConfig apiServer(Config config) {
        return new ApiServerConfig(
                config.get(HTTP_HOST),
                config.get(HTTP_PORT),
                HTTP_PORT.name(),
                config.get(LIMITS_MAX_BODY_SIZE),
                config.get(CoreConfigKeys.SHUTDOWN_DRAIN_TIMEOUT));
    }

    /**
     * The API listener's reloadable settings: {@code limits.max-body-size}, {@code limits.max-concurrent-requests},
     * {@code limits.queue-timeout} and {@code http.cors.allowed-origins}; no authenticator (add one with
     * {@link ApiSettings#withAuthenticator}). Build the server with them, and pass them to
     * {@link ApiServer#apply} after a reload.
     *
     * {@snippet :
     * api.apply(HttpConfigKeys.apiSettings(newConfig).withAuthenticator(newAuthenticator));
     * }
     *
     * @throws IllegalArgumentException if an origin is malformed ({@link #check} reports that first)
     */
    public static ApiSettings apiSettings(Config config) {
        ApiSettings settings = new ApiSettings(
                config.get(LIMITS_MAX_BODY_SIZE),
                config.get(LIMITS_MAX_CONCURRENT_REQUESTS),
                config.get(LIMITS_QUEUE_TIMEOUT),
                apiCors(config),
                Optional.empty());
        return settings;
    }

    /** TLS for the API listener, when {@code http.tls.certificate-file} is set. */
    public static Optional<TlsSettings> apiTls(Config config) {
        return tls(config, TLS_CERTIFICATE_FILE, TLS_PRIVATE_KEY_FILE, TLS_KEYSTORE_PASSWORD)
                .map(settings -> settings.withProtocols(names(config, TLS_PROTOCOLS))
                        .withCipherSuites(names(config, TLS_CIPHER_SUITES)));
    }

    /** TLS (and mutual TLS) for the management listener, when {@code management.tls.certificate-file} is set. */
    public static Optional<TlsSettings> managementTls(Config config) {
        return tls(
                        config,
                        MANAGEMENT_TLS_CERTIFICATE_FILE,
                        MANAGEMENT_TLS_PRIVATE_KEY_FILE,
                        MANAGEMENT_TLS_KEYSTORE_PASSWORD)
                .map(settings -> settings.withProtocols(names(config, MANAGEMENT_TLS_PROTOCOLS))
                        .withCipherSuites(names(config, MANAGEMENT_TLS_CIPHER_SUITES)))
                .map(settings -> config.find(MANAGEMENT_TLS_CLIENT_CA_FILE)
                        .map(settings::withClientCa)
                        .orElse(settings));
    }

    private static Optional<TlsSettings> tls(
            Config config, ConfigKey<Path> certificateKey, ConfigKey<Path> privateKey, ConfigKey<String> passwordKey) {
        return config.find(certificateKey)
                .map(certificate -> config.find(privateKey)
                        .map(key -> TlsSettings.pem(certificate, key))
                        .orElseGet(() -> TlsSettings.pkcs12(
                                certificate, config.find(passwordKey).orElse(""))));
    }

    private static List<ConfigProblem> tlsProblems(
            Config config,
            ConfigKey<Path> certificateKey,
            ConfigKey<Path> privateKey,
            ConfigKey<String> passwordKey,
            List<ConfigKey<?>> needingCertificate) {
        List<ConfigProblem> problems = new java.util.ArrayList<>();
        if (config.find(certificateKey).isEmpty()) {
            for (ConfigKey<?> key : needingCertificate) {
                if (config.find(key).isPresent()) {
                    problems.add(new ConfigProblem(
                            key.name(),
                            config.source(key),
                            "is set, but " + certificateKey.name() + " is not; set the certificate file too"));
                }
            }
        }
        if (config.find(privateKey).isPresent() && config.find(passwordKey).isPresent()) {
            problems.add(new ConfigProblem(
                    passwordKey.name(),
                    config.source(passwordKey),
                    "is set together with " + privateKey.name() + "; use a PEM key or a PKCS#12 keystore, not both"));
        }
        return problems;
    }

    /** A list of protocol or suite names, each without the blanks around it ({@code TLSv1.3, TLSv1.2}). */
    private static List<String> names(Config config, ConfigKey<List<String>> key) {
        return config.get(key).stream().map(String::strip).toList();
    }

    /**
     * The protocol and suite lists, checked whether or not the listener has a certificate yet: a value that would be
     * refused later is refused now.
     */
    private static List<ConfigProblem> tlsProfileProblems(
            Config config, ConfigKey<List<String>> protocolsKey, ConfigKey<List<String>> suitesKey) {
        List<ConfigProblem> problems = new java.util.ArrayList<>();
        for (TlsProfile.Problem problem : TlsProfile.problems(names(config, protocolsKey), names(config, suitesKey))) {
            ConfigKey<List<String>> key = problem.setting() == TlsProfile.Setting.PROTOCOLS ? protocolsKey : suitesKey;
            problems.add(new ConfigProblem(key.name(), config.source(key), problem.message()));
        }
        return problems;
    }

    /**
     * CORS for the API listener, when {@code http.cors.allowed-origins} lists at least one origin; preflight
     * answers are cached for {@link CorsSettings#DEFAULT_MAX_AGE}.
     *
     * @throws IllegalArgumentException if an origin is malformed ({@link #check} reports that first)
     */
    public static Optional<CorsSettings> apiCors(Config config) {
        List<String> origins = config.get(CORS_ALLOWED_ORIGINS);
        return origins.isEmpty() ? Optional.empty() : Optional.of(CorsSettings.allowing(origins));
    }

    /**
     * Who sent a request, by {@code http.trusted-proxies}; see {@link ClientAddresses}.
     *
     * @throws IllegalArgumentException if an entry is not an IP address ({@link #check} reports that first)
     */
    public static ClientAddresses clientAddresses(Config config) {
        List<String> proxies = config.get(TRUSTED_PROXIES);
        return proxies.isEmpty() ? ClientAddresses.direct() : ClientAddresses.trusting(proxies);
    }

    /** The management listener's settings. */
    public static ManagementServerConfig managementServer(Config config) {
        return new ManagementServerConfig(
                config.get(MANAGEMENT_HOST), config.get(MANAGEMENT_PORT), MANAGEMENT_PORT.name());
    }

    /**
     * Cross-key checks: TLS key material is consistent, TLS protocols and cipher suites are usable, CORS origins are well-formed, trusted proxies are IP
     * addresses, the two listeners need different ports.
     */
    public static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new java.util.ArrayList<>();
        problems.addAll(tlsProblems(
                config,
                TLS_CERTIFICATE_FILE,
                TLS_PRIVATE_KEY_FILE,
                TLS_KEYSTORE_PASSWORD,
                List.of(TLS_PRIVATE_KEY_FILE, TLS_KEYSTORE_PASSWORD)));
        problems.addAll(tlsProfileProblems(config, TLS_PROTOCOLS, TLS_CIPHER_SUITES));
        problems.addAll(tlsProblems(
                config,
                MANAGEMENT_TLS_CERTIFICATE_FILE,
                MANAGEMENT_TLS_PRIVATE_KEY_FILE,
                MANAGEMENT_TLS_KEYSTORE_PASSWORD,
                List.of(
                        MANAGEMENT_TLS_PRIVATE_KEY_FILE,
                        MANAGEMENT_TLS_KEYSTORE_PASSWORD,
                        MANAGEMENT_TLS_CLIENT_CA_FILE)));
        problems.addAll(tlsProfileProblems(config, MANAGEMENT_TLS_PROTOCOLS, MANAGEMENT_TLS_CIPHER_SUITES));
        for (String problem : CorsSettings.originProblems(config.get(CORS_ALLOWED_ORIGINS))) {
            problems.add(new ConfigProblem(CORS_ALLOWED_ORIGINS.name(), config.source(CORS_ALLOWED_ORIGINS), problem));
        }
        for (String problem : ClientAddresses.problems(config.get(TRUSTED_PROXIES))) {
            problems.add(new ConfigProblem(TRUSTED_PROXIES.name(), config.source(TRUSTED_PROXIES), problem));
        }
        problems.addAll(portProblems(config));
        java.time.Duration queueTimeout = config.get(LIMITS_QUEUE_TIMEOUT);
        if (queueTimeout.compareTo(ApiSettings.MAX_QUEUE_TIMEOUT) > 0) {
            problems.add(new ConfigProblem(
                    LIMITS_QUEUE_TIMEOUT.name(),
                    config.source(LIMITS_QUEUE_TIMEOUT),
                    "\"" + dev.servicekit.spi.Durations.format(queueTimeout)
                            + "\" is longer than 1m; waiting longer only holds connections, use 1s or less"));
        }
        return problems;
    }

    private static List<ConfigProblem> portProblems(Config config) {
        int api = config.get(HTTP_PORT);
        int management = config.get(MANAGEMENT_PORT);
        if (api != 0 && api == management) {
            return List.of(new ConfigProblem(
                    MANAGEMENT_PORT.name(),
                    config.source(MANAGEMENT_PORT),
                    "\"" + management + "\" is also http.port; the API and management listeners need different ports"));
        }
        return List.of();
    }
}
