package dev.servicekit.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A response received by {@link TestHttpClient}: status, headers (case-insensitive names), body.
 *
 * @param status  HTTP status code
 * @param headers headers by name
 * @param body    body text
 */
public record TestResponse(int status, Map<String, List<String>> headers, String body) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Copies headers into a case-insensitive map. */
    public TestResponse {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        headers = copy;
    }

    /** The first value of a header. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** The body parsed as JSON. */
    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new AssertionError("response body is not JSON (status " + status + "): " + body, e);
        }
    }

    /** The {@code Content-Type} header, or empty text. */
    public String contentType() {
        return header("Content-Type").orElse("");
    }
}
