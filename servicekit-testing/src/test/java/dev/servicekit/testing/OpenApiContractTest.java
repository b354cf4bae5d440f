package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The checker's own rules, on a small document: statuses, headers, bodies, formats, unknown paths and methods. */
class OpenApiContractTest {

    static OpenApiContract contract;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream json = OpenApiContractTest.class.getResourceAsStream("/contract-test-openapi.json")) {
            contract = OpenApiContract.of(new String(json.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static TestResponse json(int status, String body, String... headers) {
        Map<String, List<String>> map = new java.util.HashMap<>();
        map.put("Content-Type", List.of("application/json; charset=utf-8"));
        for (int i = 0; i < headers.length; i += 2) {
            map.put(headers[i], List.of(headers[i + 1]));
        }
        return new TestResponse(status, map, body);
    }

    @Test
    void aConformingResponsePasses() {
        assertThat(contract.violations(
                        "GET",
                        "/items/7?x=1",
                        json(200, "{\"id\":7,\"at\":\"2026-12-04T10:00:00Z\"}", "Retry-After", "3")))
                .isEmpty();
        assertThat(contract.violations("GET", "/items/7", new TestResponse(204, Map.of(), "")))
                .isEmpty();
    }

    @Test
    void everyDriftIsReported() {
        assertThat(contract.violations(
                        "GET", "/items/7", json(200, "{\"id\":7,\"at\":\"yesterday\"}", "Retry-After", "3")))
                .singleElement()
                .asString()
                .contains("at");
        assertThat(contract.violations("GET", "/items/7", json(200, "{\"id\":7,\"at\":\"2026-12-04T10:00:00Z\"}")))
                .singleElement()
                .asString()
                .contains("required header Retry-After is missing");
        assertThat(contract.violations(
                        "GET",
                        "/items/7",
                        json(200, "{\"id\":7,\"at\":\"2026-12-04T10:00:00Z\"}", "Retry-After", "soon")))
                .singleElement()
                .asString()
                .contains("header Retry-After");
        assertThat(contract.violations("GET", "/items/7", new TestResponse(204, Map.of(), "x")))
                .singleElement()
                .asString()
                .contains("documents no body");
        assertThat(contract.violations("GET", "/items/7", json(500, "{}")))
                .singleElement()
                .asString()
                .contains("status 500 is not documented");
        TestResponse text =
                new TestResponse(200, Map.of("Content-Type", List.of("text/plain"), "Retry-After", List.of("1")), "hi");
        assertThat(contract.violations("GET", "/items/7", text))
                .singleElement()
                .asString()
                .contains("text/plain");
    }

    @Test
    void unknownPathsMustBe404AndOtherMethods405WithAllow() {
        TestResponse notFound =
                new TestResponse(404, Map.of("Content-Type", List.of("application/problem+json")), "{\"status\":404}");
        assertThat(contract.violations("GET", "/nope", notFound)).isEmpty();
        assertThat(contract.violations("GET", "/nope", json(200, "{}")))
                .singleElement()
                .asString()
                .contains("must be 404");

        TestResponse notAllowed = new TestResponse(
                405,
                Map.of("Content-Type", List.of("application/problem+json"), "Allow", List.of("GET")),
                "{\"status\":405}");
        assertThat(contract.violations("DELETE", "/items/7", notAllowed)).isEmpty();
        TestResponse withoutAllow =
                new TestResponse(405, Map.of("Content-Type", List.of("application/problem+json")), "{\"status\":405}");
        assertThat(contract.violations("DELETE", "/items/7", withoutAllow))
                .singleElement()
                .asString()
                .contains("Allow");
    }

    @Test
    void headIsCheckedAsTheGetOfItsPathWithoutContent() {
        assertThat(contract.violations("HEAD", "/items/7", json(200, "", "Retry-After", "3")))
                .isEmpty();
        assertThat(contract.violations("HEAD", "/items/7", json(200, "")))
                .singleElement()
                .asString()
                .contains("required header Retry-After is missing");
        assertThat(contract.violations("HEAD", "/items/7", json(200, "{\"id\":7}", "Retry-After", "3")))
                .singleElement()
                .asString()
                .contains("a response to HEAD has no content");
        assertThat(contract.violations("HEAD", "/items/7", json(500, "")))
                .singleElement()
                .asString()
                .contains("status 500 is not documented");
        TestResponse notFound = new TestResponse(404, Map.of("Content-Type", List.of("application/problem+json")), "");
        assertThat(contract.violations("HEAD", "/nope", notFound)).isEmpty();
        assertThat(contract.violations("GET", "/nope", notFound))
                .as("a GET's problem has its body")
                .isNotEmpty();
    }

    @Test
    void checkThrowsWithEveryViolationAndTheBody() {
        assertThatThrownBy(() -> contract.check("GET", "/items/7", json(200, "{\"id\":\"seven\"}")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("GET /items/7")
                .hasMessageContaining("Retry-After")
                .hasMessageContaining("\"seven\"");
    }

    @Test
    void onlyOpenApi31DocumentsAreAccepted() {
        assertThatThrownBy(() -> OpenApiContract.of("{\"openapi\":\"3.0.3\",\"paths\":{}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3.0.3");
    }
}
