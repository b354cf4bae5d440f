package dev.servicekit.http;

import io.helidon.http.Method;
import io.helidon.http.Status;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A request failed in a way the client can act on; rendered as an RFC 9457
 * {@code application/problem+json} response by the server's single error mapper.
 *
 * <p>Handlers throw it and never build error responses by hand:
 * {@snippet :
 * User user = store.find(id).orElseThrow(() -> ProblemException.notFound("No user with id \"" + id + "\""));
 * }
 *
 * <p>The response body carries {@code type}, {@code title}, {@code status}, {@code detail},
 * {@code instance} (the request path) and {@code requestId}, followed by any {@linkplain #extensions()
 * extension members} such as {@code errors}. The {@code detail} is shown to clients: say what was wrong
 * with the request and how to fix it, and never include secrets or internal state.
 *
 * <p>Instances are immutable; {@link #withExtension} and {@link #withHeader} return copies.
 */
public final class ProblemException extends HttpServerException {

    private static final long serialVersionUID = 1L;

    /** The RFC 9457 default type: the problem has no semantics beyond its status code. */
    public static final URI ABOUT_BLANK = URI.create("about:blank");
    /** Type of problems that list invalid request fields under {@code errors}. */
    public static final URI VALIDATION = URI.create("https://servicekit.dev/problems/validation");

    /** Members every problem body has; extensions may not reuse these names. */
    static final Set<String> STANDARD_MEMBERS = Set.of("type", "title", "status", "detail", "instance", "requestId");

    private final int status;
    private final URI type;
    private final String title;
    private final String detail;

    @SuppressWarnings("serial") // an immutable copy; problems are mapped to responses, never serialized
    private final Map<String, Object> extensions;

    @SuppressWarnings("serial") // as above
    private final Map<String, String> headers;

    private ProblemException(
            int status,
            URI type,
            String title,
            String detail,
            Map<String, Object> extensions,
            Map<String, String> headers) {
        super(status + " " + title + ": " + detail);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("Problem status " + status + " is not an error status; use 400..599");
        }
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.title = Objects.requireNonNull(title, "title");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /**
     * A problem with any error status, the {@code about:blank} type and the given title.
     *
     * @param status an HTTP error status, 400..599
     * @param title  a short, human-readable summary that does not change between occurrences
     * @param detail what went wrong in this occurrence and how the client can fix it
     * @return the problem
     */
    public static ProblemException of(int status, String title, String detail) {
        return new ProblemException(status, ABOUT_BLANK, title, detail, Map.of(), Map.of());
    }

    /**
     * A problem with a specific type URI (documenting the problem) and title.
     *
     * @param status an HTTP error status, 400..599
     * @param type   the type URI, for example {@code https://servicekit.dev/problems/duplicate-email}
     * @param title  a short summary of the problem type
     * @param detail what went wrong in this occurrence
     * @return the problem
     */
    public static ProblemException of(int status, URI type, String title, String detail) {
        return new ProblemException(status, type, title, detail, Map.of(), Map.of());
    }

    /**
     * 400 Bad Request: the request is malformed (bad query parameter, unreadable body).
     *
     * @param detail what is wrong and what is expected
     * @return the problem
     */
    public static ProblemException badRequest(String detail) {
        return standard(400, detail);
    }

    /**
     * 400 with type {@link #VALIDATION}: the body was readable but fields are invalid. Every field
     * error is listed under {@code errors} as {@code {"field": …, "message": …}}, so a client can show
     * all of them at once.
     *
     * @param errors the invalid fields, at least one
     * @return the problem
     */
    public static ProblemException validation(List<FieldError> errors) {
        List<FieldError> copy = List.copyOf(Objects.requireNonNull(errors, "errors"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("A validation problem needs at least one FieldError");
        }
        String fields = copy.stream().map(FieldError::field).distinct().collect(Collectors.joining(", "));
        String detail = copy.size() == 1
                ? "Field \"" + copy.getFirst().field() + "\" is invalid: "
                        + copy.getFirst().message()
                : copy.size() + " fields are invalid: " + fields + "; see errors";
        return new ProblemException(
                400, VALIDATION, "Request validation failed", detail, Map.of("errors", copy), Map.of());
    }

    /**
     * 401 Unauthorized with the {@code WWW-Authenticate} challenge the client must answer, for example
     * {@code Bearer realm="api", error="invalid_token", error_description="The access token has expired"}
     * (RFC 6750). Neither the detail nor the challenge may contain the credential itself.
     *
     * @param detail    why the credential is missing or not accepted
     * @param challenge the {@code WWW-Authenticate} header value
     * @return the problem
     */
    public static ProblemException unauthorized(String detail, String challenge) {
        Objects.requireNonNull(challenge, "challenge");
        return standard(401, detail).withHeader("WWW-Authenticate", challenge);
    }

    /**
     * 403 Forbidden: the caller is known but may not do this. Add a {@code WWW-Authenticate} header with
     * {@link #withHeader} when the refusal is about token scopes ({@code error="insufficient_scope"}).
     *
     * @param detail what the caller lacks
     * @return the problem
     */
    public static ProblemException forbidden(String detail) {
        return standard(403, detail);
    }

    /**
     * 404 Not Found.
     *
     * @param detail which resource does not exist
     * @return the problem
     */
    public static ProblemException notFound(String detail) {
        return standard(404, detail);
    }

    /**
     * 409 Conflict, for example a duplicate unique value.
     *
     * @param detail what conflicts with what
     * @return the problem
     */
    public static ProblemException conflict(String detail) {
        return standard(409, detail);
    }

    /**
     * 412 Precondition Failed, for example an {@code If-Match} that no longer matches.
     *
     * @param detail which precondition failed and how to refresh
     * @return the problem
     */
    public static ProblemException preconditionFailed(String detail) {
        return standard(412, detail);
    }

    /**
     * 413 Content Too Large.
     *
     * @param detail the limit that was exceeded
     * @return the problem
     */
    public static ProblemException payloadTooLarge(String detail) {
        return standard(413, detail);
    }

    /**
     * 415 Unsupported Media Type.
     *
     * @param detail which media type was sent and which are accepted
     * @return the problem
     */
    public static ProblemException unsupportedMediaType(String detail) {
        return standard(415, detail);
    }

    /**
     * 503 Service Unavailable with a {@code Retry-After} header (whole seconds, at least 1).
     *
     * @param detail     why the service cannot answer now
     * @param retryAfter when the client should try again
     * @return the problem
     */
    public static ProblemException serviceUnavailable(String detail, Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        return standard(503, detail).withHeader("Retry-After", Long.toString(seconds));
    }

    /** 405 with the {@code Allow} header; produced by the router, not by handlers. */
    static ProblemException methodNotAllowed(String method, String path, Collection<Method> allowed) {
        String allow = allowed.stream().map(Method::text).distinct().sorted().collect(Collectors.joining(", "));
        return standard(405, "Method " + method + " is not allowed on \"" + path + "\"; allowed: " + allow)
                .withHeader("Allow", allow);
    }

    private static ProblemException standard(int status, String detail) {
        return new ProblemException(status, ABOUT_BLANK, reasonPhrase(status), detail, Map.of(), Map.of());
    }

    static String reasonPhrase(int status) {
        String phrase = Status.create(status).reasonPhrase();
        return phrase == null || phrase.isBlank() ? "HTTP " + status : phrase;
    }

    /**
     * A copy with one more extension member in the body, for example {@code retryable: true}.
     *
     * @param name  the member name; not one of the standard members
     * @param value the value, serialized with {@link JsonBodies#mapper()}
     * @return the new problem
     */
    public ProblemException withExtension(String name, Object value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (STANDARD_MEMBERS.contains(name)) {
            throw new IllegalArgumentException("Extension member \"" + name
                    + "\" would replace a standard problem member; " + "pick a name other than " + STANDARD_MEMBERS);
        }
        Map<String, Object> copy = new LinkedHashMap<>(extensions);
        copy.put(name, value);
        return copyWith(copy, headers);
    }

    /**
     * A copy that also sends the given response header, for example {@code WWW-Authenticate}.
     *
     * @param name  the header name; not {@code Content-Type}, {@code Content-Length} or {@code X-Request-Id}
     * @param value the header value
     * @return the new problem
     */
    public ProblemException withHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("content-type") || lower.equals("content-length") || lower.equals("x-request-id")) {
            throw new IllegalArgumentException(
                    "Header \"" + name + "\" is set by the error mapper and cannot be overridden");
        }
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return copyWith(extensions, copy);
    }

    private ProblemException copyWith(Map<String, Object> newExtensions, Map<String, String> newHeaders) {
        ProblemException copy = new ProblemException(status, type, title, detail, newExtensions, newHeaders);
        if (getCause() != null) {
            copy.initCause(getCause());
        }
        return copy;
    }

    /**
     * The HTTP status code.
     *
     * @return 400..599
     */
    public int status() {
        return status;
    }

    /**
     * The problem type URI; {@link #ABOUT_BLANK} unless a specific type was given.
     *
     * @return the type
     */
    public URI type() {
        return type;
    }

    /**
     * The short summary of the problem type.
     *
     * @return the title
     */
    public String title() {
        return title;
    }

    /**
     * The client-facing explanation of this occurrence.
     *
     * @return the detail
     */
    public String detail() {
        return detail;
    }

    /**
     * Extension members added to the body after the standard members, in insertion order.
     *
     * @return an unmodifiable map
     */
    public Map<String, Object> extensions() {
        return extensions;
    }

    /**
     * Extra response headers, for example {@code Allow} or {@code Retry-After}.
     *
     * @return an unmodifiable map
     */
    public Map<String, String> headers() {
        return headers;
    }
}
