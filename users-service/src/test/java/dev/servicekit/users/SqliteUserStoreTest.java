package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteUserStoreTest extends UserStoreContractTest {

    private static final int POOL_SIZE = 4;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("data").resolve("users.db");
    }

    private SqliteUserStore open(Clock clock) {
        return SqliteUserStore.open(file(), POOL_SIZE, Duration.ofSeconds(5), clock);
    }

    @Override
    protected UserStore openStore(MutableClock clock) {
        return open(clock);
    }

    private SqliteUserStore sqlite() {
        return (SqliteUserStore) store;
    }

    private static String query(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return query(connection, sql);
        }
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void opensTheFileCreatingMissingParentDirectoriesAndDescribesIt() {
        assertThat(file()).isRegularFile();
        assertThat(store.describe()).isEqualTo("sqlite " + file().toAbsolutePath());
    }

    @Test
    void writesFromAVirtualThreadRunOnTheWriterThreadSoACommitNeverPinsTheCarrier() throws Exception {
        store.close();
        List<Thread> sqlThreads = Collections.synchronizedList(new ArrayList<>());
        Clock recording = new Clock() { // the store reads the clock inside its SQL work
                    @Override
                    public java.time.Instant instant() {
                        sqlThreads.add(Thread.currentThread());
                        return clock.instant();
                    }

                    @Override
                    public java.time.ZoneId getZone() {
                        return java.time.ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(java.time.ZoneId zone) {
                        throw new UnsupportedOperationException();
                    }
                };
        store = open(recording);

        Thread request = Thread.ofVirtual().start(() -> store.create(draft("Vera", "vera@example.org")));
        request.join();
        store.create(draft("Paul", "paul@example.org")); // writes always run on the one writer (group commit)

        assertThat(sqlThreads).hasSize(2);
        assertThat(sqlThreads.get(0).isVirtual()).isFalse();
        assertThat(sqlThreads.get(0).getName()).isEqualTo("users-sqlite-writer");
        assertThat(sqlThreads.get(1)).isSameAs(sqlThreads.get(0));
        assertThat(store.find(1)).map(User::name).contains("Vera");
    }

    @Test
    void dataSurvivesClosingAndReopeningTheStore() {
        User ada = store.create(new UserDraft("Ada", "ada@example.org", List.of("admin"), Optional.of("h")));
        User bob = store.create(draft("Bob", "bob@example.org"));
        User bobV2 = store.replace(bob.id(), draft("Bob 2", "bob@example.org"), OptionalLong.of(1));
        store.close();

        store = open(clock);

        assertThat(store.find(ada.id())).contains(ada);
        assertThat(store.find(bob.id())).contains(bobV2);
        assertThat(store.credentials("ada@example.org").map(UserCredentials::passwordHash))
                .contains("h");
        assertThat(store.create(draft("Cy", "cy@example.org")).id()).isGreaterThan(bob.id());
    }

    @Test
    void reopeningDoesNotApplyMigrationsAgain() throws SQLException {
        store.create(draft("Ada", "ada@example.org"));
        String history = "SELECT count(*) || ':' || group_concat(version) FROM flyway_schema_history WHERE success = 1"
                + " AND version IS NOT NULL";
        String before = query(sqlite().dataSource(), history);
        assertThat(store.migrationsAppliedAtOpen())
                .as("the open that created the file")
                .isEqualTo(2);
        store.close();

        store = open(clock);

        assertThat(query(sqlite().dataSource(), history)).isEqualTo(before).isEqualTo("2:1,2");
        assertThat(store.migrationsAppliedAtOpen()).isZero();
        assertThat(store.list(10, Optional.empty()).items()).hasSize(1);
    }

    @Test
    void anImportedIdMovesTheAutoincrementCounterSoCreatesAfterAReopenGetGreaterIds() throws SQLException {
        store.create(draft("Ada", "ada@example.org"));
        store.importUser(exported(1000, "imported@example.org", 3, Optional.of("h")));
        assertThat(query(sqlite().dataSource(), "SELECT seq FROM sqlite_sequence WHERE name = 'users'"))
                .isEqualTo("1000");
        store.close();

        store = open(clock);

        assertThat(store.create(draft("Next", "next@example.org")).id()).isEqualTo(1001);
    }

    @Test
    void anExportReadsOneSnapshotWhileAnotherConnectionDeletesEveryUser() throws Exception {
        for (int i = 1; i <= 200; i++) {
            store.create(draft("U" + i, "u" + i + "@example.org"));
        }
        List<Long> ids = new ArrayList<>();

        store.exportAll(user -> {
            if (ids.isEmpty()) {
                try (Connection other = sqlite().dataSource().getConnection();
                        Statement statement = other.createStatement()) {
                    statement.execute("DELETE FROM users");
                } catch (SQLException e) {
                    throw new AssertionError(e);
                }
            }
            ids.add(user.id());
        });

        assertThat(ids).hasSize(200).isSorted();
        assertThat(store.list(10, Optional.empty()).items()).isEmpty();
    }

    @Test
    void everyPooledConnectionHasTheDurabilityPragmas() throws Exception {
        List<Connection> borrowed = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) { // hold them all, so each one is a different connection
                borrowed.add(sqlite().dataSource().getConnection());
            }
            for (Connection connection : borrowed) {
                assertThat(query(connection, "PRAGMA journal_mode")).isEqualTo("wal");
                // FULL (2). Also this sqlite-jdbc build's default: the check guards against NORMAL creeping in.
                assertThat(query(connection, "PRAGMA synchronous")).isEqualTo("2");
                assertThat(query(connection, "PRAGMA busy_timeout")).isEqualTo("5000");
                assertThat(query(connection, "PRAGMA foreign_keys")).isEqualTo("1");
            }
        } finally {
            for (Connection connection : borrowed) {
                connection.close();
            }
        }
    }

    @Test
    void eightConcurrentWritersAllSucceedWhileReadersRead() throws Exception {
        int writers = 8;
        int createsEach = 50;
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        AtomicBoolean writing = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService threads = Executors.newFixedThreadPool(writers + 2)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int thread = t;
                writes.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < createsEach; i++) {
                        User user = store.create(draft("U", "w" + thread + "-" + i + "@example.org"));
                        ids.add(user.id());
                        if (i % 10 == 0) {
                            store.replace(user.id(), draft("U2", user.email()), OptionalLong.of(1));
                        }
                    }
                    return null;
                }));
            }
            List<Future<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                reads.add(threads.submit(() -> {
                    start.await();
                    int pages = 0;
                    while (writing.get()) {
                        store.list(100, Optional.empty());
                        store.find(1);
                        pages++;
                    }
                    return pages;
                }));
            }
            start.countDown();
            try {
                for (Future<?> write : writes) {
                    write.get(); // rethrows any failed write
                }
            } finally {
                writing.set(false);
            }
            for (Future<Integer> read : reads) {
                assertThat(read.get()).isPositive();
            }
        }
        assertThat(ids).hasSize(writers * createsEach);
        List<User> all = store.list(1000, Optional.empty()).items();
        assertThat(all).hasSize(writers * createsEach);
    }

    @Test
    void pingGivesUpAfterItsTimeoutWhenNoConnectionIsFree() throws Exception {
        List<Connection> borrowed = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                borrowed.add(sqlite().dataSource().getConnection());
            }
            long start = System.nanoTime();

            assertThatThrownBy(() -> store.ping(Duration.ofMillis(300)))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("did not answer within PT0.3S");
            // The pool would wait its 5 s connection timeout; the ping must not.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        } finally {
            for (Connection connection : borrowed) {
                connection.close();
            }
        }
        store.ping(Duration.ofSeconds(2));
    }

    @Test
    void pingFailsWhenTheUsersTableIsGone() throws SQLException {
        try (Connection connection = sqlite().dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE users");
        }

        assertThatThrownBy(() -> store.ping(Duration.ofSeconds(2)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("users");
    }

    @Test
    void openingADirectoryFailsWithAMessageNamingThePath() throws Exception {
        Path directory = Files.createDirectories(dir.resolve("not-a-file.db"));

        assertThatThrownBy(() -> SqliteUserStore.open(directory, 2, Duration.ofSeconds(1), clock))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining(directory.toString());
    }

    @Test
    void openingUnderAFileInsteadOfADirectoryFailsWithAMessageNamingTheDirectory() throws Exception {
        Path blocker = Files.writeString(dir.resolve("blocker"), "not a directory");

        assertThatThrownBy(() -> SqliteUserStore.open(blocker.resolve("users.db"), 2, Duration.ofSeconds(1), clock))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("'" + blocker + "'");
    }
}
