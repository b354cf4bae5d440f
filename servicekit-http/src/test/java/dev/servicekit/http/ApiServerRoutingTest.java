package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.get;
import static dev.servicekit.http.HttpTestSupport.json;
import static dev.servicekit.http.HttpTestSupport.request;
import static dev.servicekit.http.HttpTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.LogCapture;
import io.helidon.http.Method;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiServerRoutingTest {

    private ApiServer server;

    @BeforeEach
    void start() {
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)),
                List.of(
                        Route.get(
                                "/api/v1/users/{id}",
                                (req, res) -> JsonBodies.send(
                                        res,
                                        io.helidon.http.Status.OK_200,
                                        java.util.Map.of(
                                                "id",
                                                req.path().pathParameters().get("id")))),
                        Route.delete(
                                "/api/v1/users/{id}",
                                (req, res) -> res.status(204).send()),
                        Route.get("/conflict", (req, res) -> {
                            throw ProblemException.conflict("A user with email \"a@example.com\" already exists");
                        }),
                        Route.get("/busy", (req, res) -> {
                            throw ProblemException.serviceUnavailable(
                                            "The store is reconnecting", Duration.ofMillis(1500))
                                    .withExtension("retryable", true);
                        }),
                        Route.get("/invalid", (req, res) -> {
                            throw ProblemException.validation(List.of(
                                    new FieldError("name", "must not be blank"),
                                    new FieldError("email", "must contain '@'")));
                        }),
                        Route.get("/boom", (req, res) -> {
                            throw new IllegalStateException("database password is hunter2");
                        }),
                        Route.get("/stale-etag", (req, res) -> {
                            res.header("ETag", "\"v1\"");
                            throw ProblemException.preconditionFailed("The user changed; fetch it again");
                        }),
                        Route.get(
                                "/request-id",
                                (req, res) ->
                                        res.send(RequestIds.current(req) + " " + org.slf4j.MDC.get("requestId")))));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void routesRequestsWithPathParameters() {
        HttpResponse<String> response = get(server.port(), "/api/v1/users/42");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(json(response.body()).get("id").asText()).isEqualTo("42");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("Strict-Transport-Security")).isEmpty(); // plain HTTP: no HSTS
        assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
    }

    @Test
    void unknownPathIsA404ProblemWithRequestIdMatchingTheHeader() {
        HttpResponse<String> response = get(server.port(), "/nope?x=1");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        JsonNode problem = json(response.body());
        assertThat(problem.get("type").asText()).isEqualTo("about:blank");
        assertThat(problem.get("title").asText()).isEqualTo("Not Found");
        assertThat(problem.get("status").asInt()).isEqualTo(404);
        assertThat(problem.get("detail").asText()).contains("/nope");
        assertThat(problem.get("instance").asText()).isEqualTo("/nope");
        assertThat(problem.get("requestId").asText())
                .isNotBlank()
                .isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void wrongMethodOnAKnownPathIsA405WithAllowListingTheRouteMethods() {
        HttpResponse<String> response = send(request(server.port(), "/api/v1/users/7")
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))
                .build());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("DELETE, GET, HEAD");
        JsonNode problem = json(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(405);
        assertThat(problem.get("detail").asText()).contains("PUT").contains("DELETE, GET");
        assertThat(problem.get("requestId").asText())
                .isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }

    @Test
    void problemExceptionBecomesProblemJsonWithAllStandardMembers() {
        HttpResponse<String> response = get(server.port(), "/conflict");

        assertThat(response.statusCode()).isEqualTo(409);
        JsonNode problem = json(response.body());
        assertThat(problem.fieldNames())
                .toIterable()
                .containsExactly("type", "title", "status", "detail", "instance", "requestId");
        assertThat(problem.get("title").asText()).isEqualTo("Conflict");
        assertThat(problem.get("detail").asText()).isEqualTo("A user with email \"a@example.com\" already exists");
        assertThat(problem.get("instance").asText()).isEqualTo("/conflict");
    }

    @Test
    void problemHeadersAndExtensionsAreSent() {
        HttpResponse<String> response = get(server.port(), "/busy");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(json(response.body()).get("retryable").asBoolean()).isTrue();
    }

    @Test
    void validationProblemListsEveryFieldError() {
        HttpResponse<String> response = get(server.port(), "/invalid");

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode problem = json(response.body());
        assertThat(problem.get("type").asText()).isEqualTo("https://servicekit.dev/problems/validation");
        assertThat(problem.get("errors")).hasSize(2);
        assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(problem.get("errors").get(0).get("message").asText()).isEqualTo("must not be blank");
        assertThat(problem.get("errors").get(1).get("field").asText()).isEqualTo("email");
    }

    @Test
    void unhandledExceptionIsAGeneric500WithoutExceptionTextAndIsLoggedWithItsStack() {
        try (LogCapture errors = LogCapture.of("dev.servicekit.http")) {
            HttpResponse<String> response = get(server.port(), "/boom");

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).doesNotContain("hunter2").doesNotContain("IllegalStateException");
            String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
            JsonNode problem = json(response.body());
            assertThat(problem.get("detail").asText())
                    .isEqualTo("An unexpected error occurred; see the server log for request " + requestId);
            assertThat(errors.events()).anySatisfy(event -> {
                assertThat(event.getLevel().toString()).isEqualTo("ERROR");
                assertThat(event.getThrowableProxy().getMessage()).contains("hunter2");
                assertThat(event.getMDCPropertyMap()).containsEntry("requestId", requestId);
            });
        }
    }

    @Test
    void errorResponseDropsEntityHeadersTheHandlerSetBeforeFailing() {
        HttpResponse<String> response = get(server.port(), "/stale-etag");

        assertThat(response.statusCode()).isEqualTo(412);
        assertThat(response.headers().firstValue("ETag")).isEmpty();
    }

    @Test
    void requestIdIsAvailableToHandlersThroughRequestIdsAndTheMdc() {
        HttpResponse<String> response = send(request(server.port(), "/request-id")
                .header("X-Request-Id", "trace-123")
                .GET()
                .build());

        assertThat(response.body()).isEqualTo("trace-123 trace-123");
    }

    @Test
    void duplicateRoutesAreRejectedAtCreate() {
        Route one = Route.get("/x", (req, res) -> res.send());
        Route two = new Route(Method.GET, "/x", (req, res) -> res.send(), Set.of());

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ZERO), List.of(one, two)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("GET /x");
    }

    @Test
    void routesWhoseTemplatesDifferOnlyInAParameterNameAreRejectedAtCreate() {
        // The second would never be reached: both match every /notes/<segment>.
        Route byId = Route.get("/notes/{id}", (req, res) -> res.send());
        Route byName = Route.get("/notes/{name}", (req, res) -> res.send());
        Route putByName = Route.put("/notes/{name}", (req, res) -> res.send());
        Route constrained = Route.get("/notes/{id:\\d+}/tags", (req, res) -> res.send());

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiServer.create(
                        HttpTestSupport.apiConfig(1024, Duration.ZERO), List.of(byId, putByName, byName)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Routes registered more than once: GET /notes/{id} and GET /notes/{name} (they match the"
                        + " same paths); register each method and path once");
        ApiServer distinct =
                ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ZERO), List.of(byId, putByName, constrained));
        org.assertj.core.api.Assertions.assertThat(distinct).isNotNull();
    }
}
