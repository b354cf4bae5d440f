package dev.servicekit.users;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import com.zaxxer.hikari.pool.HikariPool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The {@link UserStore} on one SQLite database file: xerial sqlite-jdbc behind a HikariCP pool, schema
 * migrated by Flyway from {@value #MIGRATIONS} when the store opens.
 *
 * <p>Every pooled connection runs with {@code journal_mode=WAL} (readers never block the writer),
 * {@code synchronous=FULL} (each commit fsyncs the WAL, so an acknowledged write survives {@code kill -9}
 * and power loss), {@code busy_timeout} = the connection timeout, and {@code foreign_keys=ON}.
 *
 * <p>Writes ({@link SqliteGroupCommit}). SQLite allows one writer at a time, and with {@code synchronous=FULL}
 * each commit costs an fsync. So every write (create, replace, delete, import, the login-failure records) is
 * queued to one writer thread, which runs whatever is queued when it is free (at most
 * {@value SqliteGroupCommit#MAX_BATCH}) in one {@code BEGIN IMMEDIATE} transaction, each write in a savepoint of
 * its own, and commits once: one fsync for the whole batch. The writer keeps a connection of its own, outside the
 * pool, with its prepared statements (the transaction and savepoint commands included). A write is answered only after its batch committed;
 * a failing write rolls back only its savepoint. {@code BEGIN IMMEDIATE} takes SQLite's write lock first, so no
 * write upgrades a read to a write (which fails with {@code SQLITE_BUSY} at once instead of waiting), and a write
 * that reads then writes (replace, import) sees no other writer in between. {@code busy_timeout} still covers
 * other processes on the same file (a backup, the {@code sqlite3} shell). Before group commit, with one fsync per
 * write, a fair Java lock queued the writers; measured with 8 threads x 50 creates, it kept p99 at 12 ms where
 * SQLite's busy handler alone gave 80-105 ms.
 *
 * <p>Reads. The short reads (a user by id, a page, credentials, login failures) run on {@link SqliteReaders}: as many
 * read connections as the pool's size, outside the pool, each keeping its prepared statements, used on the
 * request's own thread (see {@link #shortRead}). The export and the ping use the pool on the io threads.
 *
 * <p>Readiness. {@link #ping(Duration)} checks that the store could take a write now: {@code BEGIN IMMEDIATE}
 * (which takes SQLite's write lock) then {@code ROLLBACK}, on a connection whose {@code busy_timeout} is
 * lowered to the ping's budget for that one check. So readiness goes down while another process holds the
 * write lock (a stuck writer, a backup tool, the {@code sqlite3} shell in a transaction) and comes back when
 * it is released. The ping does not take the in-process write lock: an in-process write holds SQLite's lock
 * for milliseconds and the ping waits for it in the busy handler, and a ping holds it for microseconds.
 *
 * <p>Metrics. Given a {@link MeterRegistry}, the pool (named {@value #POOL_NAME}) reports HikariCP's meters
 * ({@code hikaricp_connections_active}, {@code _idle}, {@code _pending}, {@code _max}, {@code _min},
 * {@code hikaricp_connections}, {@code hikaricp_connections_timeout_total}, and the acquire, usage and
 * creation timers, all tagged {@code pool}) plus {@value #USAGE_RATIO} (active / maximum, 0..1). They are
 * removed from the registry when the store closes.
 */
final class SqliteUserStore implements UserStore, SnapshotSource {

    static final String MIGRATIONS = "classpath:db/migration/sqlite";
    /**
     * The newest schema version in {@link #MIGRATIONS}, the last of {@link #MIGRATION_SCRIPTS}: what {@code run}
     * migrates a database to and {@code doctor} compares with ({@link StoreCheck}). A constant, so {@code doctor}
     * reads it without loading this class ({@code StoreCheckTest} holds it equal to the last script).
     */
    static final String SCHEMA_VERSION = "2";
    /**
     * Every script in {@link #MIGRATIONS}, oldest first, with Flyway's checksum: a database whose history holds exactly
     * these opens without Flyway ({@link SchemaMigrations#currentVersion}). {@code SchemaMigrationsTest} fails when a
     * script is added or changed and this list is not.
     */
    static final List<SchemaMigrations.Script> MIGRATION_SCRIPTS = List.of(
            new SchemaMigrations.Script("1", -1588897282), new SchemaMigrations.Script(SCHEMA_VERSION, -36453683));
    /** The HikariCP pool name: the {@code pool} tag of the pool's meters. */
    static final String POOL_NAME = "users-store";
    /** The pool-usage gauge (Prometheus {@code store_pool_usage_ratio}). */
    static final String USAGE_RATIO = "store.pool.usage.ratio";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteUserStore.class);

    private static final String COLUMNS = "id, name, email, roles, created_at, updated_at, version";
    private static final String FIND = "SELECT " + COLUMNS + " FROM users WHERE id = ?";
    private static final String LIST = "SELECT " + COLUMNS + " FROM users WHERE id > ? ORDER BY id LIMIT ?";
    private static final String CREDENTIALS = "SELECT " + COLUMNS + ", password_hash FROM users WHERE email_key = ?";
    private static final String INSERT =
            "INSERT INTO users (name, email, email_key, roles, password_hash, created_at, updated_at, version)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, 1) RETURNING id";
    private static final String UPDATE = "UPDATE users SET name = ?, email = ?, email_key = ?, roles = ?,"
            + " password_hash = ?, updated_at = ?, version = version + 1"
            + " WHERE id = ? AND (? IS NULL OR version = ?) RETURNING " + COLUMNS;
    private static final String LOGIN_FAILURES = "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at";
    /** A short read slower than this sends the short reads of the next {@link #HAND_OFF_FOR} to the io threads. */
    static final Duration SLOW_READ = Duration.ofMillis(20);
    /** How long short reads go to the io threads after a slow one. */
    static final Duration HAND_OFF_FOR = Duration.ofSeconds(1);

    private final Path file;
    private final Clock clock;
    private final Duration timeout;
    /** How long a request thread waits for any call's answer ({@code store.timeout}). */
    private final Duration callTimeout;

    private final HikariDataSource pool;
    /** Held shared while open, so {@code restore} never replaces the file under this store ({@link SqliteFileLock}). */
    private final SqliteFileLock fileLock;

    /** The one writer: every write goes through it. */
    private final SqliteGroupCommit groupCommit;
    /** The connections of the short reads, outside the pool, with their statements cached. */
    private final SqliteReaders readers;

    /** Users by id, coherent with every writer of the file ({@code store.cache.max-entries}). */
    private final SqliteUserCache cache;

    private final Optional<MeterRegistry> metrics;
    private final Optional<Gauge> usageRatio;
    /**
     * Platform threads, one per pooled connection, that run the JDBC calls of virtual threads other than the short
     * reads (the ping, the export) and the short reads for a while after a slow one ({@link #shortRead}). SQLite runs
     * inside native code, and a virtual thread in native code pins its carrier: with one carrier per CPU, a call
     * waiting for the disk would stop every other request, health checks included. Here the request's virtual
     * thread waits for the answer unmounted, and the carrier goes on serving (and shedding) other requests.
     */
    private final ExecutorService io;

    private volatile boolean closed;
    private final int migrationsAppliedAtOpen;
    /**
     * Until when ({@link System#nanoTime()}) short reads from virtual threads go to the {@link #io} threads instead of
     * running on the request's thread; moved on by every slow read.
     */
    private volatile long handOffUntil = System.nanoTime();

    private SqliteUserStore(
            Path file,
            Clock clock,
            Duration timeout,
            Duration callTimeout,
            HikariDataSource pool,
            SQLiteDataSource dataSource,
            SqliteFileLock fileLock,
            int cacheMaxEntries,
            Optional<MeterRegistry> metrics,
            int migrationsAppliedAtOpen) {
        this.file = file;
        this.migrationsAppliedAtOpen = migrationsAppliedAtOpen;
        this.fileLock = fileLock;
        this.clock = clock;
        this.timeout = timeout;
        this.callTimeout = callTimeout;
        this.pool = pool;
        this.metrics = metrics;
        this.io = Executors.newFixedThreadPool(
                pool.getMaximumPoolSize(),
                Thread.ofPlatform().daemon().name("users-sqlite-", 1).factory());
        this.cache = SqliteUserCache.open(file, cacheMaxEntries, dataSource::getConnection, metrics);
        this.groupCommit =
                new SqliteGroupCommit(file.toString(), dataSource::getConnection, this::failure, metrics, cache);
        // A read gives up on SQLite's locks (SQLITE_BUSY, a 503) before its caller stops waiting.
        int readBusyMillis = busyTimeoutMillis(callTimeout.compareTo(timeout) < 0 ? callTimeout : timeout);
        this.readers = new SqliteReaders(pool.getMaximumPoolSize(), () -> {
            Connection connection = dataSource.getConnection();
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA busy_timeout = " + readBusyMillis);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
            return connection;
        });
        // Strong reference: the gauge reads the pool for as long as the store is open; close() removes it.
        this.usageRatio = metrics.map(registry -> Gauge.builder(USAGE_RATIO, pool, SqliteUserStore::usageRatio)
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

    /**
     * Opens the database file, creating it and its parent directories if missing, and migrates the schema.
     *
     * @throws StoreUnavailableException if the directory or file cannot be created or opened
     * @throws StoreException if the schema cannot be migrated
     */
    static SqliteUserStore open(Path file, int poolSize, Duration connectionTimeout, Clock clock) {
        return open(file, poolSize, connectionTimeout, clock, Optional.empty());
    }

    /**
     * Opens the database like {@link #open(Path, int, Duration, Clock)}, reporting the pool's meters to
     * {@code metrics} when present.
     */
    static SqliteUserStore open(
            Path file, int poolSize, Duration connectionTimeout, Clock clock, Optional<MeterRegistry> metrics) {
        return open(file, poolSize, connectionTimeout, StoreConfig.DEFAULT_TIMEOUT, clock, metrics);
    }

    /**
     * Opens the database like {@link #open(Path, int, Duration, Clock, Optional)}; a request thread waits at most
     * {@code callTimeout} for any call ({@code store.timeout}).
     */
    static SqliteUserStore open(
            Path file,
            int poolSize,
            Duration connectionTimeout,
            Duration callTimeout,
            Clock clock,
            Optional<MeterRegistry> metrics) {
        return open(
                file, poolSize, connectionTimeout, callTimeout, StoreConfig.DEFAULT_CACHE_MAX_ENTRIES, clock, metrics);
    }

    /**
     * Opens the database like {@link #open(Path, int, Duration, Duration, Clock, Optional)}, its cache of reads by id
     * holding at most {@code cacheMaxEntries} users (0: no cache; {@link SqliteUserCache}).
     */
    static SqliteUserStore open(
            Path file,
            int poolSize,
            Duration connectionTimeout,
            Duration callTimeout,
            int cacheMaxEntries,
            Clock clock,
            Optional<MeterRegistry> metrics) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(callTimeout, "callTimeout");
        Objects.requireNonNull(metrics, "metrics");
        Path absolute = file.toAbsolutePath().normalize();
        createParentDirectories(absolute);
        SqliteFileLock fileLock = SqliteFileLock.shared(absolute);
        SQLiteDataSource dataSource = dataSource(absolute, connectionTimeout);
        HikariDataSource pool;
        try {
            pool = openPool(absolute, dataSource, poolSize, connectionTimeout, metrics);
        } catch (RuntimeException e) {
            fileLock.close();
            throw e;
        }
        int applied = 0;
        try {
            Optional<String> current = SchemaMigrations.currentVersion(pool, MIGRATION_SCRIPTS);
            if (current.isPresent()) {
                LOG.info(
                        "Opened SQLite user store {} (schema version {}, 0 migration(s) applied now)",
                        absolute,
                        current.get());
            } else {
                MigrateResult result = SchemaMigrations.migrate(pool, MIGRATIONS, "SQLite database '" + absolute + "'");
                applied = result.migrationsExecuted;
                LOG.info(
                        "Opened SQLite user store {} (schema version {}, {} migration(s) applied now)",
                        absolute,
                        result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                        result.migrationsExecuted);
            }
        } catch (FlywayException e) {
            pool.close();
            fileLock.close();
            throw new StoreException(
                    "Cannot migrate the schema of SQLite database '" + absolute + "': " + e.getMessage()
                            + "; restore a backup or use the application version that wrote this file",
                    e);
        } catch (RuntimeException e) {
            pool.close();
            fileLock.close();
            throw e;
        }
        return new SqliteUserStore(
                absolute,
                clock,
                connectionTimeout,
                callTimeout,
                pool,
                dataSource,
                fileLock,
                cacheMaxEntries,
                metrics,
                applied);
    }

    private static int busyTimeoutMillis(Duration connectionTimeout) {
        return Math.toIntExact(Math.min(Integer.MAX_VALUE, connectionTimeout.toMillis()));
    }

    private static void createParentDirectories(Path file) {
        Path parent = file.getParent();
        if (parent == null || Files.isDirectory(parent)) {
            return;
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Cannot create directory '" + parent + "' for SQLite database '" + file.getFileName() + "': " + e
                            + "; create it or give the service account write access",
                    e);
        }
    }

    private static SQLiteDataSource dataSource(Path file, Duration connectionTimeout) {
        SqliteNativeLibrary.useCachedCopy();
        SQLiteConfig sqlite = new SQLiteConfig();
        // sqlite-jdbc applies these PRAGMAs to every connection it opens: the pooled ones and the readers.
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        sqlite.setBusyTimeout(busyTimeoutMillis(connectionTimeout));
        sqlite.enforceForeignKeys(true);
        SQLiteDataSource dataSource = new SQLiteDataSource(sqlite);
        dataSource.setUrl("jdbc:sqlite:" + file);
        return dataSource;
    }

    private static HikariDataSource openPool(
            Path file,
            SQLiteDataSource dataSource,
            int poolSize,
            Duration connectionTimeout,
            Optional<MeterRegistry> metrics) {
        HikariDataSource pool = new HikariDataSource(); // configured itself: see HikariPools.start
        pool.setPoolName(POOL_NAME);
        metrics.ifPresent(registry -> pool.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry)));
        pool.setDataSource(dataSource);
        pool.setMaximumPoolSize(poolSize);
        pool.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis())); // HikariCP's minimum
        try {
            return HikariPools.start(pool);
        } catch (SQLException | HikariPool.PoolInitializationException e) {
            Throwable cause =
                    e instanceof HikariPool.PoolInitializationException && e.getCause() != null ? e.getCause() : e;
            throw new StoreUnavailableException(
                    "Cannot open SQLite database '" + file + "': " + cause.getMessage()
                            + "; check that the path names a database file the service account can read and write",
                    e);
        }
    }

    @Override
    public User create(UserDraft draft) {
        Objects.requireNonNull(draft, "draft");
        return write("create a user", statements -> {
            Instant now = now(); // on the one writer, so createdAt follows id order (if the clock does)
            try {
                PreparedStatement insert = statements.prepare(INSERT);
                bindDraft(insert, draft);
                insert.setLong(6, now.toEpochMilli());
                insert.setLong(7, now.toEpochMilli());
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    long id = rs.getLong(1);
                    cache.evict(id); // an id is never reused (AUTOINCREMENT); evicted all the same
                    return new User(id, draft.name(), draft.email(), draft.roles(), now, now, 1);
                }
            } catch (SQLException e) {
                throw duplicateEmailOr(e, draft);
            }
        });
    }

    @Override
    public Optional<User> find(long id) {
        User cached = cache.get(id);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<SqliteUserCache.Mark> mark = cache.mark(); // taken before the read: see SqliteUserCache
        Optional<User> found = shortRead("find user '" + id + "'", reader -> {
            PreparedStatement select = reader.prepare(FIND);
            select.setLong(1, id);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(toUser(rs)) : Optional.<User>empty();
            }
        });
        found.ifPresent(user -> cache.fill(user, mark));
        return found;
    }

    @Override
    public UserPage list(int limit, Optional<Long> afterId) {
        Objects.requireNonNull(afterId, "afterId");
        if (limit < 1) {
            throw new IllegalArgumentException("Page limit must be at least 1, got '" + limit + "'");
        }
        return shortRead("list users", reader -> {
            PreparedStatement select = reader.prepare(LIST);
            select.setLong(1, afterId.orElse(Long.MIN_VALUE));
            select.setLong(2, limit + 1L); // one more than asked tells whether a next page exists
            List<User> items = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    items.add(toUser(rs));
                }
            }
            return UserPage.ofOneMoreThan(items, limit);
        });
    }

    @Override
    public User replace(long id, UserDraft draft, OptionalLong expectedVersion) {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        return write("replace user '" + id + "'", statements -> {
            cache.evict(id);
            try {
                PreparedStatement update = statements.prepare(UPDATE);
                bindDraft(update, draft);
                update.setLong(6, now().toEpochMilli());
                update.setLong(7, id);
                if (expectedVersion.isPresent()) {
                    update.setLong(8, expectedVersion.getAsLong());
                    update.setLong(9, expectedVersion.getAsLong());
                } else {
                    update.setNull(8, Types.INTEGER);
                    update.setNull(9, Types.INTEGER);
                }
                try (ResultSet rs = update.executeQuery()) {
                    if (rs.next()) {
                        return toUser(rs);
                    }
                }
            } catch (SQLException e) {
                throw duplicateEmailOr(e, draft);
            }
            // Nothing updated: missing or at another version.
            OptionalLong actual = currentVersion(statements, id);
            if (actual.isEmpty()) {
                throw new UserNotFoundException(id);
            }
            throw new VersionConflictException(id, expectedVersion.orElseThrow(), actual.getAsLong());
        });
    }

    @Override
    public boolean delete(long id, OptionalLong expectedVersion) {
        Objects.requireNonNull(expectedVersion, "expectedVersion");
        return write("delete user '" + id + "'", statements -> {
            cache.evict(id);
            PreparedStatement delete = statements.prepare(
                    "DELETE FROM users WHERE id = ?" + (expectedVersion.isPresent() ? " AND version = ?" : ""));
            delete.setLong(1, id);
            if (expectedVersion.isPresent()) {
                delete.setLong(2, expectedVersion.getAsLong());
            }
            if (delete.executeUpdate() == 1) {
                return true;
            }
            // Nothing deleted: missing, or (with a version) at another version.
            OptionalLong actual = expectedVersion.isPresent() ? currentVersion(statements, id) : OptionalLong.empty();
            if (actual.isEmpty()) {
                return false;
            }
            throw new VersionConflictException(id, expectedVersion.getAsLong(), actual.getAsLong());
        });
    }

    /**
     * The version of user {@code id}, empty when there is none. Read by the writer, which holds SQLite's write lock,
     * so it is the version the update or delete before it in the same work saw.
     */
    private static OptionalLong currentVersion(SqliteStatements statements, long id) throws SQLException {
        PreparedStatement select = statements.prepare("SELECT version FROM users WHERE id = ?");
        select.setLong(1, id);
        try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
        }
    }

    @Override
    public Optional<UserCredentials> credentials(String email) {
        Objects.requireNonNull(email, "email");
        return shortRead("look up credentials", reader -> {
            PreparedStatement select = reader.prepare(CREDENTIALS);
            select.setString(1, EmailKey.of(email));
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next() || rs.getString(8) == null) {
                    return Optional.<UserCredentials>empty();
                }
                return Optional.of(new UserCredentials(toUser(rs), rs.getString(8)));
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Checks that the store could take a write now: {@code BEGIN IMMEDIATE}, a read of the users table,
     * {@code ROLLBACK}. The connection's {@code busy_timeout} is lowered to what is left of {@code timeout}
     * (less a margin) for the check, so a write lock held by another process fails the ping with
     * {@code SQLITE_BUSY} inside the budget and the connection goes back to the pool at once.
     */
    @Override
    public void ping(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("Ping timeout must be positive, got '" + timeout + "'");
        }
        ensureOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        // The pool's own wait is bounded by the connection timeout, which may be longer than a readiness
        // probe allows: run the check on an io thread and stop waiting for it after `timeout`.
        String action = "answer a ping";
        Future<Boolean> check = submit(
                action, () -> withConnection(action, connection -> writableCheck(connection, deadline, timeout)));
        try {
            check.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            check.cancel(true);
            throw new StoreUnavailableException(
                    "SQLite database '" + file + "' did not answer within " + timeout
                            + "; it may be locked by another process or the disk may be stalled",
                    e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException storeException) {
                throw storeException;
            }
            throw new StoreUnavailableException(
                    "SQLite database '" + file + "' failed to answer a ping: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            check.cancel(true);
            throw new StoreUnavailableException("Interrupted while pinging SQLite database '" + file + "'", e);
        }
    }

    private boolean writableCheck(Connection connection, long deadline, Duration timeout) throws SQLException {
        // Leave a margin so SQLite gives up (SQLITE_BUSY) before the caller stops waiting.
        long margin = Math.min(TimeUnit.MILLISECONDS.toNanos(100), timeout.toNanos() / 4);
        long busyMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - margin - System.nanoTime()));
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout = " + busyMillis);
            try {
                statement.execute("BEGIN IMMEDIATE");
                try (ResultSet rs = statement.executeQuery("SELECT 1 FROM users LIMIT 1")) {
                    return rs.next();
                } finally {
                    statement.execute("ROLLBACK");
                }
            } finally {
                statement.execute("PRAGMA busy_timeout = " + busyTimeoutMillis(this.timeout));
            }
        }
    }

    @Override
    public int migrationsAppliedAtOpen() {
        return migrationsAppliedAtOpen;
    }

    @Override
    public String describe() {
        return "sqlite " + file;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        usageRatio.ifPresent(gauge -> metrics.orElseThrow().remove(gauge));
        groupCommit.close(timeout);
        readers.close();
        cache.close();
        io.shutdown();
        pool.close(); // HikariCP removes its own meters
        fileLock.close();
        LOG.info("Closed SQLite user store {}", file);
    }

    @Override
    public String payloadFormat() {
        return BackupManifest.SQLITE;
    }

    @Override
    public Path stagingDirectory() {
        return Objects.requireNonNull(file.getParent(), "an absolute file has a directory");
    }

    /** {@code VACUUM INTO} on a connection of its own, outside the pool ({@link SqliteBackups#snapshot}). */
    @Override
    public void snapshotTo(Path target) {
        ensureOpen();
        SqliteBackups.snapshot(file, target, timeout);
    }

    /** Writes waiting for the writer, for tests. */
    int queuedWrites() {
        return groupCommit.queued();
    }

    /** Writes the writer has taken since the store opened, for tests. */
    long writesTaken() {
        return groupCommit.taken();
    }

    /** The cache of reads by id, for tests. */
    SqliteUserCache cache() {
        return cache;
    }

    /** The read connections, for tests. */
    SqliteReaders readers() {
        return readers;
    }

    /** Read connections open now, for tests. */
    int readConnections() {
        return readers.openConnections();
    }

    /** The pool, for tests. */
    DataSource dataSource() {
        return pool;
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T read(String action, SqlWork<T> work) {
        ensureOpen();
        return onIoThread(action, () -> withConnection(action, work));
    }

    /**
     * A short read (one indexed statement) on one of the {@link #readers}, with its cached statements, on the
     * caller's own thread: a read by id is a few microseconds of SQLite, less than handing it to an io thread and
     * back costs. On a virtual thread that pins the carrier for those microseconds. A read that took longer than
     * {@link #SLOW_READ} (the disk, not SQLite, is slow) sends the short reads of the next {@link #HAND_OFF_FOR} to
     * the io threads, where a stalled disk holds an io thread instead of a carrier and the request stops waiting at
     * {@code store.timeout}.
     */
    private <T> T shortRead(String action, SqliteReaders.Read<T> work) {
        ensureOpen();
        if (Thread.currentThread().isVirtual() && System.nanoTime() - handOffUntil < 0) {
            return onIoThread(action, () -> timedRead(action, work, timeout));
        }
        return timedRead(action, work, callTimeout.compareTo(timeout) < 0 ? callTimeout : timeout);
    }

    /** Runs {@code work}, timing it (without the wait for a read connection). */
    private <T> T timedRead(String action, SqliteReaders.Read<T> work, Duration wait) {
        return readHere(
                action,
                reader -> {
                    long start = System.nanoTime();
                    try {
                        return work.run(reader);
                    } finally {
                        long end = System.nanoTime();
                        if (end - start > SLOW_READ.toNanos()) {
                            handOffUntil = end + HAND_OFF_FOR.toNanos();
                        }
                    }
                },
                wait);
    }

    /** Whether short reads from virtual threads go to the io threads now, for tests. */
    boolean handingOffReads() {
        return System.nanoTime() - handOffUntil < 0;
    }

    /** Sends short reads from virtual threads to the io threads for {@code duration}, as a slow read does; for tests. */
    void handOffReadsFor(Duration duration) {
        handOffUntil = System.nanoTime() + duration.toNanos();
    }

    private <T> T readHere(String action, SqliteReaders.Read<T> work, Duration wait) {
        try {
            return readers.read(work, wait);
        } catch (SQLException e) {
            throw failure(action, e);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException(
                    "Could not " + action + ": SQLite database '" + file + "' did not answer within " + wait
                            + " (store.timeout); the disk may be stalled or the store overloaded, retry later",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(
                    "Interrupted while waiting to " + action + " in SQLite database '" + file + "'", e);
        }
    }

    private <T> T withConnection(String action, SqlWork<T> work) {
        try (Connection connection = pool.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw failure(action, e);
        }
    }

    /** Runs {@code work} on an {@link #io} thread when called from a virtual thread, else right here. */
    private <T> T onIoThread(String action, Supplier<T> work) {
        return onIoThread(action, work, callTimeout);
    }

    /** Like {@link #onIoThread(String, Supplier)}, waiting at most {@code wait} for the answer. */
    private <T> T onIoThread(String action, Supplier<T> work, Duration wait) {
        if (!Thread.currentThread().isVirtual()) {
            return work.get();
        }
        Future<T> answer = submit(action, work);
        try {
            return answer.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(false); // not begun: never runs; running: finishes on its own, bounded by busy_timeout
            throw new StoreUnavailableException(
                    "Could not " + action + ": SQLite database '" + file + "' did not answer within " + callTimeout
                            + " (store.timeout); the disk may be stalled or the store overloaded, retry later",
                    e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new StoreException(
                    "Could not " + action + " in SQLite database '" + file + "': " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(
                    "Interrupted while waiting to " + action + " in SQLite database '" + file + "'", e);
        }
    }

    private <T> Future<T> submit(String action, Supplier<T> work) {
        try {
            return io.submit((Callable<T>) work::get);
        } catch (RejectedExecutionException e) {
            throw new StoreUnavailableException(
                    "Could not " + action + ": the SQLite user store '" + file + "' is closed", e);
        }
    }

    /**
     * Runs {@code work} through the {@link SqliteGroupCommit group commit}: in the writer's transaction, in a
     * savepoint of its own, answered once its batch committed. A request thread waits at most {@code store.timeout}
     * for the write to start; other callers at most the connection timeout.
     */
    private <T> T write(String action, SqliteGroupCommit.Work<T> work) {
        ensureOpen();
        Duration wait =
                Thread.currentThread().isVirtual() && callTimeout.compareTo(timeout) < 0 ? callTimeout : timeout;
        return groupCommit.write(action, work, wait);
    }

    private StoreException failure(String action, SQLException e) {
        if (closed) {
            return new StoreUnavailableException(
                    "Could not " + action + ": the SQLite user store '" + file + "' is closed", e);
        }
        if (e instanceof SQLTransientConnectionException) {
            return new StoreUnavailableException(
                    "Could not " + action + ": no connection to SQLite database '" + file + "' became free within "
                            + timeout + "; the store is overloaded, retry later",
                    e);
        }
        if (e instanceof SQLiteException sqlite && (sqlite.getResultCode().code & 0xff) == 13) { // SQLITE_FULL
            return new StoreFullException(
                    "Could not " + action + " in SQLite database '" + file + "': " + e.getMessage()
                            + "; the disk is full: free space on the file system of the data directory (reads still"
                            + " work, writes resume by themselves)",
                    e);
        }
        if (e instanceof SQLiteException sqlite && cannotWrite(sqlite.getResultCode())) {
            return new StoreReadOnlyException(
                    "Could not " + action + " in SQLite database '" + file + "': " + e.getMessage()
                            + "; the database or its directory cannot be written: check the file system (read-only,"
                            + " or remounted read-only by the kernel after an I/O error: see dmesg) and the file's owner"
                            + " and mode",
                    e);
        }
        if (e instanceof SQLiteException sqlite && isUnavailable(sqlite.getResultCode())) {
            return new StoreUnavailableException(
                    "Could not " + action + " in SQLite database '" + file + "': " + e.getMessage()
                            + "; check the disk and that no other process holds the database locked",
                    e);
        }
        return new StoreException("Could not " + action + " in SQLite database '" + file + "': " + e.getMessage(), e);
    }

    /**
     * SQLite could not write (the file system or the file is read-only, or the disk fails writes): the write was not
     * applied and reads may still work.
     */
    private static boolean cannotWrite(SQLiteErrorCode code) {
        return (code.code & 0xff) == 8 // SQLITE_READONLY and its extended codes
                || code == SQLiteErrorCode.SQLITE_IOERR_WRITE
                || code == SQLiteErrorCode.SQLITE_IOERR_FSYNC
                || code == SQLiteErrorCode.SQLITE_IOERR_DIR_FSYNC
                || code == SQLiteErrorCode.SQLITE_IOERR_TRUNCATE;
    }

    private static boolean isUnavailable(SQLiteErrorCode code) {
        return switch (code.code & 0xff) { // the primary result code, without the extended bits
            case 5, // SQLITE_BUSY
                    6, // SQLITE_LOCKED
                    8, // SQLITE_READONLY
                    10, // SQLITE_IOERR
                    13, // SQLITE_FULL
                    14 -> true; // SQLITE_CANTOPEN
            default -> false;
        };
    }

    private static SQLException duplicateEmailOr(SQLException e, UserDraft draft) throws SQLException {
        // The only UNIQUE constraint besides the rowid is users_email_key.
        if (e instanceof SQLiteException sqlite && sqlite.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE) {
            throw new DuplicateEmailException(draft.email());
        }
        return e;
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
            throw new StoreUnavailableException("The SQLite user store '" + file + "' is closed; open a new store");
        }
    }

    private Instant now() {
        // Stored as epoch milliseconds: truncate so the returned User equals what a later read returns.
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One read transaction on one connection: SQLite's WAL gives it a snapshot as of its first read, and rows
     * are stepped one at a time from the database file, so memory stays flat however many users there are.
     * Writers (in this process and others) are not blocked meanwhile.
     */
    @Override
    public long exportAll(Consumer<? super ExportedUser> sink) {
        Objects.requireNonNull(sink, "sink");
        return read("export users", connection -> {
            connection.setAutoCommit(false); // BEGIN (deferred): the snapshot starts at the SELECT
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT " + COLUMNS + ", password_hash FROM users ORDER BY id")) {
                long count = 0;
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        sink.accept(new ExportedUser(toUser(rs), Optional.ofNullable(rs.getString(8))));
                        count++;
                    }
                }
                return count;
            } finally {
                connection.rollback(); // read only: nothing to commit
                connection.setAutoCommit(true); // as the pool lends it
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>One savepoint in the writer's {@code BEGIN IMMEDIATE} transaction: read the row with this id, then
     * insert or update it, or leave it. An insert with an explicit id moves AUTOINCREMENT's counter
     * ({@code sqlite_sequence}) up to that id, so later creates get greater ids.
     */
    @Override
    public ImportOutcome importUser(ExportedUser exported) {
        ExportedUser imported = Objects.requireNonNull(exported, "exported").truncatedToMillis();
        User user = imported.user();
        // Validates the roles the way create does: they are stored space-separated.
        UserDraft draft = new UserDraft(user.name(), user.email(), user.roles(), imported.passwordHash());
        return write("import user '" + user.id() + "'", statements -> {
            cache.evict(user.id());
            Optional<ExportedUser> existing;
            PreparedStatement select =
                    statements.prepare("SELECT " + COLUMNS + ", password_hash FROM users WHERE id = ?");
            select.setLong(1, user.id());
            try (ResultSet rs = select.executeQuery()) {
                existing = rs.next()
                        ? Optional.of(new ExportedUser(toUser(rs), Optional.ofNullable(rs.getString(8))))
                        : Optional.empty();
            }
            if (existing.isPresent() && existing.get().equals(imported)) {
                return ImportOutcome.UNCHANGED;
            }
            String sql = existing.isPresent()
                    ? "UPDATE users SET name = ?, email = ?, email_key = ?, roles = ?, password_hash = ?,"
                            + " created_at = ?, updated_at = ?, version = ? WHERE id = ?"
                    : "INSERT INTO users (name, email, email_key, roles, password_hash, created_at, updated_at,"
                            + " version, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
            try {
                PreparedStatement write = statements.prepare(sql);
                bindDraft(write, draft);
                write.setLong(6, user.createdAt().toEpochMilli());
                write.setLong(7, user.updatedAt().toEpochMilli());
                write.setLong(8, user.version());
                write.setLong(9, user.id());
                write.executeUpdate();
            } catch (SQLException e) {
                throw duplicateEmailOr(e, draft);
            }
            return existing.isPresent() ? ImportOutcome.UPDATED : ImportOutcome.CREATED;
        });
    }

    /** {@inheritDoc} One savepoint of the writer's transaction: forget the old failures, record the new one. */
    @Override
    public void recordLoginFailure(String key, Instant at, Instant forgetBefore) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(forgetBefore, "forgetBefore");
        write("record a failed login", statements -> {
            PreparedStatement forget = statements.prepare("DELETE FROM login_failures WHERE at <= ?");
            forget.setLong(1, forgetBefore.toEpochMilli());
            forget.executeUpdate();
            PreparedStatement insert = statements.prepare("INSERT INTO login_failures (key, at) VALUES (?, ?)");
            insert.setString(1, key);
            insert.setLong(2, at.toEpochMilli());
            insert.executeUpdate();
            return null;
        });
    }

    @Override
    public List<Instant> loginFailures(String key, Instant since) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(since, "since");
        return shortRead("read failed logins", reader -> {
            PreparedStatement select = reader.prepare(LOGIN_FAILURES);
            select.setString(1, key);
            select.setLong(2, since.toEpochMilli());
            List<Instant> times = new ArrayList<>();
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    times.add(Instant.ofEpochMilli(rs.getLong(1)));
                }
            }
            return List.copyOf(times);
        });
    }

    @Override
    public void clearLoginFailures(String key) {
        Objects.requireNonNull(key, "key");
        write("clear failed logins", statements -> {
            PreparedStatement delete = statements.prepare("DELETE FROM login_failures WHERE key = ?");
            delete.setString(1, key);
            return delete.executeUpdate();
        });
    }
}
