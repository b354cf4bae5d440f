package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every secret the service handles stays out of its logs (debug level, console and file), {@code /admin/status}, the
 * status page and its data, and error bodies.
 */
class SecretsDoNotLeakIT {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void noSecretReachesTheLogsOrErrorBodies() throws Exception {
        Path logFile = dir.resolve("logs/service.log");
        String password = "correct horse battery staple";
        List<String> bodies = new ArrayList<>();
        String secret;
        String operatorToken;
        String userToken;
        try (ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                .outputName("service")
                .args(UsersServiceProcessIT.run(
                        "http.port=0",
                        "management.port=0",
                        "data-dir=" + dir,
                        "log.level=debug",
                        "log.file.path=" + logFile))
                .start()) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1));
            secret = Files.readString(dir.resolve("jwt-hs256.key")).strip();

            try (ServiceProcess issue = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                    .outputName("issue")
                    .args(
                            "token",
                            "issue",
                            "--subject",
                            "ops",
                            "--scope",
                            "users:read users:write admin",
                            "--set",
                            "data-dir=" + dir)
                    .start()) {
                assertThat(issue.awaitExit(WAIT)).isZero();
                operatorToken = issue.stdout().strip();
            }
            String bearer = "Bearer " + operatorToken;
            assertThat(api.post(
                                    "/api/v1/users",
                                    "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"" + password
                                            + "\"}",
                                    "Authorization",
                                    bearer)
                            .status())
                    .isEqualTo(201);
            TestResponse login =
                    api.post("/api/v1/auth/token", "{\"email\":\"ada@example.com\",\"password\":\"" + password + "\"}");
            assertThat(login.status()).isEqualTo(200);
            userToken = login.json().path("access_token").asText();

            TestResponse wrongPassword = api.post(
                    "/api/v1/auth/token", "{\"email\":\"ada@example.com\",\"password\":\"" + password + "!\"}");
            TestResponse badToken = api.get("/api/v1/users", "Authorization", bearer + "x");
            TestResponse shortPassword = api.post(
                    "/api/v1/users",
                    "{\"name\":\"B\",\"email\":\"b@example.com\",\"password\":\"hunter2\"}",
                    "Authorization",
                    bearer);
            assertThat(List.of(wrongPassword.status(), badToken.status(), shortPassword.status()))
                    .containsExactly(401, 401, 400);
            for (TestResponse r : List.of(wrongPassword, badToken, shortPassword)) {
                bodies.add(r.body() + r.headers());
            }
            assertThat(api.get("/api/v1/users", "Authorization", "Bearer " + userToken)
                            .status())
                    .isEqualTo(200);
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:"
                    + service.awaitOutput(UsersServiceProcessIT.MANAGEMENT, WAIT)
                            .group(1));
            TestResponse status = management.get("/admin/status", "Authorization", bearer);
            assertThat(status.status()).isEqualTo(200);
            bodies.add(status.body());
            for (String page : List.of("/", "/admin/status/samples")) { // the status page and its data
                TestResponse shown = management.get(page, "Authorization", bearer);
                assertThat(shown.status()).as(page).isEqualTo(200);
                bodies.add(shown.body());
            }

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
            bodies.add(service.output());
        }
        bodies.add(Files.readString(logFile));
        assertThat(bodies.getLast()).contains("POST /api/v1/auth/token 200"); // the file log really has the requests

        for (String text : bodies) {
            assertThat(text)
                    .doesNotContain(secret)
                    .doesNotContain(password)
                    .doesNotContain("hunter2")
                    .doesNotContain(operatorToken)
                    .doesNotContain(userToken);
        }
    }
}
