package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.core.StartContext;
import dev.servicekit.http.ApiServer;
import dev.servicekit.http.ApiServerConfig;
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
 */
final class UsersService implements Service {

    private static final Logger LOG = LoggerFactory.getLogger(UsersService.class);
    private static final Duration STORE_CHECK_TIMEOUT = Duration.ofSeconds(1);
    /** Failed logins per client and per account allowed within {@link #LOGIN_WINDOW}; the next gets 429. */
    static final int LOGIN_FAILURES = 5;
    static final Duration LOGIN_WINDOW = Duration.ofMinutes(1);

    private final Config config;
    private final Clock clock;
    private final PasswordHasher hasher;
    private volatile int apiPort = -1;
    private volatile int managementPort = -1;

    UsersService(Config config, Clock clock, PasswordHasher hasher) {
        this.config = config;
        this.clock = clock;
        this.hasher = hasher;
    }

    @Override
    public void start(StartContext context) {
        ServiceHost host = context.host();

        context.progress("opening the store");
        StoreConfig storeConfig = UsersConfigKeys.storeConfig(config);
        UserStore store = UserStores.open(storeConfig, clock);
        context.onStop("store", store::close);
        LOG.info("Store: {}", store.describe());

        // One authenticator for both listeners: admin routes on the management listener need the admin scope.
        Optional<JwtSettings> jwt = config.get(AuthConfigKeys.ENABLED)
                ? Optional.of(AuthConfigKeys.settings(config, AuthKeys.resolve(config, host.name()), clock))
                : Optional.empty();
        Optional<JwtAuthenticator> authenticator = jwt.map(JwtAuthenticator::create);

        HttpMetrics metrics = HttpMetrics.create();
        context.onStop("metrics", metrics::close);
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
        apiBuilder.metrics(metrics);
        authenticator.ifPresent(apiBuilder::authenticator);
        if (jwt.isPresent() && jwt.get().keySource() instanceof JwtKeySource.HmacSecret) {
            routes.addAll(new AuthApi(store, hasher, JwtIssuer.create(jwt.get()), config.get(AuthConfigKeys.TOKEN_TTL),
                    new LoginRateLimiter(LOGIN_FAILURES, LOGIN_WINDOW, clock)).routes());
        }
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
        });

        apiPort = api.port();
        managementPort = management.port();
        LOG.info("API listening on {}", url(apiConfig.host(), api.port()));
        LOG.info("Management listening on {}", url(managementConfig.host(), management.port()));
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
