package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.ExistingPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configuration keys of users-service beyond the toolkit's own: the store, the scheduled backups and the password
 * hash's work factor. None is reloadable: a new store URL, role or pool means a new store, which a restart opens, and
 * the backup schedule and the password hasher are set up at start ("requires restart").
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
            .description("Most database connections held open. SQLite: the pool's, plus as many read connections of"
                    + " its own for the short reads (by id, a page, credentials), one for the group-commit writer and"
                    + " one the cache of reads by id keeps open, so up to twice this plus two.")
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
                    + " connections are freed. SQLite: a write not started within it is never applied (the 503 means not"
                    + " applied); one whose batch already started is waited for until its commit, at most twice this."
                    + " A SQLite read runs on the request's thread and waits at most this for a read connection or a"
                    + " lock; one already inside SQLite when the disk stalls waits for the disk, and the reads after it"
                    + " go to the store's io threads and are cut at this again.")
            .build();

    static final ConfigKey<Integer> STORE_CACHE_MAX_ENTRIES = ConfigKey.builder(
                    "store.cache.max-entries", ConfigType.integer(0, StoreConfig.MAX_CACHE_MAX_ENTRIES))
            .defaultValue(StoreConfig.DEFAULT_CACHE_MAX_ENTRIES)
            .description("SQLite only: the most users kept in memory for reads by id (GET /api/v1/users/{id}); 0 turns"
                    + " the cache off. A commit by anything else (data import, another process, the sqlite3 shell)"
                    + " is seen by the next read, through SQLite's WAL index; off on Windows.")
            .build();

    static final ConfigKey<Duration> BACKUP_INTERVAL = ConfigKey.builder("backup.interval", ConfigType.duration())
            .defaultValue(Duration.ZERO)
            .description("How often the service takes a backup of its store by itself (the first right after start),"
                    + " into backup.dir, as 'backup --to' writes it; 0s turns scheduled backups off. At least 1s."
                    + " SQLite or PostgreSQL store (not memory:).")
            .build();

    static final ConfigKey<Path> BACKUP_DIR = ConfigKey.builder("backup.dir", ConfigType.path())
            .derivedDefault(config -> config.get(CoreConfigKeys.DATA_DIR).resolve("backups"), "<data-dir>/backups")
            .description("Directory of the scheduled backups (users-<UTC time>.db and its manifest), created"
                    + " owner-only when missing. Retention deletes only files of that name pattern.")
            .build();

    static final ConfigKey<Integer> BACKUP_KEEP = ConfigKey.builder("backup.keep", ConfigType.integer(1, 10_000))
            .defaultValue(7)
            .description("How many scheduled backups to keep; after each one the oldest beyond this are deleted.")
            .build();

    /** Below this, a start logs a warning: OWASP's Password Storage Cheat Sheet value for PBKDF2-HMAC-SHA256. */
    static final int RECOMMENDED_PASSWORD_ITERATIONS = PasswordHasher.DEFAULT_ITERATIONS;

    static final ConfigKey<Integer> PASSWORD_ITERATIONS = ConfigKey.builder(
                    "password.pbkdf2-iterations", ConfigType.integer(10_000, PasswordHasher.MAX_ITERATIONS))
            .defaultValue(PasswordHasher.DEFAULT_ITERATIONS)
            .description("PBKDF2-HMAC-SHA256 iterations for the password hashes the service writes (create, replace)"
                    + " and for the decoy hash an unknown email is checked against. A stored hash keeps the count it"
                    + " was made with and is checked with it, so changing this never locks anyone out. Below 600000"
                    + " (OWASP's value) the service logs a warning at start; lower it only where logins must be cheap,"
                    + " such as tests, never below 10000.")
            .build();

    private UsersConfigKeys() {}

    static List<ConfigKey<?>> all() {
        return List.of(
                STORE_URL,
                STORE_USERNAME,
                STORE_PASSWORD_FILE,
                STORE_POOL_SIZE,
                STORE_POOL_CONNECTION_TIMEOUT,
                STORE_TIMEOUT,
                STORE_CACHE_MAX_ENTRIES,
                BACKUP_INTERVAL,
                BACKUP_DIR,
                BACKUP_KEEP,
                PASSWORD_ITERATIONS);
    }

    static StoreConfig storeConfig(Config config) {
        return new StoreConfig(
                config.get(STORE_URL),
                config.get(STORE_POOL_SIZE),
                config.get(STORE_POOL_CONNECTION_TIMEOUT),
                config.get(STORE_TIMEOUT),
                config.find(STORE_USERNAME),
                config.find(STORE_PASSWORD_FILE),
                config.get(STORE_CACHE_MAX_ENTRIES));
    }

    static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (StoreConfig.Problem problem : StoreConfig.problems(
                config.get(STORE_URL),
                config.get(STORE_POOL_SIZE),
                config.get(STORE_POOL_CONNECTION_TIMEOUT),
                config.get(STORE_TIMEOUT),
                config.find(STORE_USERNAME),
                config.find(STORE_PASSWORD_FILE),
                config.get(STORE_CACHE_MAX_ENTRIES))) {
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
        problems.addAll(checkBackups(config));
        return problems;
    }

    private static List<ConfigProblem> checkBackups(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        Duration interval = config.get(BACKUP_INTERVAL);
        if (interval.isZero()) {
            return problems;
        }
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            problems.add(new ConfigProblem(
                    BACKUP_INTERVAL.name(),
                    config.source(BACKUP_INTERVAL),
                    "backup.interval '" + interval.toMillis() + "ms' is shorter than 1s; use 0s (off) or at least"
                            + " 1s, e.g. 1d"));
        }
        if (config.get(STORE_URL).startsWith("memory:")) {
            problems.add(new ConfigProblem(
                    BACKUP_INTERVAL.name(),
                    config.source(BACKUP_INTERVAL),
                    "store.url 'memory:' keeps nothing to back up; set backup.interval: 0s or use a SQLite or"
                            + " PostgreSQL store"));
        }
        Path dir = config.get(BACKUP_DIR);
        Optional<Path> inTheWay = ExistingPaths.fileInTheWay(dir);
        // The default <data-dir>/backups under a data-dir that cannot be a directory: the data-dir problem names the
        // file in the way and its fix (CoreConfigKeys.check); choosing another backup.dir would not fix it.
        boolean dataDirProblem = config.source(BACKUP_DIR).equals("default")
                && ExistingPaths.fileInTheWay(config.get(CoreConfigKeys.DATA_DIR))
                        .isPresent();
        if (inTheWay.isPresent() && !dataDirProblem) {
            String problem = inTheWay.get().equals(dir.toAbsolutePath())
                    ? "backup.dir '" + dir + "' exists and is not a directory; name a directory (it is created when"
                            + " missing)"
                    : "backup.dir '" + dir + "' cannot be created: '" + inTheWay.get() + "' exists and is not a"
                            + " directory; remove that file or choose another backup.dir";
            problems.add(new ConfigProblem(BACKUP_DIR.name(), config.source(BACKUP_DIR), problem));
        }
        // Not whether it is writable: 'config validate' may run as another account than the service (root writes
        // anywhere). A backup.dir the service's account cannot create still fails the start (exit 78).
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
            case CACHE_MAX_ENTRIES -> STORE_CACHE_MAX_ENTRIES;
        };
    }
}
