package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.servicekit.testing.OpenApiContract;
import dev.servicekit.testing.RedoclyLint;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document users-service generates from its routes (auth on, so the token route and the security scheme
 * are in it): served as YAML and JSON without a token, describing every route of SPEC §6, and strict enough that the
 * contract check catches a response that drifts from it; and it passes the real {@code @redocly/cli} linter with the
 * repository's {@code redocly.yaml} (strict: warnings fail too).
 */
class OpenApiDocumentTest {

    @TempDir
    static Path dataDir;

    static RunningUsersService service;
    static JsonNode document;

    @BeforeAll
    static void start() throws Exception {
        service = RunningUsersService.start(dataDir, "auth.enabled=true");
        document = service.contract().document();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void theDocumentPassesTheRedoclyLinter() throws Exception {
        Path redocly = RedoclyLint.find().orElse(null);
        assumeTrue(redocly != null, RedoclyLint.ABSENT);
        Path file = Path.of("target", "openapi.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, service.unchecked.get("/openapi.yaml").body());

        RedoclyLint.Result result = RedoclyLint.lint(redocly, file, Path.of("..", "redocly.yaml"));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Your API description is valid");
    }

    @Test
    void yamlAndJsonAreTheSameDocumentAndNeedNoToken() throws Exception {
        TestResponse yaml = service.api.get("/openapi.yaml");
        TestResponse json = service.api.get("/openapi.json");

        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.contentType()).isEqualTo("application/yaml");
        assertThat(json.status()).isEqualTo(200);
        assertThat(json.contentType()).startsWith("application/json");
        assertThat(new YAMLMapper().readTree(yaml.body())).isEqualTo(new ObjectMapper().readTree(json.body()));
        assertThat(json.json().path("openapi").asText()).isEqualTo("3.1.0");
        assertThat(json.json().path("info").path("title").asText()).isEqualTo("users-service");
    }

    @Test
    void everyRouteOfTheApiIsDescribedWithItsStatusesAndHeaders() {
        JsonNode paths = document.path("paths");
        assertThat(paths.properties().stream().map(Map.Entry::getKey))
                .containsExactly(
                        "/api/v1/users", "/api/v1/users/{id}", "/api/v1/auth/token", "/openapi.yaml", "/openapi.json");
        JsonNode list = paths.path("/api/v1/users").path("get");
        assertThat(list.path("parameters").findValuesAsText("name")).containsExactly("limit", "cursor");
        assertThat(list.path("parameters").findValuesAsText("$ref"))
                .containsExactly("#/components/parameters/RequestId");
        assertThat(statuses(list)).containsExactly("200", "400", "401", "403", "500", "503");
        JsonNode create = paths.path("/api/v1/users").path("post");
        assertThat(statuses(create))
                .containsExactly("201", "400", "401", "403", "409", "413", "415", "500", "503", "507");
        assertThat(create.path("responses").path("201").path("headers").properties().stream()
                        .map(Map.Entry::getKey))
                .containsExactly("X-Request-Id", "Location", "ETag");
        assertThat(statuses(paths.path("/api/v1/users/{id}").path("get")))
                .containsExactly("200", "304", "400", "401", "403", "404", "500", "503");
        JsonNode put = paths.path("/api/v1/users/{id}").path("put");
        assertThat(put.path("parameters").findValuesAsText("name")).contains("id", "If-Match");
        assertThat(statuses(put))
                .containsExactly("200", "400", "401", "403", "404", "409", "412", "413", "415", "500", "503", "507");
        JsonNode delete = paths.path("/api/v1/users/{id}").path("delete");
        assertThat(delete.path("parameters").findValuesAsText("name")).contains("id", "If-Match");
        assertThat(statuses(delete)).containsExactly("204", "400", "401", "403", "404", "412", "500", "503", "507");
        JsonNode token = paths.path("/api/v1/auth/token").path("post");
        assertThat(token.path("security")).isEmpty();
        assertThat(statuses(token)).containsExactly("200", "400", "401", "404", "413", "415", "429", "500", "503");
    }

    @Test
    void scopedRoutesNeedABearerJwtWithTheirScopes() {
        assertThat(document.at("/components/securitySchemes/bearerAuth/scheme").asText())
                .isEqualTo("bearer");
        assertThat(document.at("/components/securitySchemes/bearerAuth/bearerFormat")
                        .asText())
                .isEqualTo("JWT");
        assertThat(document.at("/paths/~1api~1v1~1users/get/security/0/bearerAuth")
                        .toString())
                .isEqualTo("[\"users:read\"]");
        assertThat(document.at("/paths/~1api~1v1~1users~1{id}/delete/security/0/bearerAuth")
                        .toString())
                .isEqualTo("[\"users:write\"]");
        assertThat(document.at("/paths/~1openapi.yaml/get/security")).isEmpty();
    }

    @Test
    void theProblemSchemaHasTheMembersTheServiceWrites() {
        JsonNode problem = document.at("/components/schemas/Problem");
        assertThat(problem.path("properties").properties().stream().map(Map.Entry::getKey))
                .containsExactly("type", "title", "status", "detail", "instance", "requestId", "errors");
        assertThat(problem.path("required").toString())
                .isEqualTo("[\"type\",\"title\",\"status\",\"detail\",\"requestId\"]");
        assertThat(problem.path("additionalProperties").asBoolean(true)).isFalse();
    }

    @Test
    void theContractCatchesAResponseThatDriftsFromTheDocument() {
        TestResponse created = service.unchecked.post(
                "/api/v1/users",
                "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}",
                "Authorization",
                "Bearer " + adminToken());
        assertThat(created.status()).isEqualTo(201);
        OpenApiContract contract = service.contract();
        assertThat(contract.violations("POST", "/api/v1/users", created)).isEmpty();

        ObjectNode extra = (ObjectNode) created.json().deepCopy();
        extra.put("passwordHash", "pbkdf2$...");
        assertThat(contract.violations("POST", "/api/v1/users", withBody(created, extra.toString())))
                .singleElement()
                .asString()
                .contains("passwordHash");

        ObjectNode mistyped = (ObjectNode) created.json().deepCopy();
        mistyped.put("id", "one");
        assertThat(contract.violations("POST", "/api/v1/users", withBody(created, mistyped.toString())))
                .singleElement()
                .asString()
                .contains("id");

        TestResponse wrongStatus = new TestResponse(202, created.headers(), created.body());
        assertThat(contract.violations("POST", "/api/v1/users", wrongStatus))
                .singleElement()
                .asString()
                .contains("status 202 is not documented");

        TestResponse noEtag = new TestResponse(
                201,
                Map.of(
                        "Content-Type", List.of("application/json"),
                        "X-Request-Id",
                                created.header("X-Request-Id").map(List::of).orElseThrow(),
                        "Location", created.header("Location").map(List::of).orElseThrow()),
                created.body());
        assertThat(contract.violations("POST", "/api/v1/users", noEtag))
                .singleElement()
                .asString()
                .contains("ETag");

        TestResponse problemWithoutRequestId = service.unchecked.get("/api/v1/users/1");
        ObjectNode problem = (ObjectNode) problemWithoutRequestId.json().deepCopy();
        problem.remove("requestId");
        assertThat(contract.violations("GET", "/api/v1/users/1", withBody(problemWithoutRequestId, problem.toString())))
                .singleElement()
                .asString()
                .contains("requestId");
    }

    private static TestResponse withBody(TestResponse response, String body) {
        return new TestResponse(response.status(), response.headers(), body);
    }

    private static List<String> statuses(JsonNode operation) {
        return operation.path("responses").properties().stream()
                .map(Map.Entry::getKey)
                .toList();
    }

    private static String adminToken() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int code = dev.servicekit.core.ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .out(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8))
                .err(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8))
                .build()
                .execute(
                        "token",
                        "issue",
                        "--subject",
                        "contract",
                        "--scope",
                        "users:read users:write",
                        "--set",
                        "data-dir=" + dataDir);
        assertThat(code)
                .as(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .isZero();
        return out.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
    }
}
