package dev.servicekit.users;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL advisory lock that keeps {@code restore} and the stores of a database schema apart, whichever host
 * they run on: every open {@link PostgresUserStore} holds it shared, on a connection of its own (not a pooled one,
 * which the pool lends and closes), for its whole life; {@code backup}'s {@code pg_dump} holds it shared while it
 * dumps; {@code restore} takes it exclusively before it moves anything and holds it until it has restored or moved
 * the tables back ({@link PostgresRestore}). Session-level locks end with their session, so a crash, {@code kill -9}
 * or a lost connection leaves nothing to clean up.
 *
 * <p>The key is the two-int form {@code (}{@value #LOCK_CLASS}{@code , hashtext(current_schema()))}: the first is
 * this lock's fixed class ({@code 0x736b7273}, "skrs" for servicekit restore), the second the hash of the role's
 * current schema. Advisory locks are per database, and the schema's hash keeps two schemas of one database (two
 * services, or a test beside production) from blocking each other; should two names hash alike, they only wait for
 * each other's restores. Flyway's own advisory lock is the one-bigint form, a key space of its own. To keep every
 * instance from starting by hand (as a restore does): {@code SELECT pg_advisory_lock(1936421491,
 * hashtext('public'))} in a session that stays open.
 *
 * <p>A store that loses its lock connection (PostgreSQL restarted, {@code pg_terminate_backend}, a network cut)
 * finds out within {@link #CHECK_INTERVAL} on its own thread ({@code SELECT 1} on the connection, which also keeps it
 * from an {@code idle_session_timeout}) and takes the lock shared again at once on a new connection, without waiting
 * (up to three tries while connections end as they open). When it cannot (a restore holds the lock,
 * PostgreSQL is away), every call of the store and its readiness fail with {@link StoreUnavailableException} (503,
 * {@link #ensureHeld}) until a later check takes it: without the lock a restore may be moving the tables. Calls made
 * between the end of the connection and the check that finds it still run; a restore that starts in that second
 * refuses anyway while the store's pooled connections are open ({@link PostgresRestore} also counts the sessions of
 * the service). When the lock is taken again after the store's tables were replaced meanwhile (the {@code users} table
 * is another one), the schema is migrated again first, as at start: the restored backup may have an older schema.
 */
final class PostgresStoreLock implements AutoCloseable {

    /** The lock's first key: its class, {@code 0x736b7273} ("skrs", servicekit restore). */
    static final int LOCK_CLASS = 0x736b7273;

    /** How often a store checks its lock connection, and tries to take the lock again while it does not hold it. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    /** How many times in a row one check tries to take the lock again on a new connection. */
    private static final int RETAKE_ATTEMPTS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStoreLock.class);

    /** The lock of one schema: the role's current schema and the second key, {@code hashtext(schema)}. */
    record Key(String schema, int objid) {

        /** {@code advisory lock (1936421491, 699991767) of schema 'public'}. */
        String describe() {
            return "advisory lock (" + LOCK_CLASS + ", " + objid + ") of schema '" + schema + "'";
        }
    }

    /** The key of the current schema of {@code connection}'s role. */
    static Key key(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_schema(), hashtext(current_schema())")) {
            rows.next();
            String schema = rows.getString(1);
            if (schema == null) {
                throw new SQLException("the role has no current schema; set currentSchema in store.url or the role's"
                        + " search_path");
            }
            return new Key(schema, rows.getInt(2));
        }
    }

    /** Takes the lock exclusively in {@code connection}'s session, without waiting; whether it did. */
    static boolean tryExclusive(Connection connection, Key key) throws SQLException {
        return tryLock(connection, "pg_try_advisory_lock", key);
    }

    /** Takes the lock shared in {@code connection}'s session, without waiting; whether it did. */
    static boolean tryShared(Connection connection, Key key) throws SQLException {
        return tryLock(connection, "pg_try_advisory_lock_shared", key);
    }

    private static boolean tryLock(Connection connection, String function, Key key) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT " + function + "(?, ?)")) {
            lock.setInt(1, LOCK_CLASS);
            lock.setInt(2, key.objid());
            try (ResultSet rows = lock.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    /**
     * The sessions holding the lock under one {@code application_name}: how many, whether one holds it exclusively (a
     * restore), and from where ({@code client_addr}, or {@code local socket}).
     */
    record Holder(String applicationName, long sessions, boolean exclusive, String from) {

        /** {@code users-service (2 sessions, from 10.0.0.11, 10.0.0.12)}. */
        String describe() {
            return applicationName + " (" + sessions + (sessions == 1 ? " session" : " sessions")
                    + (exclusive ? " exclusively" : "") + ", from " + from + ")";
        }

        /** The holders, described, in one line; {@code fallback} when there are none. */
        static String describe(List<Holder> holders, String fallback) {
            return holders.isEmpty()
                    ? fallback
                    : String.join(", ", holders.stream().map(Holder::describe).toList());
        }
    }

    /** Who holds the lock now besides {@code connection}'s session, by {@code application_name}. */
    static List<Holder> holders(Connection connection, Key key) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT coalesce(nullif(a.application_name, ''),"
                + " 'a session without application_name'), count(*), bool_or(l.mode = 'ExclusiveLock'),"
                + " string_agg(DISTINCT coalesce(host(a.client_addr), 'local socket'), ', ')"
                + " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.pid <> pg_backend_pid()"
                + " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                + " AND l.classid = (?::int)::oid AND l.objid = (?::int)::oid"
                + " GROUP BY 1 ORDER BY 1")) {
            select.setInt(1, LOCK_CLASS);
            select.setInt(2, key.objid());
            List<Holder> holders = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    holders.add(new Holder(rows.getString(1), rows.getLong(2), rows.getBoolean(3), rows.getString(4)));
                }
            }
            return holders;
        }
    }

    /**
     * Why a store cannot open now, when a session holds the lock exclusively (a restore runs): as the store's start
     * says it; empty otherwise, and when the role has no current schema. Takes no lock ({@code doctor}).
     */
    static Optional<String> restoreRunning(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_schema(), hashtext(current_schema()),"
                        + " EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        + " AND mode = 'ExclusiveLock' AND objsubid = 2"
                        + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        + " AND classid = (" + LOCK_CLASS + ")::oid AND objid = hashtext(current_schema())::oid)")) {
            rows.next();
            if (rows.getString(1) == null || !rows.getBoolean(3)) {
                return Optional.empty();
            }
            return Optional.of(restoreRuns(connection, new Key(rows.getString(1), rows.getInt(2))));
        }
    }

    /** What the store runs on the lock connection right after taking the lock again, before it is marked held. */
    @FunctionalInterface
    interface AfterRetake {
        void run(Connection connection) throws SQLException;
    }

    private final DataSource source;

    private final String database;
    private final Key key;
    private final AfterRetake afterRetake;
    private final ScheduledExecutorService checks;
    private final Object state = new Object();

    /** The connection holding the lock, or null while the store does not hold it. */
    private volatile Connection held;

    /** Why the store does not hold the lock; the last reason once it holds it again. */
    private volatile String whyNotHeld = "";

    private volatile boolean closed;

    private PostgresStoreLock(DataSource source, String database, Key key, Connection held, AfterRetake afterRetake) {
        this.source = source;
        this.database = database;
        this.key = key;
        this.held = held;
        this.afterRetake = afterRetake;
        this.checks = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("users-postgresql-lock").factory());
    }

    /**
     * Takes the lock shared for a store on a connection of its own from {@code source}, waiting at most {@code wait}
     * ({@code lock_timeout}) while a restore holds it. The store's schema is migrated after this returns.
     *
     * @param source the store's data source: its role and {@code application_name}, with a socket timeout longer
     *     than {@code wait}
     * @param database the database for messages, as {@link PostgresUserStore.Target#database()} names it
     * @param afterRetake what to run, on the lock's thread, each time the lock was taken again (the store migrates
     *     the schema there when its tables were replaced meanwhile); when it throws, the lock is let go and taken
     *     again at the next check
     * @throws SQLException if the connection cannot be opened or the lock query fails
     * @throws StoreUnavailableException if a restore still held the lock after {@code wait}
     */
    static PostgresStoreLock hold(DataSource source, String database, Duration wait, AfterRetake afterRetake)
            throws SQLException {
        Connection connection = source.getConnection();
        try {
            Key key = key(connection);
            if (!tryShared(connection, key)) {
                LOG.info(
                        "Waiting up to {} (store.timeout) for a restore into schema '{}' of {} to end",
                        wait,
                        key.schema(),
                        database);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET lock_timeout = " + Math.max(1, wait.toMillis()));
                    statement.execute("SELECT pg_advisory_lock_shared(" + LOCK_CLASS + ", " + key.objid() + ")");
                    statement.execute("RESET lock_timeout");
                } catch (SQLException e) {
                    if (!"55P03".equals(e.getSQLState())) { // lock_not_available: lock_timeout ran out
                        throw e;
                    }
                    throw new StoreUnavailableException("Cannot open " + database + ": " + restoreRuns(connection, key)
                            + "; waited " + wait + " (store.timeout) for it to end; the store opens once it ends:"
                            + " start again then (the service manager's restart does it for the service)");
                }
            }
            PostgresStoreLock lock = new PostgresStoreLock(source, database, key, connection, afterRetake);
            LOG.debug("Holding the {} of {} shared", key.describe(), database);
            return lock;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    /** "a restore into schema 'public' is running (advisory lock (…) of schema 'public' is held by …)". */
    private static String restoreRuns(Connection connection, Key key) {
        String by;
        try {
            by = Holder.describe(holders(connection, key), "exclusively");
        } catch (SQLException e) {
            by = "exclusively";
        }
        return "a restore into schema '" + key.schema() + "' is running (" + key.describe() + " is held"
                + (by.equals("exclusively") ? " " : " by ") + by + ")";
    }

    /** Starts checking the lock connection every {@link #CHECK_INTERVAL}; the store calls it once it is open. */
    void watch() {
        long interval = CHECK_INTERVAL.toMillis();
        checks.scheduleWithFixedDelay(this::checkLogged, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Throws unless the store holds the lock; does not block.
     *
     * @throws StoreUnavailableException while the store does not hold the lock, with why
     */
    void ensureHeld() {
        if (held == null) {
            throw new StoreUnavailableException("The PostgreSQL user store on " + database + " does not hold its "
                    + key.describe() + ": " + whyNotHeld + "; it takes it again within " + CHECK_INTERVAL.toSeconds()
                    + "s once it can, retry later");
        }
    }

    /** One check; a failure is logged, so that the checks go on (a scheduled task that throws is not run again). */
    private void checkLogged() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("Checking the {} of {} failed", key.describe(), database, e);
        }
    }

    /** One check: the lock connection still answers, or the lock is taken again on a new one. */
    private void check() {
        Connection current = held;
        if (current != null) {
            try (Statement statement = current.createStatement()) {
                statement.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                LOG.warn(
                        "The connection holding the {} of {} ended ({}); taking the lock again",
                        key.describe(),
                        database,
                        e.getMessage());
                whyNotHeld = "its lock connection ended (" + e.getMessage() + ")";
                closeQuietly(current);
            }
        }
        for (int attempt = 1; attempt <= RETAKE_ATTEMPTS && !closed; attempt++) {
            Optional<Failure> failure = retake();
            if (failure.isEmpty()) {
                return;
            }
            String why = failure.get().why();
            if (!why.equals(whyNotHeld) || current != null) {
                LOG.warn("The user store on {} does not hold its {}: {}", database, key.describe(), why);
            }
            whyNotHeld = why;
            synchronized (state) {
                held = null;
            }
            current = null;
            if (!failure.get().tryAgainNow()) {
                return; // until the next check: a restore, say, takes longer than trying again now
            }
        }
    }

    /** Why the lock was not taken again, and whether trying again at once may help (a connection that ended). */
    private record Failure(String why, boolean tryAgainNow) {}

    /** Takes the lock shared on a new connection without waiting: empty when it did, else why not. */
    private Optional<Failure> retake() {
        Connection connection;
        try {
            connection = source.getConnection();
        } catch (SQLException e) {
            return Optional.of(new Failure(
                    "its lock connection cannot be opened again (" + e.getMessage() + PostgresUserStore.loginHint(e)
                            + ")",
                    true));
        }
        try {
            Key now = key(connection);
            if (!now.equals(key)) {
                closeQuietly(connection);
                return Optional.of(new Failure(
                        "the role's current schema is now '" + now.schema() + "', not '" + key.schema()
                                + "'; restart the service",
                        false));
            }
            if (!tryShared(connection, key)) {
                String why = restoreRuns(connection, key);
                closeQuietly(connection);
                return Optional.of(new Failure(why + "; the store answers again when it ends", false));
            }
            afterRetake.run(connection);
        } catch (SQLException e) {
            closeQuietly(connection);
            return Optional.of(new Failure("taking it again failed (" + e.getMessage() + ")", true));
        } catch (RuntimeException e) {
            closeQuietly(connection);
            return Optional.of(new Failure("taking it again failed (" + e.getMessage() + ")", false));
        }
        synchronized (state) {
            if (closed) {
                closeQuietly(connection);
                return Optional.empty();
            }
            held = connection;
        }
        LOG.info("The user store on {} holds its {} again", database, key.describe());
        return Optional.empty();
    }

    /** Stops the checks and ends the lock connection, which releases the lock. Idempotent. */
    @Override
    public void close() {
        Connection connection;
        synchronized (state) {
            if (closed) {
                return;
            }
            closed = true;
            connection = held;
            held = null;
        }
        whyNotHeld = "the store is closed";
        checks.shutdownNow();
        if (connection != null) {
            closeQuietly(connection);
        }
    }

    /**
     * Runs {@code work} on a session of its own, where it takes the lock, and closes the connection afterwards,
     * whatever happened: ending the session releases every lock taken on it (backup's shared, restore's exclusive).
     *
     * @param unreachable what to throw when no connection to {@code source} can be opened
     */
    static <T> T onOwnSession(
            javax.sql.DataSource source,
            java.util.function.Function<SQLException, RuntimeException> unreachable,
            java.util.function.Function<Connection, T> work) {
        Connection connection;
        try {
            connection = source.getConnection();
        } catch (SQLException e) {
            throw unreachable.apply(e);
        }
        try {
            return work.apply(connection);
        } finally {
            closeQuietly(connection); // ends the session: releases the lock
        }
    }

    static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // The session ends with the connection or with the server: either releases the lock.
        }
    }
}
