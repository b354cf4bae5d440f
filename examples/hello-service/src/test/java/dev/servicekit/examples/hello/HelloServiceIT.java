package dev.servicekit.examples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's ten-line service, built as its jar and run in a child JVM: it gets the toolkit's whole host without
 * a line of wiring — the management listener and health, the admin routes behind the generated key, the
 * {@code reload} verb through the management listener, and a graceful drain on SIGTERM.
 */
class HelloServiceIT {

    static final Path JAR = Path.of(System.getProperty("hello-service.jar", "target/hello-service.jar"));
    static final Pattern API = Pattern.compile("API listening on http://127\\.0\\.0\\.1:(\\d+)");
    static final Pattern MANAGEMENT = Pattern.compile("Management listening on http://127\\.0\\.0\\.1:(\\d+)");
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private Path config(int managementPort, String level) throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), """
                data-dir: %s
                http:
                  port: 0
                management:
                  port: %d
                log:
                  level: %s
                reload:
                  watch: false
                """.formatted(dir, managementPort, level));
    }

    @Test
    void theTenLineServiceServesHelloHealthAndAdminAndReloadsThroughItsManagementListener() throws Exception {
        int managementPort = freePort();
        Path config = config(managementPort, "info");
        try (ServiceProcess service = ServiceProcess.builder(JAR, dir)
                .args("run", "--config", config.toString())
                .start()) {
            TestHttpClient api = TestHttpClient.create(
                    "http://127.0.0.1:" + service.awaitOutput(API, WAIT).group(1));
            TestHttpClient management = TestHttpClient.create(
                    "http://127.0.0.1:" + service.awaitOutput(MANAGEMENT, WAIT).group(1));

            TestResponse hello = api.get("/hello");
            assertThat(hello.status()).isEqualTo(200);
            assertThat(hello.json().path("hello").asText()).isEqualTo("world");
            assertThat(hello.header("X-Request-Id")).isPresent();
            assertThat(api.get("/nope").contentType()).startsWith("application/problem+json");
            TestResponse ready = management.get("/health/ready");
            assertThat(ready.status()).isEqualTo(200);
            assertThat(ready.json().path("state").asText()).isEqualTo("RUNNING");
            assertThat(management.get("/admin/status").status())
                    .as("admin routes need the admin scope")
                    .isEqualTo(401);
            assertThat(management.get("/").status())
                    .as("the status page is the toolkit's too, and needs the admin scope")
                    .isEqualTo(401);
            assertThat(management.get("/metrics").body()).contains("http_server_requests_seconds_count");
            assertThat(dir.resolve("jwt-hs256.key"))
                    .as("the signing key the toolkit generated")
                    .exists();

            config(managementPort, "debug");
            try (ServiceProcess reload = ServiceProcess.builder(JAR, dir)
                    .outputName("reload")
                    .args("reload", "--config", config.toString())
                    .start()) {
                assertThat(reload.awaitExit(WAIT)).as(reload.output()).isZero();
                assertThat(reload.stderr())
                        .contains("asking the management listener at http://127.0.0.1:" + managementPort);
                assertThat(reload.stdout())
                        .contains("hello-service reloaded its configuration")
                        .contains("applied:          log.level");
            }
            assertThat(service.output()).contains("reload-verb").contains("Configuration reload: applied log.level");

            service.signal("TERM");
            assertThat(service.awaitExit(WAIT)).isZero();
            assertThat(service.output()).contains("hello-service stopped");
        }
    }

    @Test
    void sigtermFinishesTheRequestInFlightWhileReadinessSaysStopping() throws Exception {
        try (ServiceProcess service = ServiceProcess.builder(
                        SlowHelloApplication.class.getName(), System.getProperty("java.class.path"), dir)
                .args(
                        "run",
                        "--set",
                        "http.port=0",
                        "--set",
                        "management.port=0",
                        "--set",
                        "data-dir=" + dir,
                        "--set",
                        "shutdown.drain-timeout=10s")
                .start()) {
            TestHttpClient api = TestHttpClient.create(
                    "http://127.0.0.1:" + service.awaitOutput(API, WAIT).group(1));
            TestHttpClient management = TestHttpClient.create(
                    "http://127.0.0.1:" + service.awaitOutput(MANAGEMENT, WAIT).group(1));
            CompletableFuture<TestResponse> slow = CompletableFuture.supplyAsync(() -> api.get("/slow"));
            service.awaitOutput(Pattern.compile("slow request started"), WAIT);

            service.signal("TERM");

            Poll.until(
                    Duration.ofSeconds(5),
                    "readiness to answer 503 while the request drains",
                    () -> management.get("/health/ready").status() == 503);
            TestResponse answered = slow.get();
            assertThat(answered.status())
                    .as("the request in flight when SIGTERM arrived")
                    .isEqualTo(200);
            assertThat(answered.json().path("slow").asText()).isEqualTo("done");
            assertThat(service.awaitExit(WAIT)).isZero();
            assertThat(service.output()).contains("1 request(s) in flight");
        }
    }
}
