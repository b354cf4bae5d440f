package dev.servicekit.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders a {@link ProblemException} as {@code application/problem+json}; the only place that does. */
final class ProblemResponses {

    static final String PROBLEM_JSON = "application/problem+json";

    /** Headers a handler may have set for the success case that must not leak into an error response. */
    private static final List<HeaderName> ENTITY_HEADERS = List.of(
            HeaderNames.ETAG,
            HeaderNames.LOCATION,
            HeaderNames.LAST_MODIFIED,
            HeaderNames.CONTENT_LENGTH,
            HeaderNames.CONTENT_ENCODING,
            HeaderNames.CONTENT_DISPOSITION);

    private ProblemResponses() {}

    /** The problem body: standard members first, then extensions. */
    static byte[] body(ProblemException problem, Optional<String> instance, String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", problem.type().toString());
        body.put("title", problem.title());
        body.put("status", problem.status());
        body.put("detail", problem.detail());
        instance.ifPresent(path -> body.put("instance", path));
        body.put("requestId", requestId);
        body.putAll(problem.extensions());
        return JsonBodies.toBytes(body);
    }

    /** Sends the problem as the response of a routed request (whose id the middleware assigned). */
    static void send(ServerRequest request, ServerResponse response, ProblemException problem) {
        String requestId = RequestIds.current(request);
        byte[] body = body(problem, Optional.of(request.prologue().uriPath().rawPath()), requestId);
        ENTITY_HEADERS.forEach(response.headers()::remove);
        response.status(Status.create(problem.status()));
        problem.headers().forEach((name, value) -> response.header(name, value));
        response.header(HeaderNames.CONTENT_TYPE, PROBLEM_JSON);
        response.header(RequestIds.HEADER, requestId);
        response.header(ValidatedHeader.X_CONTENT_TYPE_OPTIONS_NOSNIFF);
        if (Method.HEAD.equals(request.prologue().method())) {
            HeadResponse.sendWithoutContent(response, body.length); // the problem's headers, never its content
        } else {
            response.send(body);
        }
    }

    /** The generic 500: says nothing about the cause, only where to look. */
    static ProblemException internalError(String requestId) {
        return ProblemException.of(
                500,
                "Internal Server Error",
                "An unexpected error occurred; see the server log for request " + requestId);
    }
}
