package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ReloadableService;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.core.StartContext;
import dev.servicekit.http.ApiServer;
import dev.servicekit.http.ApiServerConfig;
import dev.servicekit.http.ApiSettings;
import dev.servicekit.http.AuthConfigKeys;
import dev.servicekit.http.JwtAuthenticator;
import dev.servicekit.http.JwtIssuer;
import dev.servicekit.http.JwtKeySource;
import dev.servicekit.http.JwtSettings;
import dev.servicekit.http.Route;
import dev.servicekit.http.HttpConfigKeys;
import dev.servicekit.http.HostMetrics;
import dev.servicekit.http.HttpMetrics;
import dev.servicekit.http.ManagementServer;
import dev.servicekit.http.ManagementServerConfig;
import dev.servicekit.http.Readiness;
import dev.servicekit.spi.ServiceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The running users-service: opens the store (migrating it), then the management listener, then the
 * API listener. Stop runs the other way: the API drains, management closes, the store closes last.
 *
 * <p>A reload ({@link #applyConfig}) builds everything the reloadable keys describe first (limits, CORS, the JWT
 * authenticator from the new key material, the token issuer), then swaps each into place; if building fails,
 * nothing is swapped and the reload is reported as failed.
 */
final class UsersService implements ReloadableService {

    private static final Logger LOG = LoggerFactory.getLogger(UsersService.class);
    private static final Duration STORE_CHECK_TIMEOUT = Duration.ofSeconds(1);
    /** Failed logins per client and per account allowed within {@link #LOGIN_WINDOW}; the next gets 429. */
    static final int LOGIN_FAILURES = 5;
    static final Duration LOGIN_WINDOW = Duration.ofMinutes(1);
    /** How long after start the decoy password hash is made in the background. */
    private static final Duration DECOY_HASH_DELAY = Duration.ofSeconds(2);

    private final Config config;
    private final Clock clock;
    private final PasswordHasher hasher;
    private volatile int apiPort = -1;
    private volatile int managementPort = -1;
    /** What a reload swaps settings into; set once both listeners run. */
    private volatile Optional<Reloadable> reloadable = Optional.empty();

    private record Reloadable(String serviceName, ApiServer api, ManagementServer management, Optional<AuthApi> authApi) {
    }

    UsersService(Config config, Clock clock, PasswordHasher hasher) {
        this.config = config;
        this.clock = clock;
        this.hasher = hasher;
    }

    @Override
    public void start(StartContext context) {
        ServiceHost host = context.host();

        // Metrics first: the store registers its pool meters; the store closes before the registry does.
        HttpMetrics metrics = HttpConfigKeys.metrics(config);
        context.onStop("metrics", metrics::close);

        context.progress("opening the store");
        StoreConfig storeConfig = UsersConfigKeys.storeConfig(config);
        UserStore store = UserStores.open(storeConfig, clock, metrics.registry());
        context.onStop("store", store::close);
        LOG.info("Store: {}", store.describe());

        // One authenticator for both listeners: admin routes on the management listener need the admin scope.
        Optional<JwtSettings> jwt = config.get(AuthConfigKeys.ENABLED)
                ? Optional.of(AuthConfigKeys.settings(config, AuthKeys.resolve(config, host.name()), clock))
                : Optional.empty();
        Optional<JwtAuthenticator> authenticator = jwt.map(JwtAuthenticator::create);

        HostMetrics.of(host).bindTo(metrics.registry());

        context.progress("starting the management listener");
        ManagementServerConfig managementConfig = HttpConfigKeys.managementServer(config);
        ManagementServer.Builder managementBuilder = ManagementServer.builder(managementConfig, () -> readiness(host, store));
        if (authenticator.isPresent() || isLoopback(managementConfig.host())) {
            // Without auth the admin routes are served only on a loopback management listener.
            List<Route> managementRoutes = new ArrayList<>(new AdminApi(host, config, UsersServiceApplication.Version.VALUE, store, clock,
                    Map.of("api", () -> apiPort, "management", () -> managementPort)).routes());
            managementRoutes.add(scrape(metrics));
            managementBuilder.routes(managementRoutes);
        } else {
            LOG.warn("auth.enabled is false and management.host {} is not loopback: the /admin endpoints are not served",
                    managementConfig.host());
            managementBuilder.routes(List.of(scrape(metrics)));
        }
        HttpConfigKeys.managementTls(config).ifPresent(managementBuilder::tls);
        authenticator.ifPresent(managementBuilder::authenticator);
        config.find(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE).ifPresent(managementBuilder::healthScope);
        ManagementServer management = managementBuilder.build();
        management.start();
        context.onStop("management listener", management::stop);

        context.progress("starting the API listener");
        ApiServerConfig apiConfig = HttpConfigKeys.apiServer(config);
        List<Route> routes = new ArrayList<>(new UsersApi(store, hasher).routes());
        ApiServer.Builder apiBuilder = ApiServer.builder(apiConfig);
        HttpConfigKeys.apiTls(config).ifPresent(apiBuilder::tls);
        HttpConfigKeys.apiCors(config).ifPresent(apiBuilder::cors);
        ApiSettings limits = HttpConfigKeys.apiSettings(config);
        apiBuilder.concurrency(limits.maxConcurrentRequests(), limits.queueTimeout());
        apiBuilder.metrics(metrics);
        authenticator.ifPresent(apiBuilder::authenticator);
        // With auth on, the token route always exists; it issues while the key source is an HS256 secret (a reload may change that).
        Optional<AuthApi> authApi = jwt.map(settings -> new AuthApi(store, hasher, issuing(settings, config),
                new LoginRateLimiter(LOGIN_FAILURES, LOGIN_WINDOW, clock)));
        authApi.ifPresent(a -> routes.addAll(a.routes()));
        if (jwt.isEmpty()) {
            LOG.warn("auth.enabled is false: every API route is open to anyone who can reach {}:{}; set auth.enabled: true",
                    apiConfig.host(), apiConfig.port());
        }
        ApiServer api = apiBuilder.routes(routes).build();
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
            if (change.to() == ServiceState.RUNNING && change.from() == ServiceState.STARTING) {
                // Off the start path: the decoy password hash (a full PBKDF2 run) is made shortly after the
                // first requests are served, unless a login has needed it already.
                authApi.ifPresent(a -> Thread.ofVirtual().name("auth-decoy-hash").start(() -> {
                    try {
                        Thread.sleep(DECOY_HASH_DELAY);
                        a.prepare();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        });

        apiPort = api.port();
        managementPort = management.port();
        reloadable = Optional.of(new Reloadable(host.name(), api, management, authApi));
        LOG.info("API listening on {}", url(apiConfig.host(), api.port()));
        LOG.info("Management listening on {}", url(managementConfig.host(), management.port()));
    }

    /**
     * Applies the reloadable keys: {@code limits.*}, {@code http.cors.allowed-origins} and the {@code auth.*} key
     * material and checks ({@code auth.enabled} needs a restart). Builds the new authenticator, issuer and API
     * settings first, so a key file that cannot be loaded fails the reload before anything changes.
     *
     * @throws RuntimeException if the new settings cannot be built or applied; the running ones stay
     */
    @Override
    public void applyConfig(Config next) {
        Reloadable target = reloadable.orElseThrow(() -> new IllegalStateException(
                "the service is still starting; reload again once it runs"));
        boolean authEnabled = target.authApi().isPresent();
        Optional<JwtSettings> jwt = authEnabled
                ? Optional.of(AuthConfigKeys.settings(next, AuthKeys.resolve(next, target.serviceName()), clock))
                : Optional.empty();
        Optional<JwtAuthenticator> authenticator = jwt.map(JwtAuthenticator::create);
        ApiSettings apiSettings = HttpConfigKeys.apiSettings(next);
        if (authenticator.isPresent()) {
            apiSettings = apiSettings.withAuthenticator(authenticator.get());
        }
        Optional<AuthApi.Issuing> issuing = jwt.flatMap(settings -> issuing(settings, next));
        // Everything is built; the API goes first because it is the only swap that can still refuse (body limit).
        target.api().apply(apiSettings);
        authenticator.ifPresent(target.management()::applyAuthenticator);
        target.authApi().ifPresent(a -> a.apply(issuing));
    }

    /** Tokens are issued only with an HS256 secret; a public key or JWKS only verifies. */
    private static Optional<AuthApi.Issuing> issuing(JwtSettings settings, Config config) {
        return settings.keySource() instanceof JwtKeySource.HmacSecret
                ? Optional.of(new AuthApi.Issuing(JwtIssuer.create(settings), config.get(AuthConfigKeys.TOKEN_TTL)))
                : Optional.empty();
    }

    /** The bound API port once started (useful with port 0), else -1. */
    int apiPort() {
        return apiPort;
    }

    /** The bound management port once started, else -1. */
    int managementPort() {
        return managementPort;
    }

    private static Readiness readiness(ServiceHost host, UserStore store) {
        String state = host.state().name();
        String storeState = storeState(store);
        Map<String, Object> checks = Map.of("store", storeState);
        return host.isReady() && storeState.equals("UP") ? Readiness.ready(state, checks) : Readiness.notReady(state, checks);
    }

    /** {@code GET /metrics}, behind {@code management.health-scope} when one is configured, like the health routes. */
    private Route scrape(HttpMetrics metrics) {
        Route route = metrics.scrapeRoute();
        return config.find(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE).map(route::requireScopes).orElse(route);
    }

    /** {@code UP} when the store answers within {@link #STORE_CHECK_TIMEOUT}, else {@code DOWN}. */
    static String storeState(UserStore store) {
        try {
            store.ping(STORE_CHECK_TIMEOUT);
            return "UP";
        } catch (RuntimeException e) {
            return "DOWN";
        }
    }

    static boolean isLoopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static String url(String host, int port) {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
