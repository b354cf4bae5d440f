package dev.servicekit.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.uri.UriPath;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.Status;
import io.helidon.webserver.http.ErrorHandler;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Builds the Helidon routing shared by both servers: the middleware as one filter (whole bodies for HTTP/1.0
 * clients, request id and the request's settings snapshot, access log, security headers, CORS when configured, pause,
 * body limit, overload shedding on the API listener), the routes, a fallback that answers 404/405, and the single
 * error mapper that turns every exception into problem+json.
 */
final class ServerRouting {

    private ServerRouting() {}

    /**
     * The routing of one listener. Every request pins the current snapshot of {@code live} when it arrives and
     * uses it throughout: body limit, CORS, overload slots and the authenticator.
     */
    static HttpRouting.Builder build(
            List<Route> routes,
            InFlightRequests inFlight,
            AccessLog accessLog,
            LiveSettings live,
            Optional<HttpMetrics> metrics) {
        rejectDuplicates(routes);
        routes = withHead(routes);
        List<CompiledRoute> compiled = routes.stream()
                .map(r -> new CompiledRoute(r.method(), SegmentPathMatcher.create(r.pathTemplate())))
                .toList();
        HttpRouting.Builder routing =
                HttpRouting.builder().addFilter(new Middleware(inFlight, accessLog, live, metrics, compiled));
        routing.error(Throwable.class, new ProblemErrorMapper());
        for (int i = 0; i < routes.size(); i++) {
            Route route = routes.get(i);
            // Outermost, so even a 401 from the authenticator is recorded under the route's template.
            routing.route(
                    route.method(),
                    compiled.get(i).matcher(),
                    new TemplateRecordingHandler(route.pathTemplate(), guarded(route, live)));
        }
        // Registered last: reached only when no route matched.
        routing.any(new UnmatchedRequestHandler(compiled));
        return routing;
    }

    /**
     * The routes and, for each GET route whose template has no HEAD route of its own, a HEAD route answered by the
     * same handler with the content left out ({@link HeadResponse}): RFC 9110 has every server that answers GET
     * answer HEAD, and load balancers, monitors and {@code curl -I} use it. After the GET it mirrors, so it is
     * listed, in {@code Allow} too, beside it.
     */
    private static List<Route> withHead(List<Route> routes) {
        Set<String> heads = new HashSet<>();
        for (Route route : routes) {
            if (Method.HEAD.equals(route.method())) {
                heads.add(shape(route.pathTemplate()));
            }
        }
        List<Route> all = new ArrayList<>(routes.size() * 2);
        for (Route route : routes) {
            all.add(route);
            if (Method.GET.equals(route.method()) && !heads.contains(shape(route.pathTemplate()))) {
                all.add(new Route(
                        Method.HEAD,
                        route.pathTemplate(),
                        HeadResponse.of(route.handler()),
                        route.scopes(),
                        route.doc()));
            }
        }
        return all;
    }

    /**
     * The route's handler, behind the request's authenticator when the route declares scopes. Without an
     * authenticator in the request's settings, auth is disabled and routes with scopes are served as they are.
     */
    private static Handler guarded(Route route, LiveSettings live) {
        if (route.scopes().isEmpty()) {
            return route.handler();
        }
        return new AuthenticatedHandler(live, route.scopes(), route.handler());
    }

    /**
     * Refuses two routes with one method whose templates match the same paths: the same template, or templates that
     * differ only in a parameter's name ({@code /notes/{id}} and {@code /notes/{name}}), where the second would never
     * be reached.
     */
    private static void rejectDuplicates(List<Route> routes) {
        Map<String, String> firstByShape = new HashMap<>();
        Set<String> duplicates = new LinkedHashSet<>();
        for (Route route : routes) {
            String key = route.method().text() + " " + route.pathTemplate();
            String first = firstByShape.putIfAbsent(route.method().text() + " " + shape(route.pathTemplate()), key);
            if (first != null) {
                duplicates.add(first.equals(key) ? key : first + " and " + key + " (they match the same paths)");
            }
        }
        if (!duplicates.isEmpty()) {
            throw new IllegalArgumentException("Routes registered more than once: " + String.join(", ", duplicates)
                    + "; register each method and path once");
        }
    }

    /** The template with the name of each whole-segment parameter left out ({@code /notes/{}}). */
    private static String shape(String template) {
        String[] segments = template.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String name = SegmentPathMatcher.parameterName(segments[i]);
            if (name != null && SegmentPathMatcher.plainName(name)) {
                segments[i] = "{}";
            }
        }
        return String.join("/", segments);
    }

    private record CompiledRoute(Method method, PathMatcher matcher) {}

    /** The methods of the routes whose template matches the path; empty for an unknown path. */
    private static List<Method> allowedMethods(List<CompiledRoute> routes, UriPath path) {
        List<Method> allowed = new ArrayList<>();
        for (CompiledRoute route : routes) {
            if (route.matcher().match(path).accepted()) {
                allowed.add(route.method());
            }
        }
        return allowed;
    }

    private static final String CORS_ALLOWED_HEADERS =
            "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id";
    private static final String CORS_EXPOSED_HEADERS = "ETag, Location, X-Request-Id";

    private static final Header STRICT_TRANSPORT_SECURITY =
            ValidatedHeader.of(HeaderNames.create("Strict-Transport-Security"), "max-age=31536000");

    static final java.time.Duration PAUSED_RETRY_AFTER = java.time.Duration.ofSeconds(5);

    /**
     * Servicekit's middleware as one Helidon filter, its steps in this order: whole bodies for HTTP/1.0 clients,
     * the request id and the request's settings snapshot, the access log, security headers, CORS, pause, body limit
     * and, on the API listener, overload shedding. An exception from a step passes out through the steps before
     * it, as it would through separate filters, and reaches the error mapper. One filter rather than one for each
     * step: Helidon's chain costs an iterator step, an allocation and an interface call for each filter, and each
     * step read the settings snapshot from the request's context again (docs/decisions.md, "The middleware is one
     * filter").
     */
    private static final class Middleware implements Filter {
        private final InFlightRequests inFlight;
        private final AccessLog accessLog;
        private final LiveSettings live;
        private final Optional<HttpMetrics> metrics;
        private final List<CompiledRoute> routes;

        Middleware(
                InFlightRequests inFlight,
                AccessLog accessLog,
                LiveSettings live,
                Optional<HttpMetrics> metrics,
                List<CompiledRoute> routes) {
            this.inFlight = inFlight;
            this.accessLog = accessLog;
            this.live = live;
            this.metrics = metrics;
            this.routes = routes;
        }

        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            if (Http1xConnection.routingHttp10Request()) {
                // Helidon would chunk a streamed body, which HTTP/1.0 clients cannot read (Http1xConnection).
                res.streamFilter(helidon -> new WholeBodyOutputStream(helidon, res.headers()));
            }
            String id = RequestIds.acceptOrGenerate(req.headers().first(RequestIds.HEADER));
            // First thing: from here on the request uses this one snapshot of the settings, whatever a reload does.
            RequestState state = RequestState.attach(req, live.current(), id);
            res.header(ValidatedHeader.requestId(id));
            MDC.put(RequestIds.MDC_KEY, id);
            try {
                logged(chain, req, res, state);
            } finally {
                MDC.remove(RequestIds.MDC_KEY);
            }
        }

        /**
         * Counts the request as in flight, logs one line once the response is written and, with metrics, times it
         * under the route template that {@link TemplateRecordingHandler} left in the {@link RequestState}.
         */
        private void logged(FilterChain chain, RoutingRequest req, RoutingResponse res, RequestState state) {
            long start = System.nanoTime();
            inFlight.enter();
            metrics.ifPresent(HttpMetrics::requestStarted);
            // While draining, tell the client not to reuse this connection: the server closes it anyway.
            res.beforeSend(() -> {
                if (inFlight.draining()) {
                    res.header(HeaderValues.CONNECTION_CLOSE);
                }
            });
            Throwable failure = null;
            try {
                admitted(chain, req, res, state.settings());
            } catch (Throwable e) {
                // Any throwable, Errors too: Helidon hands those to the error mapper as well (a 500).
                failure = e;
                throw e;
            } finally {
                inFlight.exit();
                long durationNanos = System.nanoTime() - start;
                long durationMs = durationNanos / 1_000_000;
                // A failure of a route is answered inside chain.proceed() (Helidon runs the routes under the error
                // handlers), so the response already has the mapper's status. A failure of a step here (pause,
                // CORS, body limit, overload) leaves before the mapper answers it and the response still says 200:
                // take the status the mapper is about to send.
                int status = failure == null || res.isSent() ? res.status().code() : statusFor(failure);
                metrics.ifPresent(
                        m -> m.requestFinished(req.prologue().method(), state.routeTemplate(), status, durationNanos));
                accessLog.log(
                        req.prologue().method().text(),
                        req.prologue().uriPath().rawPath(),
                        status,
                        bodyBytes(res),
                        durationMs,
                        state.requestId(),
                        state.subject());
            }
        }

        /** The steps that may answer the request themselves, then the route unless one of them did. */
        private void admitted(FilterChain chain, RoutingRequest req, RoutingResponse res, ApiSettings settings) {
            res.header(ValidatedHeader.X_CONTENT_TYPE_OPTIONS_NOSNIFF);
            if (req.isSecure()) {
                res.header(STRICT_TRANSPORT_SECURITY);
            }
            // Before the pause check, so a browser can read the 503 of a paused service too.
            if (settings.cors().isPresent()
                    && answeredCors(req, res, settings.cors().get())) {
                return;
            }
            refuseWhilePaused();
            // Before the overload check: a body that is refused anyway never takes a slot.
            limitBody(req, settings.maxBodyBytes());
            if (live.shedsOverload()) {
                proceedInSlot(chain, settings);
            } else {
                chain.proceed();
            }
        }

        /**
         * CORS for exactly the configured origins. A request whose {@code Origin} is allowed gets
         * {@code Access-Control-Allow-Origin} (its own origin, never {@code *}) and the exposed headers, also on
         * error responses (the error mapper keeps them). A preflight ({@code OPTIONS} with
         * {@code Access-Control-Request-Method}) from an allowed origin to a known path is answered here with 204,
         * before any route or authenticator runs: preflights never carry credentials. A preflight from any other
         * origin gets 403; its other requests are served without CORS headers, so the browser withholds the
         * answer from the page. {@code Access-Control-Allow-Credentials} is never sent. With CORS off there is no
         * CORS header at all, and OPTIONS falls through to 405 like any unrouted method.
         *
         * @return whether the request was answered here (an allowed preflight)
         */
        private boolean answeredCors(RoutingRequest req, RoutingResponse res, CorsSettings settings) {
            // Every answer depends on Origin once CORS is on, including those without CORS headers: a shared
            // cache must not hand the answer for one origin (or for none) to another.
            res.header(HeaderNames.VARY, "Origin");
            Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
            if (origin.isEmpty()) {
                return false;
            }
            boolean preflight = req.prologue().method().equals(Method.OPTIONS)
                    && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
            if (!settings.allows(origin.get())) {
                if (preflight) {
                    throw ProblemException.forbidden(
                            "Origin \"" + origin.get() + "\" may not call this API from a browser;"
                                    + " add it to the allowed CORS origins (http.cors.allowed-origins)");
                }
                return false;
            }
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin.get());
            if (!preflight) {
                res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, CORS_EXPOSED_HEADERS);
                return false;
            }
            List<Method> allowed = allowedMethods(routes, req.prologue().uriPath());
            if (allowed.isEmpty()) {
                throw ProblemException.notFound(
                        "No resource at \"" + req.prologue().uriPath().rawPath() + "\"; check the path");
            }
            res.header(
                    HeaderNames.ACCESS_CONTROL_ALLOW_METHODS,
                    allowed.stream().map(Method::text).distinct().sorted().collect(Collectors.joining(", ")));
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, CORS_ALLOWED_HEADERS);
            res.header(
                    HeaderNames.ACCESS_CONTROL_MAX_AGE,
                    Long.toString(settings.maxAge().toSeconds()));
            res.status(Status.NO_CONTENT_204).send();
            return true;
        }

        /** While the service is paused (Windows PAUSE) or shutting down, answers 503 with Retry-After instead of serving. */
        private void refuseWhilePaused() {
            if (inFlight.draining()) {
                metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.SHUTTING_DOWN));
                // Stopping: requests already running finish, new ones go elsewhere (readiness already says 503).
                throw ProblemException.serviceUnavailable(
                        "The service is shutting down; retry on another instance", PAUSED_RETRY_AFTER);
            }
            if (inFlight.paused()) {
                metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.PAUSED));
                throw ProblemException.serviceUnavailable(
                        "The service is paused by its operator; retry later", PAUSED_RETRY_AFTER);
            }
        }

        /**
         * The body limit of the request's settings. A {@code Content-Length} over it is refused before the body is
         * read; a chunked body is counted as the handler reads it and refused once it grows past the limit. Both
         * answers close the connection, so the rest of the body is never read. (Helidon's own framing limit, fixed
         * at start, stays as the backstop: see {@link ApiSettings#MAX_BODY_BYTES_CEILING}.)
         */
        private void limitBody(RoutingRequest req, long limit) {
            OptionalLong declared = contentLength(req);
            if (declared.isPresent() && declared.getAsLong() > limit) {
                throw tooLarge(limit);
            }
            req.streamFilter(in -> new BodyLimitInputStream(in, limit, () -> tooLarge(limit)));
        }

        private ProblemException tooLarge(long limit) {
            metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.PAYLOAD_TOO_LARGE));
            return bodyTooLarge(limit);
        }

        private static OptionalLong contentLength(RoutingRequest req) {
            try {
                return req.headers().contentLength();
            } catch (RuntimeException e) {
                return OptionalLong.empty(); // Helidon already refused malformed framing before routing
            }
        }

        /**
         * Overload shedding: at most {@link ApiSettings#maxConcurrentRequests()} requests run at once; the next ones
         * wait in arrival order for up to {@link ApiSettings#queueTimeout()}, then get 503 with {@code Retry-After}.
         * Only on the API listener: the management listener never sheds, so health and metrics answer under load.
         */
        private void proceedInSlot(FilterChain chain, ApiSettings settings) {
            ConcurrencyLimiter limiter = live.limiter();
            boolean admitted;
            try {
                admitted = limiter.acquire(settings.queueTimeout());
            } catch (InterruptedException e) {
                // Only the drain timeout interrupts request threads: the server is going away.
                Thread.currentThread().interrupt();
                metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.SHUTTING_DOWN));
                throw ProblemException.serviceUnavailable(
                        "The service is shutting down; retry on another instance", PAUSED_RETRY_AFTER);
            }
            if (!admitted) {
                metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.OVERLOADED));
                throw ProblemException.serviceUnavailable(
                        "The service is overloaded: all " + settings.maxConcurrentRequests()
                                + " request slots stayed busy for "
                                + settings.queueTimeout().toMillis() + " ms; retry later",
                        overloadRetryAfter(settings));
            }
            try {
                chain.proceed();
            } finally {
                limiter.release();
            }
        }
    }

    /** The 413 for a body over {@code limit} bytes, closing the connection so the rest of the body is not read. */
    static ProblemException bodyTooLarge(long limit) {
        return ProblemException.payloadTooLarge(
                        "The request body is larger than the limit of " + limit + " bytes; send a smaller body")
                .withHeader("Connection", "close");
    }

    /** Retry-After for a shed request: the queue timeout rounded up to whole seconds, at least one. */
    static java.time.Duration overloadRetryAfter(ApiSettings settings) {
        return settings.queueTimeout().compareTo(java.time.Duration.ofSeconds(1)) < 0
                ? java.time.Duration.ofSeconds(1)
                : settings.queueTimeout();
    }

    /** The status {@link ProblemErrorMapper} answers the throwable with. */
    private static int statusFor(Throwable thrown) {
        return Failure.of(thrown).status();
    }

    /**
     * What a throwable is to the error mapper: the one classification that the mapper answers from and that the
     * access log and the request metrics take a failed request's status from, so that the two cannot disagree.
     */
    private sealed interface Failure {

        /** The status the error mapper answers with. */
        int status();

        /** A typed problem from a handler or a middleware step, answered as it is. */
        record Problem(ProblemException problem) implements Failure {
            @Override
            public int status() {
                return problem.status();
            }
        }

        /** Helidon's own client error (4xx), for example an unparsable query parameter. */
        record HelidonClientError(HttpException exception) implements Failure {
            @Override
            public int status() {
                return exception.status().code();
            }
        }

        /** The client closed its side before the body it announced was complete: 400. */
        record BodyEndedEarly() implements Failure {
            @Override
            public int status() {
                return 400;
            }
        }

        /** Helidon's reader failed on the body's chunked framing: 400. */
        record MalformedFraming() implements Failure {
            @Override
            public int status() {
                return 400;
            }
        }

        /** Anything else, Errors included: a generic 500, details only in the log. */
        record Unhandled() implements Failure {
            @Override
            public int status() {
                return 500;
            }
        }

        static Failure of(Throwable thrown) {
            return switch (thrown) {
                case ProblemException p -> new Problem(p);
                case HttpException h
                when h.status().code() >= 400 && h.status().code() < 500 -> new HelidonClientError(h);
                case Throwable t when endedEarly(t) -> new BodyEndedEarly();
                case Throwable t when malformedFraming(t) -> new MalformedFraming();
                default -> new Unhandled();
            };
        }

        /** Helidon's "the connection ended before the entity did", wherever a handler met it. */
        private static boolean endedEarly(Throwable thrown) {
            for (Throwable t = thrown; t != null; t = t.getCause()) {
                if (t instanceof DataReader.InsufficientDataAvailableException) {
                    return true;
                }
            }
            return false;
        }

        /**
         * An exception thrown inside Helidon's HTTP/1 entity reader (for example a {@code NumberFormatException}
         * for the chunk size {@code ffffffffffffffffffff}): its type says nothing, where it was thrown does.
         */
        private static boolean malformedFraming(Throwable thrown) {
            for (Throwable t = thrown; t != null; t = t.getCause()) {
                StackTraceElement[] stack = t.getStackTrace();
                for (int i = 0; i < Math.min(stack.length, 8); i++) {
                    if (stack[i].getClassName().equals("io.helidon.webserver.http1.Http1Connection")
                            && stack[i].getMethodName().startsWith("read")) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    /**
     * Body bytes: the Content-Length Helidon set when sending; for streamed responses Helidon only counts all
     * bytes written, which is the closest figure available.
     */
    private static long bodyBytes(RoutingResponse res) {
        return res.headers().contentLength().orElseGet(res::bytesWritten);
    }

    private static final Header CACHE_NO_STORE = ValidatedHeader.of(HeaderNames.CACHE_CONTROL, "no-store");

    /**
     * Runs the authenticator before the route's handler. {@code Cache-Control: no-store} is set first, so
     * the 401/403 answers carry it too (the error mapper keeps it). The caller's subject goes into the
     * request's {@link RequestState} for the access log; the {@link AuthenticatedCaller} itself is registered in
     * the request context by its class, for handlers that need to know who is calling.
     */
    private record AuthenticatedHandler(LiveSettings live, Set<String> scopes, Handler next) implements Handler {
        @Override
        public void handle(ServerRequest req, ServerResponse res) throws Exception {
            Optional<RequestAuthenticator> configured = live.of(req).authenticator();
            if (configured.isEmpty()) {
                next.handle(req, res);
                return;
            }
            RequestAuthenticator authenticator = configured.get();
            res.header(CACHE_NO_STORE);
            AuthenticatedCaller caller = authenticator.authenticate(req, scopes);
            if (caller == null) {
                throw new IllegalStateException("RequestAuthenticator "
                        + authenticator.getClass().getName() + " returned null; it must return a caller or throw");
            }
            RequestState.find(req).subject(caller.subject());
            req.context().register(caller);
            next.handle(req, res);
        }
    }

    /**
     * Leaves the route's path template in the {@link RequestState} for the metrics, which must never be tagged with
     * the raw path. Our own wrapper rather than Helidon's {@code ServerRequest#matchingPattern()}: that is a
     * default method returning empty unless the request implementation overrides it, and our template is
     * exactly what the application registered.
     */
    private record TemplateRecordingHandler(String template, Handler next) implements Handler {
        @Override
        public void handle(ServerRequest req, ServerResponse res) throws Exception {
            RequestState.find(req).routeTemplate(template);
            next.handle(req, res);
        }
    }

    /** 405 with {@code Allow} when another method matches the path, otherwise 404. */
    private record UnmatchedRequestHandler(List<CompiledRoute> routes) implements Handler {
        @Override
        public void handle(ServerRequest req, ServerResponse res) {
            String path = req.prologue().uriPath().rawPath();
            List<Method> allowed = allowedMethods(routes, req.prologue().uriPath());
            if (allowed.isEmpty()) {
                RequestState.find(req).routeTemplate(HttpMetrics.URI_NOT_FOUND);
                throw ProblemException.notFound("No resource at \"" + path + "\"; check the path");
            }
            throw ProblemException.methodNotAllowed(req.prologue().method().text(), path, allowed);
        }
    }

    /** The single error mapper: typed problems as they are, everything else as a generic 500. */
    private static final class ProblemErrorMapper implements ErrorHandler<Throwable> {
        private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorMapper.class);

        @Override
        public void handle(ServerRequest req, ServerResponse res, Throwable thrown) {
            String requestId = RequestIds.current(req);
            String method = req.prologue().method().text();
            String path = req.prologue().uriPath().rawPath();
            ProblemException problem = switch (Failure.of(thrown)) {
                case Failure.Problem(ProblemException p) -> {
                    if (p.status() >= 500) {
                        LOG.warn("Request {} {} failed: {}", method, path, p.getMessage());
                    } else {
                        LOG.debug("Request {} {} rejected: {}", method, path, p.getMessage());
                    }
                    yield p;
                }
                case Failure.HelidonClientError(HttpException h) -> {
                    LOG.debug("Request {} {} rejected by Helidon", method, path, h);
                    int status = h.status().code();
                    yield ProblemException.of(
                            status,
                            ProblemException.reasonPhrase(status),
                            "The request cannot be processed: " + h.getMessage());
                }
                case Failure.BodyEndedEarly ended -> {
                    // The client's mistake, not the server's, and no ERROR in the log.
                    LOG.debug("Request {} {} rejected: the body ended early", method, path, thrown);
                    yield ProblemException.badRequest("The request body ended before the length it announced"
                            + " (Content-Length, or the last chunk of a chunked body); send the whole body");
                }
                case Failure.MalformedFraming framing -> {
                    // A chunk size that is not a number or too large: the client's mistake; Helidon's exception
                    // text stays in the debug log.
                    LOG.debug("Request {} {} rejected: the body's framing is malformed", method, path, thrown);
                    yield ProblemException.badRequest("The request body's chunked framing is malformed; send chunk"
                            + " sizes as hexadecimal numbers and end the body with a zero-size chunk");
                }
                case Failure.Unhandled unhandled -> {
                    LOG.error("Unhandled exception while handling {} {} (request {})", method, path, requestId, thrown);
                    yield ProblemResponses.internalError(requestId);
                }
            };
            ProblemResponses.send(req, res, problem);
        }
    }
}
