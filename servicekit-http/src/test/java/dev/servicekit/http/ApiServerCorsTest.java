package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.json;
import static dev.servicekit.http.HttpTestSupport.request;
import static dev.servicekit.http.HttpTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.http.Status;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApiServerCorsTest {

    private static final String APP = "https://app.example.com";
    private static final String CHALLENGE = "Bearer realm=\"api\", error=\"invalid_token\"";

    private ApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** A server whose user routes need a scope, behind an authenticator that refuses everyone. */
    private void start(Optional<CorsSettings> cors) {
        ApiServer.Builder builder = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)))
                .routes(List.of(
                        Route.get("/api/v1/users/{id}", (req, res) -> {
                                    res.header("ETag", "\"v1\"");
                                    JsonBodies.send(
                                            res,
                                            Status.OK_200,
                                            Map.of(
                                                    "id",
                                                    req.path().pathParameters().get("id")));
                                })
                                .requireScopes("users:read"),
                        Route.delete(
                                        "/api/v1/users/{id}",
                                        (req, res) -> res.status(204).send())
                                .requireScopes("users:write"),
                        Route.get(
                                "/api/v1/open",
                                (req, res) -> JsonBodies.send(res, Status.OK_200, Map.of("open", true)))))
                .authenticator((req, scopes) -> {
                    throw ProblemException.unauthorized("No bearer token", CHALLENGE);
                });
        cors.ifPresent(builder::cors);
        server = builder.build();
        server.start();
    }

    private void startWithCors() {
        start(Optional.of(new CorsSettings(List.of(APP, "http://localhost:3000"), Duration.ofMinutes(5))));
    }

    private HttpResponse<String> get(String path, String origin) {
        return send(request(server.port(), path).header("Origin", origin).GET().build());
    }

    private HttpResponse<String> preflight(String path, String origin, String method) {
        return send(request(server.port(), path)
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build());
    }

    private static List<String> corsHeaderNames(HttpHeaders headers) {
        return headers.map().keySet().stream()
                .filter(name -> name.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"))
                .toList();
    }

    @Test
    void allowedOriginGetsItsOriginBackAndTheExposedHeaders() {
        startWithCors();

        HttpResponse<String> response = get("/api/v1/open", APP);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().allValues("Access-Control-Allow-Origin")).containsExactly(APP);
        assertThat(response.headers().firstValue("Vary")).hasValue("Origin");
        assertThat(response.headers().firstValue("Access-Control-Expose-Headers"))
                .hasValue("ETag, Location, X-Request-Id");
        assertThat(response.headers().firstValue("Access-Control-Allow-Credentials"))
                .isEmpty();
    }

    @Test
    void allowedOriginMatchesWithADifferentlyCasedHost() {
        startWithCors();

        HttpResponse<String> response = get("/api/v1/open", "https://App.Example.COM");

        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://App.Example.COM");
    }

    @Test
    void errorResponsesToAnAllowedOriginCarryTheCorsHeadersSoThePageCanReadThem() {
        startWithCors();

        HttpResponse<String> notFound = get("/nope", APP);
        HttpResponse<String> unauthorized = get("/api/v1/users/7", APP);

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(notFound.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
        assertThat(notFound.headers().firstValue("Vary")).hasValue("Origin");
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue(APP);
        assertThat(unauthorized.headers().firstValue("Access-Control-Expose-Headers"))
                .hasValue("ETag, Location, X-Request-Id");
    }

    @Test
    void aPausedServicesAnswerCarriesTheCorsHeadersSoThePageCanReadIt() {
        startWithCors();
        server.pause();

        HttpResponse<String> response = get("/api/v1/open", APP);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
        assertThat(response.headers().firstValue("Vary")).hasValue("Origin");
        assertThat(json(response.body()).get("detail").asText()).contains("paused");
    }

    @Test
    void preflightFromAnAllowedOriginIsAnsweredWithoutAskingTheAuthenticator() {
        startWithCors();

        HttpResponse<String> response = preflight("/api/v1/users/7", APP, "DELETE");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        HttpHeaders headers = response.headers();
        assertThat(headers.firstValue("Access-Control-Allow-Origin")).hasValue(APP);
        assertThat(headers.firstValue("Access-Control-Allow-Methods")).hasValue("DELETE, GET, HEAD");
        assertThat(headers.firstValue("Access-Control-Allow-Headers"))
                .hasValue("Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id");
        assertThat(headers.firstValue("Access-Control-Max-Age")).hasValue("300");
        assertThat(headers.firstValue("Vary")).hasValue("Origin");
        assertThat(headers.firstValue("WWW-Authenticate")).isEmpty();
        assertThat(headers.firstValue("Access-Control-Allow-Credentials")).isEmpty();
        assertThat(headers.firstValue("X-Request-Id")).isPresent();
    }

    @Test
    void preflightFromAnAllowedOriginToAnUnknownPathIsA404() {
        startWithCors();

        HttpResponse<String> response = preflight("/api/v1/nothing-here", APP, "GET");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods"))
                .isEmpty();
    }

    @Test
    void otherOriginsGetNoCorsHeaders() {
        startWithCors();

        for (String origin : List.of(
                "https://evil.example",
                "https://app.example.com.evil.net",
                "https://evilapp.example.com",
                "http://app.example.com",
                "https://app.example.com:8443",
                "null")) {
            HttpResponse<String> response = get("/api/v1/open", origin);

            assertThat(response.statusCode()).as(origin).isEqualTo(200);
            assertThat(corsHeaderNames(response.headers())).as(origin).isEmpty();
        }
    }

    @Test
    void preflightFromAnotherOriginIsAForbiddenProblem() {
        startWithCors();

        for (String origin : List.of("https://evil.example", "https://app.example.com.evil.net")) {
            HttpResponse<String> response = preflight("/api/v1/users/7", origin, "DELETE");

            assertThat(response.statusCode()).as(origin).isEqualTo(403);
            assertThat(response.headers().firstValue("Content-Type")).as(origin).hasValue("application/problem+json");
            assertThat(corsHeaderNames(response.headers())).as(origin).isEmpty();
            assertThat(json(response.body()).get("detail").asText())
                    .as(origin)
                    .contains("\"" + origin + "\"")
                    .contains("http.cors.allowed-origins");
        }
    }

    @Test
    void aRequestWithoutOriginIsServedAsBefore() {
        startWithCors();

        HttpResponse<String> response =
                send(request(server.port(), "/api/v1/open").GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(corsHeaderNames(response.headers())).isEmpty();
    }

    @Test
    void withoutCorsSettingsNothingChanges() {
        start(Optional.empty());

        HttpResponse<String> response = get("/api/v1/open", APP);
        HttpResponse<String> options = preflight("/api/v1/users/7", APP, "DELETE");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(corsHeaderNames(response.headers())).isEmpty();
        assertThat(response.headers().firstValue("Vary")).isEmpty();
        assertThat(options.statusCode()).isEqualTo(405);
        assertThat(options.headers().firstValue("Allow")).hasValue("DELETE, GET, HEAD");
        assertThat(corsHeaderNames(options.headers())).isEmpty();
    }
}
