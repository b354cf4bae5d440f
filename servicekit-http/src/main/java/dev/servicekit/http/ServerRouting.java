package dev.servicekit.http;

import io.helidon.common.uri.UriPath;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds the Helidon routing shared by both servers: the middleware filters in order (request id,
 * access log, security headers, CORS when configured, pause), the routes, a fallback that answers 404/405, and the single error
 * mapper that turns every exception into problem+json.
 */
final class ServerRouting {

    private ServerRouting() {
    }

    static HttpRouting.Builder build(List<Route> routes, InFlightRequests inFlight, AccessLog accessLog,
                                     Optional<RequestAuthenticator> authenticator, Optional<CorsSettings> cors) {
        return build(routes, inFlight, accessLog, authenticator, cors, Optional.empty());
    }

    /** As above; with metrics, every request is timed by route template and rejections are counted. */
    static HttpRouting.Builder build(List<Route> routes, InFlightRequests inFlight, AccessLog accessLog,
                                     Optional<RequestAuthenticator> authenticator, Optional<CorsSettings> cors,
                                     Optional<HttpMetrics> metrics) {
        rejectDuplicates(routes);
        List<CompiledRoute> compiled = routes.stream()
                .map(r -> new CompiledRoute(r.method(), PathMatchers.create(r.pathTemplate())))
                .toList();
        HttpRouting.Builder routing = HttpRouting.builder()
                .addFilter(new RequestIdFilter())
                .addFilter(new AccessLogFilter(inFlight, accessLog, metrics))
                .addFilter(new SecurityHeadersFilter());
        // Before the pause filter, so a browser can read the 503 of a paused service too.
        cors.ifPresent(settings -> routing.addFilter(new CorsFilter(settings, compiled)));
        routing.addFilter(new PauseFilter(inFlight, metrics))
                .error(Throwable.class, new ProblemErrorMapper());
        for (Route route : routes) {
            // Outermost, so even a 401 from the authenticator is recorded under the route's template.
            routing.route(route.method(), route.pathTemplate(),
                          new TemplateRecordingHandler(route.pathTemplate(), guarded(route, authenticator)));
        }
        // Registered last: reached only when no route matched.
        routing.any(new UnmatchedRequestHandler(compiled));
        return routing;
    }

    /**
     * The route's handler, behind the authenticator when the route declares scopes and one is configured.
     * Without an authenticator, auth is disabled and routes with scopes are served as they are.
     */
    private static Handler guarded(Route route, Optional<RequestAuthenticator> authenticator) {
        if (route.scopes().isEmpty() || authenticator.isEmpty()) {
            return route.handler();
        }
        return new AuthenticatedHandler(authenticator.get(), route.scopes(), route.handler());
    }

    private static void rejectDuplicates(List<Route> routes) {
        Set<String> seen = new HashSet<>();
        Set<String> duplicates = new LinkedHashSet<>();
        for (Route route : routes) {
            String key = route.method().text() + " " + route.pathTemplate();
            if (!seen.add(key)) {
                duplicates.add(key);
            }
        }
        if (!duplicates.isEmpty()) {
            throw new IllegalArgumentException("Routes registered more than once: " + String.join(", ", duplicates)
                                                       + "; register each method and path once");
        }
    }

    private record CompiledRoute(Method method, PathMatcher matcher) {
    }

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

    private static final String CORS_ALLOWED_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, X-Request-Id";
    private static final String CORS_EXPOSED_HEADERS = "ETag, Location, X-Request-Id";

    /**
     * CORS for exactly the configured origins. A request whose {@code Origin} is allowed gets
     * {@code Access-Control-Allow-Origin} (its own origin, never {@code *}) and the exposed headers, also on
     * error responses (the error mapper keeps them). A preflight ({@code OPTIONS} with
     * {@code Access-Control-Request-Method}) from an allowed origin to a known path is answered here with 204,
     * before any route or authenticator runs: preflights never carry credentials. A preflight from any other
     * origin gets 403; its other requests are served without CORS headers, so the browser withholds the
     * answer from the page. {@code Access-Control-Allow-Credentials} is never sent.
     */
    private static final class CorsFilter implements Filter {
        private final CorsSettings settings;
        private final List<CompiledRoute> routes;
        private final String maxAgeSeconds;

        CorsFilter(CorsSettings settings, List<CompiledRoute> routes) {
            this.settings = settings;
            this.routes = routes;
            this.maxAgeSeconds = Long.toString(settings.maxAge().toSeconds());
        }

        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            // Every answer depends on Origin once CORS is on, including those without CORS headers: a shared
            // cache must not hand the answer for one origin (or for none) to another.
            res.header(HeaderNames.VARY, "Origin");
            Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
            if (origin.isEmpty()) {
                chain.proceed();
                return;
            }
            boolean preflight = req.prologue().method().equals(Method.OPTIONS)
                    && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
            if (!settings.allows(origin.get())) {
                if (preflight) {
                    throw ProblemException.forbidden("Origin \"" + origin.get() + "\" may not call this API from a browser;"
                                                             + " add it to the allowed CORS origins (http.cors.allowed-origins)");
                }
                chain.proceed();
                return;
            }
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin.get());
            if (!preflight) {
                res.header(HeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, CORS_EXPOSED_HEADERS);
                chain.proceed();
                return;
            }
            List<Method> allowed = allowedMethods(routes, req.prologue().uriPath());
            if (allowed.isEmpty()) {
                throw ProblemException.notFound("No resource at \"" + req.prologue().uriPath().rawPath() + "\"; check the path");
            }
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS,
                       allowed.stream().map(Method::text).distinct().sorted().collect(Collectors.joining(", ")));
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, CORS_ALLOWED_HEADERS);
            res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, maxAgeSeconds);
            res.status(Status.NO_CONTENT_204).send();
        }
    }

    /** Assigns the request id and makes it visible to everything that follows, including the log MDC. */
    private static final class RequestIdFilter implements Filter {
        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            String id = RequestIds.acceptOrGenerate(req.headers().first(RequestIds.HEADER));
            RequestIds.attach(req, id);
            res.header(RequestIds.HEADER, id);
            MDC.put(RequestIds.MDC_KEY, id);
            try {
                chain.proceed();
            } finally {
                MDC.remove(RequestIds.MDC_KEY);
            }
        }
    }

    /** While the service is paused (Windows PAUSE) or shutting down, answers 503 with Retry-After instead of serving. */
    private static final class PauseFilter implements Filter {
        private final InFlightRequests state;
        private final Optional<HttpMetrics> metrics;

        PauseFilter(InFlightRequests state, Optional<HttpMetrics> metrics) {
            this.state = state;
            this.metrics = metrics;
        }

        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            if (state.draining()) {
                metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.SHUTTING_DOWN));
                // Stopping: requests already running finish, new ones go elsewhere (readiness already says 503).
                throw ProblemException.serviceUnavailable("The service is shutting down; retry on another instance", PAUSED_RETRY_AFTER);
            }
            if (state.paused()) {
                metrics.ifPresent(m -> m.rejected(HttpMetrics.Rejection.PAUSED));
                throw ProblemException.serviceUnavailable("The service is paused by its operator; retry later", PAUSED_RETRY_AFTER);
            }
            chain.proceed();
        }
    }

    static final java.time.Duration PAUSED_RETRY_AFTER = java.time.Duration.ofSeconds(5);

    /**
     * Counts the request as in flight, logs one line once the response is written and, with metrics, times it
     * under the route template that {@link TemplateRecordingHandler} left in the request context.
     */
    private static final class AccessLogFilter implements Filter {
        private final InFlightRequests inFlight;
        private final AccessLog accessLog;
        private final Optional<HttpMetrics> metrics;

        AccessLogFilter(InFlightRequests inFlight, AccessLog accessLog, Optional<HttpMetrics> metrics) {
            this.inFlight = inFlight;
            this.accessLog = accessLog;
            this.metrics = metrics;
        }

        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            long start = System.nanoTime();
            inFlight.enter();
            metrics.ifPresent(HttpMetrics::requestStarted);
            // While draining, tell the client not to reuse this connection: the server closes it anyway.
            res.beforeSend(() -> {
                if (inFlight.draining()) {
                    res.header(HeaderValues.CONNECTION_CLOSE);
                }
            });
            RuntimeException failure = null;
            try {
                chain.proceed();
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            } finally {
                inFlight.exit();
                long durationNanos = System.nanoTime() - start;
                long durationMs = durationNanos / 1_000_000;
                // An exception from a later filter (pause, CORS) leaves here before the error mapper answers it,
                // so the response still says 200: take the status the mapper is about to send.
                int status = failure == null || res.isSent() ? res.status().code() : statusFor(failure);
                metrics.ifPresent(m -> m.requestFinished(
                        req.prologue().method(),
                        req.context().get(HttpMetrics.ROUTE_TEMPLATE_CONTEXT_KEY, String.class).orElse(HttpMetrics.URI_UNMATCHED),
                        status,
                        durationNanos));
                String subject = req.context().get(AccessLog.SUBJECT_CONTEXT_KEY, String.class).orElse("-");
                accessLog.log(req.prologue().method().text(),
                              req.prologue().uriPath().rawPath(),
                              status,
                              bodyBytes(res),
                              durationMs,
                              RequestIds.current(req),
                              subject);
            }
        }
    }

    /** The status {@link ProblemErrorMapper} answers the exception with. */
    private static int statusFor(Throwable thrown) {
        return switch (thrown) {
            case ProblemException p -> p.status();
            case HttpException h when h.status().code() >= 400 && h.status().code() < 500 -> h.status().code();
            default -> 500;
        };
    }

    /**
     * Body bytes: the Content-Length Helidon set when sending; for streamed responses Helidon only counts all
     * bytes written, which is the closest figure available.
     */
    private static long bodyBytes(RoutingResponse res) {
        return res.headers().contentLength().orElseGet(res::bytesWritten);
    }

    private static final io.helidon.http.HeaderName STRICT_TRANSPORT_SECURITY =
            io.helidon.http.HeaderNames.create("Strict-Transport-Security");

    /** {@code X-Content-Type-Options: nosniff} always; {@code Strict-Transport-Security} on TLS connections. */
    private static final class SecurityHeadersFilter implements Filter {
        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            res.header(HeaderValues.X_CONTENT_TYPE_OPTIONS_NOSNIFF);
            if (req.isSecure()) {
                res.header(STRICT_TRANSPORT_SECURITY, "max-age=31536000");
            }
            chain.proceed();
        }
    }

    private static final Header CACHE_NO_STORE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-store");

    /**
     * Runs the authenticator before the route's handler. {@code Cache-Control: no-store} is set first, so
     * the 401/403 answers carry it too (the error mapper keeps it). The caller's subject goes into the
     * request context for the access log; the {@link AuthenticatedCaller} itself is registered in the
     * context by its class, for handlers that need to know who is calling.
     */
    private record AuthenticatedHandler(RequestAuthenticator authenticator, Set<String> scopes, Handler next)
            implements Handler {
        @Override
        public void handle(ServerRequest req, ServerResponse res) throws Exception {
            res.header(CACHE_NO_STORE);
            AuthenticatedCaller caller = authenticator.authenticate(req, scopes);
            if (caller == null) {
                throw new IllegalStateException("RequestAuthenticator " + authenticator.getClass().getName()
                                                        + " returned null; it must return a caller or throw");
            }
            req.context().register(AccessLog.SUBJECT_CONTEXT_KEY, caller.subject());
            req.context().register(caller);
            next.handle(req, res);
        }
    }

    /**
     * Leaves the route's path template in the request context for the metrics, which must never be tagged with
     * the raw path. Our own wrapper rather than Helidon's {@code ServerRequest#matchingPattern()}: that is a
     * default method returning empty unless the request implementation overrides it, and our template is
     * exactly what the application registered.
     */
    private record TemplateRecordingHandler(String template, Handler next) implements Handler {
        @Override
        public void handle(ServerRequest req, ServerResponse res) throws Exception {
            req.context().register(HttpMetrics.ROUTE_TEMPLATE_CONTEXT_KEY, template);
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
                req.context().register(HttpMetrics.ROUTE_TEMPLATE_CONTEXT_KEY, HttpMetrics.URI_NOT_FOUND);
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
            ProblemException problem = switch (thrown) {
                case ProblemException p -> {
                    if (p.status() >= 500) {
                        LOG.warn("Request {} {} failed: {}", method, path, p.getMessage());
                    } else {
                        LOG.debug("Request {} {} rejected: {}", method, path, p.getMessage());
                    }
                    yield p;
                }
                case HttpException h when h.status().code() >= 400 && h.status().code() < 500 -> {
                    // Helidon's own client errors, for example an unparsable query parameter.
                    LOG.debug("Request {} {} rejected by Helidon", method, path, h);
                    int status = h.status().code();
                    yield ProblemException.of(status, ProblemException.reasonPhrase(status),
                                              "The request cannot be processed: " + h.getMessage());
                }
                default -> {
                    LOG.error("Unhandled exception while handling {} {} (request {})", method, path, requestId, thrown);
                    yield ProblemResponses.internalError(requestId);
                }
            };
            ProblemResponses.send(req, res, problem);
        }
    }
}
