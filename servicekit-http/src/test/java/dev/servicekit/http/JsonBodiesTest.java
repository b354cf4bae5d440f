package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.json;
import static dev.servicekit.http.HttpTestSupport.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Status;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JsonBodiesTest {

    record Address(String city, String zip) {}

    record NewUser(String name, String email, int age, Instant since, Address address) {
        NewUser {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
        }
    }

    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.create(
                HttpTestSupport.apiConfig(4096, Duration.ofSeconds(5)),
                List.of(
                        Route.post(
                                "/users",
                                (req, res) ->
                                        JsonBodies.send(res, Status.CREATED_201, JsonBodies.read(req, NewUser.class))),
                        Route.post(
                                "/users/batch",
                                (req, res) -> JsonBodies.send(
                                        res,
                                        Status.CREATED_201,
                                        JsonBodies.read(req, new TypeReference<List<NewUser>>() {})))));
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    private static HttpResponse<String> post(String body) {
        return postJson(server.port(), "/users", "application/json", body);
    }

    private static JsonNode problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return json(response.body());
    }

    @Test
    void readsAndWritesJsonWithInstantsAsIsoStrings() {
        HttpResponse<String> response = post("""
                {"name":"Ada","email":"ada@example.com","age":36,"since":"2024-01-31T12:00:00Z",
                 "address":{"city":"London","zip":"N1"}}""");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        JsonNode user = json(response.body());
        assertThat(user.get("since").asText()).isEqualTo("2024-01-31T12:00:00Z");
        assertThat(user.get("address").get("city").asText()).isEqualTo("London");
    }

    @Test
    void acceptsJsonWithCharsetAndStructuredSyntaxSuffix() {
        assertThat(postJson(server.port(), "/users", "application/json; charset=utf-8", "{\"age\":1}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(postJson(server.port(), "/users", "application/merge-patch+json", "{\"age\":1}")
                        .statusCode())
                .isEqualTo(201);
    }

    @Test
    void missingContentTypeIs415() {
        JsonNode problem = problem(postJson(server.port(), "/users", null, "{}"), 415);

        assertThat(problem.get("detail").asText()).contains("application/json");
    }

    @Test
    void nonJsonContentTypeIs415NamingTheTypeSent() {
        JsonNode problem = problem(postJson(server.port(), "/users", "text/plain", "{}"), 415);

        assertThat(problem.get("detail").asText()).contains("\"text/plain\"").contains("application/json");
    }

    @Test
    void emptyBodyIs400() {
        JsonNode problem = problem(post(""), 400);

        assertThat(problem.get("detail").asText()).contains("empty");
    }

    @Test
    void malformedJsonIs400WithLineAndColumnAndWithoutEchoingTheBody() {
        JsonNode problem = problem(post("{\"name\":\"Ada\",\n \"email\": s3cr3t-token}"), 400);

        assertThat(problem.get("detail").asText())
                .contains("not valid JSON")
                .contains("line 2, column")
                .doesNotContain("s3cr3t");
    }

    @Test
    void aGenericTypeReadsEveryElementAndAProblemInOneNamesItsIndex() {
        HttpResponse<String> created = postJson(
                server.port(),
                "/users/batch",
                "application/json",
                "[{\"name\":\"Ada\",\"age\":36},{\"name\":\"Bo\",\"age\":7}]");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created.body()).findValuesAsText("name")).containsExactly("Ada", "Bo");

        JsonNode wrongType = problem(
                postJson(server.port(), "/users/batch", "application/json", "[{\"age\":1},{\"age\":\"old\"}]"), 400);
        assertThat(wrongType.get("errors").get(0).get("field").asText()).isEqualTo("[1].age");
        assertThat(wrongType.get("detail").asText()).isEqualTo("field \"[1].age\" must be an integer");

        JsonNode unknown = problem(
                postJson(server.port(), "/users/batch", "application/json", "[{\"age\":1,\"nmae\":\"Ada\"}]"), 400);
        assertThat(unknown.get("detail").asText()).isEqualTo("unknown field \"[0].nmae\"; did you mean \"name\"?");

        assertThat(problem(postJson(server.port(), "/users/batch", "application/json", "{\"name\":\"Ada\"}"), 400)
                        .get("detail")
                        .asText())
                .startsWith("The request body must be an array");
        assertThat(problem(postJson(server.port(), "/users/batch", "application/json", ""), 400)
                        .get("detail")
                        .asText())
                .isEqualTo("The request body is empty; send an array as JSON");
        assertThat(problem(postJson(server.port(), "/users/batch", "text/plain", "[]"), 415)
                        .get("status")
                        .asInt())
                .isEqualTo(415);
    }

    @Test
    void unknownFieldIs400NamingTheFieldAndSuggestingTheNearestKnownOne() {
        JsonNode problem = problem(post("{\"age\":1,\"nmae\":\"Ada\"}"), 400);

        assertThat(problem.get("detail").asText()).isEqualTo("unknown field \"nmae\"; did you mean \"name\"?");
        assertThat(problem.get("type").asText()).isEqualTo("https://servicekit.dev/problems/validation");
        assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("nmae");
    }

    @Test
    void anUnknownFieldWithAnEmptyOrBlankNameIs400NamingItInBrackets() {
        // Found by the hostile-input run (issue 18): FieldError refused the blank path and the answer was a 500.
        JsonNode empty = problem(post("{\"age\":1,\"\":1}"), 400);
        assertThat(empty.get("errors").get(0).get("field").asText()).isEqualTo("[\"\"]");
        JsonNode blank = problem(post("{\"age\":1,\" \":1}"), 400);
        assertThat(blank.get("errors").get(0).get("field").asText()).isEqualTo("[\" \"]");
    }

    @Test
    void unknownNestedFieldIsNamedWithItsPath() {
        JsonNode problem = problem(post("{\"age\":1,\"address\":{\"city\":\"x\",\"country\":\"UK\"}}"), 400);

        assertThat(problem.get("detail").asText()).startsWith("unknown field \"address.country\"");
    }

    /** Found by UserBodyFuzzTest: an empty key made FieldError throw, and the request answered 500. */
    @Test
    void unknownEmptyOrBlankFieldNameIs400WithABracketedPath() {
        JsonNode empty = problem(post("{\"age\":1,\"\":\"\"}"), 400);
        assertThat(empty.get("errors").get(0).get("field").asText()).isEqualTo("[\"\"]");
        assertThat(empty.get("detail").asText()).startsWith("unknown field \"[\"\"]\"");

        JsonNode nested = problem(post("{\"age\":1,\"address\":{\" \":1}}"), 400);
        assertThat(nested.get("errors").get(0).get("field").asText()).isEqualTo("address[\" \"]");
    }

    @Test
    void wrongTypeIs400NamingTheFieldAndTheExpectedType() {
        JsonNode problem = problem(post("{\"age\":\"old\"}"), 400);

        assertThat(problem.get("detail").asText()).isEqualTo("field \"age\" must be an integer");
        assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("age");
    }

    @Test
    void aNumberOrABooleanForAStringFieldIs400NamingTheField() {
        for (String body :
                List.of("{\"age\":1,\"name\":42}", "{\"age\":1,\"name\":4.2}", "{\"age\":1,\"name\":true}")) {
            JsonNode problem = problem(post(body), 400);

            assertThat(problem.get("detail").asText()).as(body).isEqualTo("field \"name\" must be a string");
            assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("name");
        }
        assertThat(problem(post("{\"age\":1,\"address\":{\"zip\":12345}}"), 400)
                        .get("detail")
                        .asText())
                .isEqualTo("field \"address.zip\" must be a string");
    }

    @Test
    void aDuplicateFieldIs400NamingTheFieldNotAsMalformedJson() {
        JsonNode problem = problem(post("{\"age\":1,\"name\":\"a\",\"name\":\"b\"}"), 400);

        assertThat(problem.get("detail").asText())
                .isEqualTo("field \"name\" appears more than once; send each field once");
        assertThat(problem.get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(problem(post("{\"age\":1,\"address\":{\"zip\":\"1\",\"zip\":\"2\"}}"), 400)
                        .get("detail")
                        .asText())
                .isEqualTo("field \"address.zip\" appears more than once; send each field once");
    }

    @Test
    void aStringWithAnUnpairedSurrogateIs400NamingTheFieldAndASurrogatePairIsOneCharacter() {
        // JSON's escapes can write half a character; Jackson reads it as it is, and UTF-8 would store "?" for it.
        JsonNode lone = problem(post("{\"age\":1,\"name\":\"Ada \\ud800\"}"), 400);
        assertThat(lone.get("detail").asText())
                .isEqualTo("field \"name\" is not Unicode text: it holds an unpaired surrogate (\\uD800); send a"
                        + " character beyond U+FFFF as a surrogate pair (for example \\uD83D\\uDE00) or as UTF-8");
        assertThat(lone.get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(problem(post("{\"age\":1,\"address\":{\"city\":\"\\udc00\"}}"), 400)
                        .get("detail")
                        .asText())
                .startsWith("field \"address.city\" is not Unicode text: it holds an unpaired surrogate (\\uDC00)");
        // A high surrogate before anything but a low one, and a pair in the wrong order.
        assertThat(problem(post("{\"age\":1,\"name\":\"\\ud83dx\"}"), 400)
                        .get("detail")
                        .asText())
                .contains("(\\uD83D)");
        assertThat(problem(post("{\"age\":1,\"name\":\"\\ude00\\ud83d\"}"), 400)
                        .get("detail")
                        .asText())
                .contains("(\\uDE00)");
        assertThat(problem(
                                postJson(
                                        server.port(),
                                        "/users/batch",
                                        "application/json",
                                        "[{\"age\":1},{\"age\":1,\"name\":\"\\udfff\"}]"),
                                400)
                        .get("errors")
                        .get(0)
                        .get("field")
                        .asText())
                .isEqualTo("[1].name");

        HttpResponse<String> pair = post("{\"age\":1,\"name\":\"Ada \\ud83d\\ude00\"}");
        assertThat(pair.statusCode()).as(pair.body()).isEqualTo(201);
        assertThat(json(pair.body()).get("name").asText()).isEqualTo("Ada \uD83D\uDE00");
    }

    @Test
    void aFieldNameWithAnUnpairedSurrogateIs400SayingWhereAndWhy() {
        // Jackson refuses these itself, as malformed JSON; the problem says what is wrong with them.
        for (String name : List.of("\\ud800", "\\udc00", "a\\ud83dx", "\\ude00\\ud83d")) {
            assertThat(problem(post("{\"age\":1,\"address\":{\"" + name + "\":\"x\"}}"), 400)
                            .get("detail")
                            .asText())
                    .as(name)
                    .matches("The request body has a field name that is not Unicode text at line 1, column \\d+: it"
                            + " holds an unpaired surrogate; send a character beyond U\\+FFFF as a surrogate pair .*");
        }
        HttpResponse<String> pair = postJson(
                server.port(), "/users/batch", "application/json", "[{\"age\":1,\"address\":{\"\\ud83d\\ude00\":1}}]");
        assertThat(problem(pair, 400).get("detail").asText())
                .as("a pair is read, and is then an unknown field")
                .startsWith("unknown field \"[0].address.\uD83D\uDE00\"");
    }

    @Test
    void theSharedMapperRefusesAnUnpairedSurrogateInATreeToo() {
        assertThatThrownBy(() -> JsonBodies.mapper().readTree("{\"a\":[\"ok\",\"\\ud800\"]}"))
                .isInstanceOf(UnicodeJsonFactory.NotUnicodeText.class)
                .hasMessageStartingWith("A string holds an unpaired surrogate (\\uD800)");
        assertThatThrownBy(() -> JsonBodies.mapper().copy().readTree("\"\\udc00\""))
                .as("a copy of the mapper keeps the check")
                .isInstanceOf(UnicodeJsonFactory.NotUnicodeText.class);
    }

    @Test
    void bytesThatAreNotUtf8Are400SayingSo() {
        byte[] body = "{\"age\":1,\"name\":\"AX\"}".getBytes(StandardCharsets.UTF_8);
        body["{\"age\":1,\"name\":\"A".length()] = (byte) 0xff;
        HttpResponse<String> response = HttpTestSupport.send(HttpTestSupport.request(server.port(), "/users")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build());

        assertThat(problem(response, 400).get("detail").asText())
                .isEqualTo("The request body is not UTF-8 at line 1, column 20; send JSON as UTF-8");
    }

    @Test
    void nullOrMissingPrimitiveIs400NamingTheField() {
        assertThat(problem(post("{\"age\":null}"), 400).get("detail").asText())
                .isEqualTo("field \"age\" is missing or null; it must be an integer");
        assertThat(problem(post("{\"name\":\"Ada\"}"), 400).get("detail").asText())
                .isEqualTo("field \"age\" is missing or null; it must be an integer");
    }

    @Test
    void invalidTimestampIs400NamingTheField() {
        assertThat(problem(post("{\"age\":1,\"since\":\"yesterday\"}"), 400)
                        .get("detail")
                        .asText())
                .contains("\"since\"")
                .contains("ISO-8601");
    }

    @Test
    void trailingContentAfterTheValueIs400() {
        assertThat(problem(post("{\"age\":1} {}"), 400).get("detail").asText()).contains("after the JSON value");
    }

    @Test
    void wrongRootShapeAndNullBodyAre400() {
        assertThat(problem(post("[1,2]"), 400).get("detail").asText()).contains("must be a JSON object");
        assertThat(problem(post("null"), 400).get("detail").asText()).contains("null");
    }

    @Test
    void constructorValidationMessageIsReported() {
        assertThat(problem(post("{\"age\":1,\"name\":\" \"}"), 400)
                        .get("detail")
                        .asText())
                .contains("name must not be blank");
    }

    @Test
    void nearestSuggestsOnlyPlausibleNames() {
        assertThat(JsonBodies.nearest("emial", List.of("email", "name"))).hasValue("email");
        assertThat(JsonBodies.nearest("zzzzzz", List.of("email", "name"))).isEmpty();
    }

    @Test
    void sharedMapperWritesInstantsAsIsoStrings() throws Exception {
        assertThat(JsonBodies.mapper().writeValueAsString(Map.of("at", Instant.parse("2024-01-31T12:00:00Z"))))
                .isEqualTo("{\"at\":\"2024-01-31T12:00:00Z\"}");
    }
}
