package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store's cache of reads by id ({@link SqliteUserCache}) on real SQLite files: it answers repeated reads,
 * and every commit, by the store's own writer, by a second store on the same file or by a plain JDBC connection (as
 * the {@code sqlite3} shell writes), is seen by the next read.
 */
class SqliteUserCacheTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    private Path file() {
        return dir.resolve("users.db");
    }

    private SqliteUserStore open(int cacheEntries, Optional<MeterRegistry> metrics) {
        SqliteUserStore store =
                SqliteUserStore.open(file(), 2, TIMEOUT, TIMEOUT, cacheEntries, Clock.systemUTC(), metrics);
        opened.add(store);
        return store;
    }

    private SqliteUserStore open() {
        return open(StoreConfig.DEFAULT_CACHE_MAX_ENTRIES, Optional.empty());
    }

    /** A connection of its own, as the {@code sqlite3} shell or another program opens the file. */
    private Connection plainConnection() throws SQLException {
        Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file());
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout = 5000");
        }
        opened.add(connection);
        return connection;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : opened.reversed()) {
            closeable.close();
        }
    }

    private static UserDraft draft(String name, String email) {
        return new UserDraft(name, email, List.of("reader"), Optional.empty());
    }

    /** A new user, read once by id, so the cache holds it. */
    private static User createAndRead(SqliteUserStore store, String name) {
        User user = store.create(draft(name, name.toLowerCase(Locale.ROOT) + "@example.org"));
        assertThat(store.find(user.id())).contains(user);
        return user;
    }

    @Test
    void aSecondReadOfAUserIsAnsweredFromTheCacheAndCountedAsAHit() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SqliteUserStore store = open(StoreConfig.DEFAULT_CACHE_MAX_ENTRIES, Optional.of(registry));
        assertThat(store.cache().enabled()).as("on Linux with a WAL database").isTrue();
        User ada = store.create(draft("Ada", "ada@example.org"));

        assertThat(store.find(ada.id())).contains(ada);
        assertThat(store.cache().size()).isEqualTo(1);
        assertThat(store.find(ada.id())).contains(ada);
        assertThat(store.find(ada.id() + 1)).isEmpty();

        assertThat(registry.get(SqliteUserCache.REQUESTS)
                        .tag("result", "hit")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get(SqliteUserCache.REQUESTS)
                        .tag("result", "miss")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get(SqliteUserCache.ENTRIES).gauge().value()).isEqualTo(1);
        assertThat(store.cache().size()).as("a missing user is not cached").isEqualTo(1);
    }

    @Test
    void theStoresOwnReplaceAndDeleteAreSeenByTheNextReadAndOtherEntriesStay() {
        SqliteUserStore store = open();
        User ada = createAndRead(store, "Ada");
        User bob = createAndRead(store, "Bob");
        assertThat(store.cache().size()).isEqualTo(2);

        User king = store.replace(ada.id(), draft("Ada King", "ada@example.org"), OptionalLong.of(1));
        assertThat(store.cache().size())
                .as("only the replaced user was evicted: the batch's commit was the only one")
                .isEqualTo(1);
        assertThat(store.find(ada.id())).contains(king);
        assertThat(store.find(bob.id())).contains(bob);

        assertThat(store.delete(ada.id())).isTrue();
        assertThat(store.find(ada.id())).isEmpty();
        assertThat(store.find(bob.id())).contains(bob);
    }

    @Test
    void anImportIntoTheSameStoreIsSeenByTheNextRead() {
        SqliteUserStore store = open();
        User ada = createAndRead(store, "Ada");
        User bob = createAndRead(store, "Bob");
        User imported = new User(
                ada.id(), "Ada King", ada.email(), ada.roles(), ada.createdAt(), ada.updatedAt(), ada.version() + 1);

        assertThat(store.importUser(new ExportedUser(imported, Optional.empty())))
                .isEqualTo(UserStore.ImportOutcome.UPDATED);

        assertThat(store.cache().size())
                .as("only the imported user was evicted")
                .isEqualTo(1);
        assertThat(store.find(ada.id())).contains(imported);
        assertThat(store.find(bob.id())).contains(bob);
    }

    @Test
    void aWriteThatFailsInItsBatchLeavesTheCacheCoherent() {
        SqliteUserStore store = open();
        User ada = createAndRead(store, "Ada");
        User bob = createAndRead(store, "Bob");

        assertThatThrownBy(() -> store.replace(bob.id(), draft("Bob", "ada@example.org"), OptionalLong.empty()))
                .isInstanceOf(DuplicateEmailException.class);
        assertThatThrownBy(() -> store.replace(ada.id(), draft("Ada", "ada@example.org"), OptionalLong.of(7)))
                .isInstanceOf(VersionConflictException.class);

        assertThat(store.find(ada.id())).contains(ada);
        assertThat(store.find(bob.id())).contains(bob);
    }

    @Test
    void aCommitByASecondStoreOnTheSameFileIsSeenByTheNextRead() {
        SqliteUserStore first = open();
        SqliteUserStore second = open();
        User ada = first.create(draft("Ada", "ada@example.org"));
        assertThat(first.find(ada.id())).contains(ada);
        assertThat(first.find(ada.id())).contains(ada); // cached now

        User king = second.replace(ada.id(), draft("Ada King", "ada@example.org"), OptionalLong.empty());
        assertThat(first.find(ada.id())).contains(king);

        assertThat(second.delete(ada.id())).isTrue();
        assertThat(first.find(ada.id())).isEmpty();
    }

    @Test
    void aCommitByAPlainConnectionIsSeenByTheNextReadAndEmptiesTheCache() throws Exception {
        SqliteUserStore store = open();
        User ada = createAndRead(store, "Ada");
        User bob = createAndRead(store, "Bob");
        assertThat(store.cache().size()).isEqualTo(2);

        try (PreparedStatement update = plainConnection()
                .prepareStatement("UPDATE users SET name = 'Ada King', version = version + 1 WHERE id = ?")) {
            update.setLong(1, ada.id());
            assertThat(update.executeUpdate()).isEqualTo(1);
        }

        User read = store.find(ada.id()).orElseThrow();
        assertThat(read.name()).isEqualTo("Ada King");
        assertThat(read.version()).isEqualTo(2);
        assertThat(store.cache().size())
                .as("a commit the store did not make empties the cache")
                .isLessThanOrEqualTo(1);
        assertThat(store.find(bob.id())).contains(bob);
    }

    @Test
    void aCheckpointThatRestartsTheWalChangesNothingThatIsRead() throws Exception {
        SqliteUserStore store = open();
        List<User> users = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            users.add(store.create(draft("User " + i, "user" + i + "@example.org")));
        }
        users.forEach(user -> store.find(user.id()));
        try (Statement statement = plainConnection().createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        User renamed = store.replace(users.get(3).id(), draft("Renamed", "user3@example.org"), OptionalLong.empty());
        for (User user : users) {
            assertThat(store.find(user.id())).contains(user.id() == renamed.id() ? renamed : user);
        }
    }

    @Test
    void theCacheHoldsAtMostItsMaximum() {
        SqliteUserStore store = open(3, Optional.empty());
        List<User> users = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            users.add(store.create(draft("User " + i, "user" + i + "@example.org")));
        }
        for (User user : users) {
            assertThat(store.find(user.id())).contains(user);
            assertThat(store.cache().size()).isLessThanOrEqualTo(3);
        }
        assertThat(store.cache().size()).isEqualTo(3);
    }

    @Test
    void zeroTurnsTheCacheOffAndRegistersNoMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SqliteUserStore store = open(0, Optional.of(registry));
        User ada = store.create(draft("Ada", "ada@example.org"));
        assertThat(store.find(ada.id())).contains(ada);
        assertThat(store.cache().enabled()).isFalse();
        assertThat(store.cache().size()).isZero();
        assertThat(registry.find(SqliteUserCache.REQUESTS).meters()).isEmpty();
    }

    @Test
    void aClosedStoreAnswersNoReadFromItsCache() {
        SqliteUserStore store = open();
        User ada = store.create(draft("Ada", "ada@example.org"));
        store.find(ada.id());
        store.close();
        assertThatThrownBy(() -> store.find(ada.id())).isInstanceOf(StoreUnavailableException.class);
    }

    /**
     * Readers, the store's own writer and a plain connection's writer at once, on one user: no reader ever sees a
     * version older than one it saw before (a row read before a commit is never stored after it), and once all stop,
     * the cache answers what the database holds.
     */
    @Test
    void underConcurrentReadsAndWritesFromBothSidesNoReaderGoesBackAndTheCacheEndsAsTheDatabase() throws Exception {
        SqliteUserStore store = open();
        User ada = store.create(draft("Ada", "ada@example.org"));
        List<User> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(store.create(draft("Other " + i, "other" + i + "@example.org")));
        }
        Connection plain = plainConnection();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            threads.add(Thread.ofVirtual().start(() -> {
                long seen = 0;
                while (!stop.get()) {
                    long version = store.find(ada.id()).orElseThrow().version();
                    if (version < seen) {
                        problems.add("read version " + version + " after " + seen);
                    }
                    seen = version;
                    for (User other : others) {
                        if (!store.find(other.id()).orElseThrow().equals(other)) {
                            problems.add("user " + other.id() + " changed");
                        }
                    }
                }
            }));
        }
        Thread ownWriter = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 150; i++) {
                store.replace(ada.id(), draft("Ada " + i, "ada@example.org"), OptionalLong.empty());
            }
        });
        Thread plainWriter = Thread.ofPlatform().start(() -> {
            try (PreparedStatement update =
                    plain.prepareStatement("UPDATE users SET name = ?, version = version + 1 WHERE id = ?")) {
                for (int i = 0; i < 150; i++) {
                    update.setString(1, "Plain " + i);
                    update.setLong(2, ada.id());
                    update.executeUpdate();
                }
            } catch (SQLException e) {
                problems.add(e.toString());
            }
        });
        ownWriter.join();
        plainWriter.join();
        stop.set(true);
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(problems).isEmpty();
        long version;
        String name;
        try (PreparedStatement select = plain.prepareStatement("SELECT version, name FROM users WHERE id = ?")) {
            select.setLong(1, ada.id());
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                version = rs.getLong(1);
                name = rs.getString(2);
            }
        }
        assertThat(version).isEqualTo(301);
        User last = store.find(ada.id()).orElseThrow();
        assertThat(last.version()).isEqualTo(version);
        assertThat(last.name()).isEqualTo(name);
        assertThat(store.find(ada.id())).contains(last);
    }

    private static ByteBuffer header(int version, int change, int init) {
        ByteBuffer buffer =
                ByteBuffer.allocate(2 * SqliteUserCache.HEADER_BYTES).order(ByteOrder.nativeOrder());
        for (int copy = 0; copy < 2; copy++) {
            int at = copy * SqliteUserCache.HEADER_BYTES;
            buffer.putInt(at, version);
            buffer.putInt(at + 8, change);
            buffer.put(at + 12, (byte) init);
            buffer.putInt(at + 16, 42); // mxFrame
        }
        return buffer;
    }

    @Test
    void aHeaderIsTakenOnlyWhenBothCopiesAgreeAndItIsAnInitialisedHeaderOfTheKnownVersion() {
        ByteBuffer good = header(SqliteUserCache.WAL_INDEX_VERSION, 7, 1);
        assertThat(SqliteUserCache.readHeader(good)).isPresent();
        assertThat(SqliteUserCache.change(SqliteUserCache.readHeader(good).orElseThrow()))
                .isEqualTo(7);

        ByteBuffer torn = header(SqliteUserCache.WAL_INDEX_VERSION, 7, 1);
        torn.putInt(SqliteUserCache.HEADER_BYTES + 8, 8); // a commit halfway through writing the header
        assertThat(SqliteUserCache.readHeader(torn)).isEmpty();

        assertThat(SqliteUserCache.readHeader(header(3007001, 7, 1))).isEmpty();
        assertThat(SqliteUserCache.readHeader(header(SqliteUserCache.WAL_INDEX_VERSION, 7, 0)))
                .isEmpty();
        assertThat(SqliteUserCache.change(SqliteUserCache.readHeader(header(SqliteUserCache.WAL_INDEX_VERSION, -1, 1))
                        .orElseThrow()))
                .as("iChange is unsigned")
                .isEqualTo(0xFFFF_FFFFL);
    }
}
