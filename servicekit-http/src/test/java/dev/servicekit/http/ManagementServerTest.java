package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.get;
import static dev.servicekit.http.HttpTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ManagementServerTest {

    private ManagementServer server;

    private ManagementServer start(Supplier<Readiness> readiness) {
        server = ManagementServer.create(
                new ManagementServerConfig(HttpTestSupport.HOST, 0, "management.port"),
                readiness,
                List.of(Route.get("/metrics", (req, res) -> res.send("# metrics"))));
        server.start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void liveIsUpWhateverTheReadiness() {
        start(() -> Readiness.notReady("STARTING"));

        HttpResponse<String> response = get(server.port(), "/health/live");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(response.body()).isEqualTo("{\"status\":\"UP\"}");
        assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
    }

    @Test
    void readyFollowsTheSupplierWith200WhenReadyAnd503Otherwise() {
        AtomicReference<Readiness> readiness =
                new AtomicReference<>(Readiness.ready("RUNNING", Map.of("store", "UP", "disk", "UP")));
        start(readiness::get);

        HttpResponse<String> up = get(server.port(), "/health/ready");
        readiness.set(Readiness.notReady("RUNNING", Map.of("store", "DOWN")));
        HttpResponse<String> down = get(server.port(), "/health/ready");

        assertThat(up.statusCode()).isEqualTo(200);
        JsonNode upBody = json(up.body());
        assertThat(upBody.get("status").asText()).isEqualTo("UP");
        assertThat(upBody.get("state").asText()).isEqualTo("RUNNING");
        assertThat(upBody.get("checks").get("store").asText()).isEqualTo("UP");
        assertThat(down.statusCode()).isEqualTo(503);
        JsonNode downBody = json(down.body());
        assertThat(downBody.get("status").asText()).isEqualTo("DOWN");
        assertThat(downBody.get("checks").get("store").asText()).isEqualTo("DOWN");
    }

    @Test
    void readinessSupplierThatThrowsMeansNotReady() {
        start(() -> {
            throw new IllegalStateException("store pool closed");
        });

        HttpResponse<String> response = get(server.port(), "/health/ready");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response.body()).get("status").asText()).isEqualTo("DOWN");
        assertThat(response.body()).doesNotContain("store pool closed");
    }

    @Test
    void extraRoutesAndTheSameErrorMiddlewareApply() {
        start(() -> Readiness.ready("RUNNING"));

        assertThat(get(server.port(), "/metrics").body()).isEqualTo("# metrics");
        HttpResponse<String> missing = get(server.port(), "/admin/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> wrongMethod = HttpTestSupport.send(
                HttpTestSupport.request(server.port(), "/health/live").DELETE().build());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void bindFailureNamesTheManagementPortKey() throws Exception {
        try (ServerSocket occupied = new ServerSocket(0, 50, java.net.InetAddress.getByName(HttpTestSupport.HOST))) {
            ManagementServer blocked = ManagementServer.create(
                    new ManagementServerConfig(HttpTestSupport.HOST, occupied.getLocalPort(), "management.port"),
                    () -> Readiness.ready("RUNNING"),
                    List.of());

            assertThatThrownBy(blocked::start)
                    .isInstanceOf(HttpBindException.class)
                    .hasMessageContaining("set management.port to a free port");
        }
    }

    @Test
    void adminRoutesNeedTheAdminScopeWhileHealthStaysOpen() {
        RequestAuthenticator adminOnly = (request, scopes) -> {
            String header = request.headers()
                    .first(io.helidon.http.HeaderNames.AUTHORIZATION)
                    .orElse("");
            if (!header.equals("Bearer admin-token")) {
                throw ProblemException.unauthorized("A bearer token is required", "Bearer realm=\"management\"");
            }
            return new AuthenticatedCaller("ops", java.util.Set.of("admin"));
        };
        server = ManagementServer.builder(
                        new ManagementServerConfig(HttpTestSupport.HOST, 0, "management.port"),
                        () -> Readiness.ready("RUNNING"))
                .routes(List.of(Route.post("/admin/reload", (req, res) -> res.send("reloaded"))
                        .requireScopes("admin")))
                .authenticator(adminOnly)
                .build();
        server.start();

        assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(200);
        assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(200);
        java.net.http.HttpResponse<String> anonymous =
                HttpTestSupport.send(HttpTestSupport.request(server.port(), "/admin/reload")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                        .build());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        java.net.http.HttpResponse<String> admin =
                HttpTestSupport.send(HttpTestSupport.request(server.port(), "/admin/reload")
                        .header("Authorization", "Bearer admin-token")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                        .build());
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.body()).isEqualTo("reloaded");
    }

    @Test
    void healthCanBeProtectedWithAScope() {
        RequestAuthenticator nobody = (request, scopes) -> {
            throw ProblemException.unauthorized("A bearer token is required", "Bearer realm=\"management\"");
        };
        server = ManagementServer.builder(
                        new ManagementServerConfig(HttpTestSupport.HOST, 0, "management.port"),
                        () -> Readiness.ready("RUNNING"))
                .authenticator(nobody)
                .healthScope("monitoring")
                .build();
        server.start();

        assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(401);
        assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(401);
    }
}
