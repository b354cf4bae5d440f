package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.Diagnosis.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor}'s {@code store} check on real SQLite files: a missing file (left missing), the current schema, an
 * older and a newer one, a file that is no database, and a database a running store holds open in WAL mode; none of
 * them changed by the check. PostgreSQL's findings are in PostgresStoreIT; a server that never answers is here.
 */
class StoreCheckTest {

    @TempDir
    Path dir;

    private static StoreConfig sqlite(Path file) {
        return StoreConfig.create("jdbc:sqlite:" + file);
    }

    /** A database at this release's schema, made by the real store; closed. */
    private Path migrated(String name) {
        Path file = dir.resolve(name);
        UserStores.open(sqlite(file), Clock.systemUTC()).close();
        return file;
    }

    private static void execute(Path file, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** What the check must not change: the directory's entries, the file's bytes and modification time. */
    private record Snapshot(List<String> entries, byte[] bytes, FileTime modified) {
        static Snapshot of(Path file) throws IOException {
            try (Stream<Path> list = Files.list(file.getParent())) {
                return new Snapshot(
                        list.map(p -> p.getFileName().toString()).sorted().toList(),
                        Files.readAllBytes(file),
                        Files.getLastModifiedTime(file));
            }
        }

        void assertUnchanged(Path file) throws IOException {
            Snapshot now = of(file);
            assertThat(now.entries()).as("files beside " + file).isEqualTo(entries);
            assertThat(now.bytes()).as(file + "'s bytes").isEqualTo(bytes);
            assertThat(now.modified()).as(file + "'s modification time").isEqualTo(modified);
        }
    }

    @Test
    void theSqliteSchemaVersionIsTheNewestMigrationScript() {
        assertThat(SqliteUserStore.SCHEMA_VERSION)
                .isEqualTo(SqliteUserStore.MIGRATION_SCRIPTS.getLast().version());
    }

    @Test
    void theInMemoryStoreIsNotApplicable() {
        assertThat(StoreCheck.diagnose(StoreConfig.create("memory:")))
                .isEqualTo(Diagnosis.notApplicable("store", "the in-memory store has nothing to check"));
    }

    @Test
    void aMissingFileIsOkBecauseRunCreatesItAndTheCheckDoesNotCreateIt() throws IOException {
        Path file = dir.resolve("data/users.db");

        assertThat(StoreCheck.diagnose(sqlite(file)))
                .isEqualTo(Diagnosis.ok(
                        "store",
                        "sqlite " + file + " does not exist yet; run creates it with schema version "
                                + SqliteUserStore.SCHEMA_VERSION));
        assertThat(file).doesNotExist();
        assertThat(file.getParent()).doesNotExist();
        try (Stream<Path> list = Files.list(dir)) {
            assertThat(list).isEmpty();
        }
    }

    @Test
    void theCurrentSchemaIsOkWithItsVersionAndTheFileIsUnchanged() throws IOException {
        Path file = migrated("users.db");
        Snapshot before = Snapshot.of(file);

        assertThat(StoreCheck.diagnose(sqlite(file)))
                .isEqualTo(Diagnosis.ok("store", "sqlite " + file + ", schema version 2"));
        before.assertUnchanged(file); // no users.db-wal or -shm left behind either
    }

    @Test
    void anOlderSchemaIsOkBecauseRunMigratesIt() throws Exception {
        Path file = migrated("users.db");
        execute(file, "DELETE FROM flyway_schema_history WHERE version = '2'");

        assertThat(StoreCheck.diagnose(sqlite(file)))
                .isEqualTo(Diagnosis.ok("store", "sqlite " + file + ", schema version 1; run migrates it to 2"));
    }

    @Test
    void aSchemaNewerThanThisReleaseIsAFailureSayingWhatRunSays() throws Exception {
        Path copy = dir.resolve("copy.db");
        Files.copy(migrated("users.db"), copy);
        execute(
                copy,
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                        + " installed_by, execution_time, success) VALUES (99, '3', 'from the future', 'SQL',"
                        + " 'V3__from_the_future.sql', 0, 'test', 1, 1)");
        Snapshot before = Snapshot.of(copy);

        Diagnosis finding = StoreCheck.diagnose(sqlite(copy));

        assertThat(finding.verdict()).isEqualTo(Verdict.FAILURE);
        assertThat(finding.finding())
                .isEqualTo("SQLite database '" + copy + "' has schema version '3', newer than this version of"
                        + " users-service knows (newest '2'): a newer release migrated it");
        assertThat(finding.fix())
                .contains("run that release (or a newer one), or restore a backup taken before the upgrade");
        before.assertUnchanged(copy);
        assertThatThrownBy(() -> UserStores.open(sqlite(copy), Clock.systemUTC()))
                .as("run refuses it with the same words")
                .isInstanceOf(SchemaTooNewException.class)
                .hasMessageStartingWith(finding.finding());
    }

    @Test
    void aFileThatIsNoDatabaseIsAFailureNamingItWithAFix() throws IOException {
        Path file = dir.resolve("users.db");
        Files.writeString(file, "this is a text file, not a SQLite database; ".repeat(20));
        Snapshot before = Snapshot.of(file);

        Diagnosis finding = StoreCheck.diagnose(sqlite(file));

        assertThat(finding.verdict()).isEqualTo(Verdict.FAILURE);
        assertThat(finding.finding())
                .startsWith("sqlite " + file + " cannot be read: ")
                .contains("not a database");
        assertThat(finding.fix())
                .hasValueSatisfying(fix -> assertThat(fix)
                        .contains("not a SQLite database")
                        .contains("users-service restore --from FILE"));
        before.assertUnchanged(file);
    }

    @Test
    void aDirectoryWhereTheFileShouldBeIsAFailure() throws IOException {
        Path file = Files.createDirectory(dir.resolve("users.db"));

        assertThat(StoreCheck.diagnose(sqlite(file)))
                .isEqualTo(Diagnosis.failure(
                        "store",
                        "sqlite " + file + " is a directory",
                        "point store.url at the database file (jdbc:sqlite:<file>)"));
    }

    @Test
    void aDatabaseARunningStoreHoldsOpenInWalModeIsReadWithoutChangingIt() throws IOException {
        Path file = dir.resolve("users.db");
        try (UserStore store = UserStores.open(sqlite(file), Clock.systemUTC())) {
            store.create(new UserDraft("Ada", "ada@example.com", List.of("user"), Optional.empty()));
            assertThat(Path.of(file + "-wal"))
                    .as("the running store is in WAL mode")
                    .exists();
            Snapshot before = Snapshot.of(file);

            assertThat(StoreCheck.diagnose(sqlite(file)))
                    .isEqualTo(Diagnosis.ok("store", "sqlite " + file + ", schema version 2"));

            before.assertUnchanged(file);
            assertThat(store.create(new UserDraft("Grace", "grace@example.com", List.of("user"), Optional.empty())))
                    .as("the store writes on")
                    .isNotNull();
        }
    }

    @Test
    void anUnreadablePasswordFileIsAFailureNamingIt() {
        Path missing = dir.resolve("db-password");
        StoreConfig config =
                StoreConfig.create("jdbc:postgresql://127.0.0.1:1/users").withCredentials("users", missing);

        Diagnosis finding = StoreCheck.diagnose(config);

        assertThat(finding.verdict()).isEqualTo(Verdict.FAILURE);
        assertThat(finding.finding())
                .startsWith("Cannot read the database password from store.password-file \"" + missing + "\"");
        assertThat(finding.fix()).hasValueSatisfying(fix -> assertThat(fix).contains("store.password-file"));
    }

    @Test
    void aPostgresqlServerThatNeverAnswersIsAFailureWithinTheStoreTimeoutAndAFewSeconds() throws Exception {
        Path password = Files.writeString(dir.resolve("db-password"), "secret\n");
        Duration timeout = Duration.ofSeconds(1);
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> holdConnectionsOpen(silent));
            StoreConfig config = StoreConfig.create("jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/users")
                    .withCredentials("users", password)
                    .withTimeout(timeout);

            long start = System.nanoTime();
            Diagnosis finding = StoreCheck.diagnose(config);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(finding.verdict()).as(finding.toString()).isEqualTo(Verdict.FAILURE);
            assertThat(finding.finding()).contains("PostgreSQL database 'users' on 127.0.0.1:" + silent.getLocalPort());
            assertThat(finding.fix())
                    .hasValueSatisfying(
                            fix -> assertThat(fix).contains("check that PostgreSQL runs and accepts connections"));
            assertThat(took).isLessThan(timeout.plus(StoreCheck.MARGIN).plusSeconds(1));
            acceptor.interrupt();
        }
    }

    /** Accepts connections and never writes a byte, as a hung server does. */
    private static void holdConnectionsOpen(ServerSocket server) {
        try {
            while (true) {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (socket;
                            InputStream in = socket.getInputStream()) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // the client gave up
                    }
                });
            }
        } catch (IOException e) {
            // closed at the end of the test
        }
    }
}
