package dev.servicekit.users;

import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.http.HttpServiceContext;
import dev.servicekit.http.Route;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users domain, started inside the toolkit's HTTP service: opens the store (migrating it), declares the users
 * API and, with auth on, the token route; the store is a readiness check and a status section. A store whose schema
 * is newer than this version knows fails the start as a configuration error (exit 78). The toolkit starts
 * the listeners after this and stops them before the store closes.
 */
final class UsersService {

    private static final Logger LOG = LoggerFactory.getLogger(UsersService.class);
    private static final Duration STORE_CHECK_TIMEOUT = Duration.ofSeconds(1);
    /** Failed logins per client and per account allowed within {@link #LOGIN_WINDOW}; the next gets 429. */
    static final int LOGIN_FAILURES = 5;

    static final Duration LOGIN_WINDOW = Duration.ofMinutes(1);
    /** How long after start the decoy password hash is made in the background. */
    private static final Duration DECOY_HASH_DELAY = Duration.ofSeconds(2);

    private final Clock clock;
    private final PasswordHasher hasher;

    UsersService(Clock clock, PasswordHasher hasher) {
        this.clock = clock;
        this.hasher = hasher;
    }

    void start(HttpServiceContext context) {
        context.progress("opening the store");
        UserStore store;
        try {
            store = UserStores.open(UsersConfigKeys.storeConfig(context.config()), clock, context.meterRegistry());
        } catch (SchemaTooNewException e) {
            // The configuration points this version at a database it cannot use: a configuration error (exit 78).
            throw new ConfigException(List.of(new ConfigProblem(
                    UsersConfigKeys.STORE_URL.name(),
                    context.config().source(UsersConfigKeys.STORE_URL),
                    e.getMessage())));
        }
        context.onStop("store", store::close);
        if (store.migrationsAppliedAtOpen() > 0) {
            context.oneTimeWork(store.migrationsAppliedAtOpen() + " schema migration(s) applied");
        }
        LOG.info("Store: {}", store.describe());
        context.readinessCheck("store", () -> storeState(store).equals("UP"));
        context.statusSection("store", () -> storeStatus(store));
        if (store instanceof SnapshotSource snapshots) {
            context.adminRoutes(new BackupApi(snapshots, clock).routes());
        }
        scheduleBackups(context, store);

        // One per service, shared by its routes: at most one WARN line per interval, whichever route failed.
        StoreFailureLog storeFailures = new StoreFailureLog(clock);
        List<Route> routes = new ArrayList<>(new UsersApi(store, hasher, storeFailures).routes());
        if (context.authEnabled()) {
            // The token route exists whenever auth is on; it issues while the key source is an HS256 secret.
            AuthApi auth = new AuthApi(
                    store,
                    hasher,
                    context.tokens(),
                    new LoginRateLimiter(store, LOGIN_FAILURES, LOGIN_WINDOW, clock),
                    context.clientAddresses(),
                    storeFailures);
            routes.addAll(auth.routes());
            // Off the start path: the decoy password hash (a full PBKDF2 run) is made shortly after the first
            // requests are served, unless a login has needed it already.
            Thread decoy = Thread.ofVirtual().name("auth-decoy-hash").start(() -> {
                try {
                    Thread.sleep(DECOY_HASH_DELAY);
                    auth.prepare();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            context.onStop("decoy password hash", decoy::interrupt);
        }
        context.routes(routes);
    }

    /**
     * Scheduled backups ({@link ScheduledBackups}) of a store that can take a snapshot; their meters exist even when
     * {@code backup.interval} is off. Stopped before the store closes (stop actions run in reverse order).
     */
    private void scheduleBackups(HttpServiceContext context, UserStore store) {
        Duration interval = context.config().get(UsersConfigKeys.BACKUP_INTERVAL);
        if (!(store instanceof SnapshotSource snapshots)) {
            if (!interval.isZero()) {
                throw new ConfigException(List.of(new ConfigProblem(
                        UsersConfigKeys.BACKUP_INTERVAL.name(),
                        context.config().source(UsersConfigKeys.BACKUP_INTERVAL),
                        "store '" + store.describe() + "' cannot be backed up by the service in this release; set"
                                + " backup.interval: 0s and use 'data export' (docs/backup.md)")));
            }
            return;
        }
        ScheduledBackups backups = new ScheduledBackups(
                snapshots,
                context.config().get(UsersConfigKeys.BACKUP_DIR),
                interval,
                context.config().get(UsersConfigKeys.BACKUP_KEEP),
                clock,
                UsersServiceApplication.Version.VALUE,
                context.meterRegistry());
        Duration stopTimeout = context.config().get(CoreConfigKeys.SHUTDOWN_DRAIN_TIMEOUT);
        context.onStop("scheduled backups", () -> backups.stop(stopTimeout));
        try {
            backups.start();
        } catch (UncheckedIOException e) {
            throw new ConfigException(List.of(new ConfigProblem(
                    UsersConfigKeys.BACKUP_DIR.name(),
                    context.config().source(UsersConfigKeys.BACKUP_DIR),
                    e.getMessage())));
        }
    }

    /**
     * The store's status section: {@code kind} and {@code state}, and when it is {@code DOWN} the {@code reason} the
     * store gave (e.g. PostgreSQL refused the login), which readiness does not show. The store's messages name host,
     * database and role, never the password.
     */
    static Map<String, String> storeStatus(UserStore store) {
        return whyDown(store)
                .map(reason -> Map.of("kind", store.describe(), "state", "DOWN", "reason", reason))
                .orElseGet(() -> Map.of("kind", store.describe(), "state", "UP"));
    }

    /** {@code UP} when the store answers within {@link #STORE_CHECK_TIMEOUT}, else {@code DOWN}. */
    static String storeState(UserStore store) {
        return whyDown(store).isEmpty() ? "UP" : "DOWN";
    }

    /** Empty when the store answers within {@link #STORE_CHECK_TIMEOUT}, else why it did not. */
    private static Optional<String> whyDown(UserStore store) {
        try {
            store.ping(STORE_CHECK_TIMEOUT);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }
}
