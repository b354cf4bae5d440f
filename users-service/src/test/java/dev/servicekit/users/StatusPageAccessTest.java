package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page ({@code GET /} on the management listener), its data endpoint and its assets: with auth on they
 * answer only a token with the {@code admin} scope, like {@code /admin/status}; with auth off on a loopback listener
 * anyone on the host; and no secret the service holds ever appears in them.
 */
class StatusPageAccessTest {

    static final List<String> PAGE_PATHS =
            List.of("/", "/admin/status/samples", "/admin/assets/status.js", "/admin/assets/status.css");

    @TempDir
    Path dir;

    private String issue(String scopes) {
        return RunningUsersService.issueToken(dir, "operator", scopes);
    }

    @Test
    void withAuthOnEveryPartOfThePageNeedsTheAdminScopeAndShowsNoSecret() throws Exception {
        String password = "status page password 42";
        try (RunningUsersService service = RunningUsersService.start(dir, "auth.enabled=true")) {
            String admin = issue("users:read users:write admin");
            String reader = issue("users:read");
            String secret = Files.readString(dir.resolve("jwt-hs256.key")).strip();
            assertThat(service.api
                            .post(
                                    "/api/v1/users",
                                    "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"" + password
                                            + "\"}",
                                    "Authorization",
                                    "Bearer " + admin)
                            .status())
                    .isEqualTo(201);
            assertThat(service.api
                            .post(
                                    "/api/v1/auth/token",
                                    "{\"email\":\"ada@example.com\",\"password\":\"" + password + "\"}")
                            .status())
                    .isEqualTo(200);
            assertThat(service.host.reload().ok()).isTrue(); // so that "last reload" has something to show

            for (String path : PAGE_PATHS) {
                TestResponse anonymous = service.management.get(path);
                assertThat(anonymous.status()).as(path).isEqualTo(401);
                assertThat(anonymous.contentType()).as(path).startsWith("application/problem+json");
                assertThat(anonymous.header("WWW-Authenticate"))
                        .as(path)
                        .hasValueSatisfying(h -> assertThat(h).startsWith("Bearer"));

                TestResponse forged = service.management.get(path, "Authorization", "Bearer " + admin + "x");
                assertThat(forged.status()).as(path).isEqualTo(401);

                TestResponse forbidden = service.management.get(path, "Authorization", "Bearer " + reader);
                assertThat(forbidden.status()).as(path).isEqualTo(403);
                assertThat(forbidden.contentType()).as(path).startsWith("application/problem+json");
                assertThat(forbidden.body()).as(path).doesNotContain("RUNNING");
            }

            TestResponse page = service.management.get("/", "Authorization", "Bearer " + admin);
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.contentType()).isEqualTo("text/html; charset=utf-8");
            assertThat(page.header("Content-Security-Policy"))
                    .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'none'"));
            assertThat(page.header("Cache-Control")).contains("no-store");
            assertThat(page.body())
                    .contains("<td data-path=\"state\">RUNNING</td>")
                    .contains("data-path=\"store.state\"")
                    .contains("data-path=\"config.lastReload.at\"")
                    .contains("data-path=\"listeners.api\">" + service.apiPort() + "<");

            TestResponse samples = service.management.get("/admin/status/samples", "Authorization", "Bearer " + admin);
            assertThat(samples.status()).isEqualTo(200);
            JsonNode body = samples.json();
            assertThat(body.path("intervalMillis").asLong()).isEqualTo(2000);
            assertThat(body.path("samples").isArray()).isTrue();
            assertThat(body.path("status").path("state").asText()).isEqualTo("RUNNING");

            for (TestResponse shown : List.of(page, samples)) {
                assertThat(shown.body())
                        .doesNotContain(secret)
                        .doesNotContain(password)
                        .doesNotContain(admin)
                        .doesNotContain(reader)
                        .doesNotContainIgnoringCase("password")
                        .doesNotContain("jwt-hs256.key");
            }
        }
    }

    @Test
    void thePageShowsTheCertificatesExpiryButNotTheKeystorePassword() throws Exception {
        String keystorePassword = "keystore-secret-7f3a9c";
        Path keystore = dir.resolve("api.p12");
        TestKeystores.selfSigned(keystore, keystorePassword, "-validity", "30");

        try (RunningUsersService service = RunningUsersService.start(
                dir,
                "auth.enabled=true",
                "http.tls.certificate-file=" + keystore,
                "http.tls.keystore-password=" + keystorePassword)) {
            String admin = issue("admin");
            TestResponse page = service.management.get("/", "Authorization", "Bearer " + admin);
            TestResponse samples = service.management.get("/admin/status/samples", "Authorization", "Bearer " + admin);
            assertThat(page.status()).isEqualTo(200);
            assertThat(samples.status()).isEqualTo(200);
            String notAfter = samples.json()
                    .path("status")
                    .path("tls")
                    .path("api")
                    .path("notAfter")
                    .asText();
            assertThat(Instant.parse(notAfter)).isAfter(Instant.now().plus(Duration.ofDays(29)));
            assertThat(page.body())
                    .contains("<h2>Certificates</h2>")
                    .contains("<td data-path=\"tls.api.notAfter\">" + notAfter + "</td>");
            String secret = Files.readString(dir.resolve("jwt-hs256.key")).strip();
            for (TestResponse shown : List.of(page, samples)) {
                assertThat(shown.body()).doesNotContain(keystorePassword).doesNotContain(secret);
            }
        }
    }

    @Test
    void withAuthOffALoopbackManagementListenerServesThePageToAnyoneOnTheHost() {
        try (RunningUsersService service = RunningUsersService.start(dir)) {
            for (String path : PAGE_PATHS) {
                assertThat(service.management.get(path).status()).as(path).isEqualTo(200);
            }
            assertThat(service.management.get("/admin/assets/status.js").contentType())
                    .isEqualTo("text/javascript; charset=utf-8");
            assertThat(service.management.get("/admin/assets/missing.js").status())
                    .isEqualTo(404);
        }
    }
}
