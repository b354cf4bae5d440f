package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Coverage-guided fuzzing of the problem mapper ({@link ProblemResponses#body}, which every 4xx/5xx goes
 * through): arbitrary statuses 400..599, titles, details (which often quote client input), instance paths,
 * request ids, field errors and extension members. Invariant: the body is one valid JSON object (read back
 * with the strict mapper, which rejects duplicate keys) whose fixed members {@code type}, {@code title},
 * {@code status}, {@code detail}, {@code instance} and {@code requestId} hold exactly the values given, and
 * every extension survives; building the problem throws only the documented IllegalArgumentException for a
 * standard member name used as an extension. Seeds and regression inputs:
 * {@code src/test/resources/dev/servicekit/http/ProblemFuzzTestInputs/body/}. See docs/fuzzing.md.
 */
class ProblemFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void body(FuzzedDataProvider data) throws IOException {
        int status = data.consumeInt(400, 599);
        String detail = data.consumeString(300);
        String instance = data.consumeString(100);
        String requestId = data.consumeString(40);
        ProblemException problem = switch (data.consumeInt(0, 3)) {
            case 0 -> ProblemException.of(status, data.consumeString(60), detail);
            case 1 -> ProblemException.badRequest(detail);
            case 2 ->
                ProblemException.validation(
                        List.of(new FieldError(nonBlank(data.consumeString(40)), data.consumeString(80))));
            default -> ProblemException.of(status, URI.create("https://servicekit.dev/problems/x"), "T", detail);
        };
        String name = data.consumeString(20);
        String value = data.consumeRemainingAsString();
        boolean standard = ProblemException.STANDARD_MEMBERS.contains(name);
        try {
            problem = problem.withExtension(name, value);
            assertThat(standard).as("extension %s accepted", name).isFalse();
        } catch (IllegalArgumentException e) {
            assertThat(standard)
                    .as("extension %s refused: %s", name, e.getMessage())
                    .isTrue();
        }

        byte[] bytes = ProblemResponses.body(problem, Optional.of(instance), requestId);

        JsonNode body = JsonBodies.mapper().readTree(bytes);
        assertThat(body.isObject()).isTrue();
        assertThat(body.get("type").asText()).isEqualTo(problem.type().toString());
        assertThat(body.get("title").asText()).isEqualTo(problem.title());
        assertThat(body.get("status").isInt()).isTrue();
        assertThat(body.get("status").asInt()).isEqualTo(problem.status());
        assertThat(body.get("detail").asText()).isEqualTo(problem.detail());
        assertThat(body.get("instance").asText()).isEqualTo(instance);
        assertThat(body.get("requestId").asText()).isEqualTo(requestId);
        if (!standard) {
            assertThat(body.get(name).asText()).isEqualTo(value);
        }
    }

    private static String nonBlank(String field) {
        return field.isBlank() ? "field" : field;
    }
}
