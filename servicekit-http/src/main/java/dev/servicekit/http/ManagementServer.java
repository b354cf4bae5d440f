package dev.servicekit.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management listener: health endpoints plus any extra management routes, with the same middleware
 * as the {@link ApiServer} (request id, access log, problem+json, 404/405).
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 {@code {"status":"UP"}} whenever the server can answer.</li>
 *   <li>{@code GET /health/ready}: 200 {@code {"status":"UP","state":…,"checks":{…}}} when the supplied
 *       {@link Readiness} is ready, otherwise 503 with {@code "status":"DOWN"}. The supplier is called once
 *       per request on the request's virtual thread; if it throws, the answer is 503 and the exception is
 *       logged.</li>
 * </ul>
 *
 * {@snippet :
 * ManagementServer management = ManagementServer.create(
 *         new ManagementServerConfig("127.0.0.1", 9090, "management.port"),
 *         lifecycle::readiness,
 *         List.of());
 * management.start();
 * }
 *
 * <p>Threading and lifecycle are those of {@link ApiServer}; {@link #stop()} waits at most
 * {@value #DRAIN_MILLIS} ms for in-flight requests, as health checks are short. Request bodies are limited
 * to {@value #MAX_BODY_BYTES} bytes.
 */
public final class ManagementServer {

    static final long MAX_BODY_BYTES = 64 * 1024;
    static final long DRAIN_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);

    private final HelidonListener listener;
    private final LiveSettings live;

    private ManagementServer(HelidonListener listener, LiveSettings live) {
        this.listener = listener;
        this.live = live;
    }

    /**
     * Creates an unstarted management server.
     *
     * @param config      listener settings
     * @param readiness   answers {@code /health/ready}; called per request, must be fast and thread-safe
     * @param extraRoutes further management routes, for example {@code /metrics}; must not repeat the health paths
     * @return the server
     */
    public static ManagementServer create(
            ManagementServerConfig config, Supplier<Readiness> readiness, List<Route> extraRoutes) {
        return create(config, readiness, extraRoutes, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Creates an unstarted management server that serves HTTPS; with {@link TlsSettings#clientCa()} set, only
     * clients presenting a certificate from those CAs can connect (mutual TLS). Certificate files are reloaded
     * when they change, as for {@link ApiServer}.
     *
     * @param config      listener settings
     * @param readiness   answers {@code /health/ready}; called per request, must be fast and thread-safe
     * @param extraRoutes further management routes; must not repeat the health paths
     * @param tls         certificate, key and optional client CAs
     * @return the server; {@link #start()} throws {@link TlsConfigurationException} if the TLS files are unusable
     */
    public static ManagementServer create(
            ManagementServerConfig config, Supplier<Readiness> readiness, List<Route> extraRoutes, TlsSettings tls) {
        return create(
                config,
                readiness,
                extraRoutes,
                Optional.of(Objects.requireNonNull(tls, "tls")),
                Optional.empty(),
                Optional.empty());
    }

    /**
     * Starts building a management server with optional TLS and an authenticator: routes that declare scopes
     * (admin endpoints require {@code admin}) are served only with a valid token; the health routes stay open.
     */
    public static Builder builder(ManagementServerConfig config, Supplier<Readiness> readiness) {
        return new Builder(config, readiness);
    }

    /** Builds a {@link ManagementServer}. */
    public static final class Builder {
        private final ManagementServerConfig config;
        private final Supplier<Readiness> readiness;
        private List<Route> routes = List.of();
        private Optional<TlsSettings> tls = Optional.empty();
        private Optional<RequestAuthenticator> authenticator = Optional.empty();
        private Optional<String> healthScope = Optional.empty();

        private Builder(ManagementServerConfig config, Supplier<Readiness> readiness) {
            this.config = Objects.requireNonNull(config, "config");
            this.readiness = Objects.requireNonNull(readiness, "readiness");
        }

        /** Further management routes, e.g. admin endpoints with {@code requireScopes("admin")}. */
        public Builder routes(List<Route> value) {
            this.routes = List.copyOf(Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Serves HTTPS (mutual TLS when the settings name client CAs). */
        public Builder tls(TlsSettings value) {
            this.tls = Optional.of(Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Authenticates routes that declare scopes. */
        public Builder authenticator(RequestAuthenticator value) {
            this.authenticator = Optional.of(Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Protects the health routes too: callers need this scope (by default they are open, as probes and
         * load balancers expect on a loopback or private management listener).
         */
        public Builder healthScope(String scope) {
            this.healthScope = Optional.of(Objects.requireNonNull(scope, "scope"));
            return this;
        }

        /** Creates the unstarted server. */
        public ManagementServer build() {
            return create(config, readiness, routes, tls, authenticator, healthScope);
        }
    }

    private static ManagementServer create(
            ManagementServerConfig config,
            Supplier<Readiness> readiness,
            List<Route> extraRoutes,
            Optional<TlsSettings> tls,
            Optional<RequestAuthenticator> authenticator,
            Optional<String> healthScope) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(readiness, "readiness");
        List<Route> routes = new ArrayList<>();
        Route live = Route.get("/health/live", ManagementServer::live);
        Route ready = Route.get("/health/ready", (req, res) -> ready(readiness, res));
        routes.add(healthScope.map(live::requireScopes).orElse(live));
        routes.add(healthScope.map(ready::requireScopes).orElse(ready));
        routes.addAll(Objects.requireNonNull(extraRoutes, "extraRoutes"));
        List<Route> copy = List.copyOf(routes);
        ListenerSettings settings = new ListenerSettings(
                "management",
                config.host(),
                config.port(),
                config.portKey(),
                MAX_BODY_BYTES,
                Duration.ofMillis(DRAIN_MILLIS));
        InFlightRequests inFlight = new InFlightRequests();
        AccessLog accessLog = new AccessLog();
        LiveSettings current = new LiveSettings("management", settingsWith(authenticator), false);
        ServerRouting.build(copy, inFlight, accessLog, current, Optional.empty());
        return new ManagementServer(
                new HelidonListener(
                        settings,
                        () -> ServerRouting.build(copy, inFlight, accessLog, current, Optional.empty()),
                        inFlight,
                        accessLog,
                        tls),
                current);
    }

    /** The management listener's fixed limits (never shed, 64 KiB bodies, no CORS) with the given authenticator. */
    private static ApiSettings settingsWith(Optional<RequestAuthenticator> authenticator) {
        return new ApiSettings(MAX_BODY_BYTES, 0, Duration.ZERO, Optional.empty(), authenticator);
    }

    /**
     * Checks routes that declare scopes with {@code authenticator} from now on, for example after the signing key
     * was rotated; requests already running finish with the previous one. Atomic and thread-safe like
     * {@link ApiServer#apply}. The health routes follow the authenticator only when a health scope is set.
     *
     * @param authenticator the new authenticator
     */
    public void applyAuthenticator(RequestAuthenticator authenticator) {
        live.apply(settingsWith(Optional.of(Objects.requireNonNull(authenticator, "authenticator"))));
    }

    /** The authenticator routes with scopes are checked with now, if any. */
    public Optional<RequestAuthenticator> authenticator() {
        return live.current().authenticator();
    }

    /**
     * Binds the listener; returns once it accepts connections.
     *
     * @throws HttpBindException     if the host/port cannot be bound
     * @throws IllegalStateException if the server was already stopped
     */
    public void start() {
        listener.start();
    }

    /**
     * The bound port (the OS-chosen one for port 0).
     *
     * @return the port
     * @throws IllegalStateException if the server was never started
     */
    public int port() {
        return listener.port();
    }

    /** Stops within about a second; idempotent and safe from any thread, like {@link ApiServer#stop()}. */
    public void stop() {
        listener.stop();
    }

    private static void live(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonBodies.send(res, Status.OK_200, Map.of("status", "UP"));
    }

    private static void ready(Supplier<Readiness> readiness, ServerResponse res) {
        Readiness current;
        try {
            current = Objects.requireNonNull(readiness.get(), "readiness supplier returned null");
        } catch (RuntimeException e) {
            LOG.warn("Readiness check failed; reporting not ready", e);
            current = Readiness.notReady("UNKNOWN", Map.of("readiness", "check failed; see the server log"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", current.ready() ? "UP" : "DOWN");
        body.put("state", current.state());
        body.put("checks", current.checks());
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonBodies.send(res, current.ready() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }
}
