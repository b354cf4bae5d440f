package dev.servicekit.users;

import java.time.Clock;
import java.util.Objects;

/**
 * Opens the {@link UserStore} a {@link StoreConfig} names.
 *
 * <pre>{@code
 * UserStore store = UserStores.open(StoreConfig.create("jdbc:sqlite:data/users.db"), Clock.systemUTC());
 * }</pre>
 */
public final class UserStores {

    private UserStores() {
    }

    /**
     * Opens the store: for {@code jdbc:sqlite:<path>} creates missing parent directories and the file,
     * opens the connection pool and migrates the schema; for {@code memory:} creates an empty store.
     * Blocks until the store is ready. The caller owns the store and must {@link UserStore#close() close} it.
     *
     * @param config where and how to open the store
     * @param clock the clock for {@code createdAt}/{@code updatedAt}
     * @return the open store
     * @throws IllegalArgumentException if the URL is not a supported form (the message lists them)
     * @throws StoreUnavailableException if the database cannot be created or opened
     * @throws StoreException if the schema cannot be migrated
     */
    public static UserStore open(StoreConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        if (config.url().equals(StoreConfig.MEMORY_URL)) {
            return new InMemoryUserStore(clock);
        }
        return config.sqlitePath()
                .<UserStore>map(path -> SqliteUserStore.open(path, config.poolSize(), config.connectionTimeout(), clock))
                .orElseThrow(() -> new IllegalArgumentException("Store URL '" + config.url()
                        + "' is not supported; use " + StoreConfig.SUPPORTED_FORMS));
    }
}
