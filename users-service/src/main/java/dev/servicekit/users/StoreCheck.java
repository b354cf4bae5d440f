package dev.servicekit.users;

import dev.servicekit.spi.Diagnosis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.flywaydb.core.api.MigrationVersion;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteException;

/**
 * {@code doctor}'s {@code store} check: whether {@code run} could open the configured store, and at which schema
 * version, without changing it. The same questions the store's start answers, asked read-only and with the start's
 * messages: the password file, the login, the database, a schema newer than this release ({@link
 * SchemaTooNewException}).
 *
 * <p>No Flyway and no HikariCP: Flyway scans the class path, logs and may write its history table; a pool starts
 * threads and logs. The schema version is one query on {@code flyway_schema_history}
 * ({@link SchemaMigrations#newestApplied}).
 *
 * <p>SQLite: a missing file is left missing (existence is checked first, and the connection is opened read-only, so
 * SQLite never creates it). A database no process has open (no {@code -wal} or {@code -shm} beside it) is read as
 * {@code immutable}: a read-only connection of a WAL database would otherwise create those two files and leave them
 * behind (immutable takes no locks: a store that starts in the milliseconds of that read could make it see the
 * version before a migration, never damage the file). One a running store holds open is read through its WAL like
 * any reader, which takes no write lock.
 *
 * <p>PostgreSQL: while a {@code restore} holds the store's {@link PostgresStoreLock} exclusively, a warning that says
 * so (the schema is moved aside meanwhile); the check reads {@code pg_locks} and takes no lock itself.
 *
 * <p>Bounded: the whole check runs on a thread of its own and gives up after {@code store.timeout} plus
 * {@link #MARGIN}; PostgreSQL's connect and socket timeouts are the store's, derived from {@code store.timeout}.
 */
final class StoreCheck {

    /** The check's name in {@code doctor}'s output. */
    static final String CHECK = "store";

    /** What the check may take beyond {@code store.timeout}: loading the driver, a thread, a slow name lookup. */
    static final Duration MARGIN = Duration.ofSeconds(3);

    private static final String SQLITE_TABLES = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";
    private static final String POSTGRESQL_TABLES =
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()";

    private StoreCheck() {}

    /** The {@code store} finding for a valid {@code config}. Never throws for what it finds in the store. */
    static Diagnosis diagnose(StoreConfig config) {
        if (config.url().equals(StoreConfig.MEMORY_URL)) {
            return Diagnosis.notApplicable(CHECK, "the in-memory store has nothing to check");
        }
        Duration limit = config.timeout().plus(MARGIN);
        if (config.isPostgresql()) {
            PostgresUserStore.Target target;
            try {
                target = PostgresUserStore.Target.of(config);
            } catch (IllegalArgumentException e) {
                return Diagnosis.failure(CHECK, e.getMessage(), "correct store.url");
            }
            return bounded(
                    limit,
                    () -> postgresql(config, target),
                    Diagnosis.failure(
                            CHECK,
                            target.database() + " did not answer within " + seconds(limit),
                            PostgresUserStore.UNREACHABLE_FIX));
        }
        Optional<Path> sqlite = config.sqlitePath();
        if (sqlite.isEmpty()) {
            return Diagnosis.failure(
                    CHECK,
                    "store URL '" + StoreConfig.redact(config.url()) + "' is not supported",
                    "use " + StoreConfig.SUPPORTED_FORMS);
        }
        Path file = sqlite.get().toAbsolutePath().normalize();
        return bounded(
                limit,
                () -> sqlite(file, config.timeout()),
                Diagnosis.failure(
                        CHECK,
                        "sqlite " + file + " did not answer within " + seconds(limit),
                        "check the disk and the file system it is on (a hung network mount? see dmesg), and that no"
                                + " other process holds the database locked"));
    }

    private static Diagnosis sqlite(Path file, Duration timeout) {
        String target = "sqlite " + file;
        if (Files.notExists(file)) {
            return Diagnosis.ok(
                    CHECK,
                    target + " does not exist yet; run creates it with schema version "
                            + SqliteUserStore.SCHEMA_VERSION);
        }
        if (!Files.exists(file)) {
            return Diagnosis.failure(
                    CHECK,
                    target + ": cannot tell whether it exists (its directory cannot be searched)",
                    "give the service's account access to the directories on the way to " + file);
        }
        if (Files.isDirectory(file)) {
            return Diagnosis.failure(
                    CHECK, target + " is a directory", "point store.url at the database file (jdbc:sqlite:<file>)");
        }
        SqliteNativeLibrary.useCachedCopy();
        SQLiteConfig readOnly = new SQLiteConfig();
        readOnly.setReadOnly(true); // without SQLITE_OPEN_CREATE: a file removed meanwhile is not created again
        readOnly.setBusyTimeout(Math.toIntExact(Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        boolean openElsewhere = Files.exists(Path.of(file + "-wal")) || Files.exists(Path.of(file + "-shm"));
        String url = "jdbc:sqlite:" + file.toUri() + "?mode=ro" + (openElsewhere ? "" : "&immutable=1");
        try (Connection connection = readOnly.createConnection(url)) {
            return schema(
                    connection,
                    target,
                    "SQLite database '" + file + "'",
                    SqliteUserStore.SCHEMA_VERSION,
                    SQLITE_TABLES);
        } catch (SQLException e) {
            return Diagnosis.failure(CHECK, target + " cannot be read: " + e.getMessage(), sqliteFix(e, file));
        }
    }

    private static String sqliteFix(SQLException e, Path file) {
        int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
        return switch (code) {
            case 11, 26 -> // SQLITE_CORRUPT, SQLITE_NOTADB
                "it is not a SQLite database, or a damaged one: point store.url at the service's database, or move"
                        + " this file away and restore a backup (users-service restore --from FILE)";
            case 5, 6 -> // SQLITE_BUSY, SQLITE_LOCKED
                "another process holds the database locked (a backup tool, the sqlite3 shell in a transaction?):"
                        + " find it (fuser " + file + ") and end it";
            default ->
                "check the file's owner and mode: the service's account must read and write it and its directory";
        };
    }

    private static Diagnosis postgresql(StoreConfig config, PostgresUserStore.Target target) {
        Optional<String> password;
        try {
            password = config.passwordFile().map(StorePassword::load);
        } catch (StoreUnavailableException e) {
            return Diagnosis.failure(
                    CHECK,
                    e.getMessage(),
                    "put the role's password on the first line of store.password-file, readable by the service's"
                            + " account only (chmod 600)");
        }
        Connection connection;
        try {
            connection = PostgresUserStore.dataSource(config, password, true).getConnection();
        } catch (SQLException e) {
            return Diagnosis.failure(
                    CHECK, "cannot open " + target.database() + ": " + e.getMessage(), PostgresUserStore.openFix(e));
        }
        try (connection) {
            Optional<String> restore = PostgresStoreLock.restoreRunning(connection);
            if (restore.isPresent()) {
                return Diagnosis.warning(
                        CHECK,
                        target.description() + ": " + restore.get() + ": run waits for it up to store.timeout, then"
                                + " fails",
                        "let the restore end (it holds the store's advisory lock until then), then start the"
                                + " service");
            }
            return schema(
                    connection,
                    target.description(),
                    target.database(),
                    PostgresUserStore.SCHEMA_VERSION,
                    POSTGRESQL_TABLES);
        } catch (SQLException e) {
            return Diagnosis.failure(
                    CHECK,
                    "cannot read the schema history (flyway_schema_history) of " + target.database() + ": "
                            + e.getMessage(),
                    "grant store.username access to the users-service tables, or point store.url at the database"
                            + " users-service migrated");
        }
    }

    /**
     * The finding from the schema history: none in an empty database (ok: run creates it), none beside other tables
     * (a failure: run refuses a database it did not create), newer than {@code release} (a failure, as run), older
     * (ok: run migrates it) or the same.
     */
    private static Diagnosis schema(
            Connection connection, String target, String database, String release, String countTables)
            throws SQLException {
        if (!SchemaMigrations.hasHistory(connection)) {
            long tables;
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery(countTables)) {
                rows.next();
                tables = rows.getLong(1);
            }
            if (tables > 0) {
                return Diagnosis.failure(
                        CHECK,
                        target + " holds " + tables + " table(s) but no schema history (flyway_schema_history): it is"
                                + " not a users-service database, and run refuses to migrate it",
                        "point store.url at the users-service database, or at a new empty one");
            }
            return Diagnosis.ok(CHECK, target + ": empty database: run creates the schema version " + release);
        }
        Optional<MigrationVersion> newest = SchemaMigrations.newestApplied(connection);
        if (newest.isEmpty()) {
            return Diagnosis.ok(
                    CHECK, target + ": no migration applied yet: run creates the schema version " + release);
        }
        int comparison = newest.get().compareTo(MigrationVersion.fromVersion(release));
        String version = newest.get().getVersion();
        if (comparison > 0) {
            return Diagnosis.failure(
                    CHECK, SchemaTooNewException.finding(database, version, release), SchemaTooNewException.FIX);
        }
        if (comparison < 0) {
            return Diagnosis.ok(CHECK, target + ", schema version " + version + "; run migrates it to " + release);
        }
        return Diagnosis.ok(CHECK, target + ", schema version " + version);
    }

    /**
     * Runs {@code check} on a daemon thread of its own and waits at most {@code limit} for it; {@code late} when it
     * does not finish in time (the thread is interrupted and left to its driver's own timeouts).
     */
    private static Diagnosis bounded(Duration limit, Callable<Diagnosis> check, Diagnosis late) {
        FutureTask<Diagnosis> task = new FutureTask<>(check);
        Thread.ofPlatform().daemon().name("doctor-store").start(task);
        try {
            return task.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            return late;
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            return Diagnosis.notChecked(CHECK, "interrupted before the store answered");
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the store check failed: " + e.getCause(), e.getCause()); // doctor prints it as a failure
        }
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
