package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;

/** users-service.jar in a child JVM, receiving real signals. */
class UsersServiceProcessIT {

    static final Path JAR = Path.of(System.getProperty("users-service.jar", "target/users-service.jar"));
    static final Pattern API = Pattern.compile("API listening on http://127\\.0\\.0\\.1:(\\d+)");
    static final Pattern MANAGEMENT = Pattern.compile("Management listening on http://127\\.0\\.0\\.1:(\\d+)");
    static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ServiceProcess.Builder service(String name, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--set",
                "http.port=0",
                "--set",
                "management.port=0",
                "--set",
                "data-dir=" + dir.resolve("data"),
                "--set",
                "auth.enabled=false"));
        args.addAll(List.of(extraArgs));
        return smallJvm(dir).outputName(name).args(args.toArray(String[]::new));
    }

    /** {@code run} with one {@code --set} per setting: the command line the process ITs start the service with. */
    static String[] run(String... settings) {
        List<String> args = new ArrayList<>(List.of("run"));
        for (String setting : settings) {
            args.add("--set");
            args.add(setting);
        }
        return args.toArray(String[]::new);
    }

    /** The service's jar in a child JVM sized for tests that start many: a small heap, the serial GC, C1 only. */
    static ServiceProcess.Builder smallJvm(Path dir) {
        return ServiceProcess.builder(JAR, dir).jvmOptions("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    }

    /**
     * {@code run} in a {@link #smallJvm} on free ports, with {@code dataDir} and a {@code --set} for each of {@code
     * settings}; its output files are named after {@code outputName}.
     */
    static ServiceProcess startRun(Path dir, String outputName, Path dataDir, List<String> settings) {
        List<String> args = new ArrayList<>(
                List.of("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + dataDir));
        for (String setting : settings) {
            args.add("--set");
            args.add(setting);
        }
        return smallJvm(dir)
                .outputName(outputName)
                .args(args.toArray(String[]::new))
                .start();
    }

    /**
     * Runs the {@code jcmd} of the JDK that runs {@code pid} (found through {@code /proc/<pid>/exe}) with
     * {@code command}, waits up to a minute, asserts that it exited 0 and returns what it printed.
     */
    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        Path jcmd = Path.of("/proc/" + pid + "/exe").toRealPath().resolveSibling("jcmd");
        assertThat(jcmd).as("jcmd of the JDK that runs pid %d", pid).isExecutable();
        List<String> line = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("jcmd %s", line).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    static int port(ServiceProcess process, Pattern pattern) {
        return Integer.parseInt(process.awaitOutput(pattern, START).group(1));
    }

    @Test
    void sigtermDrainsInFlightRequestsThenExitsZero() throws Exception {
        try (ServiceProcess process = service(
                        "drain", "--set", "shutdown.drain-timeout=20s", "--set", "shutdown.timeout=30s")
                .start()) {
            int apiPort = port(process, API);
            int managementPort = port(process, MANAGEMENT);
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + managementPort);
            assertThat(management.get("/health/ready").status()).isEqualTo(200);

            List<SlowPut> inFlight = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                TestResponse created = api.post(
                        "/api/v1/users", "{\"name\":\"Slow " + i + "\",\"email\":\"slow" + i + "@example.com\"}");
                assertThat(created.status()).isEqualTo(201);
                inFlight.add(SlowPut.begin(
                        apiPort,
                        created.json().path("id").asLong(),
                        "{\"name\":\"Drained " + i + "\",\"email\":\"slow" + i + "@example.com\"}"));
            }

            process.signal("TERM");

            // Readiness turns 503 while the API drains (a refused connection counts as not yet).
            Poll.until(
                    Duration.ofSeconds(10),
                    "/health/ready to be 503 during the drain",
                    () -> management.get("/health/ready").status() == 503);

            // A new connection (a new client, not the pooled keep-alive one) is refused, or answered with 503.
            try {
                TestResponse late =
                        TestHttpClient.create("http://127.0.0.1:" + apiPort).get("/api/v1/users");
                assertThat(late.status()).isEqualTo(503);
            } catch (UncheckedIOException e) {
                assertThat(e.getCause()).isInstanceOf(ConnectException.class);
            }

            for (SlowPut put : inFlight) {
                put.finish();
            }
            for (SlowPut put : inFlight) {
                assertThat(put.statusLine()).startsWith("HTTP/1.1 200");
            }
            assertThat(process.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(process.stdout()).contains("Received SIGTERM").contains("users-service stopped");
        }
    }

    @Test
    void aSecondSigtermDuringTheDrainExitsAtOnceWith130() throws Exception {
        try (ServiceProcess process = service(
                        "double-term", "--set", "shutdown.drain-timeout=20s", "--set", "shutdown.timeout=30s")
                .start()) {
            int apiPort = port(process, API);
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
            long id = api.post("/api/v1/users", "{\"name\":\"Stuck\",\"email\":\"stuck@example.com\"}")
                    .json()
                    .path("id")
                    .asLong();
            SlowPut stuck = SlowPut.begin(apiPort, id, "{\"name\":\"Never\",\"email\":\"stuck@example.com\"}");
            // Requests on another connection after it give the server time to take the slow one into its handler.
            for (int i = 0; i < 5; i++) {
                assertThat(api.get("/api/v1/users/" + id).status()).isEqualTo(200);
            }

            process.signal("TERM");
            process.awaitOutput(Pattern.compile("API server stopping: 1 request"), Duration.ofSeconds(10));
            long begin = System.nanoTime();
            process.signal("TERM");

            assertThat(process.awaitExit(Duration.ofSeconds(10))).isEqualTo(130);
            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(10));
            assertThat(process.stdout()).contains("Received SIGTERM again; exiting now");
            stuck.socket.close();
        }
    }

    @Test
    void kill9LosesNoAcknowledgedWrite() throws Exception {
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        try (ServiceProcess process = service("kill9").start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + port(process, API))
                    .withTimeout(Duration.ofSeconds(5));
            CountDownLatch enough = new CountDownLatch(150);
            AtomicBoolean killed = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 2000 && !killed.get(); i++) {
                        String email = "w" + thread + "-" + i + "@example.com";
                        try {
                            TestResponse response =
                                    api.post("/api/v1/users", "{\"name\":\"W\",\"email\":\"" + email + "\"}");
                            if (response.status() == 201) {
                                acknowledged.put(response.json().path("id").asLong(), email);
                                enough.countDown();
                            }
                        } catch (UncheckedIOException e) {
                            return; // the server is gone
                        }
                    }
                }));
            }
            assertThat(enough.await(60, TimeUnit.SECONDS))
                    .as("150 writes acknowledged")
                    .isTrue();
            process.kill9();
            killed.set(true);
            for (Thread writer : writers) {
                writer.join(30_000);
            }
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(150);

        try (ServiceProcess restarted = service("after-kill9").start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + port(restarted, API));
            for (Map.Entry<Long, String> entry : acknowledged.entrySet()) {
                TestResponse got = api.get("/api/v1/users/" + entry.getKey());
                assertThat(got.status())
                        .as("user %d acknowledged before kill -9", entry.getKey())
                        .isEqualTo(200);
                assertThat(got.json().path("email").asText()).isEqualTo(entry.getValue());
            }
            restarted.signal("TERM");
            assertThat(restarted.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    /**
     * Group commit: 32 clients keep the writer's batches large, {@code kill -9} lands while batches are being
     * committed; every create answered 201 is there after the restart, and the file passes
     * {@code PRAGMA integrity_check}.
     */
    @Test
    void kill9InTheMiddleOfLargeBatchesLosesNoAcknowledgedCreate() throws Exception {
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        Pattern batchMax = Pattern.compile("(?m)^store_write_batch_size_max(?:\\{[^}]*\\})? (\\S+)");
        try (ServiceProcess process = service("kill9-batches").start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + port(process, API))
                    .withTimeout(Duration.ofSeconds(5));
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + port(process, MANAGEMENT));
            AtomicBoolean killed = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                int client = t;
                clients.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 100_000 && !killed.get(); i++) {
                        String email = "c" + client + "-" + i + "@example.com";
                        try {
                            TestResponse response =
                                    api.post("/api/v1/users", "{\"name\":\"C\",\"email\":\"" + email + "\"}");
                            if (response.status() == 201) {
                                acknowledged.put(response.json().path("id").asLong(), email);
                            }
                        } catch (UncheckedIOException e) {
                            return; // the server is gone
                        }
                    }
                }));
            }
            Poll.until(Duration.ofSeconds(60), "2,000 creates acknowledged in batches of 8 or more", () -> {
                if (acknowledged.size() < 2_000) {
                    return false;
                }
                var m = batchMax.matcher(management.get("/metrics").body());
                return m.find() && Double.parseDouble(m.group(1)) >= 8;
            });
            process.kill9();
            killed.set(true);
            for (Thread client : clients) {
                client.join(30_000);
            }
        }

        try (ServiceProcess restarted = service("after-kill9-batches").start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + port(restarted, API));
            for (Map.Entry<Long, String> entry : acknowledged.entrySet()) {
                TestResponse got = api.get("/api/v1/users/" + entry.getKey());
                assertThat(got.status())
                        .as("user %d acknowledged before kill -9", entry.getKey())
                        .isEqualTo(200);
                assertThat(got.json().path("email").asText()).isEqualTo(entry.getValue());
            }
            restarted.signal("TERM");
            assertThat(restarted.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        try (Connection connection = DriverManager.getConnection(
                        "jdbc:sqlite:" + dir.resolve("data").resolve("users.db"));
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("PRAGMA integrity_check")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("ok");
        }
    }

    @Test
    void configFileWithThreeMistakesExits78AndNamesAllThree() throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                http:
                  host: 127.0.0.1
                shutdown:
                  drain-timeout: forever
                log:
                  levle: debug
                """);
        try (ServiceProcess process = ServiceProcess.builder(JAR, dir)
                .outputName("bad-config")
                .args("run", "--config", config.toString(), "--set", "http.port=abc")
                .start()) {
            assertThat(process.awaitExit(START)).isEqualTo(78);
            String err = process.stderr();
            assertThat(err).contains("3 problems");
            assertThat(err)
                    .contains("http.port (from --set): \"abc\" is not valid; expected a port number from 0 to 65535");
            assertThat(err)
                    .contains("shutdown.drain-timeout (from " + config
                            + "): \"forever\" is not valid; expected a duration such as 500ms, 20s");
            assertThat(err)
                    .contains("log.levle (from " + config
                            + "): is not a known configuration key; did you mean \"log.level\"?");
        }
    }

    @Test
    void aBackupDirThatCannotBeCreatedExits78FromConfigValidateAndFromRun() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "a file where a parent directory would be");
        String[] settings = {
            "http.port=0",
            "management.port=0",
            "data-dir=" + dir.resolve("data"),
            "backup.interval=1d",
            "backup.dir=" + file.resolve("backups")
        };
        String[] run = run(settings);
        String[] validate = Stream.concat(
                        Stream.of("config", "validate"), Arrays.stream(run).skip(1))
                .toArray(String[]::new);
        for (String[] args : List.of(validate, run)) {
            try (ServiceProcess process = smallJvm(dir)
                    .outputName("uncreatable-backup-dir-" + args[0])
                    .args(args)
                    .start()) {
                assertThat(process.awaitExit(START)).as(process.output()).isEqualTo(78);
                assertThat(process.stderr())
                        .contains("backup.dir (from --set)")
                        .contains("'" + file + "' exists and is not a directory");
            }
        }
    }

    @Test
    void aDataDirUnderARegularFileExits78FromRunAndConfigValidateNamingTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "a file where a parent directory would be");
        Path data = file.resolve("data");
        String[] run = run("http.port=0", "management.port=0", "data-dir=" + data);
        String[] validate = Stream.concat(
                        Stream.of("config", "validate"), Arrays.stream(run).skip(1))
                .toArray(String[]::new);
        for (String[] args : List.of(run, validate)) {
            try (ServiceProcess process = smallJvm(dir)
                    .outputName("data-dir-under-a-file-" + args[0])
                    .args(args)
                    .start()) {
                assertThat(process.awaitExit(START)).as(process.output()).isEqualTo(78);
                assertThat(process.stderr())
                        .contains("data-dir (from --set): \"" + data + "\" cannot be created: \"" + file
                                + "\" is a file, not a directory; set data-dir to a path under a directory, or move"
                                + " that file away");
                // One clear line, no stack trace; not the I/O failure of the JWT key the start would write there.
                assertThat(process.output()).doesNotContain("\tat ").doesNotContain("Not a directory");
            }
        }
    }

    @Test
    void aDataDirThatIsARegularFileExits78FromRun() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "a file where the data directory would be");
        try (ServiceProcess process = smallJvm(dir)
                .outputName("data-dir-a-file")
                .environment("USERS_SERVICE_DATA_DIR", file.toString())
                .args(run("http.port=0", "management.port=0"))
                .start()) {
            assertThat(process.awaitExit(START)).as(process.output()).isEqualTo(78);
            assertThat(process.stderr())
                    .contains("data-dir (from environment USERS_SERVICE_DATA_DIR): \"" + file
                            + "\" is a file, not a directory; set data-dir to a directory, or move that file away");
            assertThat(process.output()).doesNotContain("\tat ").doesNotContain("Not a directory");
        }
    }

    @Test
    void portAlreadyInUseExitsNonZeroNamingThePortAndTheKey() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            // The options of the other process tests: the launcher keys its AOT cache by the JVM options and keeps
            // one key per jar, and a start that fails trains nothing (its recording is deleted). Under options of its
            // own this start would record and write a recording as it exits (seconds, in every build) and delete the
            // other tests' cache; under theirs it uses that cache.
            try (ServiceProcess process = smallJvm(dir)
                    .outputName("port-in-use")
                    .args(run("http.port=" + port, "management.port=0", "data-dir=" + dir.resolve("data")))
                    .start()) {
                assertThat(process.awaitExit(START)).isEqualTo(1);
                assertThat(process.output())
                        .contains("Port " + port)
                        .contains("already in use")
                        .contains("http.port");
                // One clear line, no stack trace.
                assertThat(process.output()).doesNotContain("\tat ");
            }
        }
    }

    @Test
    void theSqliteLibraryIsLoadedFromTheUserCacheAfterAForeignFileThereWasReplaced() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs /proc/<pid>/maps (Linux)");
        assumeTrue(SqliteNativeLibrary.nativeFolder().isPresent(), "this platform's library is left to sqlite-jdbc");
        Path probe = dir.resolve("probe");
        Path cache = dir.resolve("cache");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        // Where the service will look: the same path under its cache directory. Put something else there first.
        Path library = cache.resolve("servicekit")
                .resolve(probe.relativize(SqliteNativeLibrary.cachedCopy(probe).orElseThrow()));
        Files.createDirectories(library.getParent());
        Files.write(library, "not sqlite-jdbc's library".getBytes());

        try (ServiceProcess process = service("cached-sqlite")
                .environment("XDG_CACHE_HOME", cache.toString())
                .jvmOptions("-Djava.io.tmpdir=" + tmp)
                .start()) {
            port(process, API); // the store is open
            String maps = Files.readString(Path.of("/proc", Long.toString(process.pid()), "maps"));

            assertThat(maps).contains(library.toString());
            try (InputStream jar = SQLiteJDBCLoader.class.getResourceAsStream("/org/sqlite/native/"
                    + SqliteNativeLibrary.nativeFolder().orElseThrow() + "/" + System.mapLibraryName("sqlitejdbc"))) {
                assertThat(library).hasBinaryContent(jar.readAllBytes());
            }
            try (Stream<Path> extracted = Files.list(tmp)) {
                assertThat(extracted.map(Path::getFileName).map(Path::toString))
                        .as("sqlite-jdbc extracted nothing into the temp directory")
                        .noneMatch(name -> name.startsWith("sqlite-"));
            }
            process.signal("TERM");
            assertThat(process.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void dataSurvivesARestartAndConfigShowPrintsTheEffectiveConfig() throws Exception {
        long id;
        try (ServiceProcess first = service("first").start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + port(first, API));
            TestResponse created = api.post("/api/v1/users", "{\"name\":\"Keeper\",\"email\":\"keeper@example.com\"}");
            assertThat(created.status()).isEqualTo(201);
            id = created.json().path("id").asLong();
            first.signal("INT");
            assertThat(first.awaitExit(Duration.ofSeconds(30))).isZero();
        }
        assertThat(dir.resolve("data/users.db")).exists();
        try (ServiceProcess second = service("second").start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + port(second, API));
            assertThat(api.get("/api/v1/users/" + id).json().path("name").asText())
                    .isEqualTo("Keeper");
            second.signal("TERM");
            assertThat(second.awaitExit(Duration.ofSeconds(30))).isZero();
        }

        try (ServiceProcess show = ServiceProcess.builder(JAR, dir)
                .outputName("show")
                .environment("USERS_SERVICE_HTTP_PORT", "8181")
                .args("config", "show", "--set", "data-dir=" + dir.resolve("data"))
                .start()) {
            assertThat(show.awaitExit(START)).isZero();
            assertThat(show.stdout())
                    .contains("port: 8181")
                    .contains("drain-timeout: 20s")
                    .contains("data-dir: " + dir.resolve("data"))
                    .contains("url: jdbc:sqlite:" + dir.resolve("data").resolve("users.db"));
        }
        try (ServiceProcess show = ServiceProcess.builder(JAR, dir)
                .outputName("show-json")
                .args("config", "show", "--json")
                .start()) {
            assertThat(show.awaitExit(START)).isZero();
            assertThat(show.stdout()).contains("\"port\" : 8080");
        }
    }
}
