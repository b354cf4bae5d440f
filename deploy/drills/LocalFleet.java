import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * {@code local-fleet.sh up DIR} starts Debian's PostgreSQL, etcd, three instances of the jar and nginx with the
 * shipped {@code deploy/nginx/users-service.conf}, all on free loopback ports, with everything they write in DIR
 * (PostgreSQL's data in a temp directory of its own when run as root, since it runs as the postgres user), and
 * writes {@code DIR/fleet.env} for the drills. etcd is secured as production's should be: TLS only, with a CA of the
 * fleet's own (openssl, {@code DIR/pki}) and client certificates ({@code --client-cert-auth}), and authentication on,
 * the instances logging in as the user {@code users-service}, whose role may read their prefix, and the drills as
 * {@code drills}, whose role may read and write it. Pids go to {@code DIR/run/*.pid}; {@code down} stops exactly those
 * processes (checking each pid still runs a command naming DIR) and a watchdog runs {@code down} after
 * {@code LOCAL_FLEET_LIFETIME} seconds (default 7200) if nobody did.
 */
final class LocalFleet {
    static final List<String> INSTANCES = List.of("a", "b", "c");
    static final String RUN_AS = "postgres";
    /** The etcd user of the instances: it may read their prefix, nothing else. */
    static final String ETCD_USER = "users-service";
    /** The etcd user of the drills: it may read and write the instances' prefix (the etcd drill changes a key). */
    static final String DRILL_ETCD_USER = "drills";

    final Path dir;
    final Properties state = new Properties();

    LocalFleet(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    static int run(String[] args) {
        if (args.length < 2) {
            System.err.println(Drills.usage());
            return 2;
        }
        String verb = args[0];
        LocalFleet fleet = new LocalFleet(Path.of(args[args.length - 1]));
        String name = args.length == 3 ? args[1] : null;
        boolean named = verb.equals("start") || verb.equals("stop");
        if (named != (args.length == 3) || (named && !INSTANCES.contains(name))) {
            System.err.println("local-fleet.sh: " + String.join(" ", args) + ": expected 'start NAME DIR' or"
                    + " 'stop NAME DIR' with NAME one of " + INSTANCES + ", or '" + verb + " DIR'\n" + Drills.usage());
            return 2;
        }
        try {
            switch (verb) {
                case "up" -> fleet.up();
                case "down" -> fleet.down();
                case "start" -> fleet.load().startInstance(name);
                case "stop" -> fleet.load().stop(name, "TERM");
                case "stop-instances" -> fleet.load().stopInstances();
                case "start-instances" -> fleet.load().startInstances();
                case "stop-db" -> fleet.load().stop("postgres", "INT");
                case "start-db" -> fleet.load().startPostgres();
                case "stop-etcd" -> fleet.load().stop("etcd", "TERM");
                case "start-etcd" -> fleet.load().startEtcd();
                default -> {
                    System.err.println("local-fleet.sh: unknown verb '" + verb + "'\n" + Drills.usage());
                    return 2;
                }
            }
            return 0;
        } catch (Drills.Problems e) {
            throw e;
        } catch (RuntimeException e) {
            System.err.println("local-fleet.sh " + verb + ": " + e.getMessage());
            return 1;
        }
    }

    // ---- up and down

    void up() {
        List<String> problems = new ArrayList<>();
        Optional<Path> pgBin = postgresBin();
        if (pgBin.isEmpty()) {
            problems.add("no PostgreSQL server binaries (initdb, postgres, psql, pg_isready) under"
                    + " /usr/lib/postgresql/*/bin or on the PATH: apt-get install postgresql");
        }
        if (isRoot() && (!hasUser(RUN_AS) || onPath("setpriv").isEmpty())) {
            problems.add("running as root, PostgreSQL must run as the 'postgres' OS user through setpriv:"
                    + " apt-get install postgresql util-linux");
        }
        Optional<Path> etcd = onPath("etcd");
        if (etcd.isEmpty()) {
            problems.add("no etcd on the PATH: apt-get install etcd-server");
        }
        if (Runtime.version().feature() < 21) {
            problems.add("this is Java " + Runtime.version() + "; the fleet runs the jar with it and reads etcd's TLS"
                    + " files with the jar's code, which need Java 21 or newer: set DRILL_JAVA_HOME to a JDK 21");
        }
        Optional<Path> openssl = onPath("openssl");
        if (openssl.isEmpty()) {
            problems.add("no openssl on the PATH (it makes etcd's CA and certificates): apt-get install openssl");
        }
        Path nginx = Path.of("/usr/sbin/nginx");
        if (!Files.isExecutable(nginx)) {
            nginx = onPath("nginx").orElse(null);
            if (nginx == null) {
                problems.add("no nginx at /usr/sbin/nginx or on the PATH: apt-get install nginx");
            }
        }
        Path home = Path.of(System.getenv().getOrDefault("DRILL_HOME", "deploy/drills")).toAbsolutePath();
        Path shippedNginx = home.resolve("../nginx/users-service.conf").normalize();
        if (!Files.isRegularFile(shippedNginx)) {
            problems.add("no " + shippedNginx + " (the shipped nginx configuration); run from the repository");
        }
        String jar = System.getenv("DRILL_JAR");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            problems.add("DRILL_JAR: '" + jar + "' is not the users-service jar; build it"
                    + " (./mvnw -DskipTests package) or set DRILL_JAR");
        }
        if (Files.exists(dir.resolve("fleet.properties"))) {
            problems.add(dir + " already holds a fleet; 'local-fleet.sh down " + dir + "' first, or use another"
                    + " directory");
        }
        String lifetime = System.getenv().getOrDefault("LOCAL_FLEET_LIFETIME", "7200");
        if (!lifetime.matches("[1-9][0-9]{0,5}")) {
            problems.add("LOCAL_FLEET_LIFETIME: '" + lifetime + "' is not a number of seconds (1 to 999999)");
        }
        if (!problems.isEmpty()) {
            throw new Drills.Problems("local-fleet.sh up: cannot start a fleet; nothing was started", problems);
        }
        try {
            Files.createDirectories(dir.resolve("run"));
            Files.createDirectories(dir.resolve("logs"));
            int[] ports = freePorts(3 + 2 * INSTANCES.size());
            state.setProperty("java", ProcessHandle.current().info().command().orElse("java"));
            state.setProperty("jar", Path.of(jar).toAbsolutePath().toString());
            state.setProperty("pg.bin", pgBin.orElseThrow().toString());
            Path pgDir = isRoot() ? Files.createTempDirectory("servicekit-drills-pg-") : dir.resolve("pg");
            Files.createDirectories(pgDir);
            state.setProperty("pg.dir", pgDir.toString());
            state.setProperty("pg.port", Integer.toString(ports[0]));
            state.setProperty("etcd", etcd.orElseThrow().toString());
            state.setProperty("etcd.port", Integer.toString(ports[1]));
            state.setProperty("etcd.peer-port", Integer.toString(ports[2]));
            state.setProperty("openssl", openssl.orElseThrow().toString());
            state.setProperty("nginx", nginx.toString());
            for (int i = 0; i < INSTANCES.size(); i++) {
                state.setProperty(INSTANCES.get(i) + ".port", Integer.toString(ports[3 + 2 * i]));
                state.setProperty(INSTANCES.get(i) + ".management-port", Integer.toString(ports[4 + 2 * i]));
            }
            save();
            watchdog(home, Long.parseLong(lifetime));
            String password = randomPassword();
            ownerOnly(dir.resolve("db-password"), password + "\n");
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            ownerOnly(dir.resolve("jwt-hs256.key"), Base64.getEncoder().encodeToString(key) + "\n");

            initPostgres(password);
            etcdCertificates(Long.parseLong(lifetime));
            startEtcd();
            etcdAuth();
            for (String name : INSTANCES) {
                writeInstanceConfig(name);
                launchInstance(name);
            }
            for (String name : INSTANCES) {
                awaitInstance(name);
            }
            startNginx(shippedNginx);
            writeEnv(home);
            System.out.println("local fleet up in " + dir + ": API through nginx at " + apiUrl()
                    + ", instances " + INSTANCES + ", PostgreSQL 127.0.0.1:" + state.getProperty("pg.port")
                    + ", etcd " + etcdUrl() + "; run the drills with\n  . " + dir.resolve("fleet.env") + " && "
                    + home.resolve("drill.sh") + " all\nand stop it with\n  " + home.resolve("local-fleet.sh")
                    + " down " + dir + "  (it stops by itself after " + lifetime + " s)");
        } catch (IOException e) {
            down();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            System.err.println("local-fleet.sh up failed; stopping what it started");
            down();
            throw e;
        }
    }

    void down() {
        if (!Files.isDirectory(dir.resolve("run"))) {
            System.out.println("no local fleet in " + dir + " (no " + dir.resolve("run") + "); nothing to stop");
            return;
        }
        if (Files.isRegularFile(dir.resolve("fleet.properties"))) {
            load();
        }
        List<String> stopped = new ArrayList<>(stopAll(List.of("nginx"), "TERM"));
        stopped.addAll(stopAll(INSTANCES, "TERM"));
        stopped.addAll(stopAll(List.of("etcd", "watchdog"), "TERM"));
        stopped.addAll(stopAll(List.of("postgres"), "INT"));
        String pgDir = state.getProperty("pg.dir");
        if (pgDir != null && !Path.of(pgDir).startsWith(dir)) {
            deleteTree(Path.of(pgDir));
        }
        try {
            Files.deleteIfExists(dir.resolve("fleet.properties"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("local fleet in " + dir + " down: stopped " + (stopped.isEmpty() ? "nothing" : stopped)
                + "; its logs stay in " + dir.resolve("logs"));
    }

    LocalFleet load() {
        Path file = dir.resolve("fleet.properties");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("no fleet in " + dir + " (no fleet.properties); 'local-fleet.sh up "
                    + dir + "' first");
        }
        try (var in = Files.newBufferedReader(file)) {
            state.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    void save() throws IOException {
        try (var out = Files.newBufferedWriter(dir.resolve("fleet.properties"))) {
            state.store(out, "local-fleet.sh: what 'up' started (pids in run/)");
        }
    }

    /** Runs 'local-fleet.sh down DIR' after the lifetime, so a forgotten fleet does not run for ever. */
    void watchdog(Path home, long seconds) throws IOException {
        Process watchdog = new ProcessBuilder("sh", "-c", "sleep \"$1\" && exec \"$2\" down \"$3\"", "watchdog",
                        Long.toString(seconds), home.resolve("local-fleet.sh").toString(), dir.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/watchdog.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        writePid("watchdog", watchdog.pid());
    }

    // ---- PostgreSQL

    void initPostgres(String password) {
        Path pgDir = Path.of(state.getProperty("pg.dir"));
        if (isRoot()) {
            run(List.of("chown", RUN_AS + ":" + RUN_AS, pgDir.toString()));
        }
        run(asServerUser(List.of(bin("initdb"), "-D", pgDir.resolve("data").toString(), "-U", "postgres",
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")));
        startPostgres();
        psql("CREATE ROLE app LOGIN PASSWORD '" + password + "'");
        psql("CREATE DATABASE app OWNER app");
    }

    void startPostgres() {
        Path pgDir = Path.of(state.getProperty("pg.dir"));
        String port = state.getProperty("pg.port");
        alreadyRunning("postgres");
        long pid = launch("postgres", asServerUser(List.of(bin("postgres"), "-D", pgDir.resolve("data").toString(),
                "-p", port, "-k", pgDir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on",
                "-c", "max_connections=100", "-c", "shared_buffers=32MB")), dir.resolve("logs/postgres.log"),
                null);
        awaitUp("PostgreSQL on 127.0.0.1:" + port, pid, dir.resolve("logs/postgres.log"), () -> {
            try {
                Process ready = new ProcessBuilder(bin("pg_isready"), "-h", "127.0.0.1", "-p", port, "-t", "1")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                return ready.waitFor(10, TimeUnit.SECONDS) && ready.exitValue() == 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        System.out.println("PostgreSQL runs on 127.0.0.1:" + port + " (pid " + pid + ")");
    }

    void psql(String sql) {
        run(asServerUser(List.of(bin("psql"), "-h", state.getProperty("pg.dir"), "-p",
                state.getProperty("pg.port"), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
                sql)));
    }

    String bin(String tool) {
        return Path.of(state.getProperty("pg.bin")).resolve(tool).toString();
    }

    // ---- etcd, instances, nginx

    String etcdUrl() {
        return "https://127.0.0.1:" + state.getProperty("etcd.port");
    }

    /** etcd's TLS files, all in DIR/pki; etcd restarts with the same ones. */
    Path pki(String file) {
        return dir.resolve("pki").resolve(file);
    }

    /**
     * A CA of this fleet's own, etcd's server certificate (for 127.0.0.1 and localhost) and the client certificate of
     * the instances and the drills, all P-256 and PEM (the keys unencrypted PKCS#8, owner-only), valid for the fleet's
     * lifetime and a day. etcd trusts client certificates of that CA only; its own certificate can be a client's too,
     * since etcd 3.4's JSON gateway calls etcd's gRPC server on the same listener with it (docs/etcd.md). The subjects
     * have no CommonName: with authentication on, etcd 3.4's gateway refuses a request whose client certificate has
     * one ("CommonName of client sending a request against gateway will be ignored and not used as expected").
     */
    void etcdCertificates(long lifetimeSeconds) throws IOException {
        Files.createDirectories(dir.resolve("pki"));
        String days = Long.toString(TimeUnit.SECONDS.toDays(lifetimeSeconds) + 2);
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca.key", "-out", "ca.pem", "-days", days, "-subj", "/CN=local fleet etcd CA " + dir.getFileName(),
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Map<String, String> leaves = new LinkedHashMap<>();
        leaves.put("etcd-server",
                "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        leaves.put("client", "extendedKeyUsage=clientAuth\n");
        for (Map.Entry<String, String> leaf : leaves.entrySet()) {
            String name = leaf.getKey();
            Files.writeString(pki(name + ".ext"), leaf.getValue());
            openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    name + ".key", "-out", name + ".csr", "-subj", "/O=local fleet " + name);
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", days, "-extfile", name + ".ext", "-out", name + ".pem");
        }
        for (String key : List.of("ca.key", "etcd-server.key", "client.key")) {
            Files.setPosixFilePermissions(pki(key), PosixFilePermissions.fromString("rw-------"));
        }
    }

    void openssl(String... args) {
        List<String> command = new ArrayList<>(List.of(state.getProperty("openssl")));
        command.addAll(List.of(args));
        run(command, dir.resolve("pki"));
    }

    /** The TLS of etcd's clients here: the fleet's CA and client certificate, read by the jar's own code. */
    SSLContext etcdTls() {
        return Drills.etcdTlsContext(pki("ca.pem"), pki("client.pem"), pki("client.key"));
    }

    /**
     * Turns etcd's authentication on, as etcd's guide has it: a root user (etcd 3.4 enables authentication only
     * once there is one) with a random password kept in DIR/etcd-root-password; the instances' user users-service
     * with a role that may read their prefix, its password in DIR/etcd-password; and the drills' user drills with a
     * role that may read and write it, its password in DIR/etcd-drills-password. Each has only what it needs.
     */
    void etcdAuth() throws IOException {
        String root = randomPassword();
        ownerOnly(dir.resolve("etcd-root-password"), root + "\n");
        String prefix = "/users-service/config/";
        String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        HttpClient http = HttpClient.newBuilder().sslContext(etcdTls()).build();
        etcdPost(http, "/v3/auth/user/add", Map.of("name", "root", "password", root));
        etcdPost(http, "/v3/auth/role/add", Map.of("name", "root"));
        etcdPost(http, "/v3/auth/user/grant", Map.of("user", "root", "role", "root"));
        etcdUser(http, ETCD_USER, "READ", dir.resolve("etcd-password"), prefix, end);
        etcdUser(http, DRILL_ETCD_USER, "READWRITE", dir.resolve("etcd-drills-password"), prefix, end);
        etcdPost(http, "/v3/auth/enable", Map.of());
        System.out.println("etcd authentication on: user " + ETCD_USER + " may read " + prefix + ", user "
                + DRILL_ETCD_USER + " may read and write it");
    }

    /** An etcd user with a random password (owner-only in {@code passwordFile}) and a role of its own name. */
    void etcdUser(HttpClient http, String user, String permission, Path passwordFile, String prefix, String end)
            throws IOException {
        String password = randomPassword();
        ownerOnly(passwordFile, password + "\n");
        etcdPost(http, "/v3/auth/user/add", Map.of("name", user, "password", password));
        etcdPost(http, "/v3/auth/role/add", Map.of("name", user));
        etcdPost(http, "/v3/auth/role/grant", Map.of("name", user, "perm", Map.of("permType", permission,
                "key", b64(prefix), "range_end", b64(end))));
        etcdPost(http, "/v3/auth/user/grant", Map.of("user", user, "role", user));
    }

    void etcdPost(HttpClient http, String path, Map<String, Object> body) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(etcdUrl() + path))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(Drills.JSON.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("etcd " + path + " answered HTTP " + response.statusCode() + ": "
                        + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("etcd " + path + " at " + etcdUrl() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String randomPassword() {
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        return HexFormat.of().formatHex(secret);
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    String apiUrl() {
        return "http://127.0.0.1:" + state.getProperty("nginx.port");
    }

    void startEtcd() {
        alreadyRunning("etcd");
        String peer = "https://127.0.0.1:" + state.getProperty("etcd.peer-port");
        String server = pki("etcd-server.pem").toString();
        String key = pki("etcd-server.key").toString();
        String ca = pki("ca.pem").toString();
        long pid = launch("etcd", List.of(state.getProperty("etcd"), "--name", "drills", "--data-dir",
                dir.resolve("etcd").toString(), "--listen-client-urls", etcdUrl(), "--advertise-client-urls",
                etcdUrl(), "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "drills=" + peer, "--cert-file", server, "--key-file", key,
                "--client-cert-auth", "--trusted-ca-file", ca, "--peer-cert-file", server, "--peer-key-file", key,
                "--peer-client-cert-auth", "--peer-trusted-ca-file", ca, "--logger", "zap", "--log-outputs",
                "stderr"), dir.resolve("logs/etcd.log"), null);
        HttpClient http = HttpClient.newBuilder().sslContext(etcdTls()).build();
        awaitUp("etcd at " + etcdUrl(), pid, dir.resolve("logs/etcd.log"), () -> {
            try {
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(URI.create(etcdUrl() + "/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return health.statusCode() == 200
                        && Drills.JSON.readTree(health.body()).path("health").asText().equals("true");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        System.out.println("etcd runs at " + etcdUrl() + " (pid " + pid + "; TLS with client certificates of "
                + pki("ca.pem") + ")");
    }

    void writeInstanceConfig(String name) throws IOException {
        Files.createDirectories(dir.resolve(name));
        String yaml = String.join("\n",
                "# instance " + name + " of the local fleet (local-fleet.sh); docs/fleet.md",
                "http:",
                "  port: " + state.getProperty(name + ".port"),
                "  trusted-proxies: [127.0.0.1]",
                "management:",
                "  port: " + state.getProperty(name + ".management-port"),
                "data-dir: " + dir.resolve(name),
                "store:",
                "  url: jdbc:postgresql://127.0.0.1:" + state.getProperty("pg.port") + "/app",
                "  username: app",
                "  password-file: " + dir.resolve("db-password"),
                "  timeout: 2s",
                "auth:",
                "  hs256-secret-file: " + dir.resolve("jwt-hs256.key"),
                "shutdown:",
                "  drain-timeout: 10s",
                "log:",
                "  access: false",
                "config:",
                "  etcd:",
                "    endpoints: [" + etcdUrl() + "]",
                "    username: " + ETCD_USER,
                "    password-file: " + dir.resolve("etcd-password"),
                "    tls:",
                "      ca-file: " + pki("ca.pem"),
                "      cert-file: " + pki("client.pem"),
                "      key-file: " + pki("client.key"),
                "password:",
                "  pbkdf2-iterations: 10000",
                "");
        Files.writeString(dir.resolve(name + ".yaml"), yaml);
    }

    void launchInstance(String name) {
        alreadyRunning(name);
        // The shipped 128 MB heap, and the options of users-service's process tests (UsersServiceProcessIT.smallJvm):
        // the launcher keys its AOT cache by the JVM options and keeps one key per jar, so DrillsIT's fleet uses the
        // cache those tests trained instead of training one of its own and deleting theirs.
        long pid = launch(name, List.of(state.getProperty("java"), "-Xmx128m", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1", "-jar", state.getProperty("jar"), "run", "--config",
                        dir.resolve(name + ".yaml").toString()),
                dir.resolve("logs/" + name + ".log"), dir.resolve(name));
        System.out.println("instance " + name + " started (pid " + pid + "), API 127.0.0.1:"
                + state.getProperty(name + ".port") + ", management 127.0.0.1:"
                + state.getProperty(name + ".management-port"));
    }

    void awaitInstance(String name) {
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create("http://127.0.0.1:" + state.getProperty(name + ".management-port") + "/health/ready");
        awaitUp("instance " + name, readPid(name).orElse(-1L), dir.resolve("logs/" + name + ".log"), () -> {
            try {
                return http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        System.out.println("instance " + name + " ready");
    }

    void startInstance(String name) {
        launchInstance(name);
        awaitInstance(name);
    }

    void startInstances() {
        INSTANCES.forEach(this::launchInstance);
        INSTANCES.forEach(this::awaitInstance);
    }

    void stopInstances() {
        stopAll(INSTANCES, "TERM");
    }

    void startNginx(Path shipped) throws IOException {
        int port = freePorts(1)[0];
        state.setProperty("nginx.port", Integer.toString(port));
        save();
        Path prefix = dir.resolve("nginx");
        for (String sub : List.of("conf", "logs", "temp")) {
            Files.createDirectories(prefix.resolve(sub));
        }
        Map<String, String> values = new HashMap<>();
        values.put("LISTEN", "127.0.0.1:" + port);
        for (int i = 0; i < INSTANCES.size(); i++) {
            values.put("API_" + (i + 1), "127.0.0.1:" + state.getProperty(INSTANCES.get(i) + ".port"));
        }
        StringBuilder server = new StringBuilder();
        for (String line : Files.readString(shipped).split("\n", -1)) {
            if (!line.strip().startsWith("#")) {
                for (Map.Entry<String, String> value : values.entrySet()) {
                    line = line.replace("{{" + value.getKey() + "}}", value.getValue());
                }
            }
            server.append(line).append('\n');
        }
        Files.writeString(prefix.resolve("conf/server.conf"), server);
        Files.writeString(prefix.resolve("conf/nginx.conf"), String.join("\n",
                "# Written by local-fleet.sh; the server configuration is the shipped deploy/nginx/users-service.conf",
                isRoot() ? "user root;" : "",
                "worker_processes 1;",
                "pid " + prefix.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("logs/nginx-error.log") + " notice;",
                "events { worker_connections 512; }",
                "http {",
                "    access_log " + dir.resolve("logs/nginx-access.log") + ";",
                "    client_body_temp_path " + prefix.resolve("temp/client_body") + ";",
                "    proxy_temp_path " + prefix.resolve("temp/proxy") + ";",
                "    fastcgi_temp_path " + prefix.resolve("temp/fastcgi") + ";",
                "    uwsgi_temp_path " + prefix.resolve("temp/uwsgi") + ";",
                "    scgi_temp_path " + prefix.resolve("temp/scgi") + ";",
                "    include " + prefix.resolve("conf/server.conf") + ";",
                "}",
                ""));
        List<String> command = List.of(state.getProperty("nginx"), "-p", prefix + "/", "-c",
                prefix.resolve("conf/nginx.conf").toString(), "-e", dir.resolve("logs/nginx-error.log").toString());
        List<String> test = new ArrayList<>(command);
        test.add("-t");
        run(test);
        List<String> foreground = new ArrayList<>(command);
        foreground.addAll(List.of("-g", "daemon off;"));
        long pid = launch("nginx", foreground, dir.resolve("logs/nginx.log"), null);
        awaitUp("nginx on 127.0.0.1:" + port, pid, dir.resolve("logs/nginx-error.log"), () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        System.out.println("nginx runs at " + apiUrl() + " (pid " + pid + ")");
    }

    /** A token for the drills from the jar's own 'token issue', signed with the fleet's key file. */
    String token() {
        Path log = dir.resolve("logs/token-issue.log");
        try {
            Process issue = new ProcessBuilder(state.getProperty("java"), "-jar", state.getProperty("jar"), "token",
                            "issue", "--subject", "drills", "--scope", "users:read users:write admin", "--ttl",
                            "12h", "--set", "auth.hs256-secret-file=" + dir.resolve("jwt-hs256.key"))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            String token = new String(issue.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!issue.waitFor(60, TimeUnit.SECONDS) || issue.exitValue() != 0 || token.isEmpty()) {
                throw new IllegalStateException("'token issue' failed; see " + log + ":\n" + tail(log));
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    void writeEnv(Path home) throws IOException {
        String script = quote(home.resolve("local-fleet.sh").toString());
        String d = quote(dir.toString());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DRILL_URL", apiUrl());
        ownerOnly(dir.resolve("drills.token"), token() + "\n");
        env.put("DRILL_TOKEN_FILE", dir.resolve("drills.token").toString());
        env.put("DRILL_INSTANCES", INSTANCES.stream()
                .map(n -> n + "=http://127.0.0.1:" + state.getProperty(n + ".management-port"))
                .collect(Collectors.joining(" ")));
        env.put("DRILL_KILL_INSTANCE", "b");
        env.put("DRILL_RESTART_CMD", script + " start {instance} " + d);
        env.put("DRILL_DB_STOP_CMD", script + " stop-db " + d);
        env.put("DRILL_DB_START_CMD", script + " start-db " + d);
        env.put("DRILL_ETCD_STOP_CMD", script + " stop-etcd " + d);
        env.put("DRILL_ETCD_START_CMD", script + " start-etcd " + d);
        env.put("DRILL_ETCD_ENDPOINT", etcdUrl());
        env.put("DRILL_ETCD_USERNAME", DRILL_ETCD_USER);
        env.put("DRILL_ETCD_PASSWORD_FILE", dir.resolve("etcd-drills-password").toString());
        env.put("DRILL_ETCD_CA_FILE", pki("ca.pem").toString());
        env.put("DRILL_ETCD_CERT_FILE", pki("client.pem").toString());
        env.put("DRILL_ETCD_KEY_FILE", pki("client.key").toString());
        env.put("DRILL_FLEET_STOP_CMD", script + " stop-instances " + d);
        env.put("DRILL_FLEET_START_CMD", script + " start-instances " + d);
        env.put("DRILL_JAR", state.getProperty("jar"));
        env.put("DRILL_JAVA", state.getProperty("java"));
        env.put("DRILL_SERVICE_ARGS", "--config " + dir.resolve("a.yaml"));
        env.put("DRILL_ALLOW_RESTORE", "yes");
        Files.createDirectories(dir.resolve("backups"));
        env.put("DRILL_BACKUP_DIR", dir.resolve("backups").toString());
        StringBuilder text = new StringBuilder("# The drills' settings for the local fleet in " + dir
                + " (written by 'local-fleet.sh up'): . this file, then drill.sh all\n");
        env.forEach((k, v) -> text.append("export ").append(k).append('=').append(quote(v)).append('\n'));
        ownerOnly(dir.resolve("fleet.env"), text.toString());
    }

    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    // ---- processes

    /** Starts a process that outlives this JVM, its output appended to a log; records its pid. */
    long launch(String name, List<String> command, Path log, Path workDir) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            long pid = builder.start().pid();
            writePid(name, pid);
            return pid;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    void writePid(String name, long pid) throws UncheckedIOException {
        try {
            Files.writeString(dir.resolve("run/" + name + ".pid"), pid + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Optional<Long> readPid(String name) {
        try {
            Path file = dir.resolve("run/" + name + ".pid");
            return Files.isRegularFile(file) ? Optional.of(Long.parseLong(Files.readString(file).strip()))
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The process of a pid file, if it still runs the command this fleet started (its command line names DIR). */
    Optional<ProcessHandle> process(String name) {
        return readPid(name).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive).filter(p -> {
            try {
                String cmdline = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"))
                        .replace('\0', ' ');
                return cmdline.contains(dir.toString()) || cmdline.contains(state.getProperty("pg.dir", "\0"));
            } catch (IOException e) {
                return false;
            }
        });
    }

    void alreadyRunning(String name) {
        process(name).ifPresent(p -> {
            throw new IllegalStateException(name + " already runs (pid " + p.pid() + ")");
        });
    }

    /** Sends the signal to the recorded pid and waits until it exited (SIGKILL after 30 s); false if none ran. */
    boolean stop(String name, String signal) {
        return !stopAll(List.of(name), signal).isEmpty();
    }

    /**
     * Signals every named process that runs at once, then waits for each (SIGKILL to what is left after 30 s);
     * returns the names of those that ran.
     */
    List<String> stopAll(List<String> names, String signal) {
        Map<String, ProcessHandle> running = new LinkedHashMap<>();
        Map<String, List<ProcessHandle>> children = new HashMap<>();
        for (String name : names) {
            // The watchdog runs 'down' in place of itself (exec): it must not stop the process doing the stopping.
            Optional<ProcessHandle> process =
                    process(name).filter(p -> p.pid() != ProcessHandle.current().pid());
            if (process.isEmpty()) {
                deletePid(name);
                continue;
            }
            running.put(name, process.get());
            children.put(name, process.get().descendants().toList());
            run(List.of("kill", "-" + signal, Long.toString(process.get().pid())));
        }
        for (Map.Entry<String, ProcessHandle> entry : running.entrySet()) {
            ProcessHandle handle = entry.getValue();
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
            children.get(entry.getKey()).stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            deletePid(entry.getKey());
            System.out.println(entry.getKey() + " stopped (pid " + handle.pid() + ", SIG" + signal + ")");
        }
        return List.copyOf(running.keySet());
    }

    void deletePid(String name) {
        try {
            Files.deleteIfExists(dir.resolve("run/" + name + ".pid"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void awaitUp(String what, long pid, Path log, BooleanSupplier up) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!up.getAsBoolean()) {
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!alive || System.nanoTime() > deadline) {
                throw new IllegalStateException(what + (alive ? " did not come up within 90 s" : " exited")
                        + "; the end of " + log + ":\n" + tail(log));
            }
            Drills.pause(100);
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    /** Runs a short command to its end (60 s at most) and returns its output; fails when it fails. */
    static String run(List<String> command) {
        return run(command, null);
    }

    /** {@link #run(List)} in {@code workDir} (null: this process's). */
    static String run(List<String> command, Path workDir) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit "
                        + process.exitValue() + "):\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static List<String> asServerUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(onPath("setpriv").orElseThrow().toString(),
                "--reuid=" + RUN_AS, "--regid=" + RUN_AS, "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    static Optional<Path> postgresBin() {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> highest = versions.map(v -> v.resolve("bin"))
                        .filter(LocalFleet::completePostgres)
                        .max(Comparator.comparingDouble(b -> version(b.getParent().getFileName().toString())));
                if (highest.isPresent()) {
                    return highest;
                }
            } catch (IOException e) {
                // fall through to the PATH
            }
        }
        return onPath("postgres").map(Path::getParent).filter(LocalFleet::completePostgres);
    }

    static boolean completePostgres(Path bin) {
        return Stream.of("initdb", "postgres", "psql", "pg_isready").allMatch(t -> Files.isExecutable(bin.resolve(t)));
    }

    static double version(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static Optional<Path> onPath(String name) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(entry.isEmpty() ? "." : entry, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    static boolean hasUser(String name) {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // the port is free either way
                }
            }
        }
    }

    static void ownerOnly(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + root + " entirely: " + e.getMessage());
        }
    }
}
