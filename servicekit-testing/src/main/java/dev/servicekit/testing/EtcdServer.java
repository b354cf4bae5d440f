package dev.servicekit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A real single-member etcd ({@code /usr/bin/etcd}, Debian package {@code etcd-server}) for tests, on free
 * loopback ports with its own data directory. {@link #stop()} and {@link #start()} keep the ports and the data,
 * so a restart looks to clients like the same server coming back. Keys are written through etcd's JSON gateway.
 *
 * {@snippet :
 * try (EtcdServer etcd = EtcdServer.start(tempDir)) {
 *     etcd.put("/users-service/config/log.level", "debug");
 *     String url = etcd.endpoint();   // http://127.0.0.1:<port>
 * }
 * }
 */
public final class EtcdServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HEALTHY = Duration.ofSeconds(30);

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    /** The TLS listener's port, with its certificate, key and the CA of client certificates; 0 without TLS. */
    private final int tlsPort;

    private final Path certificate;
    private final Path key;
    private final Path clientCa;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private Process process;
    /** The root user's password once {@link #enableAuth} turned authentication on; {@code null} before. */
    private String rootPassword;
    /** The root user's token for this class's own requests; {@code null} until it authenticates. */
    private String rootToken;

    private EtcdServer(Path dir, int clientPort, int peerPort, int tlsPort, Path certificate, Path key, Path clientCa) {
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.tlsPort = tlsPort;
        this.certificate = certificate;
        this.key = key;
        this.clientCa = clientCa;
    }

    /**
     * Why etcd cannot run here (no {@code etcd} executable on the PATH), or empty when it can. Tests skip on a
     * reason locally and fail on CI ({@code CI=true}), where {@code .ci/run} installs etcd.
     */
    public static Optional<String> unavailableReason() {
        return executable().isPresent()
                ? Optional.empty()
                : Optional.of("no `etcd` on the PATH (apt-get install etcd-server)");
    }

    /** Starts etcd with its data under {@code dir} and waits until it is healthy. */
    public static EtcdServer start(Path dir) {
        Objects.requireNonNull(dir, "dir");
        int[] ports = FreePorts.distinct(2);
        EtcdServer server = new EtcdServer(dir.toAbsolutePath(), ports[0], ports[1], 0, null, null, null);
        server.start();
        return server;
    }

    /**
     * Starts etcd with a second client listener on TLS ({@link #tlsEndpoint()}) beside the plain one this class
     * writes keys through: {@code certificate} and {@code key} (PEM) are its server identity, and when
     * {@code clientCa} is not null it asks every TLS client for a certificate signed by it ({@code
     * --client-cert-auth}).
     */
    public static EtcdServer startWithTls(Path dir, Path certificate, Path key, Path clientCa) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        int[] ports = FreePorts.distinct(3);
        EtcdServer server =
                new EtcdServer(dir.toAbsolutePath(), ports[0], ports[1], ports[2], certificate, key, clientCa);
        server.start();
        return server;
    }

    /** The TLS client URL, {@code https://127.0.0.1:<port>}; only for a server from {@link #startWithTls}. */
    public String tlsEndpoint() {
        if (tlsPort == 0) {
            throw new IllegalStateException("this etcd has no TLS listener; start it with startWithTls");
        }
        return "https://127.0.0.1:" + tlsPort;
    }

    /** The client URL, {@code http://127.0.0.1:<port>}. */
    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** Whether the etcd process runs. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * (Re)starts etcd on the same ports and data directory and waits until {@code /health} says healthy.
     *
     * @throws IllegalStateException if it is already running or does not become healthy within 30 s
     */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("etcd is already running on " + endpoint());
        }
        String peer = "http://127.0.0.1:" + peerPort;
        String clients = tlsPort == 0 ? endpoint() : endpoint() + "," + tlsEndpoint();
        List<String> command = new java.util.ArrayList<>(List.of(
                executable()
                        .map(Path::toString)
                        .orElseThrow(() ->
                                new IllegalStateException(unavailableReason().orElseThrow())),
                "--name",
                "test",
                "--data-dir",
                dir.resolve("data").toString(),
                "--listen-client-urls",
                clients,
                "--advertise-client-urls",
                clients,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                "test=" + peer,
                "--logger",
                "zap",
                "--log-outputs",
                "stderr"));
        if (tlsPort != 0) {
            command.addAll(List.of("--cert-file", certificate.toString(), "--key-file", key.toString()));
            if (clientCa != null) {
                command.addAll(List.of("--client-cert-auth", "--trusted-ca-file", clientCa.toString()));
            }
        }
        try {
            Files.createDirectories(dir);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("etcd.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("etcd did not start: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + HEALTHY.toNanos();
        while (true) {
            try {
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200
                        && JSON.readTree(health.body()).path("health").asText().equals("true")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("etcd on " + endpoint() + " did not become healthy within " + HEALTHY
                        + " (alive: " + process.isAlive() + "); see " + dir.resolve("etcd.log") + ":\n" + log());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
        }
    }

    /** Stops etcd (SIGTERM, then SIGKILL after 10 s) and waits until it exited; the data stays. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        ChildProcesses.terminate(process);
        process = null;
    }

    /** Sets a key; returns the revision of the write. */
    public long put(String key, String value) {
        return post("/v3/kv/put", Map.of("key", b64(key), "value", b64(value)))
                .path("header")
                .path("revision")
                .asLong();
    }

    /** Deletes a key; returns the revision after the delete. */
    public long delete(String key) {
        return post("/v3/kv/deleterange", Map.of("key", b64(key)))
                .path("header")
                .path("revision")
                .asLong();
    }

    /** The current revision of the store. */
    public long revision() {
        return post("/v3/kv/range", Map.of("key", b64("\0"), "count_only", true))
                .path("header")
                .path("revision")
                .asLong();
    }

    /** Compacts the history up to {@code revision}: older revisions can no longer be watched from. */
    public void compact(long revision) {
        post("/v3/kv/compaction", Map.of("revision", Long.toString(revision), "physical", true));
    }

    /**
     * Turns etcd's authentication on (what {@code etcdctl user add root; etcdctl auth enable} does): a {@code root}
     * user with {@code rootPassword}, and {@code user} with {@code password}, who may read the keys under
     * {@code readPrefix} and nothing else. This class's own requests authenticate as {@code root} from then on.
     */
    public void enableAuth(String rootPassword, String user, String password, String readPrefix) {
        post("/v3/auth/user/add", Map.of("name", "root", "password", rootPassword));
        post("/v3/auth/role/add", Map.of("name", "root"));
        post("/v3/auth/user/grant", Map.of("user", "root", "role", "root"));
        post("/v3/auth/user/add", Map.of("name", user, "password", password));
        post("/v3/auth/role/add", Map.of("name", user + "-reader"));
        post(
                "/v3/auth/role/grant",
                Map.of(
                        "name",
                        user + "-reader",
                        "perm",
                        Map.of("permType", "READ", "key", b64(readPrefix), "range_end", b64(prefixEnd(readPrefix)))));
        post("/v3/auth/user/grant", Map.of("user", user, "role", user + "-reader"));
        post("/v3/auth/enable", Map.of());
        synchronized (this) {
            this.rootPassword = rootPassword;
        }
    }

    /** Changes {@code user}'s password (as root, once {@link #enableAuth} turned authentication on). */
    public void changePassword(String user, String password) {
        post("/v3/auth/user/changepw", Map.of("name", user, "password", password));
    }

    /** What etcd wrote to its log so far. */
    public String log() {
        try {
            return Files.readString(dir.resolve("etcd.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops etcd. */
    @Override
    public void close() {
        stop();
        http.close();
    }

    private JsonNode post(String path, Map<String, Object> body) {
        try {
            HttpResponse<String> response = send(path, body);
            if (response.statusCode() == 401 && rootPassword() != null) {
                // The root token expired, or etcd restarted and forgot it: once more with a new one.
                synchronized (this) {
                    rootToken = null;
                }
                response = send(path, body);
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "etcd " + path + " answered HTTP " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("etcd " + path + " on " + endpoint() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted calling etcd " + path, e);
        }
    }

    private HttpResponse<String> send(String path, Map<String, Object> body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint() + path))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json");
        String token = rootToken();
        if (token != null) {
            request.header("Authorization", token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The root user's token once authentication is on, authenticating when there is none; else {@code null}. */
    private String rootToken() throws IOException, InterruptedException {
        String password = rootPassword();
        if (password == null) {
            return null;
        }
        synchronized (this) {
            if (rootToken != null) {
                return rootToken;
            }
        }
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(endpoint() + "/v3/auth/authenticate"))
                        .timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                JSON.writeValueAsString(Map.of("name", "root", "password", password))))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "etcd refused root: HTTP " + response.statusCode() + ": " + response.body());
        }
        String token = JSON.readTree(response.body()).path("token").asText();
        synchronized (this) {
            rootToken = token;
        }
        return token;
    }

    private synchronized String rootPassword() {
        return rootPassword;
    }

    /** The range end that selects every key starting with {@code prefix}: its last byte plus one (ASCII prefixes). */
    private static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<Path> executable() {
        for (String entry :
                List.of(Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator))) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, "etcd");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
