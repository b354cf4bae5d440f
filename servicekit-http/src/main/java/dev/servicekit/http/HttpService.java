package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ReloadPlan;
import dev.servicekit.core.ReloadStep;
import dev.servicekit.core.ReloadableService;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.core.StartContext;
import dev.servicekit.spi.ServiceState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every HTTP service the toolkit hosts runs (SPEC §17), around the application's own part:
 * <ol>
 *   <li>the metrics registry (closed last) and the host's meters;</li>
 *   <li>the JWT key — found, or generated in the data directory — and the authenticator and issuer made from it;</li>
 *   <li>the application's {@link HttpApplication#start}: its store, routes, checks, status sections, reload steps;</li>
 *   <li>the OpenAPI document of the application's routes, served at {@code /openapi.yaml} and {@code /openapi.json};</li>
 *   <li>the management listener: health, {@code /metrics}, the admin routes and the status page ({@code GET /});</li>
 *   <li>the API listener with the application's routes, TLS, CORS, limits and the authenticator;</li>
 *   <li>on the host's state changes: STOPPING refuses new API requests before anything stops, PAUSED answers 503,
 *       a resume serves again; readiness follows the state and the application's checks.</li>
 * </ol>
 * Stop runs the other way: the API drains, management closes, the application's resources close, metrics last.
 *
 * <p>Every reload is prepared first and committed only when every part prepared ({@link #prepare}): limits and CORS,
 * a new authenticator only when a key it uses changed (so cached JWKS keys survive other reloads), a new issuer only
 * when issuing changed, then the application's own steps.
 */
final class HttpService implements ReloadableService {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(HttpService.class);
    }

    /** Keys the API listener's settings read. */
    private static final Set<String> API_KEYS = Set.of(
            HttpConfigKeys.LIMITS_MAX_BODY_SIZE.name(),
            HttpConfigKeys.LIMITS_MAX_CONCURRENT_REQUESTS.name(),
            HttpConfigKeys.LIMITS_QUEUE_TIMEOUT.name(),
            HttpConfigKeys.CORS_ALLOWED_ORIGINS.name());
    /** Keys the authenticator reads (a file key also when its content changed). */
    private static final Set<String> VERIFY_KEYS = Set.of(
            AuthConfigKeys.HS256_SECRET_FILE.name(),
            AuthConfigKeys.PUBLIC_KEY_FILE.name(),
            AuthConfigKeys.JWKS_URL.name(),
            AuthConfigKeys.ISSUER.name(),
            AuthConfigKeys.AUDIENCE.name(),
            AuthConfigKeys.CLOCK_SKEW.name(),
            AuthConfigKeys.MAX_TOKEN_SIZE.name(),
            AuthConfigKeys.CACHE_MAX_AGE.name(),
            AuthConfigKeys.CACHE_MAX_ENTRIES.name());
    /** Keys the issuer reads. */
    private static final Set<String> ISSUE_KEYS = Set.of(
            AuthConfigKeys.HS256_SECRET_FILE.name(),
            AuthConfigKeys.PUBLIC_KEY_FILE.name(),
            AuthConfigKeys.JWKS_URL.name(),
            AuthConfigKeys.ISSUER.name(),
            AuthConfigKeys.AUDIENCE.name(),
            AuthConfigKeys.TOKEN_TTL.name());

    private final HttpApplication app;
    private final Config config;
    private final Clock clock;
    private final boolean authEnabled;
    private final List<ReloadStep> appSteps = new ArrayList<>();
    private volatile Optional<TokenIssuance.Issuing> issuing = Optional.empty();
    /** The listeners a reload applies settings to; set once both run. */
    private volatile Optional<Listeners> listeners = Optional.empty();
    /** Hit and miss counters shared by every authenticator this service builds (a reload builds a new one). */
    private VerifiedTokenCache.Meters tokenCacheMeters = VerifiedTokenCache.Meters.NONE;

    private record Listeners(String serviceName, ApiServer api, ManagementServer management) {}

    HttpService(HttpApplication app, Config config, Clock clock) {
        this.app = app;
        this.config = config;
        this.clock = clock;
        this.authEnabled = config.get(AuthConfigKeys.ENABLED);
    }

    @Override
    public void start(StartContext context) throws Exception {
        ServiceHost host = context.host();
        // Before the first use of Helidon or the management beans: never both threads in them.
        StartupWarmUp.awaitDone();
        HttpMetrics metrics = HttpConfigKeys.metrics(config);
        context.onStop("metrics", metrics::close);
        HostMetrics.of(host).bindTo(metrics.registry());
        // Before the first use of nimbus-jose-jwt (the keys and the authenticator), which the warm-up used meanwhile.
        StartupWarmUp.awaitNimbusDone();

        // One authenticator for both listeners: admin routes on the management listener need the admin scope.
        Optional<JwtSettings> jwt = authEnabled
                ? Optional.of(AuthConfigKeys.settings(config, AuthKeys.resolve(config, host.name()), clock))
                : Optional.empty();
        if (authEnabled) {
            tokenCacheMeters = VerifiedTokenCache.Meters.registeredIn(metrics.registry());
        }
        Optional<JwtAuthenticator> authenticator = jwt.map(this::authenticator);
        issuing = jwt.flatMap(settings -> issuing(settings, config));

        ApplicationContext declared = new ApplicationContext(context, metrics.registry());
        app.start(declared);
        declared.closed = true;
        // Generated once from the routes that will serve requests; a route that cannot be described fails the start.
        OpenApiDocument openApi = OpenApiDocument.generate(app.name(), app.version(), declared.routes, authEnabled);
        List<Route> apiRoutes = new ArrayList<>(declared.routes);
        apiRoutes.addAll(openApi.routes());

        context.progress("starting the management listener");
        ManagementServerConfig managementConfig = HttpConfigKeys.managementServer(config);
        ManagementServer.Builder managementBuilder =
                ManagementServer.builder(managementConfig, () -> readiness(host, declared.checks));
        Route scrape = config.find(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE)
                .map(metrics.scrapeRoute()::requireScopes)
                .orElse(metrics.scrapeRoute());
        if (authenticator.isPresent() || isLoopback(managementConfig.host())) {
            // Without auth the admin routes are served only on a loopback management listener.
            AdminRoutes admin = new AdminRoutes(host, app.version(), clock, declared.sections);
            List<Route> managementRoutes = new ArrayList<>(admin.routes());
            // The status page's series are sampled only where the page is served.
            StatusSamples samples = new StatusSamples(metrics.registry(), clock, StatusSamples.CAPACITY);
            samples.start();
            context.onStop("status page samples", samples::stop);
            managementRoutes.addAll(new StatusPage(admin::status, samples).routes());
            declared.adminRoutes.forEach(route -> managementRoutes.add(route.requireScopes(AdminRoutes.ADMIN)));
            managementRoutes.add(scrape);
            managementBuilder.routes(managementRoutes);
        } else {
            log().warn(
                            "auth.enabled is false and management.host {} is not loopback: the /admin endpoints are not served",
                            managementConfig.host());
            managementBuilder.routes(List.of(scrape));
        }
        HttpConfigKeys.managementTls(config).ifPresent(managementBuilder::tls);
        authenticator.ifPresent(managementBuilder::authenticator);
        config.find(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE).ifPresent(managementBuilder::healthScope);
        ManagementServer management = managementBuilder.build();
        management.start();
        context.onStop("management listener", management::stop);

        context.progress("starting the API listener");
        ApiServerConfig apiConfig = HttpConfigKeys.apiServer(config);
        ApiServer.Builder apiBuilder = ApiServer.builder(apiConfig);
        HttpConfigKeys.apiTls(config).ifPresent(apiBuilder::tls);
        HttpConfigKeys.apiCors(config).ifPresent(apiBuilder::cors);
        ApiSettings limits = HttpConfigKeys.apiSettings(config);
        apiBuilder.concurrency(limits.maxConcurrentRequests(), limits.queueTimeout());
        apiBuilder.metrics(metrics);
        authenticator.ifPresent(apiBuilder::authenticator);
        if (authEnabled) {
            // The cache of the authenticator in use now: a reload that swaps the authenticator swaps what this reads.
            Gauge.builder(
                            VerifiedTokenCache.ENTRIES,
                            () -> listeners
                                    .flatMap(l -> l.api().settings().authenticator())
                                    .map(a -> a instanceof JwtAuthenticator jwtAuthenticator
                                            ? jwtAuthenticator.cachedTokens()
                                            : 0)
                                    .orElse(0))
                    .description("Verified tokens held by the verified-token cache of the authenticator in use")
                    .strongReference(true)
                    .register(metrics.registry());
        }
        if (!authEnabled) {
            log().warn(
                            "auth.enabled is false: every API route is open to anyone who can reach {}:{}; set auth.enabled: true",
                            apiConfig.host(),
                            apiConfig.port());
        }
        ApiServer api = apiBuilder.routes(apiRoutes).build();
        api.start();
        context.onStop("API listener", api::stop);
        // PAUSED (Windows PAUSE) and STOPPING answer 503 on the API; readiness already follows the host's state.
        host.addListener(change -> {
            if (change.to() == ServiceState.STOPPING) {
                api.refuseNewRequests(); // before the stop actions run: no new request slips in while readiness is 503
            } else if (change.to() == ServiceState.PAUSED) {
                api.pause();
            } else if (change.from() == ServiceState.PAUSED) {
                api.resume();
            }
        });

        host.endpoint(
                "api",
                URI.create(url(
                        apiConfig.host(),
                        api.port(),
                        HttpConfigKeys.apiTls(config).isPresent())));
        host.endpoint(
                "management",
                URI.create(url(
                        managementConfig.host(),
                        management.port(),
                        HttpConfigKeys.managementTls(config).isPresent())));
        listeners = Optional.of(new Listeners(host.name(), api, management));
        log().info("API listening on {}", host.endpoints().get("api"));
        log().info("Management listening on {}", host.endpoints().get("management"));
    }

    /**
     * Prepares the toolkit's part of a reload, then the application's steps: builds the new API settings, and a new
     * authenticator and issuer only when a key they read changed; checks what only the running listener can check
     * (a body limit above its framing limit). The commit swaps them in.
     *
     * @throws RuntimeException when a new value cannot be applied (a key file that cannot be read, a body limit that
     *                          needs a restart); nothing is swapped
     */
    @Override
    public ReloadPlan prepare(Config next, Set<String> changedKeys) {
        Listeners target = listeners.orElseThrow(
                () -> new IllegalStateException("the service is still starting; reload again once it runs"));
        Set<String> api = intersection(changedKeys, API_KEYS);
        Set<String> verify = intersection(changedKeys, VERIFY_KEYS);
        Set<String> issue = intersection(changedKeys, ISSUE_KEYS);
        Set<String> auth = new LinkedHashSet<>(verify);
        auth.addAll(issue);
        ReloadPlan plan = ReloadPlan.none();
        if (!authEnabled) {
            plan = plan.and(ReloadPlan.inactive(auth));
            verify = Set.of();
            issue = Set.of();
        }
        Optional<JwtSettings> jwt = verify.isEmpty() && issue.isEmpty()
                ? Optional.empty()
                : Optional.of(AuthConfigKeys.settings(next, AuthKeys.resolve(next, target.serviceName()), clock));
        Optional<JwtAuthenticator> authenticator = verify.isEmpty() ? Optional.empty() : jwt.map(this::authenticator);
        Optional<Optional<TokenIssuance.Issuing>> issuer =
                issue.isEmpty() ? Optional.empty() : jwt.map(settings -> issuing(settings, next));
        if (!api.isEmpty() || authenticator.isPresent()) {
            ApiSettings settings = HttpConfigKeys.apiSettings(next);
            Optional<RequestAuthenticator> current = authenticator
                    .<RequestAuthenticator>map(a -> a)
                    .or(() -> target.api().settings().authenticator());
            ApiSettings applied = current.map(settings::withAuthenticator).orElse(settings);
            target.api().check(applied);
            Set<String> keys = new LinkedHashSet<>(api);
            keys.addAll(verify);
            plan = plan.and(ReloadPlan.applying(keys, () -> {
                target.api().apply(applied);
                authenticator.ifPresent(target.management()::applyAuthenticator);
            }));
        }
        if (issuer.isPresent()) {
            Optional<TokenIssuance.Issuing> nextIssuing = issuer.get();
            plan = plan.and(ReloadPlan.applying(issue, () -> issuing = nextIssuing));
        }
        for (ReloadStep step : appSteps) {
            plan = plan.and(step.prepare(next, changedKeys));
        }
        return plan;
    }

    private JwtAuthenticator authenticator(JwtSettings settings) {
        return JwtAuthenticator.create(settings, tokenCacheMeters);
    }

    private static Set<String> intersection(Set<String> changed, Set<String> keys) {
        Set<String> both = new LinkedHashSet<>(changed);
        both.retainAll(keys);
        return both;
    }

    /** Tokens are issued only with an HS256 secret; a public key or JWKS only verifies. */
    private static Optional<TokenIssuance.Issuing> issuing(JwtSettings settings, Config config) {
        return settings.keySource() instanceof JwtKeySource.HmacSecret
                ? Optional.of(
                        new TokenIssuance.Issuing(JwtIssuer.create(settings), config.get(AuthConfigKeys.TOKEN_TTL)))
                : Optional.empty();
    }

    private static Readiness readiness(ServiceHost host, Map<String, BooleanSupplier> checks) {
        Map<String, Object> results = new LinkedHashMap<>();
        boolean allUp = true;
        for (Map.Entry<String, BooleanSupplier> check : checks.entrySet()) {
            boolean up;
            try {
                up = check.getValue().getAsBoolean();
            } catch (RuntimeException e) {
                log().debug("Readiness check {} failed", check.getKey(), e);
                up = false;
            }
            results.put(check.getKey(), up ? "UP" : "DOWN");
            allUp &= up;
        }
        String state = host.state().name();
        return host.isReady() && allUp ? Readiness.ready(state, results) : Readiness.notReady(state, results);
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static String url(String host, int port, boolean tls) {
        return (tls ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** What the application declares during {@link HttpApplication#start}; closed once it returned. */
    private final class ApplicationContext implements HttpServiceContext {
        private final StartContext start;
        private final MeterRegistry registry;
        private final List<Route> routes = new ArrayList<>();
        private final List<Route> adminRoutes = new ArrayList<>();
        private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        private final Map<String, Supplier<Object>> sections = new LinkedHashMap<>();
        private final ClientAddresses clientAddresses = HttpConfigKeys.clientAddresses(config);
        private boolean closed;

        ApplicationContext(StartContext start, MeterRegistry registry) {
            this.start = start;
            this.registry = registry;
        }

        private void open(String what) {
            if (closed) {
                throw new IllegalStateException(what + " must be declared during start");
            }
        }

        @Override
        public Config config() {
            return config;
        }

        @Override
        public ServiceHost host() {
            return start.host();
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public MeterRegistry meterRegistry() {
            return registry;
        }

        @Override
        public void onStop(String what, StartContext.StopAction action) {
            start.onStop(what, action);
        }

        @Override
        public void progress(String message) {
            start.progress(message);
        }

        @Override
        public void oneTimeWork(String what) {
            start.oneTimeWork(what);
        }

        @Override
        public void routes(List<Route> more) {
            open("Routes");
            routes.addAll(more);
        }

        @Override
        public void adminRoutes(List<Route> more) {
            open("Admin routes");
            for (Route route : more) {
                if (!route.pathTemplate().startsWith("/admin/")) {
                    throw new IllegalArgumentException("Admin route \"" + route.pathTemplate()
                            + "\" must start with /admin/; declare API routes with routes(...)");
                }
                adminRoutes.add(route);
            }
        }

        @Override
        public void readinessCheck(String name, BooleanSupplier up) {
            open("Readiness checks");
            if (checks.putIfAbsent(
                            named("A readiness check", "GET /health/ready", name), Objects.requireNonNull(up, "up"))
                    != null) {
                throw new IllegalArgumentException("Readiness check \"" + name + "\" is declared twice");
            }
        }

        @Override
        public void statusSection(String name, Supplier<Object> view) {
            open("Status sections");
            named("A status section", "GET /admin/status", name);
            if (AdminRoutes.RESERVED_SECTIONS.contains(name)) {
                throw new IllegalArgumentException("Status section \"" + name
                        + "\" would replace the toolkit's own entry of /admin/status; name it after what it shows"
                        + " (e.g. \"store\"), but not one of " + String.join(", ", AdminRoutes.RESERVED_SECTIONS));
            }
            if (sections.putIfAbsent(name, Objects.requireNonNull(view, "view")) != null) {
                throw new IllegalArgumentException("Status section \"" + name + "\" is declared twice");
            }
        }

        /** {@code name}, refused when blank: it is the entry's key in {@code document}, which no one could read. */
        private static String named(String what, String document, String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException(
                        what + " needs a name that is not blank: it is its key in " + document);
            }
            return name;
        }

        @Override
        public boolean authEnabled() {
            return authEnabled;
        }

        @Override
        public ClientAddresses clientAddresses() {
            return clientAddresses;
        }

        @Override
        public TokenIssuance tokens() {
            return () -> issuing;
        }

        @Override
        public void onReload(ReloadStep step) {
            open("Reload steps");
            appSteps.add(Objects.requireNonNull(step, "step"));
        }
    }
}
