package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.servicekit.testing.NotifySocketReceiver;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload is one transaction (SPEC §17), seen from outside a child JVM: it applies every change or none,
 * reports a key as applied only when something applied it, keeps what was set at runtime, tells systemd about
 * every reload whatever triggered it, and shows the new configuration's hash.
 */
class ReloadTransactionIT {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Path config(String yaml) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(
                file,
                "data-dir: " + dir + "\nhttp:\n  port: 0\nmanagement:\n  port: 0\nreload:\n  watch: false\n" + yaml);
        return file;
    }

    private ServiceProcess.Builder service(Path config) {
        return ServiceProcess.builder(UsersServiceProcessIT.JAR, dir).args("run", "--config", config.toString());
    }

    private static TestHttpClient client(ServiceProcess service, java.util.regex.Pattern listener) {
        return TestHttpClient.create(
                "http://127.0.0.1:" + service.awaitOutput(listener, WAIT).group(1));
    }

    @Test
    void aLoggerLevelSetAtRuntimeSurvivesAReloadThatChangesTheRootLevel() throws Exception {
        Path file = config("auth:\n  enabled: false\nlog:\n  level: info\n");
        try (ServiceProcess service = service(file).start()) {
            TestHttpClient management = client(service, UsersServiceProcessIT.MANAGEMENT);
            assertThat(management
                            .put("/admin/loggers/dev.servicekit.users", "{\"level\":\"DEBUG\"}")
                            .status())
                    .isEqualTo(200);

            config("auth:\n  enabled: false\nlog:\n  level: warn\n");
            TestResponse reload = management.post("/admin/reload", "");

            assertThat(reload.status()).isEqualTo(200);
            assertThat(reload.json().path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(management
                            .get("/admin/loggers/ROOT")
                            .json()
                            .path("effectiveLevel")
                            .asText())
                    .isEqualTo("WARN");
            JsonNode users =
                    management.get("/admin/loggers/dev.servicekit.users").json();
            assertThat(users.path("configuredLevel").asText())
                    .as("the level set through PUT /admin/loggers")
                    .isEqualTo("DEBUG");
            stopsCleanly(service);
        }
    }

    @Test
    void aReloadThatCannotApplyEveryChangeAppliesNoneOfThemLoggingIncluded() throws Exception {
        Path file = config("auth:\n  enabled: false\nlog:\n  level: info\n");
        try (ServiceProcess service = service(file).start()) {
            TestHttpClient management = client(service, UsersServiceProcessIT.MANAGEMENT);

            // 32 MB passes validation but is above what the running API listener can enforce without a restart.
            config("auth:\n  enabled: false\nlog:\n  level: debug\nlimits:\n  max-body-size: 32MB\n");
            TestResponse reload = management.post("/admin/reload", "");

            assertThat(reload.status()).isEqualTo(422);
            assertThat(reload.json().path("detail").asText()).contains("limits.max-body-size");
            assertThat(management
                            .get("/admin/loggers/ROOT")
                            .json()
                            .path("effectiveLevel")
                            .asText())
                    .as("log.level changed in the same refused reload")
                    .isEqualTo("INFO");
            stopsCleanly(service);
        }
    }

    @Test
    void authKeysAreNotReportedAppliedWhileAuthIsOff() throws Exception {
        Path file = config("auth:\n  enabled: false\n  issuer: first\n");
        try (ServiceProcess service = service(file).start()) {
            TestHttpClient management = client(service, UsersServiceProcessIT.MANAGEMENT);

            config("auth:\n  enabled: false\n  issuer: second\nlog:\n  level: warn\n");
            TestResponse reload = management.post("/admin/reload", "");

            assertThat(reload.status()).isEqualTo(200);
            assertThat(reload.json().path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(reload.json().path("inactive").toString()).isEqualTo("[\"auth.issuer\"]");
            stopsCleanly(service);
        }
    }

    @Test
    void aReloadThatLeavesTheAuthKeysAloneKeepsTheCachedJwksKeys() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks.json", exchange -> {
            byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwks.start();
        String url = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json";
        Path file = config("auth:\n  jwks-url: " + url + "\nlog:\n  level: info\n");
        String token = rs256(key, "admin users:read");
        try (ServiceProcess service = service(file).start()) {
            TestHttpClient api = client(service, UsersServiceProcessIT.API);
            TestHttpClient management = client(service, UsersServiceProcessIT.MANAGEMENT);
            assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + token)
                            .status())
                    .isEqualTo(200);
            jwks.stop(0); // the identity provider goes away; the keys fetched before stay cached

            config("auth:\n  jwks-url: " + url + "\nlog:\n  level: warn\n");
            TestResponse reload = management.post("/admin/reload", "", "Authorization", "Bearer " + token);

            assertThat(reload.status()).isEqualTo(200);
            assertThat(reload.json().path("applied").toString()).isEqualTo("[\"log.level\"]");
            assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + token)
                            .status())
                    .as("a protected route after a reload that changed only the log level")
                    .isEqualTo(200);
            stopsCleanly(service);
        } finally {
            jwks.stop(0);
        }
    }

    @Test
    void systemdHearsOfAReloadThroughTheManagementListenerToo() throws Exception {
        Path file = config("auth:\n  enabled: false\nlog:\n  level: info\n");
        try (NotifySocketReceiver systemd = NotifySocketReceiver.atPath(dir.resolve("notify"));
                ServiceProcess service = service(file)
                        .environment("NOTIFY_SOCKET", systemd.notifySocket())
                        .start()) {
            systemd.until("READY=1", WAIT);
            TestHttpClient management = client(service, UsersServiceProcessIT.MANAGEMENT);

            config("auth:\n  enabled: false\nlog:\n  level: warn\n");
            assertThat(management.post("/admin/reload", "").status()).isEqualTo(200);

            List<NotifySocketReceiver.Message> reloading = systemd.until("RELOADING=1", Duration.ofSeconds(10));
            assertThat(reloading.getLast().text()).contains("MONOTONIC_USEC=");
            assertThat(systemd.until("READY=1", Duration.ofSeconds(10))
                            .getLast()
                            .text())
                    .contains("STATUS=Reloaded");
            stopsCleanly(service);
        }
    }

    @Test
    void statusShowsTheHashOfTheConfigurationInEffectAfterAReload() throws Exception {
        Path file = config("auth:\n  enabled: false\nlog:\n  level: info\n");
        try (ServiceProcess service = service(file).start()) {
            TestHttpClient management = client(service, UsersServiceProcessIT.MANAGEMENT);
            String before = management
                    .get("/admin/status")
                    .json()
                    .path("config")
                    .path("hash")
                    .asText();

            config("auth:\n  enabled: false\nlog:\n  level: warn\n");
            assertThat(management.post("/admin/reload", "").status()).isEqualTo(200);
            String after = management
                    .get("/admin/status")
                    .json()
                    .path("config")
                    .path("hash")
                    .asText();

            assertThat(after).isNotEqualTo(before).hasSize(12);
            config("auth:\n  enabled: false\nlog:\n  level: info\n");
            assertThat(management.post("/admin/reload", "").status()).isEqualTo(200);
            assertThat(management
                            .get("/admin/status")
                            .json()
                            .path("config")
                            .path("hash")
                            .asText())
                    .as("back to the starting values, back to the starting hash")
                    .isEqualTo(before);
            stopsCleanly(service);
        }
    }

    /** SIGTERM stops the service with exit code 0: no reload above left it unable to stop. */
    private static void stopsCleanly(ServiceProcess service) {
        service.signal("TERM");
        assertThat(service.awaitExit(WAIT)).isZero();
    }

    /** An RS256 token as an identity provider would issue it: iss servicekit, aud api (the defaults). */
    private static String rs256(RSAKey key, String scope) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("servicekit")
                .audience("api")
                .subject("ops")
                .claim("scope", scope)
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10))))
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(key.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
