package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.spi.Diagnosis;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.PostgresServer;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * users-service on a real PostgreSQL, in this JVM: while PostgreSQL is down every API call answers 503 problem+json
 * with {@code Retry-After} within {@code store.timeout} plus a margin (never 500), readiness is 503, and the service
 * recovers by itself when PostgreSQL is back, without losing an acknowledged write; an email PostgreSQL cannot store
 * (U+0000) is a 400 problem on create, replace and login, never a 500; and the database password shows nowhere: not in
 * {@code config show}, {@code /admin/status}, error bodies or the logs at debug level. And {@code doctor}'s
 * {@code store} check ({@link StoreCheck}) on the real server: an empty and a migrated database, a refused login, a
 * missing database and a schema newer than this release.
 */
@RunsAlone
class PostgresStoreIT {

    static final Duration STORE_TIMEOUT = Duration.ofSeconds(2);
    /** The HTTP round trip and scheduling on top of store.timeout. */
    static final Duration MARGIN = Duration.ofMillis(1500);

    @AutoClose
    static PostgresServer postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void launchPostgres() {
        postgres = TestPostgres.launchOrSkip(PostgresStoreIT.class);
    }

    private String[] settings(String url) {
        return new String[] {
            "store.url=" + url,
            "store.username=" + postgres.username(),
            "store.password-file=" + TestPostgres.passwordFile(postgres, dir),
            "store.timeout=" + STORE_TIMEOUT.toSeconds() + "s"
        };
    }

    private static TestResponse create(RunningUsersService service, String email) {
        return service.api.post("/api/v1/users", "{\"name\":\"Grace\",\"email\":\"" + email + "\"}");
    }

    private static TestResponse timed(Supplier<TestResponse> call, List<Duration> latencies) {
        long start = System.nanoTime();
        TestResponse response = call.get();
        latencies.add(Duration.ofNanos(System.nanoTime() - start));
        return response;
    }

    /**
     * A failover, {@code pg_terminate_backend} or an idle-session timeout ends the pool's connections while the
     * service runs; HikariCP lends a connection used within the last 500 ms without checking it, so the next read
     * would meet the dead one (SQLSTATE 57P01). Reads are tried again on a fresh connection instead of a 503.
     */
    @Test
    void aReadOnAConnectionPostgresqlEndedIsTriedAgainOnAFreshOneNotAnsweredWithA503() throws Exception {
        try (RunningUsersService service =
                RunningUsersService.start(dir.resolve("data"), settings(TestPostgres.freshDatabase(postgres)))) {
            long id = create(service, "kept@example.com").json().path("id").asLong();
            java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<TestResponse> reads = Collections.synchronizedList(new ArrayList<>());
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                // Two clients reading back to back keep the pool's connections used within HikariCP's 500 ms.
                List<Future<?>> running = new ArrayList<>();
                for (int client = 0; client < 2; client++) {
                    running.add(clients.submit(() -> {
                        while (reading.get()) {
                            reads.add(service.api.get("/api/v1/users/" + id));
                            reads.add(service.api.get("/api/v1/users"));
                        }
                        return null;
                    }));
                }
                for (int round = 0; round < 3; round++) {
                    Thread.sleep(300);
                    String ended = postgres.psql(
                            "postgres",
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '"
                                    + PostgresUserStore.APPLICATION_NAME + "'");
                    assertThat(ended.strip())
                            .as("the store's connections ended")
                            .isNotEqualTo("0");
                }
                Thread.sleep(300);
                reading.set(false);
                for (Future<?> client : running) {
                    client.get();
                }
            }
            assertThat(reads).hasSizeGreaterThan(20);
            assertThat(reads)
                    .as("every read while PostgreSQL ended the store's connections three times")
                    .allSatisfy(
                            read -> assertThat(read.status()).as(read.body()).isEqualTo(200));
        }
    }

    @Test
    void whilePostgresIsDownEveryCallIsA503WithinTheStoreTimeoutAndTheServiceRecoversWithoutLosingAWrite()
            throws Exception {
        try (RunningUsersService service =
                RunningUsersService.start(dir.resolve("data"), settings(TestPostgres.freshDatabase(postgres)))) {
            TestHttpClient api = service.api.withTimeout(Duration.ofSeconds(30));
            List<Long> acknowledged = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                TestResponse created = create(service, "before" + i + "@example.com");
                assertThat(created.status()).isEqualTo(201);
                acknowledged.add(created.json().path("id").asLong());
            }
            assertThat(service.management.get("/health/ready").status()).isEqualTo(200);

            postgres.stop();
            List<Duration> latencies = Collections.synchronizedList(new ArrayList<>());
            List<TestResponse> answers = Collections.synchronizedList(new ArrayList<>());
            long id = acknowledged.getFirst();
            String body = "{\"name\":\"Changed\",\"email\":\"before0@example.com\"}";
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> running = new ArrayList<>();
                for (int client = 0; client < 12; client++) { // more clients than connections and io threads
                    int c = client;
                    running.add(clients.submit(() -> {
                        for (int round = 0; round < 2; round++) {
                            List<Supplier<TestResponse>> calls = List.of(
                                    () -> api.get("/api/v1/users"),
                                    () -> api.get("/api/v1/users/" + id),
                                    () -> api.post(
                                            "/api/v1/users",
                                            "{\"name\":\"X\",\"email\":\"during" + c + "-" + System.nanoTime()
                                                    + "@example.com\"}"),
                                    () -> api.put("/api/v1/users/" + id, body),
                                    () -> api.delete("/api/v1/users/" + (id + 1000)));
                            answers.add(timed(calls.get((c + round) % calls.size()), latencies));
                        }
                        return null;
                    }));
                }
                TestResponse ready = service.management.get("/health/ready");
                assertThat(ready.status()).as(ready.body()).isEqualTo(503);
                assertThat(ready.json().path("checks").path("store").asText()).isEqualTo("DOWN");
                for (Future<?> client : running) {
                    client.get();
                }
            } finally {
                postgres.start();
            }

            assertThat(answers).hasSize(24);
            for (TestResponse answer : answers) {
                assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                assertThat(answer.contentType()).startsWith("application/problem+json");
                assertThat(answer.header("Retry-After")).isPresent();
                assertThat(answer.body()).doesNotContain(postgres.password()).doesNotContain("SQLSTATE");
            }
            assertThat(Collections.max(latencies))
                    .as("the slowest 503 (store.timeout %s)", STORE_TIMEOUT)
                    .isLessThan(STORE_TIMEOUT.plus(MARGIN));

            Poll.until(
                    Duration.ofSeconds(30),
                    "/health/ready to be 200 again",
                    () -> service.management.get("/health/ready").status() == 200);
            for (long acked : acknowledged) {
                assertThat(api.get("/api/v1/users/" + acked).status()).isEqualTo(200);
            }
            assertThat(create(service, "after@example.com").status()).isEqualTo(201);
        }
    }

    @Test
    void aLoginPostgresqlRefusesLaterIsNamedInTheLogAndInStatusAndTheServiceRecoversOnceItIsAcceptedAgain()
            throws Exception {
        String role = postgres.username();
        try (LogCapture log = LogCapture.of(StoreFailureLog.class.getName());
                RunningUsersService service = RunningUsersService.start(
                        dir.resolve("data"), settings(TestPostgres.freshDatabase(postgres)))) {
            assertThat(create(service, "ada@example.com").status()).isEqualTo(201);

            // A DBA changes the role's password; store.password-file still holds the old one.
            postgres.psql("postgres", "ALTER ROLE " + role + " PASSWORD 'changed-by-the-dba'");
            try {
                postgres.psql(
                        "postgres",
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                                + PostgresUserStore.APPLICATION_NAME + "'");
                TestResponse answer =
                        service.api.withTimeout(Duration.ofSeconds(30)).get("/api/v1/users");
                assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                assertThat(answer.header("Retry-After")).isPresent();
                assertThat(answer.body()).doesNotContain("password authentication");

                // The first request may fail on a pooled connection PostgreSQL has just terminated (57P01), and the
                // log names a reason at most once in 10 s: the refused login may be the next line, not the first.
                List<String> lines = Poll.until(
                        Duration.ofSeconds(40),
                        "the log to name the refused login",
                        () -> {
                            service.api.get("/api/v1/users");
                            return log.messages();
                        },
                        messages -> messages.stream().anyMatch(m -> m.contains("password authentication failed")));
                assertThat(lines)
                        .as("the operator's log says why requests fail")
                        .anySatisfy(line -> assertThat(line)
                                .contains("answered 503")
                                .contains("password authentication failed for user \"" + role + "\"")
                                .contains("restart it after changing that file"));
                JsonNode store = service.management.get("/admin/status").json().path("store");
                assertThat(store.path("state").asText()).isEqualTo("DOWN");
                assertThat(store.path("reason").asText())
                        .contains("password authentication failed")
                        .doesNotContain(postgres.password());
                assertThat(service.management.get("/health/ready").status()).isEqualTo(503);
            } finally {
                postgres.psql("postgres", "ALTER ROLE " + role + " PASSWORD '" + postgres.password() + "'");
            }

            Poll.until(
                    Duration.ofSeconds(30),
                    "/health/ready to be 200 again once the login is accepted",
                    () -> service.management.get("/health/ready").status() == 200);
            JsonNode store = service.management.get("/admin/status").json().path("store");
            assertThat(store.path("state").asText()).isEqualTo("UP");
            assertThat(store.has("reason")).isFalse();
            assertThat(create(service, "grace@example.com").status()).isEqualTo(201);
        }
    }

    @Test
    void aNulInAnEmailIsA400ProblemOnCreateReplaceAndLoginNotA500() {
        Path data = dir.resolve("data");
        String[] settings = Stream.concat(
                        Arrays.stream(settings(TestPostgres.freshDatabase(postgres))), Stream.of("auth.enabled=true"))
                .toArray(String[]::new);
        try (RunningUsersService service = RunningUsersService.start(data, settings)) {
            String[] admin = {
                "Authorization", "Bearer " + RunningUsersService.issueToken(data, "operator", "users:read users:write")
            };
            TestResponse created =
                    service.api.post("/api/v1/users", "{\"name\":\"Grace\",\"email\":\"grace@example.com\"}", admin);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String location = created.header("Location").orElseThrow();
            String withNul = "{\"name\":\"Grace\",\"email\":\"gr\\u0000ace@example.com\"}";

            List<TestResponse> answers = List.of(
                    service.api.post("/api/v1/users", withNul, admin),
                    service.api.put(location, withNul, admin),
                    service.api.post(AuthApi.TOKEN_PATH, "{\"email\":\"\\u0000\",\"password\":\"x\"}"));

            for (TestResponse answer : answers) {
                assertThat(answer.status()).as(answer.body()).isEqualTo(400);
                assertThat(answer.contentType()).startsWith("application/problem+json");
                assertThat(answer.json().path("errors")).singleElement().satisfies(error -> {
                    assertThat(error.path("field").asText()).isEqualTo("email");
                    assertThat(error.path("message").asText()).isEqualTo("must not contain control characters");
                });
            }
            assertThat(service.api.get(location, admin).json().path("email").asText())
                    .isEqualTo("grace@example.com");
        }
    }

    @Test
    void thePasswordShowsInNoConfigShowStatusErrorOrDebugLog() throws Exception {
        String[] settings = settings(TestPostgres.freshDatabase(postgres));
        List<String> texts = new ArrayList<>();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> show = new ArrayList<>(List.of("config", "show"));
        for (String setting : settings) {
            show.addAll(List.of("--set", setting));
        }
        show.addAll(List.of("--set", "data-dir=" + dir.resolve("data")));
        int code = ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(out, true, StandardCharsets.UTF_8))
                .build()
                .execute(show.toArray(String[]::new));
        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("password-file")
                .contains("db-password");
        texts.add(out.toString(StandardCharsets.UTF_8));

        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        root.setLevel(Level.DEBUG);
        try (LogCapture log = LogCapture.of(Logger.ROOT_LOGGER_NAME)) {
            try (RunningUsersService service = RunningUsersService.start(dir.resolve("data"), settings)) {
                assertThat(create(service, "ada@example.com").status()).isEqualTo(201);
                TestResponse status = service.management.get("/admin/status");
                JsonNode store = status.json().path("store");
                assertThat(store.path("kind").asText()).startsWith("postgresql 127.0.0.1:" + postgres.port());
                texts.add(status.body());
                texts.add(create(service, "ADA@example.com").body()); // 409
                postgres.stop();
                try {
                    texts.add(service.api.get("/api/v1/users").body()); // 503
                    texts.add(service.management.get("/health/ready").body());
                } finally {
                    postgres.start();
                }
            }
            for (ILoggingEvent event : log.events()) {
                texts.add(event.getFormattedMessage()
                        + (event.getThrowableProxy() == null
                                ? ""
                                : ThrowableProxyUtil.asString(event.getThrowableProxy())));
            }
            assertThat(log.messages()).anyMatch(m -> m.contains("Opened PostgreSQL user store"));
        } finally {
            root.setLevel(level);
        }

        assertThat(texts).hasSizeGreaterThan(10);
        for (String text : texts) {
            assertThat(text).doesNotContain(postgres.password());
        }
    }

    /** The store configuration doctor's {@code store} check reads, for {@code url} and the role's password file. */
    private StoreConfig storeConfig(String url, Path passwordFile) {
        return TestPostgres.config(postgres, url, passwordFile, STORE_TIMEOUT);
    }

    private static String databaseName(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void doctorsStoreCheckIsOkOnAnEmptyAndOnAMigratedDatabaseAndNeverShowsThePassword() {
        String url = TestPostgres.freshDatabase(postgres);
        StoreConfig config = storeConfig(url, TestPostgres.passwordFile(postgres, dir));
        String target =
                "postgresql 127.0.0.1:" + postgres.port() + "/" + databaseName(url) + " as " + postgres.username();

        assertThat(StoreCheck.diagnose(config))
                .isEqualTo(Diagnosis.ok("store", target + ": empty database: run creates the schema version 2"));
        assertThat(postgres.psql(databaseName(url), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
                .as("the check created nothing")
                .isEqualTo("0");

        UserStores.open(config, Clock.systemUTC()).close();
        Diagnosis migrated = StoreCheck.diagnose(config);
        assertThat(migrated).isEqualTo(Diagnosis.ok("store", target + ", schema version 2"));
        assertThat(migrated.toString()).doesNotContain(postgres.password());
    }

    @Test
    void doctorsStoreCheckFailsAWrongPasswordWithTheLoginFix() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong-password"), "not-the-password\n");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));

        Diagnosis finding = StoreCheck.diagnose(storeConfig(TestPostgres.freshDatabase(postgres), wrong));

        assertThat(finding.verdict()).isEqualTo(Diagnosis.Verdict.FAILURE);
        assertThat(finding.finding())
                .startsWith("cannot open PostgreSQL database '")
                .contains("password authentication failed for user \"" + postgres.username() + "\"")
                .doesNotContain("not-the-password");
        assertThat(finding.fix())
                .contains("PostgreSQL refuses the login: check store.username, the password in store.password-file"
                        + " (its first line) and the server's pg_hba.conf");
    }

    @Test
    void doctorsStoreCheckFailsAMissingDatabaseWithTheCreateDatabaseFix() {
        Diagnosis finding = StoreCheck.diagnose(
                storeConfig(postgres.jdbcUrl("no_such_database"), TestPostgres.passwordFile(postgres, dir)));

        assertThat(finding.verdict()).isEqualTo(Diagnosis.Verdict.FAILURE);
        assertThat(finding.finding())
                .startsWith("cannot open PostgreSQL database 'no_such_database' on 127.0.0.1:" + postgres.port())
                .contains("no_such_database");
        assertThat(finding.fix())
                .contains("create it (CREATE DATABASE <name> OWNER <role>, docs/fleet.md) or correct the database in"
                        + " store.url");
    }

    @Test
    void doctorsStoreCheckFailsASchemaNewerThanThisReleaseAsRunRefusesIt() {
        String url = TestPostgres.freshDatabase(postgres);
        StoreConfig config = storeConfig(url, TestPostgres.passwordFile(postgres, dir));
        UserStores.open(config, Clock.systemUTC()).close();
        postgres.psql(
                databaseName(url),
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                        + " installed_by, execution_time, success) VALUES (99, '3', 'from the future', 'SQL',"
                        + " 'V3__from_the_future.sql', 0, 'app', 1, true)");

        Diagnosis finding = StoreCheck.diagnose(config);

        assertThat(finding.verdict()).isEqualTo(Diagnosis.Verdict.FAILURE);
        assertThat(finding.finding())
                .startsWith("PostgreSQL database '" + databaseName(url) + "' on 127.0.0.1:" + postgres.port())
                .contains("has schema version '3', newer than this version of users-service knows (newest '2')");
        assertThat(finding.fix())
                .contains("run that release (or a newer one), or restore a backup taken before the upgrade");
        assertThatThrownBy(() -> UserStores.open(config, Clock.systemUTC()))
                .as("run refuses it with the same words")
                .isInstanceOf(SchemaTooNewException.class)
                .hasMessageStartingWith(finding.finding());
    }
}
