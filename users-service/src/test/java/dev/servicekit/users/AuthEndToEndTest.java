package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** users-service with authentication on (the default): tokens from the CLI and the token endpoint. */
class AuthEndToEndTest {

    @TempDir
    Path dir;

    RunningUsersService service;
    TestHttpClient api;
    TestHttpClient management;
    final ByteArrayOutputStream cliOut = new ByteArrayOutputStream();

    @BeforeEach
    void start() {
        service = RunningUsersService.start(dir, "auth.enabled=true", "shutdown.drain-timeout=1s");
        api = service.api;
        management = service.management;
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private String issue(String scopes) {
        return RunningUsersService.issueToken(dir, "operator", scopes);
    }

    private TestResponse createUser(String token, String email, String roles, String password) {
        return api.post(
                "/api/v1/users",
                "{\"name\":\"U\",\"email\":\"" + email + "\",\"roles\":" + roles + ",\"password\":\"" + password
                        + "\"}",
                "Authorization",
                "Bearer " + token);
    }

    private TestResponse login(String email, String password) {
        return api.post("/api/v1/auth/token", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    }

    @Test
    void theFirstStartGeneratesAnOwnerOnlyKeyAndTheApiRequiresATokenWithTheRightScope() throws Exception {
        Path key = dir.resolve("jwt-hs256.key");
        assertThat(key).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");

        TestResponse anonymous = api.get("/api/v1/users");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate"))
                .hasValueSatisfying(h -> assertThat(h).startsWith("Bearer"));

        String reader = issue("users:read");
        assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + reader).status())
                .isEqualTo(200);
        TestResponse forbidden = createUser(reader, "nope@example.com", "[\"reader\"]", "correct horse battery");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.header("WWW-Authenticate"))
                .hasValueSatisfying(h -> assertThat(h).contains("insufficient_scope"));

        String writer = issue("users:read users:write");
        assertThat(createUser(writer, "ada@example.com", "[\"writer\"]", "correct horse battery")
                        .status())
                .isEqualTo(201);
    }

    @Test
    void theTokenEndpointTradesAPasswordForATokenThatWorksOnTheApi() {
        String admin = issue("users:read users:write admin");
        assertThat(createUser(admin, "grace@example.com", "[\"writer\"]", "correct horse battery")
                        .status())
                .isEqualTo(201);

        TestResponse ok = login("Grace@Example.com", "correct horse battery");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("Cache-Control")).contains("no-store");
        JsonNode body = ok.json();
        assertThat(body.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.path("expires_in").asLong()).isEqualTo(3600);
        String token = body.path("access_token").asText();

        assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + token).status())
                .isEqualTo(200);
        assertThat(createUser(token, "new@example.com", "[\"reader\"]", "another long password")
                        .status())
                .isEqualTo(201);
    }

    /** What the OpenAPI document says of PUT (replaceUser): a password left out is removed, as decisions.md has it. */
    @Test
    void aReplaceWithoutAPasswordRemovesItAndOneWithAPasswordSetsIt() {
        String admin = issue("users:read users:write admin");
        TestResponse created = createUser(admin, "edsger@example.com", "[\"reader\"]", "correct horse battery");
        assertThat(created.status()).isEqualTo(201);
        String user = created.header("Location").orElseThrow();

        assertThat(api.put(
                                user,
                                "{\"name\":\"E\",\"email\":\"edsger@example.com\"}",
                                "Authorization",
                                "Bearer " + admin)
                        .status())
                .isEqualTo(200);
        assertThat(login("edsger@example.com", "correct horse battery").status())
                .isEqualTo(401);

        assertThat(api.put(
                                user,
                                "{\"name\":\"E\",\"email\":\"edsger@example.com\","
                                        + "\"password\":\"a new long password\"}",
                                "Authorization",
                                "Bearer " + admin)
                        .status())
                .isEqualTo(200);
        assertThat(login("edsger@example.com", "a new long password").status()).isEqualTo(200);
    }

    @Test
    void unknownEmailAndWrongPasswordGetTheSameAnswerAndTheSixthFailureIs429() {
        String admin = issue("users:read users:write admin");
        assertThat(createUser(admin, "linus@example.com", "[\"reader\"]", "correct horse battery")
                        .status())
                .isEqualTo(201);

        TestResponse wrongPassword = login("linus@example.com", "wrong password!!");
        TestResponse unknownEmail = login("nobody@example.com", "wrong password!!");
        assertThat(wrongPassword.status()).isEqualTo(401).isEqualTo(unknownEmail.status());
        for (String field : List.of("type", "title", "status", "detail", "instance")) {
            assertThat(wrongPassword.json().path(field))
                    .isEqualTo(unknownEmail.json().path(field));
        }

        for (int i = 0; i < 3; i++) {
            assertThat(login("linus@example.com", "still wrong!!").status()).isEqualTo(401);
        }
        TestResponse limited = login("linus@example.com", "correct horse battery");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
    }

    @Test
    void noSecretAppearsInConfigShowOrErrorBodies() throws Exception {
        String secret = Files.readString(dir.resolve("jwt-hs256.key")).strip();
        cliOut.reset();
        int code = ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .out(new PrintStream(cliOut, true, StandardCharsets.UTF_8))
                .err(new PrintStream(cliOut, true, StandardCharsets.UTF_8))
                .build()
                .execute(
                        "config",
                        "show",
                        "--set",
                        "data-dir=" + dir,
                        "--set",
                        "http.tls.certificate-file=" + dir.resolve("x.p12"),
                        "--set",
                        "http.tls.keystore-password=Sup3r-Secret-Passw0rd");
        assertThat(code).isZero();
        assertThat(cliOut.toString(StandardCharsets.UTF_8))
                .doesNotContain("Sup3r-Secret-Passw0rd")
                .doesNotContain(secret)
                .contains("******");

        String token = issue("users:read");
        TestResponse bad = api.get("/api/v1/users/abc", "Authorization", "Bearer " + token + "x");
        assertThat(bad.status()).isEqualTo(401);
        assertThat(bad.body() + bad.headers()).doesNotContain(token).doesNotContain(secret);
    }

    @Test
    void theGeneratedKeyRotatedInPlaceIsPickedUpByAReload() throws Exception {
        String before = issue("users:read");
        assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + before).status())
                .isEqualTo(200);
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        Files.writeString(
                dir.resolve("jwt-hs256.key"), java.util.Base64.getEncoder().encodeToString(secret) + "\n");

        dev.servicekit.core.ReloadReport report = service.host.reload();

        assertThat(report.applied()).as(report.summary()).contains("auth.hs256-secret-file");
        assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + before).status())
                .as("signed with the old key")
                .isEqualTo(401);
        assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + issue("users:read"))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void adminEndpointsNeedTheAdminScopeWhileHealthStaysOpen() {
        assertThat(management.get("/health/ready").status()).isEqualTo(200);
        assertThat(management.get("/admin/status").status()).isEqualTo(401);
        assertThat(management
                        .get("/admin/status", "Authorization", "Bearer " + issue("users:read users:write"))
                        .status())
                .isEqualTo(403);
        assertThat(management
                        .get("/admin/status", "Authorization", "Bearer " + issue("admin"))
                        .status())
                .isEqualTo(200);
    }

    private static TestResponse login(RunningUsersService on, String email, String password, String... headers) {
        return on.api.post(
                "/api/v1/auth/token", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", headers);
    }

    @Test
    void failedLoginsSpreadOverTwoInstancesOnOneDatabaseGet429AtTheSameCountAsOnOne() {
        String admin = issue("users:read users:write admin");
        assertThat(createUser(admin, "grace@example.com", "[\"reader\"]", "correct horse battery")
                        .status())
                .isEqualTo(201);
        // A second instance on the same data directory: the same SQLite file and the same key.
        try (RunningUsersService second =
                RunningUsersService.start(dir, "auth.enabled=true", "shutdown.drain-timeout=1s")) {
            RunningUsersService[] instances = {service, second};
            for (int i = 0; i < 5; i++) {
                assertThat(login(instances[i % 2], "grace@example.com", "wrong password!!")
                                .status())
                        .as("failure %d, on instance %d", i + 1, i % 2 + 1)
                        .isEqualTo(401);
            }

            for (RunningUsersService instance : instances) {
                TestResponse limited = login(instance, "grace@example.com", "correct horse battery");
                assertThat(limited.status()).as(limited.body()).isEqualTo(429);
                assertThat(limited.header("Retry-After"))
                        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
            }
        }
    }

    @Test
    void behindATrustedProxyEachForwardedClientIsThrottledOnItsOwn() {
        try (RunningUsersService proxied = RunningUsersService.start(
                dir.resolve("proxied"),
                "auth.enabled=true",
                "shutdown.drain-timeout=1s",
                "http.trusted-proxies=127.0.0.1")) {
            for (int i = 0; i < 5; i++) {
                assertThat(login(
                                        proxied,
                                        "user" + i + "@example.com",
                                        "wrong password!!",
                                        "X-Forwarded-For",
                                        "203.0.113.7")
                                .status())
                        .isEqualTo(401);
            }

            assertThat(login(proxied, "fresh@example.com", "wrong password!!", "X-Forwarded-For", "203.0.113.7")
                            .status())
                    .as("the client that failed five times")
                    .isEqualTo(429);
            assertThat(login(
                                    proxied,
                                    "other@example.com",
                                    "wrong password!!",
                                    "X-Forwarded-For",
                                    "203.0.113.7, 203.0.113.8")
                            .status())
                    .as("another client behind the same proxy (the left entry is the client's own claim)")
                    .isEqualTo(401);
        }
    }

    @Test
    void withoutTrustedProxiesForwardedForIsIgnoredAndEveryClientOfAProxyIsOne() {
        for (int i = 0; i < 5; i++) {
            assertThat(login(
                                    service,
                                    "user" + i + "@example.com",
                                    "wrong password!!",
                                    "X-Forwarded-For",
                                    "203.0.113." + i)
                            .status())
                    .isEqualTo(401);
        }

        assertThat(login(service, "fresh@example.com", "wrong password!!", "X-Forwarded-For", "203.0.113.99")
                        .status())
                .as("every request came from 127.0.0.1, whatever it forwarded")
                .isEqualTo(429);
    }

    @Test
    void aFailedLoginWhileTheDatabaseIsLockedGets503WithRetryAfterNot401Or500() throws Exception {
        try (RunningUsersService locked = RunningUsersService.start(
                        dir.resolve("locked"),
                        "auth.enabled=true",
                        "shutdown.drain-timeout=1s",
                        "store.pool.connection-timeout=1s");
                java.sql.Connection stuckWriter = java.sql.DriverManager.getConnection(
                        "jdbc:sqlite:" + dir.resolve("locked").resolve("users.db"));
                java.sql.Statement statement = stuckWriter.createStatement()) {
            statement.execute("BEGIN IMMEDIATE"); // holds SQLite's write lock: recording the failure cannot commit

            TestResponse response = login(locked, "ada@example.com", "wrong password!!");

            assertThat(response.status()).as(response.body()).isEqualTo(503);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.header("Retry-After")).isPresent();
            statement.execute("ROLLBACK");
            assertThat(login(locked, "ada@example.com", "wrong password!!").status())
                    .isEqualTo(401);
        }
    }

    @Test
    void aLoginEmailLongerThanAnyUsersCanHaveIsA400() {
        TestResponse response = login("a".repeat(250) + "@example.com", "wrong password!!");

        assertThat(response.status()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("email").contains("at most 254 characters");
    }

    @Test
    void aLoginEmailWithAControlCharacterIsA400NamingTheField() {
        for (String control : List.of("\\u0000", "\\u0007", "\\u007f", "\\u0085")) {
            TestResponse response = login("ada" + control + "@example.com", "wrong password!!");

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().path("errors")).singleElement().satisfies(error -> {
                assertThat(error.path("field").asText()).isEqualTo("email");
                assertThat(error.path("message").asText()).isEqualTo("must not contain control characters");
            });
        }
    }

    @Test
    void aStoredHashThatCannotBeCheckedIsA401LikeAWrongPasswordAndAnErrorInTheLog() throws Exception {
        String admin = issue("users:read users:write admin");
        TestResponse created = createUser(admin, "edsger@example.com", "[\"reader\"]", "correct horse battery");
        assertThat(created.status()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        try (java.sql.Connection connection =
                        java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("users.db"));
                java.sql.Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE users SET password_hash = 'edited-by-hand' WHERE id = " + id);
        }

        try (LogCapture log = LogCapture.of(AuthApi.class.getName())) {
            TestResponse damaged = login("edsger@example.com", "correct horse battery");
            TestResponse wrong = login("nobody@example.com", "correct horse battery");

            assertThat(damaged.status()).as(damaged.body()).isEqualTo(401);
            assertThat(damaged.contentType()).startsWith("application/problem+json");
            assertThat(damaged.json().path("detail").asText())
                    .isEqualTo(wrong.json().path("detail").asText());
            assertThat(log.events()).singleElement().satisfies(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.ERROR);
                assertThat(event.getFormattedMessage())
                        .contains("User " + id + " cannot log in")
                        .contains("pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>")
                        .contains("PUT /api/v1/users/" + id)
                        .doesNotContain("edited-by-hand");
            });
        }
    }
}
