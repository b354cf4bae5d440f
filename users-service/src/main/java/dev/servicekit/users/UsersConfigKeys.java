package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import dev.servicekit.core.CoreConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration keys of users-service beyond the toolkit's own: the store. None is reloadable: a new store
 * URL, role or pool means a new store, which a restart opens ("requires restart").
 */
final class UsersConfigKeys {

    static final ConfigKey<String> STORE_URL = ConfigKey.builder("store.url", ConfigType.nonBlankString())
            .derivedDefault(
                    config ->
                            "jdbc:sqlite:" + config.get(CoreConfigKeys.DATA_DIR).resolve("users.db"),
                    "jdbc:sqlite:<data-dir>/users.db")
            .description("Where users are stored: jdbc:sqlite:<path> (SQLite file, WAL, synchronous=FULL), "
                    + "jdbc:postgresql://host[:port]/database[?options] (PostgreSQL, shared by a fleet; no credentials"
                    + " or timeouts in the URL), or memory: for tests and benchmarks.")
            .build();

    static final ConfigKey<String> STORE_USERNAME = ConfigKey.builder("store.username", ConfigType.nonBlankString())
            .description("PostgreSQL only, and required there: the role the store logs in as.")
            .build();

    static final ConfigKey<Path> STORE_PASSWORD_FILE = ConfigKey.builder("store.password-file", ConfigType.secretFile())
            .description("PostgreSQL only: file whose first line is the role's password, read when the store opens;"
                    + " owner-only permissions (chmod 600). The password never appears in config show, status, logs"
                    + " or errors.")
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

    static final ConfigKey<Duration> STORE_TIMEOUT = ConfigKey.builder("store.timeout", ConfigType.duration())
            .defaultValue(StoreConfig.DEFAULT_TIMEOUT)
            .description("Longest any store call may take end to end; after it the request fails with 503 and"
                    + " Retry-After. PostgreSQL's connect, socket and statement timeouts are derived from it, so stuck"
                    + " connections are freed.")
            .build();

    private UsersConfigKeys() {}

    static List<ConfigKey<?>> all() {
        return List.of(
                STORE_URL,
                STORE_USERNAME,
                STORE_PASSWORD_FILE,
                STORE_POOL_SIZE,
                STORE_POOL_CONNECTION_TIMEOUT,
                STORE_TIMEOUT);
    }

    static StoreConfig storeConfig(Config config) {
        return new StoreConfig(
                config.get(STORE_URL),
                config.get(STORE_POOL_SIZE),
                config.get(STORE_POOL_CONNECTION_TIMEOUT),
                config.get(STORE_TIMEOUT),
                config.find(STORE_USERNAME),
                config.find(STORE_PASSWORD_FILE));
    }

    static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (StoreConfig.Problem problem : StoreConfig.problems(
                config.get(STORE_URL),
                config.get(STORE_POOL_SIZE),
                config.get(STORE_POOL_CONNECTION_TIMEOUT),
                config.get(STORE_TIMEOUT),
                config.find(STORE_USERNAME),
                config.find(STORE_PASSWORD_FILE))) {
            ConfigKey<?> key = key(problem.field());
            problems.add(new ConfigProblem(key.name(), config.source(key), problem.message()));
        }
        StoreConfig.missingRole(config.get(STORE_URL), config.find(STORE_USERNAME))
                .ifPresent(problem -> problems.add(
                        new ConfigProblem(STORE_USERNAME.name(), config.source(STORE_USERNAME), problem.message())));
        config.find(STORE_PASSWORD_FILE)
                .flatMap(StorePassword::problem)
                .ifPresent(message -> problems.add(
                        new ConfigProblem(STORE_PASSWORD_FILE.name(), config.source(STORE_PASSWORD_FILE), message)));
        return problems;
    }

    private static ConfigKey<?> key(StoreConfig.Field field) {
        return switch (field) {
            case URL -> STORE_URL;
            case POOL_SIZE -> STORE_POOL_SIZE;
            case CONNECTION_TIMEOUT -> STORE_POOL_CONNECTION_TIMEOUT;
            case TIMEOUT -> STORE_TIMEOUT;
            case USERNAME -> STORE_USERNAME;
            case PASSWORD_FILE -> STORE_PASSWORD_FILE;
        };
    }
}
