package dev.servicekit.users;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Opens the {@link UserStore} a {@link StoreConfig} names.
 *
 * <pre>{@code
 * UserStore store = UserStores.open(StoreConfig.create("jdbc:sqlite:data/users.db"), Clock.systemUTC());
 * }</pre>
 */
public final class UserStores {

    private UserStores() {}

    /**
     * Opens the store: for {@code jdbc:sqlite:<path>} creates missing parent directories and the file,
     * opens the connection pool and migrates the schema; for {@code jdbc:postgresql:} reads the password file,
     * migrates the schema and opens the pool; for {@code memory:} creates an empty store.
     * Blocks until the store is ready. The caller owns the store and must {@link UserStore#close() close} it.
     *
     * @param config where and how to open the store
     * @param clock the clock for {@code createdAt}/{@code updatedAt}
     * @return the open store
     * @throws IllegalArgumentException if the URL is not a supported form (the message lists them)
     * @throws StoreUnavailableException if the database cannot be created, opened or reached
     * @throws SchemaTooNewException if a newer release of users-service has migrated the database
     * @throws StoreException if the schema cannot be migrated
     */
    public static UserStore open(StoreConfig config, Clock clock) {
        return open(config, clock, Optional.empty());
    }

    /**
     * Opens the store like {@link #open(StoreConfig, Clock)} and registers its meters in {@code metrics}: for
     * SQLite and PostgreSQL, HikariCP's pool meters ({@code hikaricp_connections_active}, {@code _idle}, {@code _pending},
     * {@code _max}, …, tagged {@code pool="users-store"}) and {@code store_pool_usage_ratio} (active / max,
     * 0..1). The in-memory store has no pool and registers nothing. Closing the store removes its meters.
     *
     * <pre>{@code
     * UserStore store = UserStores.open(storeConfig, clock, metrics.registry());
     * }</pre>
     *
     * @param config where and how to open the store
     * @param clock the clock for {@code createdAt}/{@code updatedAt}
     * @param metrics the registry for the store's meters
     * @return the open store
     * @throws IllegalArgumentException if the URL is not a supported form (the message lists them)
     * @throws StoreUnavailableException if the database cannot be created, opened or reached
     * @throws SchemaTooNewException if a newer release of users-service has migrated the database
     * @throws StoreException if the schema cannot be migrated
     */
    public static UserStore open(StoreConfig config, Clock clock, MeterRegistry metrics) {
        Objects.requireNonNull(metrics, "metrics");
        return open(config, clock, Optional.of(metrics));
    }

    private static UserStore open(StoreConfig config, Clock clock, Optional<MeterRegistry> metrics) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        if (config.url().equals(StoreConfig.MEMORY_URL)) {
            return new InMemoryUserStore(clock); // no pool, no meters
        }
        if (config.isPostgresql()) {
            return PostgresUserStore.open(config, clock, metrics);
        }
        return config.sqlitePath()
                .<UserStore>map(path -> SqliteUserStore.open(
                        path,
                        config.poolSize(),
                        config.connectionTimeout(),
                        config.timeout(),
                        config.cacheMaxEntries(),
                        clock,
                        metrics))
                .orElseThrow(() -> new IllegalArgumentException("Store URL '" + StoreConfig.redact(config.url())
                        + "' is not supported; use " + StoreConfig.SUPPORTED_FORMS));
    }
}
