package dev.servicekit.http;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The API listener: serves the given {@link Route}s over HTTP/1.1 with the Servicekit middleware.
 *
 * {@snippet :
 * ApiServer api = ApiServer.create(ApiServerConfig.create("127.0.0.1", 8080, "http.port"),
 *                                  List.of(Route.get("/api/v1/users/{id}", users::get)));
 * api.start();   // throws HttpBindException if the port is taken
 * // ... on shutdown, from any thread:
 * api.stop();    // drains in-flight requests for up to drainTimeout
 * }
 *
 * <p>Every request passes, in order: request id ({@code X-Request-Id} echoed when valid, otherwise
 * generated; in the MDC as {@code requestId}), access log (one INFO line on
 * {@code dev.servicekit.http.access}), {@code X-Content-Type-Options: nosniff}, CORS (only when
 * {@linkplain Builder#cors configured}), then the route. Every
 * failure becomes {@code application/problem+json}: {@link ProblemException}s as thrown, unknown paths
 * 404, known paths with another method 405 with {@code Allow}, bodies over {@code maxBodyBytes} 413,
 * malformed requests 400, and any other exception a generic 500 whose details stay in the log.
 * Routes that declare scopes run behind the configured {@link RequestAuthenticator} (401/403 problems); without one they are served unchecked.
 *
 * <p><b>Overload.</b> At most {@link ApiSettings#maxConcurrentRequests()} requests run at once; others wait in
 * arrival order for up to {@link ApiSettings#queueTimeout()} and are then shed with 503 and {@code Retry-After}
 * (see {@link Builder#concurrency}).
 *
 * <p><b>Reload.</b> Body limit, concurrency limit, CORS and authenticator form one {@link ApiSettings} snapshot
 * that {@link #apply} replaces while the server runs.
 *
 * <p><b>Threading.</b> Each connection is served on its own virtual thread, and handlers may block.
 * {@link #start()}, {@link #stop()}, {@link #port()} and {@link #inFlight()} may be called from any
 * thread; start and stop are serialized, so a {@code stop()} issued (for example by a signal handler)
 * while {@code start()} runs takes effect once start returns.
 *
 * <p><b>Lifecycle.</b>
 * <ol>
 *   <li>{@link #create} validates the routes and returns an unstarted server.</li>
 *   <li>{@link #start()} binds and returns once connections are accepted; it throws
 *       {@link HttpBindException} (leaving nothing running) if the address cannot be bound.</li>
 *   <li>{@link #stop()} drains: new connects are refused at once, idle keep-alive connections are
 *       closed, requests in flight (including ones still sending their body) finish and get their
 *       responses (with {@code Connection: close}); after {@code drainTimeout} the remaining request
 *       threads are interrupted and stop returns. A server cannot be started again after stop.</li>
 * </ol>
 */
public final class ApiServer {

    private final HelidonListener listener;
    private final InFlightRequests requests;
    private final LiveSettings live;

    private ApiServer(HelidonListener listener, InFlightRequests requests, LiveSettings live) {
        this.listener = listener;
        this.requests = requests;
        this.live = live;
    }

    /**
     * Creates an unstarted API server.
     *
     * @param config listener settings
     * @param routes the routes; each method and path template at most once
     * @return the server
     * @throws IllegalArgumentException if a route is registered twice or a path template is invalid
     */
    public static ApiServer create(ApiServerConfig config, List<Route> routes) {
        return builder(config).routes(routes).build();
    }

    /** Starts building an API server with optional authentication, TLS and CORS. */
    public static Builder builder(ApiServerConfig config) {
        return new Builder(config);
    }

    /** Builds an {@link ApiServer}. */
    public static final class Builder {
        private final ApiServerConfig config;
        private List<Route> routes = List.of();
        private Optional<RequestAuthenticator> authenticator = Optional.empty();
        private Optional<TlsSettings> tls = Optional.empty();
        private Optional<CorsSettings> cors = Optional.empty();
        private Optional<HttpMetrics> metrics = Optional.empty();
        private int maxConcurrentRequests = ApiSettings.DEFAULT_MAX_CONCURRENT_REQUESTS;
        private Duration queueTimeout = ApiSettings.DEFAULT_QUEUE_TIMEOUT;

        private Builder(ApiServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The routes; each method and path template at most once. */
        public Builder routes(List<Route> value) {
            this.routes = List.copyOf(Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Authenticates every route that declares scopes. Without one, routes with scopes are served
         * without a check (auth disabled).
         */
        public Builder authenticator(RequestAuthenticator value) {
            this.authenticator = Optional.of(Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Serves HTTPS instead of HTTP. */
        public Builder tls(TlsSettings value) {
            this.tls = Optional.of(Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Lets browser pages from exactly the given origins call the API (see {@link CorsSettings}): their
         * requests get {@code Access-Control-Allow-Origin}, and their preflight {@code OPTIONS} requests are
         * answered with 204 before authentication. Without this call no CORS header is sent and
         * {@code OPTIONS} gets 405 like any other unrouted method.
         */
        public Builder cors(CorsSettings value) {
            this.cors = Optional.of(Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Records every request in the given metrics: the {@value HttpMetrics#REQUESTS} timer by route template,
         * method and status, the in-flight gauge and the rejected counter (see {@link HttpMetrics}). Serve them
         * with {@link HttpMetrics#scrapeRoute()} on the management server. Without this call nothing is recorded.
         */
        public Builder metrics(HttpMetrics value) {
            this.metrics = Optional.of(Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Sheds overload: at most {@code maxConcurrent} requests are served at once ({@code 0}: unlimited); the next
         * ones wait in arrival order for up to {@code queueTimeout}, then get 503 with {@code Retry-After} (the
         * timeout rounded up to whole seconds, at least 1) and count as rejected {@code overloaded}. Defaults:
         * {@value ApiSettings#DEFAULT_MAX_CONCURRENT_REQUESTS} requests, 1 s.
         *
         * @throws IllegalArgumentException from {@link #build()} if a value is out of range (see {@link ApiSettings})
         */
        public Builder concurrency(int maxConcurrent, Duration timeout) {
            this.maxConcurrentRequests = maxConcurrent;
            this.queueTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Creates the unstarted server.
         *
         * @throws IllegalArgumentException if a route is registered twice, a path template is invalid or a
         *                                  concurrency value is out of range
         */
        public ApiServer build() {
            ApiSettings initial =
                    new ApiSettings(config.maxBodyBytes(), maxConcurrentRequests, queueTimeout, cors, authenticator);
            LiveSettings live = new LiveSettings("API", initial, true);
            // Helidon's own limit is the framing backstop, fixed for the listener's life; the routing enforces the
            // current limit below it.
            ListenerSettings settings = new ListenerSettings(
                    "API", config.host(), config.port(), config.portKey(), live.framingLimit(), config.drainTimeout());
            InFlightRequests inFlight = new InFlightRequests();
            AccessLog accessLog = new AccessLog();
            List<Route> copy = routes;
            Optional<HttpMetrics> meters = metrics;
            ServerRouting.build(copy, inFlight, accessLog, live, meters); // fail fast on bad routes
            return new ApiServer(
                    new HelidonListener(
                            settings,
                            () -> ServerRouting.build(copy, inFlight, accessLog, live, meters),
                            inFlight,
                            accessLog,
                            tls,
                            TlsFileWatcher.DEFAULT_POLL_INTERVAL,
                            meters,
                            () -> live.current().maxBodyBytes()),
                    inFlight,
                    live);
        }
    }

    /**
     * Binds the listener; returns once it accepts connections. Calling it again while running does nothing.
     *
     * @throws HttpBindException     if the host/port cannot be bound; the message names the port key to change
     * @throws IllegalStateException if the server was already stopped
     */
    public void start() {
        listener.start();
    }

    /**
     * The port the listener is bound to: the configured one, or the one the OS chose for port 0. Still
     * answers after {@link #stop()}.
     *
     * @return the bound port
     * @throws IllegalStateException if the server was never started
     */
    public int port() {
        return listener.port();
    }

    /**
     * Requests currently inside the middleware (from routing until their response is written).
     *
     * @return the number of in-flight requests
     */
    public int inFlight() {
        return listener.inFlight();
    }

    /**
     * Stops gracefully, bounded by the configured {@code drainTimeout} (see the class lifecycle). Blocks
     * until the listener is closed. Idempotent; safe from any thread, including a signal handler; concurrent
     * callers all return once the server is stopped. If the calling thread is interrupted, the drain still
     * happens and the interrupt flag is restored afterwards. Stopping a never-started server only marks it
     * stopped.
     */
    public void stop() {
        listener.stop();
    }

    /**
     * Pauses serving (Windows PAUSE): every new request gets 503 with {@code Retry-After} until
     * {@link #resume()}; requests already running finish. Connections stay open.
     */
    public void pause() {
        requests.paused(true);
    }

    /**
     * Starts refusing new requests with 503 (and {@code Connection: close}) ahead of {@link #stop()}, e.g. as
     * soon as the host begins stopping; requests already running are not affected. Cannot be undone.
     */
    public void refuseNewRequests() {
        requests.startDraining();
    }

    /** Serves again after {@link #pause()}. */
    public void resume() {
        requests.paused(false);
    }

    /**
     * The settings requests arriving now are served with: those of the builder, or of the last {@link #apply}.
     *
     * @return the current snapshot
     */
    public ApiSettings settings() {
        return live.current();
    }

    /**
     * Serves every request that arrives from now on with {@code next}, atomically: a request reads the settings
     * once when it arrives, so it sees the old or the new ones, never a mix; requests already running finish with
     * the old. Works before {@link #start()}, while running and while paused. Thread-safe; concurrent calls are
     * applied one after the other. Resizing the concurrency limit keeps the requests already admitted: lowering it
     * admits no one new until enough of them finish.
     *
     * {@snippet :
     * api.apply(api.settings().withMaxBodyBytes(2 * 1024 * 1024));
     * }
     *
     * @param next the new settings
     * @throws IllegalArgumentException if {@code next.maxBodyBytes()} is above what the running listener can
     *                                  enforce without a restart (see {@link ApiSettings#MAX_BODY_BYTES_CEILING});
     *                                  the current settings then stay
     */
    public void apply(ApiSettings next) {
        live.apply(next);
    }

    /**
     * Checks that {@link #apply} would take {@code next}, without applying it: what a reload prepares before it
     * changes anything.
     *
     * @param next the settings a reload would apply
     * @throws IllegalArgumentException if {@code next.maxBodyBytes()} is above what the running listener can enforce
     *                                  without a restart
     */
    public void check(ApiSettings next) {
        live.check(next);
    }

    /** Whether the server is paused. */
    public boolean isPaused() {
        return requests.paused();
    }
}
