package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.NginxServer;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * users-service behind a real nginx (issue 13, done-when 6, one instance): once with the shipped
 * {@code deploy/nginx/users-service.conf} (HTTP/1.1 and keep-alive to the instances), once with the same file
 * without its two HTTP/1.1 lines, so nginx speaks its default HTTP/1.0 to the service. Both must answer the API
 * exactly as the service does directly. And the shipped file's retry rule: GETs move on to the next instance, POSTs
 * do not.
 */
class NginxProxyIT {

    static final String HTTP_11 = "proxy_http_version 1.1;";
    static final String KEEP_ALIVE = "proxy_set_header Connection \"\";";
    static final Path SHIPPED = MonitoringFiles.repositoryRoot().resolve("deploy/nginx/users-service.conf");

    @TempDir
    Path dir;

    /** Skips without nginx locally; on CI (CI=true) .ci/run installs it, so a missing nginx fails. */
    @BeforeAll
    static void nginxInstalled() {
        Optional<String> missing = NginxServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("NginxProxyIT cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("NginxProxyIT skipped: " + reason));
        assumeTrue(missing.isEmpty(), "nginx tests skipped: " + missing.orElse(""));
    }

    static String shippedConfig() throws IOException {
        return Files.readString(SHIPPED);
    }

    /** The shipped file without the lines that make nginx speak HTTP/1.1: nginx's default, HTTP/1.0, remains. */
    static String withNginxDefaultProtocol(String shipped) {
        List<String> lines = shipped.lines().toList();
        assertThat(lines)
                .as("the shipped file's HTTP/1.1 lines")
                .anyMatch(l -> l.strip().equals(HTTP_11));
        assertThat(lines).anyMatch(l -> l.strip().equals(KEEP_ALIVE));
        return String.join(
                "\n",
                lines.stream()
                        .filter(l -> !l.strip().equals(HTTP_11) && !l.strip().equals(KEEP_ALIVE))
                        .toList());
    }

    static Stream<Arguments> configurations() throws IOException {
        String shipped = shippedConfig();
        return Stream.of(
                Arguments.of("shipped deploy/nginx/users-service.conf (HTTP/1.1, keep-alive)", shipped),
                Arguments.of(
                        "proxy_http_version left at nginx's default (HTTP/1.0)", withNginxDefaultProtocol(shipped)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void theApiAnswersThroughNginxAsItDoesDirectly(String name, String config) {
        try (RunningUsersService service = RunningUsersService.start(dir.resolve("service"));
                NginxServer nginx = NginxServer.start(
                        dir.resolve("nginx"),
                        config,
                        // The shipped upstream has three servers; here all three are the one instance.
                        NginxServer.upstreams(service.apiPort(), service.apiPort(), service.apiPort()))) {
            TestHttpClient client = TestHttpClient.create("http://127.0.0.1:" + nginx.port());

            // POST: 201, Location, ETag, the client's request id back.
            TestResponse created = client.post(
                    "/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}", "X-Request-Id", "nginx-it-1");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.header("X-Request-Id")).hasValue("nginx-it-1");
            long id = created.json().path("id").asLong();
            assertThat(created.header("Location")).hasValue("/api/v1/users/" + id);
            String etag = created.header("ETag").orElseThrow();

            // GET: the same user and ETag, and a request id nginx made ($request_id) when the client sent none.
            TestResponse read = client.get("/api/v1/users/" + id);
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.header("ETag")).hasValue(etag);
            assertThat(read.json().path("email").asText()).isEqualTo("ada@example.com");
            assertThat(read.header("X-Request-Id"))
                    .hasValueSatisfying(rid -> assertThat(rid).matches("[0-9a-f]{32}"));
            assertThat(client.get("/api/v1/users?limit=10").json().path("items"))
                    .hasSize(1);

            // PUT with If-Match: the current ETag wins a new one; the old one gets 412 problem+json.
            String replacement = "{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}";
            TestResponse replaced = client.put("/api/v1/users/" + id, replacement, "If-Match", etag);
            assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
            assertThat(replaced.header("ETag")).isPresent().isNotEqualTo(Optional.of(etag));
            assertThat(replaced.json().path("name").asText()).isEqualTo("Ada Lovelace");
            assertProblem(client.put("/api/v1/users/" + id, replacement, "If-Match", etag), 412);

            // Errors keep their problem+json through nginx: 409 for a taken email, 400 for a bad body.
            assertProblem(client.post("/api/v1/users", "{\"name\":\"Ada 2\",\"email\":\"ada@example.com\"}"), 409);
            assertProblem(client.post("/api/v1/users", "{\"name\":\"\"}"), 400);

            // DELETE: 204, then 404 problem+json.
            assertThat(client.delete("/api/v1/users/" + id).status()).isEqualTo(204);
            assertProblem(client.get("/api/v1/users/" + id), 404);

            // The management listener is not behind nginx: its paths reach the API listener, which has none.
            for (String path : List.of("/health/ready", "/health/live", "/metrics", "/admin/loggers/ROOT")) {
                TestResponse response = client.get(path);
                assertThat(response.status()).as(path + " through nginx").isEqualTo(404);
                assertThat(service.management.get(path).status())
                        .as(path + " on the management port itself")
                        .isNotEqualTo(404);
            }
            assertThat(nginx.errorLog()).as("nginx's error log").doesNotContain("[error]");
        }
    }

    /**
     * The shipped retry rule, part 1: an instance that is gone (its port refuses connections, as a stopped,
     * restarting or killed instance's does) is skipped for every request, POSTs too, since nothing was sent to it.
     * Instance 1 here is a port nobody listens on; instances 2 and 3 are the service.
     */
    @Test
    void everyRequestMovesOnFromAnInstanceThatRefusesConnections() throws IOException {
        int gone;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            gone = socket.getLocalPort();
        }
        try (RunningUsersService service = RunningUsersService.start(dir.resolve("service"));
                NginxServer nginx = NginxServer.start(
                        dir.resolve("nginx"),
                        SHIPPED,
                        NginxServer.upstreams(gone, service.apiPort(), service.apiPort()))) {
            TestHttpClient client = TestHttpClient.create("http://127.0.0.1:" + nginx.port());

            List<Integer> statuses = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                statuses.add(
                        client.post("/api/v1/users", "{\"name\":\"U" + i + "\",\"email\":\"u" + i + "@example.com\"}")
                                .status());
                statuses.add(client.get("/api/v1/users?limit=1").status());
            }

            assertThat(statuses).as("POST, GET three times").containsExactly(201, 200, 201, 200, 201, 200);
            assertThat(nginx.accessLog())
                    .as("nginx's log of a POST moved on: the refused instance, then the service")
                    .containsPattern("201 \"POST /api/v1/users HTTP/1.1\" 127\\.0\\.0\\.1:" + gone
                            + ", 127\\.0\\.0\\.1:\\d+ 502, 201");
            assertThat(client.get("/api/v1/users?limit=10").json().path("items"))
                    .as("the users the three POSTs created, once each")
                    .hasSize(3);
        }
    }

    /**
     * The shipped retry rule, part 2: a 503 is the instance's answer and reaches the client as it is, for a GET too,
     * and does not take the instance out: when the shared database is down every instance answers 503, and nginx's
     * own 502 "no live upstreams" would be worse. Instance 1 is a stand-in that answers every request with 503.
     */
    @Test
    void a503IsPassedToTheClientAndDoesNotTakeTheInstanceOut() {
        try (RunningUsersService service = RunningUsersService.start(dir.resolve("service"));
                NginxServer unavailable = NginxServer.start(
                        dir.resolve("unavailable"),
                        "server { listen {{LISTEN}}; location / { add_header Retry-After 5 always; return 503"
                                + " \"unavailable\\n\"; } }",
                        Map.of());
                NginxServer nginx = NginxServer.start(
                        dir.resolve("nginx"),
                        SHIPPED,
                        NginxServer.upstreams(unavailable.port(), service.apiPort(), service.apiPort()))) {
            TestHttpClient client = TestHttpClient.create("http://127.0.0.1:" + nginx.port());

            List<Integer> gets = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                gets.add(client.get("/api/v1/users?limit=1").status());
            }

            assertThat(gets)
                    .as("instance 1 gets one GET in three, also after more than max_fails=3 of its 503s")
                    .filteredOn(status -> status == 503)
                    .hasSize(4);
            assertThat(gets).filteredOn(status -> status == 200).hasSize(8);
            assertThat(nginx.errorLog()).doesNotContain("no live upstreams");
        }
    }

    private static void assertProblem(TestResponse response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("requestId").asText())
                .isNotEmpty()
                .isEqualTo(response.header("X-Request-Id").orElseThrow());
    }
}
