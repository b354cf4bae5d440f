package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.helidon.webserver.http.Handler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The document generated from routes, without a server: what the toolkit adds, components, and refusals. */
class OpenApiDocumentTest {

    private static final Handler NOTHING = (req, res) -> res.send();
    private static final ObjectNode NOTE = JsonSchemas.object("Note")
            .required("id", JsonSchemas.integer())
            .optional("text", JsonSchemas.string())
            .build();

    private static List<String> keys(JsonNode node) {
        return node.properties().stream().map(Map.Entry::getKey).toList();
    }

    @Test
    void aRouteThatDescribesNothingGetsASummaryADerivedIdAndAGeneric200() {
        JsonNode doc = OpenApiDocument.generate("hello", "1.0", List.of(Route.get("/hello", NOTHING)), true)
                .tree();

        JsonNode hello = doc.at("/paths/~1hello/get");
        assertThat(hello.path("operationId").asText()).isEqualTo("getHello");
        assertThat(hello.path("summary").asText()).isEqualTo("GET /hello");
        assertThat(keys(hello.path("responses"))).containsExactly("200", "500", "503");
        assertThat(hello.path("security")).isEmpty();
        assertThat(keys(doc.path("paths"))).containsExactly("/hello", "/openapi.yaml", "/openapi.json");
        assertThat(doc.at("/components/securitySchemes").isMissingNode()).isTrue();
    }

    @Test
    void aRouteWithABodyAndScopesGetsTheToolkitsProblemsAndItsSecurityRequirement() {
        Route create = Route.post("/api/v1/notes", NOTHING)
                .requireScopes("notes:write")
                .requestSchema(NOTE)
                .response(201, NOTE)
                .problems(409);

        JsonNode doc =
                OpenApiDocument.generate("notes", "1", List.of(create), true).tree();

        JsonNode operation = doc.at("/paths/~1api~1v1~1notes/post");
        assertThat(operation.path("operationId").asText()).isEqualTo("postApiV1Notes");
        assertThat(keys(operation.path("responses")))
                .containsExactly("201", "400", "401", "403", "409", "413", "415", "500", "503");
        assertThat(operation.at("/security/0/bearerAuth").toString()).isEqualTo("[\"notes:write\"]");
        assertThat(operation.at("/responses/409/$ref").asText()).isEqualTo("#/components/responses/Conflict");
        assertThat(doc.at("/components/responses/Unauthorized/headers/WWW-Authenticate")
                        .isObject())
                .isTrue();
        assertThat(doc.at("/components/securitySchemes/bearerAuth/bearerFormat").asText())
                .isEqualTo("JWT");
        assertThat(operation
                        .at("/requestBody/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/Note");
        assertThat(keys(doc.at("/components/schemas"))).containsExactly("Note", "FieldError", "Problem");
        assertThat(doc.at("/components/schemas/Problem/properties/errors/items/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/FieldError");
    }

    @Test
    void withAuthOffNoOperationNeedsAToken() {
        Route read = Route.get("/api/v1/notes/{id}", NOTHING).requireScopes("notes:read");

        JsonNode doc =
                OpenApiDocument.generate("notes", "1", List.of(read), false).tree();

        JsonNode operation = doc.at("/paths/~1api~1v1~1notes~1{id}/get");
        assertThat(operation.path("security")).isEmpty();
        assertThat(keys(operation.path("responses"))).containsExactly("200", "500", "503");
        assertThat(doc.at("/components/securitySchemes").isMissingNode()).isTrue();
        assertThat(operation.path("parameters").findValuesAsText("name")).containsExactly("id");
        assertThat(operation.path("operationId").asText()).isEqualTo("getApiV1NotesById");
    }

    @Test
    void helidonPathPatternsBecomeOpenApiTemplates() {
        JsonNode doc = OpenApiDocument.generate("notes", "1", List.of(Route.get("/notes/{id:\\d+}", NOTHING)), true)
                .tree();

        assertThat(keys(doc.path("paths"))).first().isEqualTo("/notes/{id}");
    }

    @Test
    void yamlAndJsonAreOneDocument() throws Exception {
        OpenApiDocument document =
                OpenApiDocument.generate("hello", "1.0", List.of(Route.get("/hello", NOTHING)), true);

        assertThat(new YAMLMapper().readTree(document.yaml()))
                .isEqualTo(JsonBodies.mapper().readTree(document.json()))
                .isEqualTo(document.tree());
    }

    @Test
    void twoSchemasWithOneTitleOrTwoRoutesWithOneOperationIdAreRefused() {
        ObjectNode otherNote = JsonSchemas.object("Note")
                .required("title", JsonSchemas.string())
                .build();
        List<Route> clash = List.of(
                Route.get("/a", NOTHING).response(200, NOTE),
                Route.get("/b", NOTHING).response(200, otherNote));
        assertThatThrownBy(() -> OpenApiDocument.generate("x", "1", clash, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"Note\"");

        List<Route> sameId = List.of(
                Route.get("/a", NOTHING).operationId("read"),
                Route.get("/b", NOTHING).operationId("read"));
        assertThatThrownBy(() -> OpenApiDocument.generate("x", "1", sameId, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"read\"")
                .hasMessageContaining("GET /b");
    }

    @Test
    void aRouteCannotDeclareASuccessStatusAsAProblemOrAStatusTwice() {
        Route route = Route.get("/a", NOTHING);
        assertThatThrownBy(() -> route.problems(200)).hasMessageContaining("not an error status");
        assertThatThrownBy(() -> route.response(404, NOTE).problems(404)).hasMessageContaining("both");
        assertThatThrownBy(() -> route.response(200, NOTE).response(200, NOTE)).hasMessageContaining("twice");
    }

    @Test
    void theOldFourPartConstructorStillMakesARoute() {
        Route route = new Route(io.helidon.http.Method.GET, "/x", NOTHING, java.util.Set.of("s"));

        assertThat(route.doc()).isEqualTo(RouteDoc.NONE);
        assertThat(route.requireScopes("t").summary("X").doc().summary()).isEqualTo("X");
    }
}
