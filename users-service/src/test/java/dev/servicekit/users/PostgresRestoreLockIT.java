package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.servicekit.spi.Diagnosis;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.PostgresServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link PostgresStoreLock} on a real PostgreSQL, in this JVM: {@code restore} refuses while a store is open even
 * when none of the store's pooled connections is (only the lock shows it), and while any session holds the lock; a
 * store that opens while a restore holds the lock waits {@code store.timeout} without migrating anything, then fails
 * with the reason, or opens once the restore ends; a store whose lock connection ended takes the lock again, fails
 * every call while it cannot, and migrates the schema when the tables were replaced meanwhile; a {@code pg_dump}
 * backup is refused while a restore holds the lock, and a restore while a backup runs; {@code doctor}'s store check
 * says a restore runs, taking no lock.
 */
class PostgresRestoreLockIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(2);
    private static final Clock CLOCK = Clock.systemUTC();

    @AutoClose
    static PostgresServer postgres;

    @TempDir
    Path dir;

    private String url;
    private String databaseName;
    private StoreConfig config;

    @BeforeAll
    static void launchPostgres() {
        postgres = TestPostgres.launchOrSkip(PostgresRestoreLockIT.class);
    }

    @BeforeEach
    void database() {
        url = TestPostgres.freshDatabase(postgres);
        databaseName = url.substring(url.lastIndexOf('/') + 1);
        config = TestPostgres.config(postgres, url, TestPostgres.passwordFile(postgres, dir), STORE_TIMEOUT);
    }

    @Test
    void restoreRefusesWhileAStoreIsOpenEvenWhenNoneOfItsPooledConnectionsIs() throws Exception {
        Path backup = backupOfOneUser();
        try (PostgresUserStore store = PostgresUserStore.open(config, CLOCK, Optional.empty())) {
            store.create(new UserDraft("Kept", "kept@example.org", List.of(), Optional.empty()));
            HikariDataSource pool = (HikariDataSource) store.dataSource();
            pool.getHikariConfigMXBean().setMinimumIdle(0);
            pool.getHikariPoolMXBean().softEvictConnections();
            Poll.until(
                    WAIT,
                    "the pool's connections to close",
                    () -> pool.getHikariPoolMXBean().getTotalConnections() == 0 && serviceSessions() <= 1);
            String before = usersChecksum();
            List<String> tablesBefore = tableList();

            // Before the lock, restore counted the service's sessions in pg_stat_activity: none here.
            assertThatThrownBy(() -> restore(backup))
                    .isInstanceOf(PostgresRestore.RunningException.class)
                    .hasMessageContaining("an instance of users-service holds the store: the advisory lock ("
                            + PostgresStoreLock.LOCK_CLASS + ", ")
                    .hasMessageContaining("of schema 'public' in PostgreSQL database '" + databaseName + "' is held by"
                            + " users-service (1 session, from 127.0.0.1)")
                    .satisfies(e -> assertThat(((PostgresRestore.RunningException) e).instance())
                            .isTrue());
            assertThat(usersChecksum()).isEqualTo(before);
            assertThat(tableList()).isEqualTo(tablesBefore);
            assertThat(serviceSessions())
                    .as("the one session of the store left: its lock connection")
                    .isEqualTo(1);
            assertThat(lockHolders("ShareLock")).isEqualTo("1");
            assertThat(store.list(10, Optional.empty()).items()).hasSize(1);
        }
        Poll.until(WAIT, "the store's sessions to end", () -> serviceSessions() == 0);
        PostgresRestore.Result restored = restore(backup);
        assertThat(restored.asideSchema()).isPresent();
        assertThat(lockHolders("ExclusiveLock"))
                .as("released after the restore")
                .isEqualTo("0");
    }

    @Test
    void restoreRefusesWhileAnySessionHoldsTheLockWhateverItsApplicationName() throws Exception {
        Path backup = backupOfOneUser();
        try (PostgresUserStore store = PostgresUserStore.open(config, CLOCK, Optional.empty())) {
            store.create(new UserDraft("Kept", "kept@example.org", List.of(), Optional.empty()));
        }
        Poll.until(WAIT, "the store's sessions to end", () -> serviceSessions() == 0);
        List<String> tablesBefore = tableList();
        try (Connection other = connect("psql")) {
            execute(other, "SELECT pg_advisory_lock_shared(" + PostgresStoreLock.LOCK_CLASS + ", hashtext('public'))");
            assertThatThrownBy(() -> restore(backup))
                    .isInstanceOf(PostgresRestore.RunningException.class)
                    .hasMessageContaining("the store is in use: the advisory lock (" + PostgresStoreLock.LOCK_CLASS)
                    .hasMessageContaining("is held by psql (1 session, from 127.0.0.1)")
                    .satisfies(e -> assertThat(((PostgresRestore.RunningException) e).instance())
                            .isFalse());
            assertThat(tableList()).isEqualTo(tablesBefore);
        }
        assertThat(restore(backup).movedTables()).contains("users");
    }

    @Test
    void aStoreOpenedWhileARestoreHoldsTheLockMigratesNothingAndFailsAfterStoreTimeoutWithTheReason() throws Exception {
        try (Connection restorer = connect("restorer")) {
            takeExclusively(restorer);
            long start = System.nanoTime();
            assertThatThrownBy(() -> PostgresUserStore.open(config, CLOCK, Optional.empty()))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("Cannot open PostgreSQL database '" + databaseName + "' on 127.0.0.1:")
                    .hasMessageContaining("a restore into schema 'public' is running (advisory lock ("
                            + PostgresStoreLock.LOCK_CLASS + ", ")
                    .hasMessageContaining("is held by restorer (1 session exclusively, from 127.0.0.1)")
                    .hasMessageContaining("waited PT2S (store.timeout)")
                    .hasMessageContaining("the store opens once it ends");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(STORE_TIMEOUT);
            assertThat(tableList()).as("Flyway did not run").isEmpty();
            assertThat(serviceSessions()).as("the store left no session behind").isZero();

            Diagnosis doctor = StoreCheck.diagnose(config);
            assertThat(doctor.verdict()).isEqualTo(Diagnosis.Verdict.WARNING);
            assertThat(doctor.finding())
                    .contains("/" + databaseName + " as app: a restore into schema 'public' is running")
                    .contains("is held by restorer (1 session exclusively, from 127.0.0.1)")
                    .contains("run waits for it up to store.timeout, then fails");
            assertThat(lockHolders("ShareLock")).as("doctor took no lock").isEqualTo("0");
        }
    }

    @Test
    void aStoreOpenedWhileARestoreHoldsTheLockOpensOnceTheRestoreEndsWithinStoreTimeout() throws Exception {
        StoreConfig patient = config.withTimeout(Duration.ofSeconds(20));
        CompletableFuture<PostgresUserStore> opening;
        try (Connection restorer = connect("restorer")) {
            takeExclusively(restorer);
            opening = CompletableFuture.supplyAsync(() -> PostgresUserStore.open(patient, CLOCK, Optional.empty()));
            Poll.until(WAIT, "the store to wait for the lock", () -> waitingForTheLock() == 1);
            assertThat(tableList())
                    .as("Flyway did not run while the restore holds the lock")
                    .isEmpty();
            assertThat(opening).isNotDone();
        }
        try (PostgresUserStore store = opening.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            assertThat(tableList()).contains("public.users");
            assertThat(store.create(new UserDraft("After", "after@example.org", List.of(), Optional.empty()))
                            .id())
                    .isPositive();
        }
    }

    @Test
    void aStoreWhoseLockConnectionEndedTakesTheLockAgainAndFailsEveryCallWhileARestoreHoldsIt() throws Exception {
        try (PostgresUserStore store = PostgresUserStore.open(config, CLOCK, Optional.empty())) {
            long id = store.create(new UserDraft("Ada", "ada@example.org", List.of(), Optional.empty()))
                    .id();

            // Ended alone (an idle-session timeout, pg_terminate_backend): taken again on a new connection.
            String first = lockHolderPid();
            terminate(first);
            Poll.until(WAIT, "the lock to be taken again", () -> {
                String now = lockHolderPid();
                return !now.isEmpty() && !now.equals(first);
            });
            assertThat(store.find(id)).isPresent();

            // Ended while a restore takes the lock: every call fails until the store holds it again.
            String second = lockHolderPid();
            try (Connection restorer = connect("restorer")) {
                terminate(second);
                execute(restorer, "SET lock_timeout = '20s'");
                execute(
                        restorer,
                        "SELECT pg_advisory_lock(" + PostgresStoreLock.LOCK_CLASS + ", hashtext(current_schema()))");
                StoreUnavailableException refused = Poll.until(
                        WAIT, "calls to fail while the restore holds the lock", () -> failure(() -> store.find(id)));
                assertThat(refused.getMessage())
                        .contains("does not hold its advisory lock (" + PostgresStoreLock.LOCK_CLASS + ", ")
                        .contains("The PostgreSQL user store on PostgreSQL database '" + databaseName + "'")
                        .contains("a restore into schema 'public' is running")
                        .contains("is held by restorer (1 session exclusively");
                assertThatThrownBy(() -> store.ping(Duration.ofSeconds(1)))
                        .isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("does not hold its advisory lock");
                assertThatThrownBy(() ->
                                store.create(new UserDraft("Lost", "lost@example.org", List.of(), Optional.empty())))
                        .isInstanceOf(StoreUnavailableException.class);
                // The "restore" replaces the tables: the store must migrate them again once it holds the lock.
                execute(restorer, "DROP TABLE users, login_failures, flyway_schema_history");
            }
            Poll.until(
                    WAIT,
                    "the store to answer again",
                    () -> failure(() -> store.find(id)).isEmpty());
            assertThat(lockHolderPid()).isNotEmpty().isNotEqualTo(second);
            assertThat(tableList()).contains("public.users", "public.flyway_schema_history");
            assertThat(store.find(id)).as("the replaced tables are empty").isEmpty();
            store.ping(Duration.ofSeconds(1));
        }
        assertThat(lockHolders("ShareLock")).as("released on close").isEqualTo("0");
    }

    @Test
    void aPgDumpBackupIsRefusedWhileARestoreHoldsTheLockAndARestoreWhileABackupRuns() throws Exception {
        Optional<Path> pgDump = PostgresBackups.tool("pg_dump");
        org.junit.jupiter.api.Assumptions.assumeTrue(pgDump.isPresent(), "pg_dump is not installed");
        try (PostgresUserStore store = PostgresUserStore.open(config, CLOCK, Optional.empty())) {
            store.create(new UserDraft("Ada", "ada@example.org", List.of(), Optional.empty()));
        }
        PostgresBackups.Target target = PostgresBackups.Target.of(config, Optional.of(postgres.password()));
        try (Connection restorer = connect("restorer")) {
            takeExclusively(restorer);
            assertThatThrownBy(() -> PostgresBackups.dump(config, target, pgDump.get(), dir.resolve("never.pgdump")))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining(
                            "A restore into schema 'public' of PostgreSQL database '" + databaseName + "' is running")
                    .hasMessageContaining("is held by restorer (1 session exclusively, from 127.0.0.1)")
                    .hasMessageContaining("back up once it has ended");
        }

        // A pg_dump that runs until told to end: the backup holds the lock shared meanwhile.
        Path release = dir.resolve("release");
        Path slowDump = dir.resolve("pg_dump");
        Files.writeString(
                slowDump,
                "#!/bin/sh\n"
                        + "case \"$1\" in --version) echo 'pg_dump (PostgreSQL) 99.0'; exit 0;; esac\n"
                        + "i=0; while [ ! -e '" + release + "' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n"
                        + "exit 3\n");
        assertThat(slowDump.toFile().setExecutable(true)).isTrue();
        Path backup = backupOfOneUser();
        CompletableFuture<Void> dumping =
                CompletableFuture.runAsync(() -> PostgresBackups.dump(config, target, slowDump, dir.resolve("x")));
        try {
            Poll.until(
                    WAIT,
                    "the backup to hold the lock",
                    () -> lockHolders("ShareLock").equals("1"));
            assertThatThrownBy(() -> restore(backup))
                    .isInstanceOf(PostgresRestore.RunningException.class)
                    .hasMessageContaining("is held by users-service-backup (1 session, from 127.0.0.1)");
        } finally {
            Files.writeString(release, "");
        }
        assertThatThrownBy(() -> dumping.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .hasMessageContaining("failed (exit 3)");
        assertThat(lockHolders("ShareLock")).as("released after the backup").isEqualTo("0");
    }

    /** The failure of a store call, or empty when it answered. */
    private static Optional<StoreUnavailableException> failure(Runnable call) {
        try {
            call.run();
            return Optional.empty();
        } catch (StoreUnavailableException e) {
            return Optional.of(e);
        }
    }

    private PostgresRestore.Result restore(Path backup) {
        return new PostgresRestore(config, Optional.of(postgres.password()), CLOCK)
                .restore(backup, Backups.verify(backup));
    }

    /** A sealed JSON Lines backup of one user. */
    private Path backupOfOneUser() throws IOException {
        Path backup = dir.resolve("one-" + System.nanoTime() + ".jsonl");
        Path payload = Backups.ownerOnlyTempFile(dir, "one.jsonl");
        Instant at = Instant.parse("2026-12-07T05:00:00Z");
        try (OutputStream out = Files.newOutputStream(payload)) {
            ExportFile.Writer writer = new ExportFile.Writer(out, at, "test");
            writer.user(new ExportedUser(
                    new User(7, "Restored", "restored@example.org", List.of(), at, at, 1), Optional.empty()));
            writer.finish();
        }
        Backups.seal(payload, backup, new Backups.Taken(BackupManifest.JSONL, at, "test"), "test");
        return backup;
    }

    private Connection connect(String applicationName) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", postgres.username());
        properties.setProperty("password", postgres.password());
        properties.setProperty("ApplicationName", applicationName);
        return DriverManager.getConnection(url, properties);
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void takeExclusively(Connection connection) throws SQLException {
        assertThat(PostgresStoreLock.tryExclusive(connection, PostgresStoreLock.key(connection)))
                .isTrue();
    }

    private void terminate(String pid) {
        assertThat(postgres.psql("postgres", "SELECT pg_terminate_backend(" + pid + ")"))
                .isEqualTo("t");
    }

    private static final String THE_LOCK =
            "locktype = 'advisory' AND classid = " + PostgresStoreLock.LOCK_CLASS + " AND objsubid = 2";

    /** How many sessions hold the lock in {@code mode} ({@code ShareLock}, {@code ExclusiveLock}). */
    private String lockHolders(String mode) {
        return postgres.psql(
                databaseName,
                "SELECT count(*) FROM pg_locks WHERE " + THE_LOCK + " AND granted AND mode = '" + mode + "'");
    }

    /** The pid of the one session holding the lock shared, or empty. */
    private String lockHolderPid() {
        return postgres.psql(
                databaseName,
                "SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_locks WHERE " + THE_LOCK
                        + " AND granted AND mode = 'ShareLock'");
    }

    private long waitingForTheLock() {
        return Long.parseLong(
                postgres.psql(databaseName, "SELECT count(*) FROM pg_locks WHERE " + THE_LOCK + " AND NOT granted"));
    }

    private long serviceSessions() {
        return Long.parseLong(postgres.psql(
                "postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + databaseName + "' AND application_name = '"
                        + PostgresUserStore.APPLICATION_NAME + "'"));
    }

    private String usersChecksum() {
        return postgres.psql(databaseName, "SELECT md5(string_agg(u::text, '|' ORDER BY id)) FROM public.users u");
    }

    private List<String> tableList() {
        String tables = postgres.psql(
                databaseName,
                "SELECT schemaname || '.' || tablename FROM pg_tables"
                        + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
        return tables.isEmpty() ? List.of() : tables.lines().toList();
    }
}
