package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration reload in a child JVM: SIGHUP and POST /admin/reload, valid and invalid files. File watching is
 * off here so each reload is the trigger's own (FileWatchReloadIT covers the watcher).
 */
class ReloadIT {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private void writeConfig(String logLevel, int apiPort) throws Exception {
        Files.writeString(dir.resolve("config.yaml"), """
                data-dir: %s
                http:
                  port: %d
                management:
                  port: 0
                auth:
                  enabled: false
                log:
                  level: %s
                reload:
                  watch: false
                """.formatted(dir, apiPort, logLevel));
    }

    @Test
    void sighupAppliesReloadableKeysReportsRestartKeysAndAnInvalidFileKeepsTheRunningConfig() throws Exception {
        writeConfig("info", 0);
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("run", "--config", dir.resolve("config.yaml").toString())
                .start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1));
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, WAIT)
                            .group(1));
            assertThat(management
                            .get("/admin/status")
                            .json()
                            .path("config")
                            .path("lastReload")
                            .isNull())
                    .isTrue();

            writeConfig("debug", 18089);
            service.signal("HUP");
            JsonNode reload = awaitLastReload(management);
            assertThat(reload.path("ok").asBoolean()).isTrue();
            assertThat(reload.path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(reload.path("requiresRestart").toString()).isEqualTo("[\"http.port\"]");
            assertThat(management
                            .get("/admin/loggers/ROOT")
                            .json()
                            .path("effectiveLevel")
                            .asText())
                    .isEqualTo("DEBUG");

            writeConfig("loud", 0);
            TestResponse refused = management.post("/admin/reload", "");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().path("detail").asText())
                    .contains("log.level")
                    .contains("\"loud\"");
            assertThat(management
                            .get("/admin/loggers/ROOT")
                            .json()
                            .path("effectiveLevel")
                            .asText())
                    .isEqualTo("DEBUG");
            assertThat(management
                            .get("/admin/status")
                            .json()
                            .path("config")
                            .path("lastReload")
                            .path("ok")
                            .asBoolean())
                    .isFalse();
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);

            writeConfig("warn", 18089);
            TestResponse posted = management.post("/admin/reload", "");
            assertThat(posted.status()).isEqualTo(200);
            assertThat(posted.json().path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(posted.json().path("requiresRestart").toString())
                    .as("http.port changed at the first reload and is still not in effect")
                    .isEqualTo("[\"http.port\"]");
            assertThat(management
                            .get("/admin/loggers/ROOT")
                            .json()
                            .path("effectiveLevel")
                            .asText())
                    .isEqualTo("WARN");
            assertThat(api.get("/api/v1/users").status())
                    .as("still on the port it started with")
                    .isEqualTo(200);

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
        }
    }

    /** An admin token signed with the base64 secret in {@code key}, as the service's defaults expect (iss servicekit, aud api). */
    private static String token(Path key, String issuer) throws Exception {
        byte[] secret =
                java.util.Base64.getDecoder().decode(Files.readString(key).strip());
        return dev.servicekit.http.JwtIssuer.create(dev.servicekit.http.JwtSettings.builder()
                        .issuer(issuer)
                        .audience("api")
                        .keySource(dev.servicekit.http.JwtKeySource.hs256Secret(secret))
                        .build())
                .issue("ops", java.util.Set.of("admin", "users:read", "users:write"), Duration.ofMinutes(10));
    }

    private static void writeSecret(Path file) throws Exception {
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        Files.deleteIfExists(file);
        Files.createFile(
                file,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, java.util.Base64.getEncoder().encodeToString(secret) + "\n");
    }

    private void writeAuthConfig(Path secret, String bodyLimit, String origins, String issuer) throws Exception {
        Files.writeString(dir.resolve("config.yaml"), """
                data-dir: %s
                http:
                  port: 0
                  cors:
                    allowed-origins: %s
                management:
                  port: 0
                auth:
                  hs256-secret-file: %s
                  issuer: %s
                limits:
                  max-body-size: %s
                reload:
                  watch: false
                """.formatted(dir, origins, secret, issuer, bodyLimit));
    }

    @Test
    void adminReloadAppliesANewSigningKeyBodyLimitCorsOriginAndIssuerWithoutARestart() throws Exception {
        Path secret = dir.resolve("jwt.key");
        writeSecret(secret);
        writeAuthConfig(secret, "1KiB", "https://old.example.com", "servicekit");
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .args("run", "--config", dir.resolve("config.yaml").toString())
                .start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1));
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, WAIT)
                            .group(1));
            String oldToken = token(secret, "servicekit");
            String bigUser = "{\"name\":\"" + "a".repeat(1500) + "\",\"email\":\"big@example.com\"}";
            assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + oldToken)
                            .status())
                    .isEqualTo(200);
            assertThat(api.post("/api/v1/users", bigUser, "Authorization", "Bearer " + oldToken)
                            .status())
                    .isEqualTo(413);
            assertThat(api.get(
                                    "/api/v1/users",
                                    "Origin",
                                    "https://new.example.com",
                                    "Authorization",
                                    "Bearer " + oldToken)
                            .header("Access-Control-Allow-Origin"))
                    .isEmpty();

            writeSecret(secret); // rotated in place: same path, new content
            writeAuthConfig(secret, "4KiB", "https://new.example.com", "https://users.example.com");
            String newToken = token(secret, "https://users.example.com");
            TestResponse reload = management.post("/admin/reload", "", "Authorization", "Bearer " + oldToken);

            assertThat(reload.status()).isEqualTo(200);
            JsonNode last = awaitLastReload(management.withTimeout(WAIT), "Authorization", "Bearer " + newToken);
            assertThat(last.path("ok").asBoolean()).isTrue();
            assertThat(last.path("applied").toString())
                    .contains(
                            "auth.hs256-secret-file",
                            "auth.issuer",
                            "limits.max-body-size",
                            "http.cors.allowed-origins");
            assertThat(last.path("requiresRestart").toString()).isEqualTo("[]");
            assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + oldToken)
                            .status())
                    .isEqualTo(401);
            assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + newToken)
                            .status())
                    .isEqualTo(200);
            assertThat(api.post("/api/v1/users", bigUser, "Authorization", "Bearer " + newToken)
                            .status())
                    .isIn(201, 400);
            assertThat(api.get(
                                    "/api/v1/users",
                                    "Origin",
                                    "https://new.example.com",
                                    "Authorization",
                                    "Bearer " + newToken)
                            .header("Access-Control-Allow-Origin"))
                    .hasValue("https://new.example.com");

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
        }
    }

    private static JsonNode awaitLastReload(TestHttpClient management, String... headers) {
        return Poll.until(
                WAIT,
                "a reload to be reported",
                () -> management
                        .get("/admin/status", headers)
                        .json()
                        .path("config")
                        .path("lastReload"),
                last -> !last.isNull() && !last.isMissingNode());
    }
}
