package dev.servicekit.users;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link UserStore} on a PostgreSQL database that several instances share: pgjdbc behind a HikariCP pool,
 * schema migrated by Flyway from {@value #MIGRATIONS} when the store opens (under Flyway's advisory lock, so
 * instances starting together migrate once).
 *
 * <p>Fleet-wide rules live in the database: emails are unique through the unique index {@value #EMAIL_KEY} on the
 * lower-cased email ({@link DuplicateEmailException} whichever instance loses); {@code replace} with an expected
 * version is one {@code UPDATE ... WHERE id = ? AND version = ?}, so of two instances replacing the same version
 * one wins and the other gets {@link VersionConflictException}; failed logins are rows every instance counts.
 *
 * <p>Threads. Every JDBC call runs on a platform thread of this store (one per pooled connection) when called from
 * a virtual thread, which waits unmounted for at most {@code store.timeout}, then gets
 * {@link StoreUnavailableException}: request threads never block on a socket inside the driver, and never wait
 * longer than the timeout. The connection itself is bounded by timeouts derived from {@code store.timeout}:
 * {@code connectTimeout}, {@code socketTimeout} (the timeout plus {@value #SOCKET_MARGIN_SECONDS} s, rounded up to
 * seconds) and the server's {@code statement_timeout} (a little less than the timeout, see
 * {@link #statementTimeout}), so a stuck statement is cancelled by the server before the caller gives up, a dead
 * connection is given up by the driver, and both threads and connections come back.
 *
 * <p>Outages. SQLSTATEs that mean "not now" — connection failures (class 08), the server shutting down or
 * restarting (57P01..57P03), no resources (class 53), a cancelled statement (57014), serialization failures and
 * deadlocks (40001, 40P01), a read-only server (25006), a refused login (class 28), a missing database or table
 * (3D000, 42P01) — and an exhausted pool throw {@link StoreUnavailableException} (503 with {@code Retry-After});
 * anything else is a plain {@link StoreException}. HikariCP evicts connections that failed with class 08 or
 * 57P01..57P03 and validates idle connections before lending them, so after PostgreSQL comes back the pool
 * reconnects by itself.
 *
 * <p>Metrics as {@link SqliteUserStore}: HikariCP's meters (pool {@value #POOL_NAME}) and {@value #USAGE_RATIO}.
 *
 * <p>Restore. The store holds the {@link PostgresStoreLock} of its schema shared, on a connection of its own, from
 * before the migration until {@link #close()}; {@code restore} takes it exclusively, so neither runs under the
 * other. A store that opens while a restore holds it waits up to {@code store.timeout}, then fails with
 * {@link StoreUnavailableException} (the service exits 1 and its service manager restarts it later). While the store
 * has lost the lock (its connection ended) and not taken it again, every call fails with
 * {@link StoreUnavailableException} and readiness is DOWN.
 *
 * <p>Secrets. The password, read from {@code store.password-file} when the store opens, is given only to the
 * driver; the URL may not contain it ({@link StoreConfig}), and {@link #describe()} and every message show host,
 * port, database and role only.
 */
final class PostgresUserStore implements UserStore, SnapshotSource {

    static final String MIGRATIONS = "classpath:db/migration/postgresql";
    /**
     * The newest schema version in {@link #MIGRATIONS}: a backup with a newer one fails its checks
     * ({@link PostgresBackups}). A test holds it equal to what Flyway applies to a new database.
     */
    static final String SCHEMA_VERSION = "2";

    static final String POOL_NAME = SqliteUserStore.POOL_NAME;
    static final String USAGE_RATIO = SqliteUserStore.USAGE_RATIO;
    /**
     * The {@code application_name} of the store's connections, its lock connection's too: {@code restore} names the
     * instances holding the lock by it, and also refuses while sessions of that name are connected
     * ({@link PostgresRestore}).
     */
    static final String APPLICATION_NAME = "users-service";
    /** The unique index on {@code users.email_key}. */
    static final String EMAIL_KEY = "users_email_key";
    /** How much longer than {@code store.timeout} the driver waits on a socket read before giving the connection up. */
    static final int SOCKET_MARGIN_SECONDS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(PostgresUserStore.class);
    private static final String COLUMNS = "id, name, email, roles, created_at, updated_at, version";
    private static final int EXPORT_FETCH_SIZE = 500;
    private static final int REPLACE_ATTEMPTS = 3;

    private final String database;
    private final String description;
    private final Clock clock;
    private final Duration callTimeout;
    private final Duration connectionTimeout;
    private final HikariDataSource pool;
    private final Optional<MeterRegistry> metrics;
    private final Optional<Gauge> usageRatio;
    /** Platform threads, one per pooled connection, that run every JDBC call of a virtual thread. */
    private final ExecutorService io;
    /** The pool's data source, which remembers why connections fail to open. */
    private final ConnectFailures connections;

    /** For backups ({@link PostgresBackups}): where the store is and the role's password, given to pg_dump only. */
    private final StoreConfig config;

    private final PostgresBackups.Target backupTarget;

    private volatile boolean closed;
    private final int migrationsAppliedAtOpen;

    /** Held shared while open, so that no restore runs under the store; empty when a restore opened it. */
    private final Optional<PostgresStoreLock> lock;

    private PostgresUserStore(
            Target target,
            StoreConfig config,
            Optional<String> password,
            Clock clock,
            HikariDataSource pool,
            Optional<MeterRegistry> metrics,
            int migrationsAppliedAtOpen,
            Optional<PostgresStoreLock> lock) {
        this.config = config;
        this.lock = lock;
        this.migrationsAppliedAtOpen = migrationsAppliedAtOpen;
        this.backupTarget = PostgresBackups.Target.of(config, password);
        this.database = target.database();
        this.description = target.description();
        this.clock = clock;
        this.callTimeout = config.timeout();
        this.connectionTimeout = config.connectionTimeout();
        this.pool = pool;
        this.connections = (ConnectFailures) pool.getDataSource();
        this.metrics = metrics;
        this.io = Executors.newFixedThreadPool(
                pool.getMaximumPoolSize(),
                Thread.ofPlatform().daemon().name("users-postgresql-", 1).factory());
        this.usageRatio = metrics.map(registry -> Gauge.builder(USAGE_RATIO, pool, PostgresUserStore::usageRatio)
                .description("Connections of the store's pool in use, as a fraction of its maximum size (0..1)")
                .tag("pool", POOL_NAME)
                .strongReference(true)
                .register(registry));
    }

    private static double usageRatio(HikariDataSource pool) {
        var bean = pool.getHikariPoolMXBean();
        if (bean == null || pool.isClosed()) {
            return 0;
        }
        return (double) bean.getActiveConnections() / pool.getMaximumPoolSize();
    }

    /** Where the store connects, for messages: never the password. */
    record Target(String database, String description) {
        static Target of(StoreConfig config) {
            Properties parsed = org.postgresql.Driver.parseURL(config.url(), null);
            if (parsed == null) {
                throw new IllegalArgumentException(
                        "Store URL '" + StoreConfig.redact(config.url()) + "' is not a valid PostgreSQL URL");
            }
            String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
            String[] ports = parsed.getProperty("PGPORT", "5432").split(",");
            List<String> servers = new ArrayList<>();
            for (int i = 0; i < hosts.length; i++) {
                servers.add(hosts[i] + ":" + ports[Math.min(i, ports.length - 1)]);
            }
            String name = parsed.getProperty("PGDBNAME", "");
            String role = config.username().orElse("");
            String on = String.join(",", servers);
            return new Target(
                    "PostgreSQL database '" + name + "' on " + on + " (role '" + role + "')",
                    "postgresql " + on + "/" + name + " as " + role);
        }
    }

    /**
     * Reads the password, takes the {@link PostgresStoreLock} shared (waiting up to {@code store.timeout} while a
     * restore holds it), migrates the schema and opens the pool.
     *
     * @throws StoreUnavailableException if the password file cannot be read, the database cannot be reached or
     *     refuses the login, or a restore still held the lock after {@code store.timeout}
     * @throws SchemaTooNewException if a newer release has migrated the database
     * @throws StoreException if the schema cannot be migrated
     */
    static PostgresUserStore open(StoreConfig config, Clock clock, Optional<MeterRegistry> metrics) {
        return open(config, clock, metrics, true);
    }

    /**
     * As {@link #open(StoreConfig, Clock, Optional)} without taking the lock, for the import of a {@code restore}
     * that holds it exclusively ({@link PostgresRestore}).
     */
    static PostgresUserStore openForRestore(StoreConfig config, Clock clock) {
        return open(config, clock, Optional.empty(), false);
    }

    private static PostgresUserStore open(
            StoreConfig config, Clock clock, Optional<MeterRegistry> metrics, boolean takeLock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(metrics, "metrics");
        if (!config.isPostgresql()) {
            throw new IllegalArgumentException(
                    "Store URL '" + StoreConfig.redact(config.url()) + "' is not a PostgreSQL URL");
        }
        config.missingRole().ifPresent(problem -> {
            throw new IllegalArgumentException(problem.message());
        });
        Target target = Target.of(config);
        Optional<String> password = config.passwordFile().map(StorePassword::load);
        AtomicLong usersTable = new AtomicLong();
        Optional<PostgresStoreLock> lock = Optional.empty();
        if (takeLock) {
            try {
                lock = Optional.of(PostgresStoreLock.hold(
                        lockDataSource(config, password), target.database(), config.timeout(), connection -> {
                            if (usersTable(connection) != usersTable.get()) {
                                LOG.warn(
                                        "The tables of {} were replaced while the store did not hold its lock (a"
                                                + " restore); migrating the schema as at start",
                                        target.database());
                                SchemaMigrations.migrate(
                                        dataSource(config, password, false), MIGRATIONS, target.database());
                                usersTable.set(usersTable(connection));
                            }
                        }));
            } catch (SQLException e) {
                throw openFailure(target, e);
            }
        }
        try {
            PostgresUserStore store = open(target, config, password, clock, metrics, lock);
            try (Connection connection = store.pool.getConnection()) {
                usersTable.set(usersTable(connection));
            } catch (SQLException e) {
                store.close();
                throw openFailure(target, e);
            }
            lock.ifPresent(PostgresStoreLock::watch);
            return store;
        } catch (RuntimeException e) {
            lock.ifPresent(PostgresStoreLock::close);
            throw e;
        }
    }

    private static PostgresUserStore open(
            Target target,
            StoreConfig config,
            Optional<String> password,
            Clock clock,
            Optional<MeterRegistry> metrics,
            Optional<PostgresStoreLock> lock) {
        MigrateResult result;
        try {
            // Migrations get their own connections without statement or socket timeouts: a future migration may
            // run longer than store.timeout.
            result = SchemaMigrations.migrate(dataSource(config, password, false), MIGRATIONS, target.database());
            LOG.info(
                    "Migrated {} (schema version {}, {} migration(s) applied now)",
                    target.database(),
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                    result.migrationsExecuted);
        } catch (FlywayException e) {
            throw openFailure(target, e);
        }
        HikariDataSource pool = openPool(target, config, password, metrics);
        PostgresUserStore store =
                new PostgresUserStore(target, config, password, clock, pool, metrics, result.migrationsExecuted, lock);
        LOG.info("Opened PostgreSQL user store: {}", store.describe());
        return store;
    }

    /**
     * The data source of the lock connection: no {@code statement_timeout} (the wait for the lock at start is bounded
     * by {@code lock_timeout}), a socket timeout of {@code store.timeout} plus {@value #SOCKET_MARGIN_SECONDS} s.
     */
    private static PGSimpleDataSource lockDataSource(StoreConfig config, Optional<String> password) {
        PGSimpleDataSource dataSource = dataSource(config, password, false);
        dataSource.setSocketTimeout(dataSource.getConnectTimeout() + SOCKET_MARGIN_SECONDS);
        return dataSource;
    }

    /** The identity ({@code oid}) of the {@code users} table, 0 when there is none: another one after a restore. */
    private static long usersTable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT coalesce(to_regclass('users')::oid::bigint, 0)")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** A data source for the role; with {@code bounded}, the timeouts derived from {@code store.timeout}. */
    static PGSimpleDataSource dataSource(StoreConfig config, Optional<String> password, boolean bounded) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(config.url());
        dataSource.setUser(config.username().orElseThrow());
        password.ifPresent(dataSource::setPassword);
        dataSource.setApplicationName(APPLICATION_NAME);
        dataSource.setTcpKeepAlive(true);
        int seconds = Math.toIntExact(Math.max(1, (config.timeout().toMillis() + 999) / 1000));
        dataSource.setConnectTimeout(seconds);
        if (bounded) {
            dataSource.setSocketTimeout(seconds + SOCKET_MARGIN_SECONDS);
            String options = Objects.requireNonNullElse(dataSource.getOptions(), "");
            dataSource.setOptions((options.isBlank() ? "" : options + " ") + "-c statement_timeout="
                    + statementTimeout(config.timeout()).toMillis());
        }
        return dataSource;
    }

    /**
     * The server's {@code statement_timeout}: {@code store.timeout} less a fifth (at most 1 s), so the server
     * cancels a stuck statement before the caller stops waiting, and the caller's 503 means the statement was not
     * applied.
     */
    static Duration statementTimeout(Duration callTimeout) {
        Duration margin = callTimeout.dividedBy(5);
        return callTimeout.minus(margin.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : margin);
    }

    private static HikariDataSource openPool(
            Target target, StoreConfig config, Optional<String> password, Optional<MeterRegistry> metrics) {
        HikariDataSource pool = new HikariDataSource(); // configured itself: see HikariPools.start
        pool.setPoolName(POOL_NAME);
        metrics.ifPresent(registry -> pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry)));
        pool.setDataSource(new ConnectFailures(dataSource(config, password, true)));
        pool.setMaximumPoolSize(config.poolSize());
        long connectionTimeout = Math.max(250, config.connectionTimeout().toMillis()); // HikariCP's minimum
        pool.setConnectionTimeout(connectionTimeout);
        pool.setValidationTimeout(Math.max(250, Math.min(connectionTimeout, 5000) / 2));
        try {
            return HikariPools.start(pool);
        } catch (SQLException | HikariPool.PoolInitializationException e) {
            throw openFailure(target, e);
        }
    }

    private static StoreException openFailure(Target target, Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof SQLException)) {
            cause = cause.getCause();
        }
        if (cause instanceof SQLException sql && isUnavailable(sql.getSQLState())) {
            return new StoreUnavailableException(
                    "Cannot open " + target.database() + ": " + sql.getMessage() + "; " + openFix(sql), e);
        }
        return new StoreException(
                "Cannot migrate the schema of " + target.database() + ": " + cause.getMessage()
                        + "; restore a backup or use the application version that migrated it last",
                e);
    }

    /**
     * What to do when a connection cannot be opened because of {@code failure} (the store's start, {@code doctor}): a
     * refused login (SQLSTATE class 28), a missing database (3D000), or else PostgreSQL away or the target wrong.
     */
    static String openFix(Throwable failure) {
        if (loginRefused(failure)) {
            return "PostgreSQL refuses the login: check store.username, the password in store.password-file (its"
                    + " first line) and the server's pg_hba.conf";
        }
        if (failure instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
            return "create it (CREATE DATABASE <name> OWNER <role>, docs/fleet.md) or correct the database in"
                    + " store.url";
        }
        return UNREACHABLE_FIX;
    }

    /** What to do when PostgreSQL does not answer, or refuses for another reason than the login or the database. */
    static final String UNREACHABLE_FIX = "check that PostgreSQL runs and accepts connections, and check store.url,"
            + " store.username and store.password-file";

    @Override
    public User create(UserDraft draft) {
        Objects.requireNonNull(draft, "draft");
        return call("create a user", connection -> {
            Instant now = now();
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO users (name, email, email_key, roles, password_hash, created_at, updated_at, version)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id")) {
                bindDraft(insert, draft);
                insert.setLong(6, now.toEpochMilli());
                insert.setLong(7, now.toEpochMilli());
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    return new User(rs.getLong(1), draft.name(), draft.email(), draft.roles(), now, now, 1);
                }
            } catch (SQLException e) {
                throw duplicateEmailOr(e, draft.email());
            }
        });
    }

    @Override
    public Optional<User> find(long id) {
        return read("find user '" + id + "'", connection -> {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE id = ?")) {
                select.setLong(1, id);
                try (ResultSet rs = select.executeQuery()) {
                    return rs.next() ? Optional.of(toUser(rs)) : Optional.<User>empty();
                }
            }
        });
    }

    @Override
    public UserPage list(int limit, Optional<Long> afterId) {
        Objects.requireNonNull(afterId, "afterId");
        if (limit < 1) {
            throw new IllegalArgumentException("Page limit must be at least 1, got '" + limit + "'");
        }
        return read("list users", connection -> {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE id > ? ORDER BY id LIMIT ?")) {
                select.setLong(1, afterId.orElse(Long.MIN_VALUE));
                select.setLong(2, limit + 1L); // one more than asked tells whether a next page exists
                List<User> items = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        items.add(toUser(rs));
                    }
                }
                return UserPage.ofOneMoreThan(items, limit);
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code UPDATE ... WHERE id = ? [AND version = ?] RETURNING}: the version check and the write are one
     * atomic step, whichever instance runs it. When it updates nothing, a second read tells a missing user from a
     * changed one; versions only grow, so a version that differed for the update still differs for that read.
     */
    @Override
    public User replace(long id, UserDraft draft, OptionalLong expectedVersion) {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        return call("replace user '" + id + "'", connection -> {
            for (int attempt = 1; attempt <= REPLACE_ATTEMPTS; attempt++) {
                try (PreparedStatement update = connection.prepareStatement(
                        "UPDATE users SET name = ?, email = ?, email_key = ?, roles = ?, password_hash = ?,"
                                + " updated_at = ?, version = version + 1 WHERE id = ?"
                                + (expectedVersion.isPresent() ? " AND version = ?" : "") + " RETURNING "
                                + COLUMNS)) {
                    bindDraft(update, draft);
                    update.setLong(6, now().toEpochMilli());
                    update.setLong(7, id);
                    if (expectedVersion.isPresent()) {
                        update.setLong(8, expectedVersion.getAsLong());
                    }
                    try (ResultSet rs = update.executeQuery()) {
                        if (rs.next()) {
                            return toUser(rs);
                        }
                    }
                } catch (SQLException e) {
                    throw duplicateEmailOr(e, draft.email());
                }
                OptionalLong actual = currentVersion(connection, id);
                if (actual.isEmpty()) {
                    throw new UserNotFoundException(id);
                }
                if (expectedVersion.isPresent() && actual.getAsLong() != expectedVersion.getAsLong()) {
                    throw new VersionConflictException(id, expectedVersion.getAsLong(), actual.getAsLong());
                }
                // The user appeared between the two statements (an import): update it now.
            }
            throw new StoreUnavailableException("Could not replace user '" + id + "' in " + database
                    + ": it kept changing under " + REPLACE_ATTEMPTS + " attempts; retry later");
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>As {@link #replace}: one {@code DELETE ... WHERE id = ? [AND version = ?]}, and when it deletes nothing with a
     * version given, a second read tells a missing user from a changed one.
     */
    @Override
    public boolean delete(long id, OptionalLong expectedVersion) {
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        return call("delete user '" + id + "'", connection -> {
            for (int attempt = 1; attempt <= REPLACE_ATTEMPTS; attempt++) {
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM users WHERE id = ?" + (expectedVersion.isPresent() ? " AND version = ?" : ""))) {
                    delete.setLong(1, id);
                    if (expectedVersion.isPresent()) {
                        delete.setLong(2, expectedVersion.getAsLong());
                    }
                    if (delete.executeUpdate() == 1) {
                        return true;
                    }
                }
                if (expectedVersion.isEmpty()) {
                    return false;
                }
                OptionalLong actual = currentVersion(connection, id);
                if (actual.isEmpty()) {
                    return false;
                }
                if (actual.getAsLong() != expectedVersion.getAsLong()) {
                    throw new VersionConflictException(id, expectedVersion.getAsLong(), actual.getAsLong());
                }
                // The user appeared between the two statements (an import): delete it now.
            }
            throw new StoreUnavailableException("Could not delete user '" + id + "' in " + database
                    + ": it kept changing under " + REPLACE_ATTEMPTS + " attempts; retry later");
        });
    }

    /**
     * The version of user {@code id}, empty when there is none: after an update or delete that matched nothing, it
     * tells a missing user from a changed one (versions only grow, so a version that differed then still differs).
     */
    private static OptionalLong currentVersion(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT version FROM users WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    @Override
    public Optional<UserCredentials> credentials(String email) {
        Objects.requireNonNull(email, "email");
        return read("look up credentials", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + ", password_hash FROM users WHERE email_key = ?")) {
                select.setString(1, EmailKey.of(email));
                try (ResultSet rs = select.executeQuery()) {
                    if (!rs.next() || rs.getString(8) == null) {
                        return Optional.<UserCredentials>empty();
                    }
                    return Optional.of(new UserCredentials(toUser(rs), rs.getString(8)));
                }
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code REPEATABLE READ} read-only transaction (one snapshot) reading through a cursor
     * ({@value #EXPORT_FETCH_SIZE} rows per round trip), without {@code statement_timeout}; the caller's wait is not
     * bounded by {@code store.timeout}, since an export takes as long as the users and the sink need.
     */
    @Override
    public long exportAll(Consumer<? super ExportedUser> sink) {
        Objects.requireNonNull(sink, "sink");
        ensureOpen();
        String action = "export users";
        return onIoThread(
                action,
                Optional.empty(),
                () -> withConnection(action, connection -> {
                    connection.setAutoCommit(false);
                    connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                    connection.setReadOnly(true);
                    try {
                        try (Statement statement = connection.createStatement()) {
                            statement.execute("SET LOCAL statement_timeout = 0");
                        }
                        long count = 0;
                        try (PreparedStatement select = connection.prepareStatement(
                                "SELECT " + COLUMNS + ", password_hash FROM users ORDER BY id")) {
                            select.setFetchSize(EXPORT_FETCH_SIZE);
                            try (ResultSet rs = select.executeQuery()) {
                                while (rs.next()) {
                                    sink.accept(new ExportedUser(toUser(rs), Optional.ofNullable(rs.getString(8))));
                                    count++;
                                }
                            }
                        }
                        connection.commit();
                        return count;
                    } catch (SQLException | RuntimeException e) {
                        rollback(connection, e);
                        throw e;
                    }
                }));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction that locks the users table against concurrent writes ({@code SHARE ROW EXCLUSIVE}), writes
     * the row with its id, and moves the id sequence past it if it is behind, never back: creates that follow get
     * greater ids, and ids of deleted users stay unused.
     */
    @Override
    public ImportOutcome importUser(ExportedUser exported) {
        Objects.requireNonNull(exported, "exported");
        User user = exported.user();
        return call("import user '" + user.id() + "'", connection -> {
            connection.setAutoCommit(false);
            try {
                ImportOutcome outcome = upsert(connection, exported);
                try (PreparedStatement advance = connection.prepareStatement(
                        "SELECT setval(s.name, ?) FROM (SELECT pg_get_serial_sequence('users', 'id') AS name) s"
                                + " WHERE coalesce(pg_sequence_last_value(s.name::regclass), 0) < ?")) {
                    advance.setLong(1, user.id());
                    advance.setLong(2, user.id());
                    advance.executeQuery().close();
                }
                connection.commit();
                return outcome;
            } catch (SQLException e) {
                rollback(connection, e);
                throw duplicateEmailOr(e, user.email());
            } catch (RuntimeException e) {
                rollback(connection, e);
                throw e;
            }
        });
    }

    private static ImportOutcome upsert(Connection connection, ExportedUser given) throws SQLException {
        ExportedUser exported = given.truncatedToMillis();
        User user = exported.user();
        try (Statement lock = connection.createStatement()) {
            lock.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE");
        }
        Optional<ExportedUser> current;
        try (PreparedStatement select =
                connection.prepareStatement("SELECT " + COLUMNS + ", password_hash FROM users WHERE id = ?")) {
            select.setLong(1, user.id());
            try (ResultSet rs = select.executeQuery()) {
                current = rs.next()
                        ? Optional.of(new ExportedUser(toUser(rs), Optional.ofNullable(rs.getString(8))))
                        : Optional.empty();
            }
        }
        if (current.isPresent() && current.get().equals(exported)) {
            return ImportOutcome.UNCHANGED;
        }
        String sql = current.isPresent()
                ? "UPDATE users SET name = ?, email = ?, email_key = ?, roles = ?, password_hash = ?, created_at = ?,"
                        + " updated_at = ?, version = ? WHERE id = ?"
                : "INSERT INTO users (name, email, email_key, roles, password_hash, created_at, updated_at, version, id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement write = connection.prepareStatement(sql)) {
            bindDraft(write, new UserDraft(user.name(), user.email(), user.roles(), exported.passwordHash()));
            write.setLong(6, user.createdAt().toEpochMilli());
            write.setLong(7, user.updatedAt().toEpochMilli());
            write.setLong(8, user.version());
            write.setLong(9, user.id());
            write.executeUpdate();
        }
        return current.isPresent() ? ImportOutcome.UPDATED : ImportOutcome.CREATED;
    }

    @Override
    public void recordLoginFailure(String key, Instant at, Instant forgetBefore) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(forgetBefore, "forgetBefore");
        call("record a failed login", connection -> {
            try (PreparedStatement record =
                    connection.prepareStatement("WITH forgotten AS (DELETE FROM login_failures WHERE at <= ?)"
                            + " INSERT INTO login_failures (key, at) VALUES (?, ?)")) {
                record.setLong(1, forgetBefore.toEpochMilli());
                record.setString(2, key);
                record.setLong(3, at.toEpochMilli());
                record.executeUpdate();
                return null;
            }
        });
    }

    @Override
    public List<Instant> loginFailures(String key, Instant since) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(since, "since");
        return read("read failed logins", connection -> {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at")) {
                select.setString(1, key);
                select.setLong(2, since.toEpochMilli());
                List<Instant> times = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        times.add(Instant.ofEpochMilli(rs.getLong(1)));
                    }
                }
                return times;
            }
        });
    }

    @Override
    public void clearLoginFailures(String key) {
        Objects.requireNonNull(key, "key");
        call("clear failed logins", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM login_failures WHERE key = ?")) {
                delete.setString(1, key);
                delete.executeUpdate();
                return null;
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads the users table and checks that the server takes writes (not a standby in recovery, not
     * {@code default_transaction_read_only}).
     */
    @Override
    public void ping(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Ping timeout must be positive, got '" + timeout + "'");
        }
        ensureOpen();
        String action = "answer a ping";
        Future<Boolean> check = submit(
                action,
                () -> withConnection(action, readAttempts(), connection -> {
                    try (Statement statement = connection.createStatement();
                            ResultSet rs = statement.executeQuery(
                                    "SELECT pg_is_in_recovery(),"
                                            + " current_setting('transaction_read_only') = 'on', EXISTS (SELECT 1 FROM users)")) {
                        rs.next();
                        if (rs.getBoolean(1) || rs.getBoolean(2)) {
                            throw new StoreUnavailableException(
                                    database + " takes no writes now (a standby, or read-only);"
                                            + " point store.url at the primary");
                        }
                        return rs.getBoolean(3);
                    }
                }));
        try {
            check.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            check.cancel(false);
            throw new StoreUnavailableException(
                    database + " did not answer within " + timeout + whyNoConnection()
                            + "; check that PostgreSQL runs and is reachable",
                    e);
        } catch (ExecutionException e) {
            throw rethrow(action, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            check.cancel(false);
            throw new StoreUnavailableException("Interrupted while pinging " + database, e);
        }
    }

    @Override
    public int migrationsAppliedAtOpen() {
        return migrationsAppliedAtOpen;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        usageRatio.ifPresent(gauge -> metrics.orElseThrow().remove(gauge));
        io.shutdown();
        pool.close(); // HikariCP removes its own meters
        lock.ifPresent(PostgresStoreLock::close); // last: no restore starts while a connection of the store is open
        LOG.info("Closed PostgreSQL user store {}", description);
    }

    /** {@value BackupManifest#PG_DUMP} when {@code pg_dump} is found ({@link PostgresBackups#tool}), else JSON Lines. */
    @Override
    public String payloadFormat() {
        return PostgresBackups.payloadFormat();
    }

    /** The JVM's temp directory: the store has no disk of its own (under systemd, the unit's private /tmp). */
    @Override
    public Path stagingDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * {@code pg_dump} of the store's tables (one {@code REPEATABLE READ} snapshot, writers never blocked), or the
     * JSON Lines of {@link #exportAll} without it ({@link PostgresBackups#snapshot}).
     */
    @Override
    public void snapshotTo(Path target) {
        ensureOpen();
        PostgresBackups.snapshot(config, backupTarget, target, () -> this);
    }

    /** The pool, for tests. */
    DataSource dataSource() {
        return pool;
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} with a pooled connection, bounded by {@code store.timeout} for virtual threads. */
    private <T> T call(String action, SqlWork<T> work) {
        ensureOpen();
        return onIoThread(action, Optional.of(callTimeout), () -> withConnection(action, 1, work));
    }

    /**
     * As {@link #call}, for work that only reads: when the connection turns out to be one PostgreSQL had already
     * ended ({@link #connectionEnded}: a failover, {@code pg_terminate_backend}, an idle-session timeout), which
     * HikariCP lends unchecked when it was used within the last 500 ms, the work runs again on another connection,
     * within the same {@code store.timeout}: up to once per pooled connection and once more, since every one of
     * them may have been ended together (a restart of PostgreSQL), and HikariCP evicts each dead one it is given
     * back. Writes are not tried again: whether the server applied one before the connection ended is not known.
     */
    private <T> T read(String action, SqlWork<T> work) {
        ensureOpen();
        return onIoThread(action, Optional.of(callTimeout), () -> withConnection(action, readAttempts(), work));
    }

    /** How many connections a read tries when each one turns out to be ended by PostgreSQL: the pool's and one. */
    private int readAttempts() {
        return config.poolSize() + 1;
    }

    /** Once: an export's rows already went to its sink, so it is not run again. */
    private <T> T withConnection(String action, SqlWork<T> work) {
        return withConnection(action, 1, work);
    }

    private <T> T withConnection(String action, int attempts, SqlWork<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection connection = pool.getConnection()) {
                return work.run(connection);
            } catch (SQLException e) {
                if (attempt >= attempts || closed || !connectionEnded(e)) {
                    throw failure(action, e);
                }
                LOG.debug("{}: the connection had been ended ({}); trying another one", action, e.getMessage());
            }
        }
    }

    /**
     * Whether {@code e} says the server ended this connection (SQLSTATE 57P01 admin shutdown, as
     * {@code pg_terminate_backend} and a fast shutdown send, 57P02 crash shutdown) or it broke (08006, 08003), not
     * that no connection could be had ({@link SQLTransientConnectionException}: the pool's wait ran out).
     */
    static boolean connectionEnded(SQLException e) {
        if (e instanceof SQLTransientConnectionException) {
            return false;
        }
        String state = e.getSQLState();
        return "57P01".equals(state) || "57P02".equals(state) || "08006".equals(state) || "08003".equals(state);
    }

    /**
     * Runs {@code work} on an {@link #io} thread when called from a virtual thread, waiting at most {@code timeout}
     * when present; from a platform thread, runs it right here (the driver's timeouts bound it).
     */
    private <T> T onIoThread(String action, Optional<Duration> timeout, Supplier<T> work) {
        if (!Thread.currentThread().isVirtual()) {
            return work.get();
        }
        Future<T> answer = submit(action, work);
        try {
            return timeout.isPresent() ? answer.get(timeout.get().toNanos(), TimeUnit.NANOSECONDS) : answer.get();
        } catch (TimeoutException e) {
            // Not begun: it never runs. Running: it ends on its own within the socket and statement timeouts.
            answer.cancel(false);
            throw new StoreUnavailableException(
                    "Could not " + action + ": " + database + " did not answer within " + timeout.orElseThrow()
                            + " (store.timeout)" + whyNoConnection()
                            + "; PostgreSQL may be down, unreachable or overloaded, retry later",
                    e);
        } catch (ExecutionException e) {
            throw rethrow(action, e);
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("Interrupted while waiting to " + action + " in " + database, e);
        }
    }

    private RuntimeException rethrow(String action, ExecutionException e) {
        if (e.getCause() instanceof RuntimeException runtime) {
            return runtime;
        }
        if (e.getCause() instanceof Error error) {
            throw error;
        }
        return new StoreException("Could not " + action + " in " + database + ": " + e.getCause(), e.getCause());
    }

    private <T> Future<T> submit(String action, Supplier<T> work) {
        try {
            return io.submit((Callable<T>) work::get);
        } catch (RejectedExecutionException e) {
            throw new StoreUnavailableException(
                    "Could not " + action + ": the user store on " + database + " is closed", e);
        }
    }

    private StoreException failure(String action, SQLException e) {
        if (closed) {
            return new StoreUnavailableException(
                    "Could not " + action + ": the user store on " + database + " is closed", e);
        }
        if (e instanceof SQLTransientConnectionException) {
            String why = e.getCause() != null
                    ? " (last failure: " + e.getCause().getMessage() + loginHint(e.getCause()) + ")"
                    : "";
            return new StoreUnavailableException(
                    "Could not " + action + ": no connection to " + database + " within " + connectionTimeout + why
                            + "; PostgreSQL may be down or the store overloaded, retry later",
                    e);
        }
        if ("53100".equals(e.getSQLState())) { // disk_full
            return new StoreFullException(
                    "Could not " + action + " in " + database + ": " + e.getMessage() + " (SQLSTATE 53100); the"
                            + " PostgreSQL server's disk is full: free space there (reads still work)",
                    e);
        }
        if ("25006".equals(e.getSQLState())) { // read_only_sql_transaction
            return new StoreReadOnlyException(
                    "Could not " + action + " in " + database + ": " + e.getMessage() + " (SQLSTATE 25006); the"
                            + " server takes no writes (a standby?): point store.url at the primary",
                    e);
        }
        if (isUnavailable(e.getSQLState())) {
            String why = UNDEFINED_TABLE.equals(e.getSQLState())
                    ? "; the store's tables are missing: a restore is under way, or they were moved or dropped"
                            + " (restore a backup)"
                    : "";
            return new StoreUnavailableException(
                    "Could not " + action + " in " + database + ": " + e.getMessage() + " (SQLSTATE " + e.getSQLState()
                            + ")" + why + "; retry later",
                    e);
        }
        return new StoreException(
                "Could not " + action + " in " + database + ": " + e.getMessage() + " (SQLSTATE " + e.getSQLState()
                        + ")",
                e);
    }

    /**
     * Why no connection opens now, for the messages of calls that timed out waiting for one: {@code " (connecting
     * fails: <PostgreSQL's message>)"}, or empty while connections open. Without it a refused login, a dropped
     * database or a full {@code max_connections} would all read as "did not answer".
     */
    private String whyNoConnection() {
        return connections
                .lastFailure()
                .map(e -> " (connecting fails: " + e.getMessage() + loginHint(e) + ")")
                .orElse("");
    }

    /** The fix for a refused login (SQLSTATE class 28), after PostgreSQL's message; empty for other failures. */
    static String loginHint(Throwable failure) {
        if (loginRefused(failure)) {
            return "; PostgreSQL refuses the login: check the role's password and pg_hba.conf; store.password-file is"
                    + " read when the service starts, so restart it after changing that file";
        }
        return "";
    }

    /** Whether PostgreSQL refused the login (SQLSTATE class 28: a wrong password, a pg_hba.conf rule). */
    private static boolean loginRefused(Throwable failure) {
        return failure instanceof SQLException sql
                && sql.getSQLState() != null
                && sql.getSQLState().startsWith("28");
    }

    /**
     * The pool's data source: PostgreSQL's, remembering the last failure to open a connection until one opens again
     * ({@link #whyNoConnection}). HikariCP opens connections on its own thread, so a call that times out waiting for
     * one would otherwise never learn why none opened.
     */
    private static final class ConnectFailures implements DataSource {

        private final PGSimpleDataSource target;
        private final AtomicReference<SQLException> last = new AtomicReference<>();

        ConnectFailures(PGSimpleDataSource target) {
            this.target = target;
        }

        Optional<SQLException> lastFailure() {
            return Optional.ofNullable(last.get());
        }

        @Override
        public Connection getConnection() throws SQLException {
            return remembered(target::getConnection);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return remembered(() -> target.getConnection(username, password));
        }

        /** One way to open a connection. */
        private interface Opening {
            Connection open() throws SQLException;
        }

        /** Opens a connection, forgetting the last failure when it opens and remembering this one when it fails. */
        private Connection remembered(Opening opening) throws SQLException {
            try {
                Connection connection = opening.open();
                last.set(null);
                return connection;
            } catch (SQLException e) {
                last.set(e);
                throw e;
            }
        }

        @Override
        public java.io.PrintWriter getLogWriter() throws SQLException {
            return target.getLogWriter();
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) throws SQLException {
            target.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            target.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return target.getLoginTimeout();
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws java.sql.SQLFeatureNotSupportedException {
            return target.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return type.isInstance(this) ? type.cast(this) : target.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return type.isInstance(this) || target.isWrapperFor(type);
        }
    }

    /**
     * SQLSTATE undefined_table: the store's tables are not there while it runs (dropped or moved by hand; a
     * {@code restore} cannot move them while the store holds its {@link PostgresStoreLock}). A 503 like a missing
     * database (3D000), not a 500: readiness is DOWN meanwhile.
     */
    static final String UNDEFINED_TABLE = "42P01";

    /** SQLSTATEs after which a later try may succeed: PostgreSQL is away, busy, restarting or read-only. */
    static boolean isUnavailable(String sqlState) {
        if (sqlState == null) {
            return false;
        }
        return sqlState.startsWith("08") // connection exception
                || sqlState.startsWith("53") // insufficient resources (too many connections, disk full)
                || sqlState.startsWith("57P") // admin/crash shutdown, cannot connect now, database dropped
                || sqlState.startsWith("28") // login refused (password changed?)
                || sqlState.equals("57014") // statement cancelled (statement_timeout)
                || sqlState.equals("40001") // serialization failure
                || sqlState.equals("40P01") // deadlock
                || sqlState.equals("25006") // read-only transaction (a standby after failover)
                || sqlState.equals("55P03") // lock not available
                || sqlState.equals("3D000") // the database does not exist (dropped or not yet restored)
                || sqlState.equals(UNDEFINED_TABLE); // a table is missing (moved aside by a restore, or dropped)
    }

    private static SQLException duplicateEmailOr(SQLException e, String email) {
        if (e instanceof PSQLException psql && "23505".equals(psql.getSQLState())) {
            ServerErrorMessage detail = psql.getServerErrorMessage();
            if (detail != null && EMAIL_KEY.equals(detail.getConstraint())) {
                throw new DuplicateEmailException(email);
            }
        }
        return e;
    }

    private static void rollback(Connection connection, Exception failure) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private static void bindDraft(PreparedStatement statement, UserDraft draft) throws SQLException {
        statement.setString(1, draft.name());
        statement.setString(2, draft.email());
        statement.setString(3, EmailKey.of(draft.email()));
        statement.setString(4, String.join(" ", draft.roles()));
        statement.setString(5, draft.passwordHash().orElse(null));
    }

    private static User toUser(ResultSet rs) throws SQLException {
        String roles = rs.getString(4);
        return new User(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                roles.isEmpty() ? List.of() : List.of(roles.split(" ")),
                Instant.ofEpochMilli(rs.getLong(5)),
                Instant.ofEpochMilli(rs.getLong(6)),
                rs.getLong(7));
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreUnavailableException(
                    "The PostgreSQL user store on " + database + " is closed; open a new store");
        }
        lock.ifPresent(PostgresStoreLock::ensureHeld);
    }

    private Instant now() {
        // Stored as epoch milliseconds: truncate so the returned User equals what a later read returns.
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
