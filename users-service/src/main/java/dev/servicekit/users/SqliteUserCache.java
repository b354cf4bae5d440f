package dev.servicekit.users;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded cache of users by id in front of a {@link SqliteUserStore}'s reads by id ({@code store.cache.max-entries}),
 * kept coherent with every writer of the database file: this process's group-commit writer, another process (a
 * {@code data import} beside the service, a second service, the {@code sqlite3} shell).
 *
 * <p>How it knows the database changed: SQLite's WAL index (the {@code -shm} file beside the database, which every
 * connection to a WAL database maps) starts with a 48-byte header that every commit rewrites, its change counter
 * ({@code iChange}) incremented, whichever connection or process commits (SQLite's "WAL-mode file format", section
 * 2.2). SQLite writes the header twice, the second copy first; a reader that reads the first copy and then the second
 * and finds them equal has a consistent header. This class maps that header read-only and compares it, a few
 * nanoseconds, where a read by id through SQLite costs a read transaction (locks taken with system calls) and
 * sqlite-jdbc's Java side.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #get} returns a user only while the header equals the one under which the cache is known to match the
 *       database ({@code coherentAt}). Any other header (a commit this class did not account for) empties the cache.
 *   <li>A user read from the database is kept ({@link #fill}) only if the header, taken before the read
 *       ({@link #mark}), is still the same and still {@code coherentAt} when it is stored: a commit in between
 *       (ours or another's) means the row read may be old, so it is not kept.
 *   <li>The group-commit writer calls {@link #begun} after {@code BEGIN IMMEDIATE} and {@link #ended} after
 *       its {@code COMMIT} or {@code ROLLBACK}; its writes call {@link #evict} for each user they change. Between the
 *       two nothing is served from the cache or stored in it. After the batch, if the change counter moved by exactly
 *       one from the header read under SQLite's write lock (this batch's commit and nothing else), the evictions
 *       account for it and the other entries stay; otherwise the cache is emptied.
 *   <li>The cache keeps a connection of its own open for its life. A WAL database's {@code -shm} file is deleted when
 *       the last connection to it closes, and truncated when the next first one opens; while this connection is open
 *       neither can happen, so the mapped header is the one every writer updates.
 *   <li>Where the header cannot be mapped or is not the format this class knows ({@code iVersion} 3007000, the only
 *       one since SQLite 3.7.0; Windows, whose files a mapping would hold), or {@code max-entries} is 0, the cache is
 *       off: {@link #get} always misses and nothing is stored.
 * </ul>
 *
 * <p>Eviction when full: one entry (whichever the map yields first) per entry added, so the size stays at most
 * {@code maxEntries}.
 */
final class SqliteUserCache implements SqliteGroupCommit.BatchObserver, AutoCloseable {

    /** Lookups by id, by {@code result} = {@code hit} or {@code miss} (Prometheus {@code store_cache_requests_total}). */
    static final String REQUESTS = "store.cache.requests";
    /** Users held (Prometheus {@code store_cache_entries}). */
    static final String ENTRIES = "store.cache.entries";

    /** The only WAL-index format there is (SQLite's {@code WALINDEX_MAX_VERSION}). */
    static final int WAL_INDEX_VERSION = 3007000;

    static final int HEADER_BYTES = 48;

    private static final Logger LOG = LoggerFactory.getLogger(SqliteUserCache.class);

    /** A {@code coherentAt} that no header equals: the next {@link #get} empties the cache. */
    private static final Mark UNKNOWN = new Mark(-1, -1, -1, -1, -1, -1);

    /** Opens a connection to the database, configured as the store's. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    /** One consistent WAL-index header, as six words; {@link #change} is its {@code iChange}. */
    record Mark(long w0, long w1, long w2, long w3, long w4, long w5) {}

    private final int maxEntries;
    private final Optional<ByteBuffer> header;
    private final Optional<Connection> anchor;
    private final ConcurrentHashMap<Long, User> users = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final Optional<MeterRegistry> metrics;
    private final Optional<Counter> hits;
    private final Optional<Counter> misses;
    private final Optional<Gauge> entries;

    /** The header under which every entry matches the database; {@code null} while a batch of ours is in flight. */
    private volatile Mark coherentAt;

    private volatile boolean closed;

    /** The writer's: {@code coherentAt} and the header when its batch began. Only the writer thread touches them. */
    private Mark beforeBatch;

    private Mark atBegin;

    private SqliteUserCache(
            int maxEntries, Optional<ByteBuffer> header, Optional<Connection> anchor, Optional<MeterRegistry> metrics) {
        this.maxEntries = maxEntries;
        this.header = header;
        this.anchor = anchor;
        this.metrics = metrics;
        boolean on = header.isPresent();
        this.hits = on ? metrics.map(registry -> counter(registry, "hit")) : Optional.empty();
        this.misses = on ? metrics.map(registry -> counter(registry, "miss")) : Optional.empty();
        this.entries = on
                ? metrics.map(registry -> Gauge.builder(ENTRIES, users, ConcurrentHashMap::size)
                        .description("Users held by the SQLite store's cache of reads by id")
                        .strongReference(true)
                        .register(registry))
                : Optional.empty();
        this.coherentAt = on ? read().orElse(UNKNOWN) : UNKNOWN;
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder(REQUESTS)
                .description("Reads of a user by id answered from the SQLite store's cache (hit) or from the database"
                        + " (miss)")
                .tag("result", result)
                .register(registry);
    }

    /**
     * A cache for {@code database}, or one that is off (see the class contract); never throws.
     *
     * @param database the database file, absolute
     * @param maxEntries the most users held; 0 turns the cache off
     * @param opener opens the connection the cache keeps open
     */
    static SqliteUserCache open(Path database, int maxEntries, Opener opener, Optional<MeterRegistry> metrics) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(opener, "opener");
        Objects.requireNonNull(metrics, "metrics");
        if (maxEntries < 0) {
            throw new IllegalArgumentException("Cache entries must be at least 0, got '" + maxEntries + "'");
        }
        if (maxEntries == 0) {
            return off(metrics);
        }
        if (System.getProperty("os.name", "").startsWith("Windows")) {
            LOG.debug("The SQLite store's cache of reads by id is off on Windows");
            return off(metrics);
        }
        Connection connection = null;
        try {
            connection = opener.open();
            try (Statement statement = connection.createStatement()) {
                // A read transaction: the connection joins the WAL, so the -shm file exists and stays while it is open.
                statement.executeQuery("SELECT count(*) FROM sqlite_master").close();
            }
            Path shm = Path.of(database.toRealPath() + "-shm");
            ByteBuffer mapped;
            try (FileChannel channel = FileChannel.open(shm, StandardOpenOption.READ)) {
                if (channel.size() < 2L * HEADER_BYTES) {
                    throw new IOException("'" + shm + "' is shorter than a WAL-index header");
                }
                MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, 2L * HEADER_BYTES);
                mapped = buffer.order(ByteOrder.nativeOrder());
            }
            if (readHeader(mapped).isEmpty()) {
                throw new IOException(
                        "'" + shm + "' does not start with a WAL-index header of version " + WAL_INDEX_VERSION);
            }
            return new SqliteUserCache(maxEntries, Optional.of(mapped), Optional.of(connection), metrics);
        } catch (SQLException | IOException | RuntimeException e) {
            LOG.info("The SQLite store's cache of reads by id is off: {}", e.toString());
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException close) {
                    LOG.debug("Could not close the cache's SQLite connection", close);
                }
            }
            return off(metrics);
        }
    }

    private static SqliteUserCache off(Optional<MeterRegistry> metrics) {
        return new SqliteUserCache(0, Optional.empty(), Optional.empty(), metrics);
    }

    /** Whether the cache can hold users at all. */
    boolean enabled() {
        return header.isPresent();
    }

    /** The cached user with this id, or {@code null}: not cached, or the database changed (which empties the cache). */
    User get(long id) {
        if (header.isEmpty() || closed) {
            return null;
        }
        Optional<Mark> now = read();
        Mark coherent = coherentAt;
        User user = null;
        if (now.isPresent() && coherent != null) {
            if (now.get().equals(coherent)) {
                user = users.get(id);
            } else {
                resynchronise(coherent, now.get());
            }
        }
        (user != null ? hits : misses).ifPresent(Counter::increment);
        return user;
    }

    /** Another writer committed: what is cached may be old. */
    private void resynchronise(Mark seen, Mark now) {
        synchronized (lock) {
            if (coherentAt == seen) { // not a batch of ours in flight, and nobody resynchronised since
                users.clear();
                coherentAt = now;
            }
        }
    }

    /**
     * The header to pass to {@link #fill} with a user read from the database after this call; empty when nothing
     * read now may be kept (the cache is off, a batch of ours is in flight, or the database changed).
     */
    Optional<Mark> mark() {
        if (header.isEmpty() || closed) {
            return Optional.empty();
        }
        Optional<Mark> now = read();
        return now.isPresent() && now.get().equals(coherentAt) ? now : Optional.empty();
    }

    /** Keeps {@code user}, read from the database after {@code mark} was taken, if nothing committed since. */
    void fill(User user, Optional<Mark> mark) {
        if (mark.isEmpty()) {
            return;
        }
        Mark before = mark.get();
        boolean[] added = new boolean[1];
        users.compute(user.id(), (id, old) -> {
            if (before.equals(coherentAt) && before.equals(read().orElse(null))) {
                added[0] = old == null;
                return user;
            }
            return old;
        });
        if (added[0] && users.size() > maxEntries) {
            Iterator<Long> ids = users.keySet().iterator();
            while (users.size() > maxEntries && ids.hasNext()) {
                Long victim = ids.next();
                if (victim != user.id()) {
                    ids.remove();
                }
            }
        }
    }

    /** The writer changes this user in its batch: it is not served from the cache any more. */
    void evict(long id) {
        users.remove(id);
    }

    /** The writer began a batch ({@code BEGIN IMMEDIATE} returned, so it holds SQLite's write lock). */
    @Override
    public void begun() {
        if (header.isEmpty()) {
            return;
        }
        synchronized (lock) {
            beforeBatch = coherentAt;
            coherentAt = null;
        }
        atBegin = read().orElse(null);
    }

    /** The writer's batch committed, rolled back or failed; {@link #begun} came first. */
    @Override
    public void ended() {
        if (header.isEmpty()) {
            return;
        }
        Mark after = read().orElse(null);
        synchronized (lock) {
            boolean onlyThisBatch = beforeBatch != null
                    && atBegin != null
                    && after != null
                    && beforeBatch.equals(atBegin)
                    && (after.equals(atBegin) || change(after) == change(atBegin) + 1);
            if (!onlyThisBatch) {
                users.clear();
            }
            coherentAt = after != null ? after : UNKNOWN;
            beforeBatch = null;
            atBegin = null;
        }
    }

    /** Users held now, for tests. */
    int size() {
        return users.size();
    }

    private Optional<Mark> read() {
        return readHeader(header.orElseThrow());
    }

    /**
     * The header, if both copies are equal (no commit was writing it) and it is initialised and of the known
     * version.
     */
    static Optional<Mark> readHeader(ByteBuffer buffer) {
        long a0 = buffer.getLong(0);
        long a1 = buffer.getLong(8);
        long a2 = buffer.getLong(16);
        long a3 = buffer.getLong(24);
        long a4 = buffer.getLong(32);
        long a5 = buffer.getLong(40);
        VarHandle.acquireFence(); // SQLite writes the second copy, then the first: read the first, then the second
        if (a0 != buffer.getLong(48)
                || a1 != buffer.getLong(56)
                || a2 != buffer.getLong(64)
                || a3 != buffer.getLong(72)
                || a4 != buffer.getLong(80)
                || a5 != buffer.getLong(88)) {
            return Optional.empty();
        }
        boolean initialised = buffer.get(12) == 1;
        if (buffer.getInt(0) != WAL_INDEX_VERSION || !initialised) {
            return Optional.empty();
        }
        return Optional.of(new Mark(a0, a1, a2, a3, a4, a5));
    }

    /** The header's {@code iChange}: the 32-bit word at byte 8, in the machine's order. */
    static long change(Mark mark) {
        ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        word.putLong(0, mark.w1());
        return Integer.toUnsignedLong(word.getInt(0));
    }

    /** Empties the cache and closes its connection; {@link #get} misses from now on. */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            users.clear();
            coherentAt = UNKNOWN;
        }
        hits.ifPresent(counter -> metrics.orElseThrow().remove(counter));
        misses.ifPresent(counter -> metrics.orElseThrow().remove(counter));
        entries.ifPresent(gauge -> metrics.orElseThrow().remove(gauge));
        anchor.ifPresent(connection -> {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Could not close the cache's SQLite connection", e);
            }
        });
    }
}
