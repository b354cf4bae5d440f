package dev.servicekit.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigLayer;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.PasswordFile;
import dev.servicekit.core.PemTlsFiles;
import dev.servicekit.core.SharedConfigSource;
import dev.servicekit.core.TlsRefusal;
import dev.servicekit.spi.Diagnosis;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration kept in etcd v3: every configuration key is one etcd key {@code <prefix><dotted.key>} holding
 * the raw string value (e.g. {@code /users-service/config/limits.max-body-size} = {@code 100}). Talks to etcd's
 * documented JSON gRPC gateway ({@code POST /v3/kv/range}, streaming {@code POST /v3/watch}) with the JDK
 * HTTP client. With a {@linkplain Builder#user user}, it authenticates ({@code POST /v3/auth/authenticate}) before
 * its first request to each endpoint and sends the token etcd gives in the {@code Authorization} header; a token
 * etcd no longer knows (it expired, or the member restarted) is replaced by a new authentication, which reads the
 * password file again. {@code https://} endpoints use the {@linkplain Builder#tls TLS context} given: a CA of its own
 * and a client certificate for an etcd with {@code --client-cert-auth} ({@code config.etcd.tls.*}).
 *
 * <ol>
 *   <li>{@link #load()} reads the prefix once, synchronously, bounded by the timeout per endpoint. If no endpoint
 *       answers, a {@linkplain Builder#required required} source reports a problem in {@link #layer()} (the
 *       loader turns it into exit 78); an optional one logs a warning and holds no values.</li>
 *   <li>{@link #layer()} returns the current in-memory snapshot; it never does network I/O, so a reload that
 *       uses it is as fast as a file reload.</li>
 *   <li>{@link #watch(Runnable)} starts one daemon thread that re-reads the prefix, then follows it with one
 *       long-lived watch stream from the revision after that read. Every change updates the snapshot and, after
 *       a short debounce (bursts become one call), runs {@code onChange} on a daemon thread. When the stream
 *       breaks it keeps the last snapshot, retries with exponential backoff and jitter, and on reconnect
 *       re-reads the whole prefix (so a compaction or a missed event cannot lose a change), calling
 *       {@code onChange} if the snapshot differs. Connects and disconnects are logged once per transition.</li>
 *   <li>While it watches, a second daemon thread reads the prefix again every {@linkplain Builder#resyncInterval
 *       resync interval} (one read per interval). When the values differ from the snapshot and the watch does not
 *       deliver the change within a second, the watch is taken for dead (its connection dropped silently, which
 *       TCP does not report for a long time): it logs one warning and aborts the stream, and the reconnect above
 *       re-reads the prefix and opens a new watch. A resync read that fails aborts the stream the same way.</li>
 *   <li>{@link #close()} stops the threads and aborts the stream; it is idempotent.</li>
 * </ol>
 *
 * {@snippet :
 * EtcdConfigSource etcd = EtcdConfigSource.builder(List.of(URI.create("http://127.0.0.1:2379")), "/users-service/config/")
 *         .build();
 * etcd.load();
 * Config config = ConfigLoader.builder(schema).file(file, false).layer(etcd.layer()).build().load();
 * etcd.watch(host::reload);
 * }
 *
 * <p>Thread-safe.
 */
public final class EtcdConfigSource implements SharedConfigSource {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdConfigSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOOTSTRAP_PREFIX = "config.etcd.";
    /** etcd's message for a token it does not know (expired, or issued before the member restarted). */
    private static final String INVALID_TOKEN = "invalid auth token";
    /** etcd's message for a request without a token when authentication is on. */
    private static final String NO_USER = "user name is empty";
    /** etcd 3.4's gateway, auth on, client certificate with a CN: "CommonName of client sending a request …". */
    private static final String GATEWAY_COMMON_NAME = "CommonName of client";
    /** How long a resync waits for a live watch to deliver a change its read saw before taking the watch for dead. */
    private static final Duration RESYNC_GRACE = Duration.ofSeconds(1);
    /** How often, during that grace, it looks whether the watch caught up. */
    private static final Duration RESYNC_POLL = Duration.ofMillis(20);

    private final List<URI> endpoints;
    private final String prefix;
    private final boolean required;
    private final Duration timeout;
    private final Duration backoffInitial;
    private final Duration backoffMax;
    private final Duration debounce;
    private final Duration resyncInterval;
    private final HttpClient http;
    private final String user;
    private final Path passwordFile;
    private final PemTlsFiles tlsFiles;
    /** Whether an endpoint is {@code https://}: a connection closed without an answer may be a TLS refusal. */
    private final boolean https;
    /** The token each endpoint gave; {@code ""} where etcd has authentication off. */
    private final Map<URI, String> tokens = new ConcurrentHashMap<>();

    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean changePending = new AtomicBoolean();
    private final Object lock = new Object();
    private final Object notifying = new Object();

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile Optional<String> unreachable = Optional.empty();
    private volatile boolean connected;
    private int endpointIndex;
    private Thread watcher;
    private Thread resyncer;
    private InputStream stream;

    /** One read of the prefix: dotted key to raw value, the revision it reflects and the endpoint that served it. */
    private record Snapshot(Map<String, String> values, long revision, String endpoint) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), 0, "");
    }

    private EtcdConfigSource(Builder b) {
        this.endpoints = List.copyOf(b.endpoints);
        this.prefix = b.prefix;
        this.required = b.required;
        this.timeout = b.timeout;
        this.backoffInitial = b.backoffInitial;
        this.backoffMax = b.backoffMax;
        this.debounce = b.debounce;
        this.resyncInterval = b.resyncInterval;
        this.user = b.user;
        this.passwordFile = b.passwordFile;
        this.tlsFiles = b.tlsFiles;
        this.https = endpoints.stream().anyMatch(endpoint -> "https".equalsIgnoreCase(endpoint.getScheme()));
        HttpClient.Builder http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout);
        if (b.tls != null) {
            http.sslContext(b.tls);
        }
        this.http = http.build();
    }

    /**
     * Starts a source.
     *
     * @param endpoints etcd client URLs ({@code http://} or {@code https://}), tried in order; not empty
     * @param prefix    the etcd key prefix, e.g. {@code /users-service/config/}; a {@code /} is added when it does not
     *                  end with one
     */
    public static Builder builder(List<URI> endpoints, String prefix) {
        return new Builder(endpoints, prefix);
    }

    /**
     * The source the {@code config.etcd.*} keys of a (file, environment, {@code --set}) configuration describe,
     * or empty when {@code config.etcd.endpoints} is empty.
     */
    public static Optional<EtcdConfigSource> fromConfig(Config bootstrap, String serviceName) {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(serviceName, "serviceName");
        List<URI> endpoints = bootstrap.get(EtcdConfigKeys.CONFIG_ETCD_ENDPOINTS);
        if (endpoints.isEmpty()) {
            return Optional.empty();
        }
        Builder builder = builder(
                        endpoints,
                        bootstrap.find(EtcdConfigKeys.CONFIG_ETCD_PREFIX).orElse(defaultPrefix(serviceName)))
                .required(bootstrap.get(EtcdConfigKeys.CONFIG_ETCD_REQUIRED))
                .timeout(bootstrap.get(EtcdConfigKeys.CONFIG_ETCD_TIMEOUT));
        builder.resyncInterval(bootstrap.get(EtcdConfigKeys.CONFIG_ETCD_RESYNC_INTERVAL));
        Optional<String> user = bootstrap.find(EtcdConfigKeys.CONFIG_ETCD_USERNAME);
        Optional<Path> passwordFile = bootstrap.find(EtcdConfigKeys.CONFIG_ETCD_PASSWORD_FILE);
        if (user.isPresent() && passwordFile.isPresent()) { // one without the other is a problem of the keys' check
            builder.user(user.get(), passwordFile.get());
        }
        PemTlsFiles tls = PemTlsFiles.of(bootstrap, EtcdConfigKeys.TLS_FILES);
        if (tls.any()) {
            try {
                builder.tls(tls.context());
                builder.tlsFiles = tls;
            } catch (PemTlsFiles.Problems e) {
                // The keys' check reads the same files first: they changed since.
                throw new IllegalArgumentException("config.etcd.tls.*: " + e.getMessage(), e);
            }
        }
        return Optional.of(builder.build());
    }

    /**
     * The TLS context {@code config.etcd.tls.ca-file} alone makes, for another client of the same etcd (the drills of
     * {@code deploy/drills} use it): it trusts the PEM CA certificates in {@code caFile} instead of the JVM's trust
     * store and presents no client certificate. See {@link #tlsContext(Path, Path, Path)}.
     *
     * @throws IllegalArgumentException listing every problem with the file, as that method does
     */
    public static SSLContext tlsContext(Path caFile) {
        Objects.requireNonNull(caFile, "caFile");
        return tlsContext(
                new PemTlsFiles(EtcdConfigKeys.TLS_FILES, Optional.of(caFile), Optional.empty(), Optional.empty()));
    }

    /**
     * The TLS context {@code config.etcd.tls.*} makes, for another client of the same etcd (the drills of {@code
     * deploy/drills} use it): it trusts the PEM CA certificates in {@code caFile} instead of the JVM's trust store,
     * and presents the PEM client certificate (then its chain) in {@code certificateFile} with its unencrypted PKCS#8
     * key in {@code keyFile} when etcd asks for one ({@code --client-cert-auth}); the files {@code etcdctl --cacert
     * --cert --key} takes. They are read now, as the service reads its own, and again at a handshake when one changed
     * (looked at at most once a second; changed files that do not make a valid set leave the last good ones in use).
     *
     * {@snippet :
     * SSLContext tls = EtcdConfigSource.tlsContext(Path.of("ca.pem"), Path.of("client.pem"), Path.of("client.key"));
     * HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
     * }
     *
     * @throws IllegalArgumentException listing every problem with the files (unreadable, not PEM, a key that is not
     *     the certificate's, …), one a line, each line starting with the key of the file at fault and a colon, e.g.
     *     {@code config.etcd.tls.key-file: "client-key.pem" is encrypted; …}
     */
    public static SSLContext tlsContext(Path caFile, Path certificateFile, Path keyFile) {
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(certificateFile, "certificateFile");
        Objects.requireNonNull(keyFile, "keyFile");
        return tlsContext(new PemTlsFiles(
                EtcdConfigKeys.TLS_FILES, Optional.of(caFile), Optional.of(certificateFile), Optional.of(keyFile)));
    }

    private static SSLContext tlsContext(PemTlsFiles files) {
        try {
            return files.context();
        } catch (PemTlsFiles.Problems e) {
            throw new IllegalArgumentException(e.problems().stream()
                    .map(PemTlsFiles.Problem::describe)
                    .collect(java.util.stream.Collectors.joining("\n")));
        }
    }

    /** The prefix used when {@code config.etcd.prefix} is not set: {@code /<service name>/config/}. */
    public static String defaultPrefix(String serviceName) {
        return "/" + Objects.requireNonNull(serviceName, "serviceName") + "/config/";
    }

    /** The client certificate of {@code config.etcd.tls.cert-file}, when one is set: its files and its validity. */
    @Override
    public List<Diagnosis> certificates(Clock clock) {
        return tlsFiles.diagnoseCertificate("certificate etcd client", clock).stream()
                .toList();
    }

    @Override
    public String describe() {
        return "etcd (" + endpoints.stream().map(URI::toString).collect(java.util.stream.Collectors.joining(", "))
                + ")";
    }

    @Override
    public Optional<String> lastFailure() {
        return unreachable;
    }

    /** The etcd key prefix, ending with {@code /}. */
    public String prefix() {
        return prefix;
    }

    /** Whether the last read or watch succeeded and the watch stream (if started) is open. */
    @Override
    public boolean connected() {
        return connected;
    }

    /**
     * Reads the prefix once from the first endpoint that answers, replacing the snapshot. Blocks for at most
     * the timeout per endpoint.
     *
     * @return true if an endpoint answered; false if none did (see the class documentation for what follows)
     */
    @Override
    public boolean load() {
        try {
            snapshot = rangeAnyEndpoint();
            unreachable = Optional.empty();
            markConnected(
                    snapshot.endpoint(),
                    "read " + snapshot.values().size() + " key(s) at revision " + snapshot.revision());
            return true;
        } catch (IOException e) {
            unreachable = Optional.of(e.getMessage());
            if (!required) {
                LOG.warn(
                        "etcd configuration not read: {}; using the local configuration (file, environment, --set) until etcd answers",
                        e.getMessage());
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unreachable = Optional.of("interrupted while reading etcd");
            return false;
        }
    }

    /**
     * The current snapshot as a configuration layer; never blocks. Keys under {@code config.etcd.} are refused
     * (they configure this source and come only from the file, environment or {@code --set}). When the source is
     * required and was never read, the layer carries that problem.
     */
    @Override
    public ConfigLayer layer() {
        Snapshot current = snapshot;
        List<ConfigLayer.Value> values = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        current.values().forEach((key, raw) -> {
            String source = "etcd " + current.endpoint() + " " + prefix + key;
            if (key.startsWith(BOOTSTRAP_PREFIX)) {
                problems.add(
                        new ConfigProblem(
                                key,
                                source,
                                "cannot be set in etcd, it tells the service how to reach etcd; "
                                        + "set it in the configuration file, the environment or with --set, and delete the etcd key"));
            } else {
                values.add(new ConfigLayer.Value(key, raw, source));
            }
        });
        if (required && current == Snapshot.EMPTY && unreachable.isPresent()) {
            problems.add(
                    new ConfigProblem(
                            EtcdConfigKeys.CONFIG_ETCD_ENDPOINTS.name(),
                            "etcd",
                            "configuration is required from etcd but " + unreachable.get()
                                    + "; start etcd or fix config.etcd.endpoints, or set config.etcd.required to false to start from the local configuration"));
        }
        return new ConfigLayer("etcd", values, problems);
    }

    /**
     * Starts following the prefix on a daemon thread (see the class documentation). {@code onChange} runs on a
     * daemon thread, never concurrently with itself, after the snapshot changed; it should reload the
     * configuration from {@link #layer()}.
     *
     * @throws IllegalStateException if already watching or closed
     */
    @Override
    public void watch(Runnable onChange) {
        Objects.requireNonNull(onChange, "onChange");
        synchronized (lock) {
            if (watcher != null || closed.get()) {
                throw new IllegalStateException(
                        "etcd source for " + prefix + " is already watching or closed; build a new one");
            }
            watcher = Thread.ofPlatform().daemon().name("etcd-config-watch").start(() -> followLoop(onChange));
            resyncer = Thread.ofPlatform().daemon().name("etcd-config-resync").start(this::resyncLoop);
        }
    }

    /** Stops the watch and resync threads and aborts the stream; waits at most the timeout for each thread to end. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Thread watching;
        Thread resyncing;
        synchronized (lock) {
            watching = watcher;
            resyncing = resyncer;
            closeStream();
        }
        http.shutdownNow();
        stop(resyncing);
        stop(watching);
    }

    /** Interrupts {@code thread} (null: none was started) and waits at most the timeout for it to end. */
    private void stop(Thread thread) {
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void followLoop(Runnable onChange) {
        Duration backoff = backoffInitial;
        while (!closed.get()) {
            URI endpoint = currentEndpoint();
            try {
                Snapshot fresh = range(endpoint);
                Snapshot previous = snapshot;
                snapshot = fresh;
                unreachable = Optional.empty();
                markConnected(fresh.endpoint(), "watching from revision " + (fresh.revision() + 1));
                backoff = backoffInitial;
                if (!fresh.values().equals(previous.values())) {
                    changed(onChange);
                }
                followStream(endpoint, fresh.revision() + 1, onChange);
                throw new IOException("the watch stream ended");
            } catch (IOException | RuntimeException e) {
                if (closed.get()) {
                    return;
                }
                unreachable = Optional.of(endpoint + ": " + describe(e)); // for status, until a read answers again
                if (connected) {
                    connected = false;
                    LOG.warn(
                            "etcd configuration: lost {} ({}); serving the last configuration (revision {}) and reconnecting",
                            endpoint,
                            describe(e),
                            snapshot.revision());
                }
                nextEndpoint();
            } catch (InterruptedException e) {
                return;
            }
            try {
                long millis = backoff.toMillis();
                Thread.sleep(millis / 2 + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(backoffMax) > 0 ? backoffMax : backoff.multipliedBy(2);
        }
    }

    /** Reads watch responses (one JSON object per line) until the stream ends or fails. */
    private void followStream(URI endpoint, long fromRevision, Runnable onChange)
            throws IOException, InterruptedException {
        Map<String, Object> create = new LinkedHashMap<>();
        create.put("key", b64(prefix));
        create.put("range_end", b64(rangeEnd(prefix)));
        create.put("start_revision", Long.toString(fromRevision));
        HttpRequest request = post(endpoint, "/v3/watch", JSON.writeValueAsString(Map.of("create_request", create)))
                .timeout(timeout) // until the response's headers only: a stream that never opens is not waited on
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        synchronized (lock) {
            if (closed.get()) {
                response.body().close();
                return;
            }
            stream = response.body();
        }
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                if (response.statusCode() == 401) {
                    tokens.remove(endpoint); // authenticate again at the next attempt
                }
                // (a token etcd refuses on the watch itself comes as a cancelled watch, below)
                throw new IOException("watch answered HTTP " + response.statusCode());
            }
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode message = JSON.readTree(line);
                if (message.has("error")) {
                    throw new IOException("watch failed: "
                            + message.path("error")
                                    .path("message")
                                    .asText(message.path("error").toString()));
                }
                JsonNode result = message.path("result");
                if (result.path("compact_revision").asLong(0) > 0) {
                    throw new IOException("the watch was cancelled by etcd (compacted at revision "
                            + result.path("compact_revision").asText() + "); re-reading the prefix");
                }
                if (result.path("canceled").asBoolean(false)) {
                    String reason = result.path("cancel_reason").asText("");
                    if (tokenRefused(0, reason)) {
                        tokens.remove(endpoint); // authenticate again at the next attempt
                    }
                    throw new IOException("the watch was cancelled by etcd"
                            + (reason.isEmpty() ? "" : " (" + hint(etcdMessage(reason)) + ")"));
                }
                if (applyEvents(result)) {
                    changed(onChange);
                }
            }
        } finally {
            synchronized (lock) {
                stream = null;
            }
        }
    }

    /** Applies one watch response's events to the snapshot; true if a value changed. */
    private boolean applyEvents(JsonNode result) {
        JsonNode events = result.path("events");
        if (!events.isArray() || events.isEmpty()) {
            return false;
        }
        Snapshot current = snapshot;
        Map<String, String> values = new TreeMap<>(current.values());
        long revision = current.revision();
        for (JsonNode event : events) {
            JsonNode kv = event.path("kv");
            String key = unb64(kv.path("key").asText()).substring(prefix.length());
            if ("DELETE".equals(event.path("type").asText())) {
                values.remove(key);
            } else {
                values.put(key, unb64(kv.path("value").asText("")));
            }
            revision = Math.max(revision, kv.path("mod_revision").asLong(revision));
        }
        revision = Math.max(revision, result.path("header").path("revision").asLong(revision));
        snapshot = new Snapshot(Map.copyOf(values), revision, current.endpoint());
        return !values.equals(current.values());
    }

    /** Runs {@code onChange} once after the debounce, however many changes arrive meanwhile. */
    private void changed(Runnable onChange) {
        if (!changePending.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("etcd-config-reload").start(() -> {
            try {
                Thread.sleep(debounce.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            changePending.set(false);
            if (closed.get()) {
                return;
            }
            synchronized (notifying) { // a change during a slow onChange starts a second thread: it waits its turn
                try {
                    onChange.run();
                } catch (RuntimeException e) {
                    LOG.warn("Reloading after an etcd change failed: {}", describe(e), e);
                }
            }
        });
    }

    private void resyncLoop() {
        while (!closed.get()) {
            try {
                Thread.sleep(resyncInterval.toMillis());
                resync();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) { // never let the thread die: the next interval tries again
                LOG.warn("etcd configuration: the resync of {} failed: {}", prefix, describe(e), e);
            }
        }
    }

    /**
     * One resync: reads the prefix from the endpoint being watched and compares it with the snapshot. The watch is
     * taken for dead, and its stream aborted so that {@link #followLoop} reconnects, when the read fails, or when the
     * values differ and the watch has not caught up with the read's revision within {@link #RESYNC_GRACE}. A change
     * that merely races the read is delivered by a live watch within that grace and costs nothing.
     */
    private void resync() throws InterruptedException {
        InputStream watched;
        synchronized (lock) {
            watched = stream;
        }
        if (watched == null || !connected) {
            return; // not watching right now: the reconnect re-reads the prefix anyway
        }
        URI endpoint = currentEndpoint();
        Snapshot read;
        try {
            read = range(endpoint);
        } catch (IOException | RuntimeException e) {
            if (abortWatch(watched)) {
                LOG.warn(
                        "etcd configuration: the resync read from {} failed ({}); serving the last configuration"
                                + " (revision {}) and re-establishing the watch",
                        endpoint,
                        describe(e),
                        snapshot.revision());
            }
            return;
        }
        long deadline = System.nanoTime() + RESYNC_GRACE.toNanos();
        while (!caughtUp(read)) {
            if (System.nanoTime() - deadline >= 0) {
                long behind = snapshot.revision();
                if (abortWatch(watched)) {
                    LOG.warn(
                            "etcd configuration: the watch on {} missed a change (it is at revision {}, a read at"
                                    + " revision {} differs); re-establishing the watch, which re-reads {}",
                            endpoint,
                            behind,
                            read.revision(),
                            prefix);
                }
                return;
            }
            Thread.sleep(RESYNC_POLL.toMillis());
        }
    }

    /**
     * Whether the snapshot reflects {@code read}: the same values, or a revision at least the read's (the watch
     * delivered everything up to it; a later change may differ again). Unrelated keys raise etcd's revision without
     * an event for the prefix, so the revision alone would not do.
     */
    private boolean caughtUp(Snapshot read) {
        Snapshot current = snapshot;
        return current.values().equals(read.values()) || current.revision() >= read.revision();
    }

    /**
     * Aborts the watch stream {@code watched} if it is still the open one: {@link #followLoop} then takes the
     * reconnect path. Marks the source disconnected first, so that the caller's warning is the only one logged for
     * this transition. False (nothing done) when the source closed or the stream was replaced meanwhile.
     */
    private boolean abortWatch(InputStream watched) {
        synchronized (lock) {
            if (closed.get() || stream != watched) {
                return false;
            }
            connected = false;
            closeStream();
            return true;
        }
    }

    private Snapshot rangeAnyEndpoint() throws IOException, InterruptedException {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            URI endpoint = currentEndpoint();
            try {
                return range(endpoint);
            } catch (IOException | RuntimeException e) {
                failures.add(endpoint + ": " + describe(e));
                nextEndpoint();
            }
        }
        throw new IOException("no etcd endpoint answered (" + String.join("; ", failures) + ")");
    }

    private Snapshot range(URI endpoint) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("key", b64(prefix), "range_end", b64(rangeEnd(prefix))));
        HttpResponse<String> response = http.send(
                post(endpoint, "/v3/kv/range", body).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        if (user != null && tokenRefused(response.statusCode(), etcdMessage(response.body()))) {
            // The token expired, the member forgot it (a restart), or authentication was turned on since: once more
            // with a new one.
            tokens.remove(endpoint);
            response = http.send(
                    post(endpoint, "/v3/kv/range", body).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        if (response.statusCode() != 200) {
            throw new IOException(
                    "range answered HTTP " + response.statusCode() + ": " + hint(etcdMessage(response.body())));
        }
        JsonNode root = JSON.readTree(response.body());
        Map<String, String> values = new TreeMap<>();
        for (JsonNode kv : root.path("kvs")) {
            values.put(
                    unb64(kv.path("key").asText()).substring(prefix.length()),
                    unb64(kv.path("value").asText("")));
        }
        return new Snapshot(
                Map.copyOf(values), root.path("header").path("revision").asLong(0), endpoint.toString());
    }

    /**
     * A JSON {@code POST} of {@code body} to {@code path} on {@code endpoint}, with the endpoint's token when there is
     * a user (authenticating first when there is none yet).
     */
    private HttpRequest.Builder post(URI endpoint, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = jsonPost(endpoint, path, body);
        String token = token(endpoint);
        if (!token.isEmpty()) {
            request.header("Authorization", token);
        }
        return request;
    }

    /** A JSON {@code POST} of {@code body} to {@code path} on {@code endpoint}, without a token. */
    private static HttpRequest.Builder jsonPost(URI endpoint, String path, String body) {
        return HttpRequest.newBuilder(endpoint.resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
    }

    /** The endpoint's token: {@code ""} without a user or where etcd has authentication off. */
    private String token(URI endpoint) throws IOException, InterruptedException {
        if (user == null) {
            return "";
        }
        String token = tokens.get(endpoint);
        if (token == null) {
            token = authenticate(endpoint);
            tokens.put(endpoint, token);
        }
        return token;
    }

    /** Authenticates as the user with the password file's password; the token, or {@code ""} when auth is off. */
    private String authenticate(URI endpoint) throws IOException, InterruptedException {
        String password;
        try {
            password = PasswordFile.read(passwordFile, EtcdConfigKeys.PASSWORD_WHOSE);
        } catch (IOException e) {
            throw new IOException(
                    "cannot read the etcd password from config.etcd.password-file \"" + passwordFile
                            + "\" (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); check that it exists and that the service account may read it",
                    e);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        HttpRequest request = jsonPost(
                        endpoint,
                        "/v3/auth/authenticate",
                        JSON.writeValueAsString(Map.of("name", user, "password", password)))
                .timeout(timeout)
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        String message = etcdMessage(response.body());
        if (response.statusCode() == 200) {
            String token = JSON.readTree(response.body()).path("token").asText("");
            if (token.isEmpty()) {
                throw new IOException("etcd authenticated user \"" + user + "\" but gave no token");
            }
            return token;
        }
        if (message.contains("authentication is not enabled")) {
            return ""; // the user is not needed there: requests go without a token
        }
        if (message.contains("authentication failed")) {
            throw new IOException("etcd refused user \"" + user + "\" (" + message
                    + "); check config.etcd.username and the password in config.etcd.password-file");
        }
        throw new IOException(
                "authenticating as \"" + user + "\" answered HTTP " + response.statusCode() + ": " + hint(message));
    }

    /**
     * Whether etcd refused the token a request carried (HTTP 401: expired, or unknown since the member restarted) or
     * wanted one it did not carry (authentication turned on since the token was found unneeded).
     */
    private static boolean tokenRefused(int status, String message) {
        return status == 401 || message.contains(INVALID_TOKEN) || message.contains(NO_USER);
    }

    /** What etcd's gateway says went wrong: the {@code message} of its JSON error, else the body as it is. */
    private static String etcdMessage(String body) {
        try {
            JsonNode error = JSON.readTree(body);
            if (error.hasNonNull("message")) {
                return error.path("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the body as it is
        }
        return body.strip();
    }

    /** {@code message} with what to do about it, for the errors that authentication brings. */
    private String hint(String message) {
        if (message.contains(NO_USER)) {
            return message + "; etcd has authentication on: set config.etcd.username and config.etcd.password-file";
        }
        if (message.contains(GATEWAY_COMMON_NAME)) {
            return message + "; with authentication on, etcd 3.4's JSON gateway refuses a client certificate whose"
                    + " subject has a CommonName: give the service one without a CN in config.etcd.tls.cert-file"
                    + " (a subject such as O=<organization> alone); the user comes from config.etcd.username";
        }
        if (message.contains("permission denied")) {
            return message + "; etcd user \"" + user + "\" needs read permission on " + prefix
                    + " (etcdctl role grant-permission <role> --prefix=true read " + prefix + ")";
        }
        return message;
    }

    private void markConnected(String endpoint, String what) {
        if (!connected) {
            connected = true;
            LOG.info("etcd configuration: connected to {} for {} ({})", endpoint, prefix, what);
        }
    }

    private URI currentEndpoint() {
        synchronized (lock) {
            return endpoints.get(endpointIndex);
        }
    }

    private void nextEndpoint() {
        synchronized (lock) {
            endpointIndex = (endpointIndex + 1) % endpoints.size();
        }
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // closing only aborts the stream; nothing to report
            }
        }
    }

    /** The etcd range end that selects every key starting with {@code prefix}: the prefix with its last byte plus one. */
    static byte[] rangeEnd(String prefix) {
        byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != (byte) 0xff) {
                bytes[i]++;
                return java.util.Arrays.copyOf(bytes, i + 1);
            }
        }
        return new byte[] {0}; // every key
    }

    private static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String unb64(String text) {
        return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
    }

    /**
     * What went wrong, and what to do where a setting fixes it. Over TLS 1.3 etcd refuses a client certificate it did
     * not get or does not trust after the handshake has finished on the client's side, and closes the connection;
     * whether the client then reads the alert ({@code bad_certificate}, {@code certificate_required}) or only the
     * closed connection is a race, so a connection closed without an answer on an {@code https://} endpoint says so.
     */
    private String describe(Throwable e) {
        String described = describeCause(e);
        String message = String.valueOf(e.getMessage());
        if (https && (message.contains("received no bytes") || message.contains("Connection reset"))) {
            return "etcd closed the connection without an answer (" + described + "); if it asks for client"
                    + " certificates (--client-cert-auth), TLS 1.3 refuses a missing or untrusted one this way: set"
                    + " config.etcd.tls.cert-file and config.etcd.tls.key-file to one its --trusted-ca-file signs";
        }
        return described;
    }

    private static String describeCause(Throwable e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused (is etcd running there?)";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer within the timeout (config.etcd.timeout)";
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLHandshakeException handshake) {
                return describeHandshake(handshake);
            }
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** A failed TLS handshake with what to do about it, for the failures that a setting fixes ({@link TlsRefusal}). */
    static String describeHandshake(javax.net.ssl.SSLHandshakeException handshake) {
        String message = String.valueOf(handshake.getMessage());
        return TlsRefusal.classify(handshake)
                .map(refusal -> switch (refusal) {
                    case SERVER_NOT_TRUSTED ->
                        "etcd's certificate is not trusted (" + message + "); set"
                                + " config.etcd.tls.ca-file to the CA certificate that signed it";
                    case SERVER_NAME_MISMATCH ->
                        "etcd's certificate does not name the endpoint's host (" + message
                                + "); use a host name the certificate names in config.etcd.endpoints";
                    case CLIENT_CERTIFICATE_REFUSED ->
                        "etcd refused the TLS handshake (" + message + "): it asks for"
                                + " a client certificate, and none was given or it does not trust the one given; set"
                                + " config.etcd.tls.cert-file and config.etcd.tls.key-file to one its --trusted-ca-file"
                                + " signs";
                })
                .orElse("TLS handshake failed (" + message + ")");
    }

    /** Builds an {@link EtcdConfigSource}. */
    public static final class Builder {
        private final List<URI> endpoints;
        private final String prefix;
        private boolean required;
        private Duration timeout = Duration.ofSeconds(5);
        private Duration backoffInitial = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(5);
        private Duration debounce = Duration.ofMillis(100);
        private Duration resyncInterval = Duration.ofSeconds(30);
        private String user;
        private Path passwordFile;
        private SSLContext tls;
        private PemTlsFiles tlsFiles = PemTlsFiles.none(EtcdConfigKeys.TLS_FILES);

        private Builder(List<URI> endpoints, String prefix) {
            Objects.requireNonNull(endpoints, "endpoints");
            Objects.requireNonNull(prefix, "prefix");
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException(
                        "An etcd source needs at least one endpoint, e.g. http://127.0.0.1:2379");
            }
            if (prefix.isBlank()) {
                throw new IllegalArgumentException(
                        "The etcd prefix must not be blank; use e.g. /users-service/config/");
            }
            this.endpoints = List.copyOf(endpoints);
            // Each etcd key is <prefix><dotted.key>: without the slash every key would start with one ("/log.level")
            // and a sibling such as /svc/configx/ would be read as well.
            this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        }

        /** When true, {@link #layer()} reports a problem if the first read found no endpoint answering (default false). */
        public Builder required(boolean value) {
            this.required = value;
            return this;
        }

        /** Bound on connecting and on each read of the prefix (default 5s). */
        public Builder timeout(Duration value) {
            this.timeout = positive(value, "timeout");
            return this;
        }

        /** Reconnect delays: start at {@code initial}, double per failure up to {@code max}, with jitter (default 100ms, 5s). */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            this.backoffInitial = positive(initial, "initial");
            this.backoffMax = positive(max, "max");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException(
                        "The reconnect backoff maximum (" + max + ") must not be below its start (" + initial + ")");
            }
            return this;
        }

        /** How long to wait after a change before calling {@code onChange}, so bursts become one call (default 100ms). */
        public Builder debounce(Duration value) {
            this.debounce = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * How often, while watching, the prefix is read again to catch a watch that hangs silently (default 30s, at
         * least 1s); see the class documentation. A change is seen within about this long even when the watch's
         * connection was dropped without a FIN or RST.
         */
        public Builder resyncInterval(Duration value) {
            Objects.requireNonNull(value, "value");
            if (value.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(
                        "The etcd resync interval must be at least 1s, was " + value + "; use e.g. 30s");
            }
            this.resyncInterval = value;
            return this;
        }

        /**
         * Authenticates as {@code name} (etcd with authentication on), with the password on the first line of
         * {@code passwordFile}, read at each authentication. Without it, requests carry no token.
         */
        public Builder user(String name, Path passwordFile) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(passwordFile, "passwordFile");
            if (name.isBlank()) {
                throw new IllegalArgumentException("The etcd user name must not be blank");
            }
            this.user = name;
            this.passwordFile = passwordFile;
            return this;
        }

        /**
         * The TLS context of the {@code https://} endpoints: whom to trust, and the client certificate to present
         * when etcd asks for one (default: the JVM's, without a client certificate).
         */
        public Builder tls(SSLContext context) {
            this.tls = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Builds the source; nothing is read until {@link #load()} or {@link #watch(Runnable)}. */
        public EtcdConfigSource build() {
            return new EtcdConfigSource(this);
        }

        private static Duration positive(Duration value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("The etcd " + what + " must be positive, was " + value);
            }
            return value;
        }
    }
}
