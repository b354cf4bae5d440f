package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import dev.servicekit.core.CoreConfigKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The configuration keys of users-service beyond the toolkit's own: the store. */
final class UsersConfigKeys {

    static final ConfigKey<String> STORE_URL = ConfigKey.builder("store.url", ConfigType.nonBlankString())
            .derivedDefault(
                    config ->
                            "jdbc:sqlite:" + config.get(CoreConfigKeys.DATA_DIR).resolve("users.db"),
                    "jdbc:sqlite:<data-dir>/users.db")
            .description(
                    "Where users are stored: jdbc:sqlite:<path> (SQLite file, WAL, synchronous=FULL), or memory: for tests and benchmarks.")
            .build();

    static final ConfigKey<Integer> STORE_POOL_SIZE = ConfigKey.builder("store.pool.size", ConfigType.integer(1, 64))
            .defaultValue(StoreConfig.DEFAULT_POOL_SIZE)
            .description("Most database connections held open.")
            .build();

    static final ConfigKey<Duration> STORE_POOL_CONNECTION_TIMEOUT = ConfigKey.builder(
                    "store.pool.connection-timeout", ConfigType.duration())
            .defaultValue(StoreConfig.DEFAULT_CONNECTION_TIMEOUT)
            .description("Longest a request waits for a database connection or lock before failing with 503.")
            .build();

    private UsersConfigKeys() {}

    static List<ConfigKey<?>> all() {
        return List.of(STORE_URL, STORE_POOL_SIZE, STORE_POOL_CONNECTION_TIMEOUT);
    }

    static StoreConfig storeConfig(Config config) {
        return new StoreConfig(
                config.get(STORE_URL), config.get(STORE_POOL_SIZE), config.get(STORE_POOL_CONNECTION_TIMEOUT));
    }

    static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        try {
            storeConfig(config);
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(STORE_URL.name(), config.source(STORE_URL), e.getMessage()));
        }
        return problems;
    }
}
