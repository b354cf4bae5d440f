package dev.servicekit.http;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Problem+json for the errors Helidon answers itself, without running routing: a malformed request
 * line or headers (400), headers too large (431), a body over {@code maxBodyBytes} (413, both for
 * {@code Content-Length} and for chunked bodies), and internal failures.
 *
 * <p>Two call sites: when the request could not be parsed, Helidon calls this on the connection
 * thread before any filter runs, so we assign the request id and write the access log line here; when
 * the error happens while a handler reads the body (chunked 413), the middleware is on the stack and the
 * MDC already holds the id.
 */
final class ProblemDirectHandler implements DirectHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemDirectHandler.class);
    private static final int MAX_ECHOED_CHARS = 200;
    private static final String MALFORMED = "The request is malformed and cannot be parsed";
    /** What Helidon says instead of a message that could echo request bytes. */
    private static final String HELIDON_HIDDEN_MESSAGE = "see server log";
    /** Helidon's message for request headers over its size limit. */
    private static final String HELIDON_HEADERS_TOO_LARGE = "Header size exceeded";

    private final LongSupplier maxBodyBytes;
    private final AccessLog accessLog;
    private final Optional<HttpMetrics> metrics;

    ProblemDirectHandler(long maxBodyBytes, AccessLog accessLog) {
        this(() -> maxBodyBytes, accessLog, Optional.empty());
    }

    /** @param maxBodyBytes the body limit to name in 413 answers: the current one, which a reload may change */
    ProblemDirectHandler(LongSupplier maxBodyBytes, AccessLog accessLog, Optional<HttpMetrics> metrics) {
        this.maxBodyBytes = maxBodyBytes;
        this.accessLog = accessLog;
        this.metrics = metrics;
    }

    DirectHandlers asDirectHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, this);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(
            TransportRequest request,
            EventType eventType,
            Status defaultStatus,
            ServerResponseHeaders responseHeaders,
            String message) {
        String inRoutingId = MDC.get(RequestIds.MDC_KEY);
        String requestId = inRoutingId != null
                ? inRoutingId
                : RequestIds.acceptOrGenerate(request.headers().first(RequestIds.HEADER));
        ProblemException problem = problemFor(eventType, defaultStatus, message, requestId);
        if (inRoutingId == null
                && eventType == EventType.INTERNAL_ERROR
                && request.method().isEmpty()) {
            // Helidon 4.5.0 reports some unparsable request lines (for example an invalid method token such as
            // "G@T") as an internal error before it knows the method. Nothing of ours has run yet: it is the
            // client's malformed request, so answer 400 rather than 500.
            LOG.debug("Unparsable request line answered with 400 (request {}): {}", requestId, message);
            problem = ProblemException.badRequest(MALFORMED);
        }
        String path = request.path();
        Optional<String> instance = path == null || path.isEmpty() ? Optional.empty() : Optional.of(truncate(path));
        byte[] body = ProblemResponses.body(problem, instance, requestId);

        responseHeaders.set(HeaderNames.CONTENT_TYPE, ProblemResponses.PROBLEM_JSON);
        responseHeaders.set(RequestIds.HEADER, requestId);
        responseHeaders.set(ValidatedHeader.X_CONTENT_TYPE_OPTIONS_NOSNIFF);
        problem.headers().forEach((name, value) -> responseHeaders.set(HeaderNames.create(name), value));
        if (inRoutingId == null) {
            accessLog.logUnrouted(request.method(), instance.orElse("-"), problem.status(), body.length, requestId);
        }
        return TransportResponse.builder()
                .status(Status.create(problem.status()))
                .headers(responseHeaders)
                .entity(body)
                .build();
    }

    private ProblemException problemFor(EventType eventType, Status status, String message, String requestId) {
        int code = status.code();
        if (code == Status.REQUEST_ENTITY_TOO_LARGE_413.code()) {
            metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.PAYLOAD_TOO_LARGE));
            return ServerRouting.bodyTooLarge(maxBodyBytes.getAsLong());
        }
        if (code == 431 || headersTooLarge(eventType, message)) {
            return ProblemException.of(
                    431,
                    ProblemException.reasonPhrase(431),
                    "The request headers are too large; send fewer or shorter headers");
        }
        if (code == Status.HTTP_VERSION_NOT_SUPPORTED_505.code()) {
            // Helidon's one 505: an HTTP/1.0 request on a connection that began with HTTP/1.1 (a connection that
            // begins with HTTP/1.0 is Http1xConnection's, and answers HTTP/1.0 and HTTP/1.1 alike).
            return ProblemException.of(
                    505,
                    ProblemException.reasonPhrase(505),
                    "HTTP/1.0 is served on connections that begin with it, not after HTTP/1.1 requests; "
                            + "send HTTP/1.1 on this connection, or HTTP/1.0 on a new one");
        }
        if (message != null && message.toLowerCase(Locale.ROOT).contains("unsupported request transfer encoding")) {
            // Helidon 4.5.0 answers a Transfer-Encoding other than "chunked" (such as "gzip, chunked") with 500.
            // RFC 9112 §6.1 suggests 501, but it is the client's request that is wrong, and a 5xx would count
            // against the service's error rate (the HighErrorRatio alert): 400. Found by the hostile-input run.
            return ProblemException.badRequest("The request's Transfer-Encoding is not supported; send the body"
                    + " with Content-Length, or with Transfer-Encoding: chunked alone");
        }
        if (code >= 500 || eventType == EventType.INTERNAL_ERROR) {
            return ProblemResponses.internalError(requestId);
        }
        if (code < 400) {
            return ProblemException.badRequest(MALFORMED);
        }
        String detail = message == null || message.isBlank() || message.contains(HELIDON_HIDDEN_MESSAGE)
                ? MALFORMED
                : "The request is malformed: " + truncate(message);
        return ProblemException.of(code, ProblemException.reasonPhrase(code), detail);
    }

    /**
     * Helidon 4.5.0 answers headers over its size limit with a plain 400: {@code Http1HeadersParser} throws
     * {@code IllegalStateException("Header size exceeded")} (only for the size checks) and {@code Http1Headers} turns
     * it into a {@code BAD_REQUEST} event with that message. RFC 6585 has 431 for exactly this, and a client can act
     * on it (send fewer or shorter headers) where a 400 says nothing. The exact status is held by
     * RejectedRequestTest, so a Helidon that words it differently fails the build rather than going back to 400.
     */
    private static boolean headersTooLarge(EventType eventType, String message) {
        return eventType == EventType.BAD_REQUEST && HELIDON_HEADERS_TOO_LARGE.equals(message);
    }

    private static String truncate(String text) {
        return text.length() <= MAX_ECHOED_CHARS ? text : text.substring(0, MAX_ECHOED_CHARS) + "…";
    }
}
