package dev.servicekit.users;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read connections of a {@link SqliteUserStore}: a fixed number of SQLite connections used only for short reads
 * (a user by id, a page, credentials, login failures), each keeping its prepared statements for its whole life.
 *
 * <p>Why not the HikariCP pool the writer and the other calls use: a read by id is a few microseconds of SQLite, and
 * measured on the pinned bench, borrowing from HikariCP (its bag, proxies, leak and usage bookkeeping) and preparing
 * the statement again on every call (sqlite-jdbc's Java objects and {@code sqlite3_prepare_v2}) cost more than the
 * read. These connections are not a general pool: their number is fixed when the store opens, they open lazily, they
 * are never validated, replaced or retired (a SQLite connection to a local file has no network to break), and they
 * serve nothing but the store's own reads.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #read} lends one connection to one caller at a time; a caller waits at most its {@code wait} for one
 *       to be free, else gets {@link TimeoutException}.
 *   <li>A read runs in SQLite's autocommit mode: it sees every write committed before it began (WAL snapshot per
 *       statement).
 *   <li>{@link #close()} closes every connection: the idle ones at once, one lent out when its caller gives it back
 *       (at most the length of one read), and any later {@link #read} fails with {@link SQLException}.
 * </ul>
 */
final class SqliteReaders implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteReaders.class);

    /** Opens one connection. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    /** A read on one lent connection. */
    @FunctionalInterface
    interface Read<T> {
        T run(SqliteStatements reader) throws SQLException;
    }

    private final int size;
    private final Opener opener;
    private final BlockingQueue<SqliteStatements> idle;
    /** Every connection opened, lent out or not; guarded by {@code this}. */
    private final List<SqliteStatements> opened = new ArrayList<>();

    private volatile boolean closed;

    /**
     * @param size how many connections at most (at least 1)
     * @param opener opens one connection, configured as the store's
     */
    SqliteReaders(int size, Opener opener) {
        if (size < 1) {
            throw new IllegalArgumentException("Read connections must be at least 1, got '" + size + "'");
        }
        this.size = size;
        this.opener = Objects.requireNonNull(opener, "opener");
        this.idle = new ArrayBlockingQueue<>(size);
    }

    /**
     * Runs {@code read} on a free connection, opening one if fewer than the maximum are open.
     *
     * @throws TimeoutException if no connection became free within {@code wait}
     * @throws SQLException if {@code read} failed, or a connection could not be opened, or this is closed
     */
    <T> T read(Read<T> read, Duration wait) throws SQLException, TimeoutException, InterruptedException {
        SqliteStatements reader = take(wait);
        boolean broken = true;
        try {
            T result = read.run(reader);
            broken = false;
            return result;
        } finally {
            giveBack(reader, broken);
        }
    }

    private SqliteStatements take(Duration wait) throws SQLException, TimeoutException, InterruptedException {
        ensureOpen();
        SqliteStatements reader = idle.poll();
        if (reader != null) {
            return reader;
        }
        reader = openIfBelowSize();
        if (reader != null) {
            return reader;
        }
        reader = idle.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (reader == null) {
            throw new TimeoutException("no SQLite read connection became free within " + wait);
        }
        return reader;
    }

    private SqliteStatements openIfBelowSize() throws SQLException {
        synchronized (this) {
            if (opened.size() >= size) {
                return null;
            }
            ensureOpen();
            SqliteStatements reader = new SqliteStatements(opener.open(), "a SQLite read connection");
            opened.add(reader);
            return reader;
        }
    }

    private void giveBack(SqliteStatements reader, boolean broken) {
        if (broken) {
            // A failed read may leave a statement mid-step; clear the cache so the next use prepares afresh.
            reader.forget();
        }
        if (closed) {
            reader.close();
            return;
        }
        idle.offer(reader); // never full: at most `size` readers exist
        if (closed && idle.remove(reader)) { // close() ran between the check and the offer
            reader.close();
        }
    }

    private void ensureOpen() throws SQLException {
        if (closed) {
            throw new SQLException("The SQLite read connections are closed");
        }
    }

    /** Connections open now (idle or lent out), for tests. */
    synchronized int openConnections() {
        return (int) opened.stream().filter(reader -> !reader.isClosed()).count();
    }

    /** Closes the idle connections now and each lent-out one when its read ends. */
    @Override
    public void close() {
        closed = true;
        SqliteStatements reader;
        while ((reader = idle.poll()) != null) {
            reader.close();
        }
        synchronized (this) {
            opened.removeIf(SqliteStatements::isClosed);
        }
    }
}
