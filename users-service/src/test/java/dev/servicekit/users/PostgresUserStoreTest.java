package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.PostgresServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The user store contract on a real PostgreSQL (one server for the class, a fresh database per test), and what only
 * a shared database has to prove: several stores ("instances") on one database, migrations under concurrency, a
 * schema newer than this build, outages, timeouts and the password kept secret.
 */
@RunsAlone
class PostgresUserStoreTest extends UserStoreContractTest {

    static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** How much later than store.timeout a call may fail: scheduling and the round trip. */
    static final Duration MARGIN = Duration.ofSeconds(1);

    @AutoClose
    static PostgresServer postgres;

    @TempDir
    Path dir;

    String url;

    @BeforeAll
    static void launchPostgres() {
        postgres = TestPostgres.launchOrSkip(PostgresUserStoreTest.class);
    }

    private StoreConfig config() {
        return TestPostgres.config(postgres, url, TestPostgres.passwordFile(postgres, dir), TIMEOUT);
    }

    private PostgresUserStore open(Clock clock) {
        return PostgresUserStore.open(config(), clock, Optional.empty());
    }

    @Override
    protected UserStore openStore(MutableClock clock) {
        url = TestPostgres.freshDatabase(postgres);
        return open(clock);
    }

    private String query(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getString(1);
        }
    }

    private static <T> T onVirtualThread(Supplier<T> work) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread.ofVirtual()
                .start(() -> {
                    try {
                        result.set(work.get());
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                })
                .join();
        if (failure.get() instanceof Exception e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
        return result.get();
    }

    @Test
    void describesHostDatabaseAndRoleButNoPassword() {
        assertThat(store.describe())
                .isEqualTo("postgresql 127.0.0.1:" + postgres.port() + "/" + url.substring(url.lastIndexOf('/') + 1)
                        + " as app")
                .doesNotContain(postgres.password());
    }

    @Test
    void everyPooledConnectionHasAStatementTimeoutJustUnderTheStoreTimeout() throws SQLException {
        try (Connection connection = ((PostgresUserStore) store).dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW statement_timeout")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("1600ms"); // store.timeout 2 s less a fifth
        }
    }

    @Test
    void usageRatioFollowsBorrowedConnectionsAndTheMetersGoAwayWhenTheStoreCloses() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (UserStore metered = UserStores.open(config(), clock, registry)) {
            assertThat(metered).isInstanceOf(PostgresUserStore.class);
            assertThat(registry.get("hikaricp.connections.max")
                            .tag("pool", "users-store")
                            .gauge()
                            .value())
                    .isEqualTo(StoreConfig.DEFAULT_POOL_SIZE);
            List<Connection> borrowed = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    borrowed.add(((PostgresUserStore) metered).dataSource().getConnection());
                }
                assertThat(registry.get(PostgresUserStore.USAGE_RATIO)
                                .tag("pool", "users-store")
                                .gauge()
                                .value())
                        .isEqualTo(0.5);
            } finally {
                for (Connection connection : borrowed) {
                    connection.close();
                }
            }
        }
        assertThat(registry.find(PostgresUserStore.USAGE_RATIO).gauges()).isEmpty();
        assertThat(registry.find("hikaricp.connections.active").gauges()).isEmpty();
    }

    @Test
    void sqlFromAVirtualThreadRunsOnAPlatformThreadOfTheStore() throws Exception {
        store.close();
        List<Thread> sqlThreads = Collections.synchronizedList(new ArrayList<>());
        Clock recording = new Clock() { // the store reads the clock inside its SQL work
                    @Override
                    public Instant instant() {
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

        onVirtualThread(() -> store.create(draft("Vera", "vera@example.org")));

        assertThat(sqlThreads).hasSize(1);
        assertThat(sqlThreads.getFirst().isVirtual()).isFalse();
        assertThat(sqlThreads.getFirst().getName()).startsWith("users-postgresql-");
    }

    @Test
    void fourInstancesStartingAtOnceOnAFreshDatabaseMigrateItExactlyOnce() throws Exception {
        store.close();
        url = TestPostgres.freshDatabase(postgres);
        StoreConfig config = config();
        CountDownLatch go = new CountDownLatch(1);
        List<PostgresUserStore> opened = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<Future<PostgresUserStore>> opening = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                opening.add(threads.submit(() -> {
                    go.await();
                    PostgresUserStore instance = PostgresUserStore.open(config, clock, Optional.empty());
                    opened.add(instance);
                    return instance;
                }));
            }
            go.countDown();
            for (Future<PostgresUserStore> instance : opening) {
                instance.get();
            }
        } finally {
            opened.forEach(PostgresUserStore::close);
        }
        store = open(clock);

        assertThat(query("SELECT string_agg(version || ':' || success, ',' ORDER BY installed_rank)"
                        + " FROM flyway_schema_history WHERE version IS NOT NULL"))
                .isEqualTo("1:true,2:true");
        assertThat(opened)
                .as("the one that migrated reports it (one-time work for the AOT cache's training), the others not")
                .extracting(PostgresUserStore::migrationsAppliedAtOpen)
                .containsExactlyInAnyOrder(2, 0, 0, 0);
        assertThat(store.migrationsAppliedAtOpen()).isZero();
    }

    @Test
    void aSchemaNewerThanThisBuildKnowsIsRefusedWithBothVersionsAndTheFix() throws SQLException {
        store.close();
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (3, '3', 'from the future', 'SQL',"
                    + " 'V3__from_the_future.sql', 0, 'app', 1, true)");
        }

        assertThatThrownBy(() -> open(clock))
                .isInstanceOfSatisfying(SchemaTooNewException.class, e -> {
                    assertThat(e.schemaVersion()).isEqualTo("3");
                    assertThat(e.newestKnown()).isEqualTo("2");
                })
                .hasMessageContaining("schema version '3'")
                .hasMessageContaining("newest '2'")
                .hasMessageContaining("Run that release")
                .hasMessageContaining("restore a backup");
    }

    @Test
    void theSchemaVersionBackupsAreCheckedAgainstIsTheNewestMigrationFlywayApplies() throws SQLException {
        assertThat(query("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC"))
                .as("PostgresUserStore.SCHEMA_VERSION must be the newest script of %s", PostgresUserStore.MIGRATIONS)
                .isEqualTo(PostgresUserStore.SCHEMA_VERSION);
    }

    @Test
    void aPgDumpBackupOfASchemaNewerThanThisBuildKnowsFailsItsChecksSoNoRestoreStartsFromIt() throws Exception {
        assumeTrue(
                PostgresBackups.tool("pg_dump").isPresent()
                        && PostgresBackups.tool("pg_restore").isPresent(),
                "pg_dump and pg_restore (Debian package postgresql-client)");
        PostgresUserStore postgresStore = (PostgresUserStore) store;
        Path current = dir.resolve("current.pgdump");
        Files.createFile(current);
        postgresStore.snapshotTo(current);
        assertThat(Backups.inspect(BackupManifest.PG_DUMP, current, "current.pgdump")
                        .schemaVersion())
                .isEqualTo(PostgresUserStore.SCHEMA_VERSION);
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (3, '3', 'from the future', 'SQL',"
                    + " 'V3__from_the_future.sql', 0, 'app', 1, true)");
        }
        Path newer = dir.resolve("newer.pgdump");
        Files.createFile(newer);
        postgresStore.snapshotTo(newer);

        assertThatThrownBy(() -> Backups.inspect(BackupManifest.PG_DUMP, newer, "newer.pgdump"))
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("'newer.pgdump' has schema version 3")
                .hasMessageContaining("newer than this release knows (newest " + PostgresUserStore.SCHEMA_VERSION)
                .hasMessageContaining("restore it with the release that took it");
    }

    @Test
    void concurrentCreatesWithOneEmailFromTwoInstancesCreateExactlyOne() throws Exception {
        try (PostgresUserStore other = open(clock);
                ExecutorService threads = Executors.newFixedThreadPool(8)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                UserStore instance = i % 2 == 0 ? store : other;
                String email = i % 2 == 0 ? "ada@example.org" : "ADA@example.org";
                outcomes.add(threads.submit(() -> {
                    go.await();
                    try {
                        instance.create(draft("Ada", email));
                        return "created";
                    } catch (DuplicateEmailException e) {
                        return "duplicate";
                    }
                }));
            }
            go.countDown();
            List<String> seen = new ArrayList<>();
            for (Future<String> outcome : outcomes) {
                seen.add(outcome.get());
            }
            assertThat(seen).containsOnlyOnce("created").containsOnly("created", "duplicate");
        }
        assertThat(store.list(10, Optional.empty()).items()).hasSize(1);
    }

    @Test
    void concurrentReplacesOfOneVersionFromTwoInstancesLetExactlyOneWin() throws Exception {
        User ada = store.create(draft("Ada", "ada@example.org"));
        try (PostgresUserStore other = open(clock);
                ExecutorService threads = Executors.newFixedThreadPool(8)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                UserStore instance = i % 2 == 0 ? store : other;
                String name = "Ada " + i;
                outcomes.add(threads.submit(() -> {
                    go.await();
                    try {
                        instance.replace(ada.id(), draft(name, "ada@example.org"), OptionalLong.of(1));
                        return "replaced";
                    } catch (VersionConflictException e) {
                        return "conflict " + e.actualVersion();
                    }
                }));
            }
            go.countDown();
            List<String> seen = new ArrayList<>();
            for (Future<String> outcome : outcomes) {
                seen.add(outcome.get());
            }
            assertThat(seen).containsOnlyOnce("replaced").containsOnly("replaced", "conflict 2");
        }
        assertThat(store.find(ada.id()).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void importKeepsIdsAndNewUsersGetGreaterIdsAndAReimportChangesNothing() {
        User old = new User(
                41,
                "Imported",
                "imported@example.org",
                List.of("reader"),
                Instant.parse("2020-01-02T03:04:05.678Z"),
                Instant.parse("2021-01-02T03:04:05.678Z"),
                7);
        ExportedUser exported = new ExportedUser(old, Optional.of("pbkdf2-sha256$1$c2FsdA$aGFzaA"));

        assertThat(store.importUser(exported)).isEqualTo(UserStore.ImportOutcome.CREATED);
        assertThat(store.importUser(exported)).isEqualTo(UserStore.ImportOutcome.UNCHANGED);
        assertThat(store.find(41)).contains(old);
        assertThat(store.credentials("IMPORTED@example.org").map(UserCredentials::passwordHash))
                .contains("pbkdf2-sha256$1$c2FsdA$aGFzaA");
        User created = store.create(draft("New", "new@example.org"));
        assertThat(created.id()).isGreaterThan(41);

        User changed = new User(41, "Changed", old.email(), old.roles(), old.createdAt(), old.updatedAt(), 8);
        assertThat(store.importUser(new ExportedUser(changed, Optional.empty())))
                .isEqualTo(UserStore.ImportOutcome.UPDATED);
        assertThat(store.find(41)).contains(changed);
        assertThat(store.credentials("imported@example.org")).isEmpty();

        // An import of a lower id never moves the sequence back: the deleted id stays unused.
        store.delete(created.id());
        User low = new User(3, "Low", "low@example.org", List.of(), old.createdAt(), old.updatedAt(), 1);
        assertThat(store.importUser(new ExportedUser(low, Optional.empty())))
                .isEqualTo(UserStore.ImportOutcome.CREATED);
        assertThat(store.create(draft("Next", "next@example.org")).id()).isGreaterThan(created.id());
    }

    @Test
    void importOfAnotherIdWithATakenEmailIsADuplicate() {
        User ada = store.create(draft("Ada", "ada@example.org"));
        User copy = new User(ada.id() + 100, "Copy", "ADA@example.org", List.of(), ada.createdAt(), ada.updatedAt(), 1);

        assertThatThrownBy(() -> store.importUser(new ExportedUser(copy, Optional.empty())))
                .isInstanceOf(DuplicateEmailException.class)
                .hasMessageContaining("'ADA@example.org'");
        assertThat(store.find(copy.id())).isEmpty();
    }

    @Test
    void exportReadsOneSnapshotWhileAnotherInstanceWrites() throws Exception {
        for (int i = 0; i < 1200; i++) { // more than one fetch of the cursor
            store.create(draft("U" + i, "u" + i + "@example.org"));
        }
        List<ExportedUser> seen = new ArrayList<>();
        try (PostgresUserStore other = open(clock)) {
            long count = store.exportAll(user -> {
                if (seen.isEmpty()) {
                    other.create(draft("Late", "late@example.org"));
                    other.delete(1200);
                }
                seen.add(user);
            });

            assertThat(count).isEqualTo(1200);
        }
        assertThat(seen).hasSize(1200);
        assertThat(seen.getLast().id()).isEqualTo(1200);
        assertThat(seen).extracting(ExportedUser::id).isSorted();
        assertThat(store.find(1200)).isEmpty();
    }

    @Test
    void exportCarriesPasswordHashes() {
        store.create(new UserDraft("Ada", "ada@example.org", List.of("admin"), Optional.of("hash")));
        store.create(draft("Bob", "bob@example.org"));
        List<ExportedUser> seen = new ArrayList<>();

        store.exportAll(seen::add);

        assertThat(seen).extracting(ExportedUser::passwordHash).containsExactly(Optional.of("hash"), Optional.empty());
    }

    @Test
    void loginFailuresAreSharedByInstancesForgottenByAgeAndClearedByKey() {
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        try (PostgresUserStore other = open(clock)) {
            store.recordLoginFailure("account:ada", t0, t0.minusSeconds(60));
            other.recordLoginFailure("account:ada", t0.plusSeconds(1), t0.minusSeconds(59));
            other.recordLoginFailure("account:bob", t0.plusSeconds(2), t0.minusSeconds(58));

            assertThat(store.loginFailures("account:ada", t0.minusSeconds(1))).containsExactly(t0, t0.plusSeconds(1));
            assertThat(other.loginFailures("account:ada", t0)).containsExactly(t0.plusSeconds(1));

            // Recording at t0+61 forgets everything at or before t0+1, for every key.
            store.recordLoginFailure("account:bob", t0.plusSeconds(61), t0.plusSeconds(1));
            assertThat(other.loginFailures("account:ada", Instant.EPOCH)).isEmpty();
            assertThat(other.loginFailures("account:bob", Instant.EPOCH))
                    .containsExactly(t0.plusSeconds(2), t0.plusSeconds(61));

            other.clearLoginFailures("account:bob");
            assertThat(store.loginFailures("account:bob", Instant.EPOCH)).isEmpty();
        }
    }

    @Test
    void aWrongPasswordFailsTheOpenWithTheFixButNeverShowsThePassword() throws Exception {
        Path wrong = dir.resolve("wrong-password");
        Files.writeString(wrong, "not-" + postgres.password());

        assertThatThrownBy(() -> PostgresUserStore.open(
                        StoreConfig.create(url).withCredentials("app", wrong), clock, Optional.empty()))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("password authentication failed")
                .hasMessageContaining(
                        "PostgreSQL refuses the login: check store.username, the password in" + " store.password-file")
                .hasMessageNotContaining("check that PostgreSQL runs")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(postgres.password()));
    }

    @Test
    void aMissingDatabaseFailsTheOpenSayingToCreateIt() {
        String missing = url.substring(0, url.lastIndexOf('/') + 1) + "no_such_database";

        assertThatThrownBy(() -> PostgresUserStore.open(
                        TestPostgres.config(postgres, missing, TestPostgres.passwordFile(postgres, dir), TIMEOUT),
                        Clock.systemUTC(),
                        Optional.empty()))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("database \"no_such_database\" does not exist")
                .hasMessageContaining("create it (CREATE DATABASE");
    }

    @Test
    void openingWhilePostgresIsUnreachableFailsAsUnavailableWithTheFix() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        StoreConfig unreachable = TestPostgres.config(
                postgres,
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/app",
                TestPostgres.passwordFile(postgres, dir),
                TIMEOUT);

        assertThatThrownBy(() -> PostgresUserStore.open(unreachable, clock, Optional.empty()))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining(
                        "Cannot open PostgreSQL database 'app' on 127.0.0.1:" + closedPort + " (role 'app')")
                .hasMessageContaining("check that PostgreSQL runs and accepts connections");
    }

    @Test
    void aStuckStatementIsCutAtTheStoreTimeoutAndFreesItsConnection() throws Exception {
        User ada = store.create(draft("Ada", "ada@example.org"));
        try (Connection blocker = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            statement.execute("SELECT * FROM users WHERE id = " + ada.id() + " FOR UPDATE");

            long start = System.nanoTime();
            assertThatThrownBy(() -> onVirtualThread(
                            () -> store.replace(ada.id(), draft("Blocked", "ada@example.org"), OptionalLong.empty())))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plus(MARGIN));
            blocker.rollback();
        }
        // statement_timeout cancelled the statement on the server before the caller gave up: the 503 means the
        // write was not made, and every connection is usable again.
        assertThat(store.find(ada.id())).contains(ada);
        for (int i = 0; i < StoreConfig.DEFAULT_POOL_SIZE * 2; i++) {
            assertThat(onVirtualThread(() -> store.find(ada.id()))).contains(ada);
        }
    }

    @Test
    void tablesMovedAsideUnderARunningStoreMakeCallsUnavailableNotInternalErrorsUntilTheyAreBack() throws Exception {
        User ada = store.create(new UserDraft("Ada", "ada@example.com", List.of("reader"), Optional.empty()));
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            // What restore's step 3 does, here under a store it did not see.
            statement.execute("CREATE SCHEMA before_restore_test");
            statement.execute("ALTER TABLE users SET SCHEMA before_restore_test");
            try {
                assertThatThrownBy(() -> onVirtualThread(() -> store.find(ada.id())))
                        .isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("relation \"users\" does not exist")
                        .hasMessageContaining("SQLSTATE 42P01")
                        .hasMessageContaining("a restore is under way");
                assertThatThrownBy(() -> store.ping(Duration.ofSeconds(1)))
                        .isInstanceOf(StoreUnavailableException.class);
            } finally {
                statement.execute("ALTER TABLE before_restore_test.users SET SCHEMA public");
            }
        }

        assertThat(onVirtualThread(() -> store.find(ada.id()))).contains(ada);
    }

    @Test
    void whilePostgresIsDownCallsFailAsUnavailableWithinTheTimeoutAndTheStoreRecoversByItself() throws Exception {
        User ada = store.create(draft("Ada", "ada@example.org"));
        postgres.stop();
        try {
            for (Callable<?> call : List.<Callable<?>>of(
                    () -> onVirtualThread(() -> store.find(ada.id())),
                    () -> onVirtualThread(() -> store.create(draft("Bob", "bob@example.org"))),
                    () -> onVirtualThread(() -> store.list(10, Optional.empty())))) {
                long start = System.nanoTime();
                assertThatThrownBy(call::call).isInstanceOf(StoreUnavailableException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plus(MARGIN));
            }
            assertThatThrownBy(() -> store.ping(Duration.ofSeconds(1))).isInstanceOf(StoreUnavailableException.class);
        } finally {
            postgres.start();
        }

        dev.servicekit.testing.Poll.until(Duration.ofSeconds(20), "the store to answer again", () -> {
            store.ping(Duration.ofSeconds(1));
            return true;
        });
        assertThat(onVirtualThread(() -> store.find(ada.id()))).contains(ada);
        assertThat(onVirtualThread(() -> store.create(draft("Cy", "cy@example.org")))
                        .id())
                .isGreaterThan(ada.id());
    }

    @Test
    void connectionsBrokenByARestartAreReplacedWithoutFailingLaterCalls() throws Exception {
        User ada = store.create(draft("Ada", "ada@example.org"));
        for (int i = 0; i < StoreConfig.DEFAULT_POOL_SIZE; i++) { // fill the pool
            onVirtualThread(() -> store.find(ada.id()));
        }
        postgres.restart();

        // A connection that was open across the restart may fail the first call it serves (HikariCP then evicts it);
        // after the pool's validation, every call succeeds.
        dev.servicekit.testing.Poll.until(Duration.ofSeconds(20), "a call to succeed after the restart", () -> {
            try {
                return onVirtualThread(() -> store.find(ada.id())).isPresent();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < StoreConfig.DEFAULT_POOL_SIZE * 3; i++) {
            assertThat(onVirtualThread(() -> store.find(ada.id()))).contains(ada);
        }
    }

    @Test
    void logsAtDebugNeverShowThePasswordEvenThroughAnOutage() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        root.setLevel(Level.DEBUG);
        List<ILoggingEvent> events;
        try (LogCapture log = LogCapture.of(Logger.ROOT_LOGGER_NAME)) {
            store.close();
            store = open(clock);
            store.create(draft("Ada", "ada@example.org"));
            postgres.stop();
            try {
                assertThatThrownBy(() -> onVirtualThread(() -> store.find(1)))
                        .isInstanceOf(StoreUnavailableException.class)
                        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(postgres.password()));
            } finally {
                postgres.start();
            }
            events = log.events();
        } finally {
            root.setLevel(level);
        }
        assertThat(events).isNotEmpty();
        for (ILoggingEvent event : events) {
            String text = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(text).doesNotContain(postgres.password());
        }
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter text = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(text));
        return text.toString();
    }
}
