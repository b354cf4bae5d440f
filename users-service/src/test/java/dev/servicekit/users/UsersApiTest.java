package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every row of SPEC §6's table (except the token endpoint) over a real socket against real SQLite. */
class UsersApiTest {

    @TempDir
    static Path dataDir;

    static RunningUsersService service;
    static final AtomicInteger counter = new AtomicInteger();

    @BeforeAll
    static void start() {
        service = RunningUsersService.start(dataDir, "limits.max-body-size=4KB");
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static String uniqueEmail() {
        return "user" + counter.incrementAndGet() + "@example.com";
    }

    private static TestResponse createUser(String name, String email) {
        return service.api.post("/api/v1/users", "{\"name\":\"" + name + "\",\"email\":\"" + email + "\"}");
    }

    /** Every error: problem+json with type, title, status, detail, instance and a requestId equal to the header. */
    private static JsonNode assertProblem(TestResponse response, int status) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asText()).isNotEmpty();
        assertThat(problem.path("title").asText()).isNotEmpty();
        assertThat(problem.path("detail").asText()).isNotEmpty();
        assertThat(problem.path("instance").asText()).startsWith("/");
        assertThat(problem.path("requestId").asText())
                .isNotEmpty()
                .isEqualTo(response.header("X-Request-Id").orElseThrow());
        return problem;
    }

    @Test
    void createReturns201WithLocationEtagAndBody() {
        String email = uniqueEmail();
        TestResponse created = createUser("Ada Lovelace", email);

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.contentType()).isEqualTo("application/json; charset=utf-8");
        JsonNode user = created.json();
        long id = user.path("id").asLong();
        assertThat(created.header("Location")).contains("/api/v1/users/" + id);
        assertThat(created.header("ETag"))
                .hasValueSatisfying(etag -> assertThat(etag).startsWith("\""));
        assertThat(user.path("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(user.path("email").asText()).isEqualTo(email);
        assertThat(user.path("roles").toString()).isEqualTo("[\"reader\"]");
        assertThat(user.path("createdAt").asText())
                .isEqualTo(user.path("updatedAt").asText())
                .endsWith("Z");
        assertThat(user.has("password")).isFalse();
        assertThat(created.header("X-Request-Id")).isPresent();
    }

    @Test
    void passwordsAreAcceptedButNeverReturned() {
        TestResponse created = service.api.post(
                "/api/v1/users",
                "{\"name\":\"Grace\",\"email\":\"" + uniqueEmail()
                        + "\",\"roles\":[\"writer\",\"admin\"],\"password\":\"correct horse battery\"}");

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body()).doesNotContain("correct horse").doesNotContain("pbkdf2");
        assertThat(created.json().path("roles").toString()).isEqualTo("[\"writer\",\"admin\"]");
    }

    @Test
    void createListsEveryFieldError() {
        TestResponse response = service.api.post(
                "/api/v1/users",
                "{\"name\":\"\",\"email\":\"not-an-email\",\"roles\":[\"root\"],\"password\":\"short\"}");

        JsonNode problem = assertProblem(response, 400);
        Set<String> fields = new HashSet<>();
        problem.path("errors").forEach(e -> fields.add(e.path("field").asText()));
        assertThat(fields).containsExactlyInAnyOrder("name", "email", "roles[0]", "password");
    }

    @Test
    void anEmailWithAControlCharacterIs400NamingTheFieldOnCreateAndReplace() {
        String location = createUser("Mine", uniqueEmail()).header("Location").orElseThrow();
        for (String control : List.of("\\u0000", "\\u0007", "\\u007f", "\\u0085")) {
            String body = "{\"name\":\"Ada\",\"email\":\"ada" + control + "@example.com\"}";
            for (TestResponse response :
                    List.of(service.api.post("/api/v1/users", body), service.api.put(location, body))) {
                assertThat(assertProblem(response, 400).path("errors"))
                        .as(control)
                        .singleElement()
                        .satisfies(error -> {
                            assertThat(error.path("field").asText()).isEqualTo("email");
                            assertThat(error.path("message").asText()).isEqualTo("must not contain control characters");
                        });
            }
        }
    }

    @Test
    void halfACharacterInANameOrPasswordIs400OnCreateAndReplaceAndAPairIsKeptAsSent() {
        // A JSON escape of an unpaired surrogate would be stored as "?": the 201 would not say what was kept, and
        // passwords differing only there would be one password.
        String location = createUser("Mine", uniqueEmail()).header("Location").orElseThrow();
        String before = service.api.get(location).body();
        for (String field : List.of("name", "password")) {
            String valid =
                    "{\"name\":\"Ada\",\"email\":\"" + uniqueEmail() + "\",\"password\":\"correct horse battery\"}";
            String body = valid.replace("\"" + field + "\":\"", "\"" + field + "\":\"\\udc00");
            for (TestResponse response : List.of(
                    service.api.post("/api/v1/users", body), service.api.put(location, body, "If-Match", "\"1\""))) {
                assertThat(assertProblem(response, 400).path("errors"))
                        .as(field)
                        .singleElement()
                        .satisfies(error -> {
                            assertThat(error.path("field").asText()).isEqualTo(field);
                            assertThat(error.path("message").asText())
                                    .startsWith("is not Unicode text: it holds an unpaired surrogate (\\uDC00)");
                        });
            }
        }
        assertThat(service.api.get(location).body()).as("the user is as it was").isEqualTo(before);

        TestResponse pair = createUser("Ada \\ud83d\\ude00", uniqueEmail());
        assertThat(pair.status()).as(pair.body()).isEqualTo(201);
        assertThat(service.api
                        .get(pair.header("Location").orElseThrow())
                        .json()
                        .path("name")
                        .asText())
                .isEqualTo("Ada \uD83D\uDE00");
    }

    @Test
    void lengthsAreCountedInCharactersAsTheOpenApiDocumentCountsThem() {
        String emoji = "\uD83D\uDE00"; // one character, two chars
        TestResponse longest = createUser(emoji.repeat(200), uniqueEmail());
        assertThat(longest.status()).as(longest.body()).isEqualTo(201);
        assertThat(longest.json().path("name").asText()).isEqualTo(emoji.repeat(200));

        assertThat(assertProblem(createUser(emoji.repeat(201), uniqueEmail()), 400)
                        .path("errors")
                        .get(0)
                        .path("message")
                        .asText())
                .isEqualTo("must be at most 200 characters, was 201");

        // An invalid email is quoted cut short: never through the middle of a character.
        String detail = assertProblem(createUser("Ada", "a".repeat(60) + emoji.repeat(10)), 400)
                .path("errors")
                .get(0)
                .path("message")
                .asText();
        assertThat(detail).startsWith("\"" + "a".repeat(60) + emoji + "...\"");
        assertThat(java.nio.charset.StandardCharsets.UTF_8.newEncoder().canEncode(detail))
                .as("no half character")
                .isTrue();
        String badId = assertProblem(service.api.get("/api/v1/users/1" + "%F0%9F%98%80".repeat(70)), 400)
                .path("detail")
                .asText();
        assertThat(badId).startsWith("\"1" + emoji.repeat(60) + "...\" is not a valid user id");
    }

    @Test
    void duplicateEmailIs409IgnoringCase() {
        String email = uniqueEmail();
        assertThat(createUser("First", email).status()).isEqualTo(201);

        assertProblem(createUser("Second", email.toUpperCase()), 409);
    }

    @Test
    void nonJsonBodyIs415() {
        TestResponse response = service.api.send(
                "POST", "/api/v1/users", "name=Ada", "Content-Type", "application/x-www-form-urlencoded");

        assertProblem(response, 415);
    }

    @Test
    void tooLargeBodyIs413() {
        String big = "x".repeat(8 * 1024);
        TestResponse response =
                service.api.post("/api/v1/users", "{\"name\":\"" + big + "\",\"email\":\"a@example.com\"}");

        assertProblem(response, 413);
    }

    @Test
    void unknownJsonFieldIs400NamingTheField() {
        TestResponse response = service.api.post(
                "/api/v1/users", "{\"name\":\"Ada\",\"email\":\"" + uniqueEmail() + "\",\"nmae\":\"x\"}");

        assertThat(assertProblem(response, 400).path("detail").asText()).contains("nmae");
    }

    @Test
    void malformedJsonIs400() {
        assertProblem(service.api.post("/api/v1/users", "{\"name\":"), 400);
    }

    @Test
    void getReturnsTheUserWithEtagAnd304WhenUnchanged() {
        TestResponse created = createUser("Get Me", uniqueEmail());
        String location = created.header("Location").orElseThrow();

        TestResponse got = service.api.get(location);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(created.json());
        String etag = got.header("ETag").orElseThrow();
        assertThat(etag).isEqualTo(created.header("ETag").orElseThrow());

        assertThat(service.api.get(location, "If-None-Match", etag).status()).isEqualTo(304);
    }

    @Test
    void unknownIdIs404AndBadIdIs400() {
        assertProblem(service.api.get("/api/v1/users/999999999"), 404);
        assertProblem(service.api.get("/api/v1/users/abc"), 400);
        assertProblem(service.api.get("/api/v1/users/-5"), 400);
        assertProblem(service.api.get("/api/v1/users/99999999999999999999999"), 400);
    }

    @Test
    void putReplacesAndHonoursIfMatch() {
        String email = uniqueEmail();
        TestResponse created = createUser("Before", email);
        String location = created.header("Location").orElseThrow();
        String etag = created.header("ETag").orElseThrow();

        TestResponse replaced = service.api.put(
                location, "{\"name\":\"After\",\"email\":\"" + email + "\",\"roles\":[\"writer\"]}", "If-Match", etag);
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().path("name").asText()).isEqualTo("After");
        assertThat(replaced.json().path("roles").toString()).isEqualTo("[\"writer\"]");
        assertThat(replaced.json().path("createdAt")).isEqualTo(created.json().path("createdAt"));
        assertThat(replaced.header("ETag")).isPresent().isNotEqualTo(etag);

        // The old ETag no longer matches: 412, and nothing changed.
        TestResponse stale =
                service.api.put(location, "{\"name\":\"Lost update\",\"email\":\"" + email + "\"}", "If-Match", etag);
        assertProblem(stale, 412);
        assertThat(service.api.get(location).json().path("name").asText()).isEqualTo("After");
    }

    @Test
    void putErrors() {
        String taken = uniqueEmail();
        createUser("Taken", taken);
        String location = createUser("Mine", uniqueEmail()).header("Location").orElseThrow();

        assertProblem(service.api.put(location, "{\"name\":\"\",\"email\":\"x\"}"), 400);
        assertProblem(
                service.api.put("/api/v1/users/999999999", "{\"name\":\"N\",\"email\":\"" + uniqueEmail() + "\"}"),
                404);
        assertProblem(service.api.put(location, "{\"name\":\"Mine\",\"email\":\"" + taken + "\"}"), 409);
    }

    @Test
    void deleteIs204ThenGetAndDeleteAre404() {
        String location = createUser("Doomed", uniqueEmail()).header("Location").orElseThrow();

        TestResponse deleted = service.api.delete(location);
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertProblem(service.api.get(location), 404);
        assertProblem(service.api.delete(location), 404);
    }

    @Test
    void deleteHonoursIfMatchSoAUserChangedSinceItWasReadIsNotDeleted() {
        String email = uniqueEmail();
        TestResponse created = createUser("Read", email);
        String location = created.header("Location").orElseThrow();
        String etag = created.header("ETag").orElseThrow();
        String changedEtag = service.api
                .put(location, "{\"name\":\"Changed\",\"email\":\"" + email + "\"}")
                .header("ETag")
                .orElseThrow();

        for (String stale : List.of(etag, "W/" + changedEtag, "\"999\", " + etag)) {
            assertThat(assertProblem(service.api.delete(location, "If-Match", stale), 412)
                            .path("detail")
                            .asText())
                    .isEqualTo("If-Match " + stale + " does not match the current ETag " + changedEtag
                            + "; GET the user again and retry with its ETag");
        }
        assertThat(service.api.get(location).json().path("name").asText())
                .as("not deleted")
                .isEqualTo("Changed");

        assertThat(service.api
                        .delete(location, "If-Match", etag + ", " + changedEtag)
                        .status())
                .isEqualTo(204);
        assertProblem(service.api.delete(location, "If-Match", "*"), 404);
        String other = createUser("Any", uniqueEmail()).header("Location").orElseThrow();
        assertThat(service.api.delete(other, "If-Match", "*").status()).isEqualTo(204);
    }

    @Test
    void headAnswersLikeGetWithoutContentOnTheApiAndTheManagementListener() {
        String location = createUser("Headed", uniqueEmail()).header("Location").orElseThrow();
        TestResponse get = service.api.get(location);

        TestResponse head = service.api.send("HEAD", location, null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("ETag")).isEqualTo(get.header("ETag"));
        assertThat(head.header("Content-Length"))
                .hasValue(String.valueOf(get.body().length()));
        assertThat(service.api
                        .send(
                                "HEAD",
                                location,
                                null,
                                "If-None-Match",
                                get.header("ETag").orElseThrow())
                        .status())
                .isEqualTo(304);
        assertThat(service.api.send("HEAD", "/api/v1/users/999999", null).status())
                .isEqualTo(404);

        TestResponse ready = service.management.send("HEAD", "/health/ready", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).isEmpty();
        assertThat(ready.header("Content-Length"))
                .hasValue(String.valueOf(
                        service.management.get("/health/ready").body().length()));
    }

    @Test
    void listRejectsBadLimitAndCursor() {
        assertProblem(service.api.get("/api/v1/users?limit=0"), 400);
        assertProblem(service.api.get("/api/v1/users?limit=501"), 400);
        assertProblem(service.api.get("/api/v1/users?limit=ten"), 400);
        assertProblem(service.api.get("/api/v1/users?cursor=bm9wZQ"), 400);
        assertThat(service.api.get("/api/v1/users?limit=500").status()).isEqualTo(200);
    }

    @Test
    void wrongMethodIs405WithAllowAndUnknownPathIs404() {
        TestResponse wrong = service.api.send("PATCH", "/api/v1/users/1", "{}", "Content-Type", "application/json");
        assertProblem(wrong, 405);
        assertThat(wrong.header("Allow").orElseThrow()).isEqualTo("DELETE, GET, HEAD, PUT");

        TestResponse wrongOnCollection = service.api.delete("/api/v1/users");
        assertProblem(wrongOnCollection, 405);
        assertThat(wrongOnCollection.header("Allow").orElseThrow()).isEqualTo("GET, HEAD, POST");

        assertProblem(service.api.get("/api/v1/nope"), 404);
    }

    @Test
    void validIncomingRequestIdIsEchoedAndInvalidOneReplaced() {
        assertThat(service.api.get("/api/v1/users", "X-Request-Id", "abc-123").header("X-Request-Id"))
                .contains("abc-123");
        String longId = "a".repeat(500);
        assertThat(service.api.get("/api/v1/users", "X-Request-Id", longId).header("X-Request-Id"))
                .hasValueSatisfying(id -> assertThat(id).isNotEqualTo(longId).isNotEmpty());
    }

    @Test
    void malformedRequestLineGetsA400ProblemNotACrash() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.apiPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GARBAGE\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 400").contains("application/problem+json");
        }
        assertThat(service.api.get("/api/v1/users").status()).isEqualTo(200);
    }

    @Test
    void healthEndpointsAnswerOnTheManagementListener() {
        assertThat(service.management.get("/health/live").status()).isEqualTo(200);
        TestResponse ready = service.management.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("checks").path("store").asText()).isEqualTo("UP");
    }

    @Test
    void pausingTheHostTurnsReadinessAndTheApiTo503UntilResumed() {
        service.host.pause();
        try {
            assertThat(service.management.get("/health/ready").status()).isEqualTo(503);
            TestResponse paused = service.api.get("/api/v1/users");
            assertProblem(paused, 503);
            assertThat(paused.header("Retry-After")).isPresent();
            assertThat(service.management.get("/health/live").status()).isEqualTo(200);
        } finally {
            service.host.resume();
        }
        assertThat(service.management.get("/health/ready").status()).isEqualTo(200);
        assertThat(service.api.get("/api/v1/users").status()).isEqualTo(200);
    }

    @Test
    void adminStatusDescribesTheRunningService() {
        TestResponse response = service.management.get("/admin/status");

        assertThat(response.status()).isEqualTo(200);
        JsonNode status = response.json();
        assertThat(status.path("name").asText()).isEqualTo("users-service");
        assertThat(status.path("state").asText()).isEqualTo("RUNNING");
        assertThat(status.path("pid").asLong())
                .isEqualTo(ProcessHandle.current().pid());
        assertThat(status.path("listeners").path("api").asInt()).isEqualTo(service.apiPort());
        assertThat(status.path("store").path("state").asText()).isEqualTo("UP");
        assertThat(status.path("config").path("hash").asText()).hasSize(12);
        assertThat(status.path("jvm").path("heapUsedBytes").asLong()).isPositive();
    }

    @Test
    void loggerLevelsCanBeReadAndChangedAtRuntime() {
        String name = "dev.servicekit.users.SomeLogger";
        assertProblem(service.management.get("/admin/loggers/" + name), 404);
        org.slf4j.LoggerFactory.getLogger(name);
        assertThat(service.management
                        .get("/admin/loggers/" + name)
                        .json()
                        .path("configuredLevel")
                        .isNull())
                .isTrue();

        TestResponse changed = service.management.put("/admin/loggers/" + name, "{\"level\":\"debug\"}");
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().path("effectiveLevel").asText()).isEqualTo("DEBUG");
        assertThat(org.slf4j.LoggerFactory.getLogger(name).isDebugEnabled()).isTrue();

        assertProblem(service.management.put("/admin/loggers/" + name, "{\"level\":\"LOUD\"}"), 400);
        assertThat(service.management
                        .put("/admin/loggers/" + name, "{\"level\":null}")
                        .json()
                        .path("configuredLevel")
                        .isNull())
                .isTrue();
    }

    @Test
    void metricsAreLabelledByRouteTemplateNeverByRawPath() throws Exception {
        String location =
                createUser("Metered", uniqueEmail()).header("Location").orElseThrow();
        assertThat(service.api.get(location).status()).isEqualTo(200);

        String scrape = Poll.until(
                java.time.Duration.ofSeconds(10),
                "the request to be recorded under its route template",
                () -> service.management.get("/metrics").body(),
                body -> body.contains("uri=\"/api/v1/users/{id}\""));
        assertThat(scrape)
                .contains("http_server_requests_seconds_count{")
                .contains("uri=\"/api/v1/users/{id}\"")
                .contains("service_running 1.0")
                .doesNotContain("uri=\"" + location + "\"");
    }
}
