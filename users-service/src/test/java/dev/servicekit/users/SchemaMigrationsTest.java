package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * A database that a newer release migrated is refused instead of run on (Flyway alone would ignore the "future"
 * migrations). The SQLite store here; PostgresUserStoreTest proves the same for PostgreSQL, and
 * PostgresStoreProcessIT that {@code run} exits with 78 for both.
 */
class SchemaMigrationsTest {

    @TempDir
    Path dir;

    @Test
    void aSqliteDatabaseWithASchemaNewerThanThisBuildKnowsIsRefusedWithBothVersionsAndTheFix() throws SQLException {
        Path file = dir.resolve("users.db");
        SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()).close();
        addFutureMigration(file, "99");

        assertThatThrownBy(() -> SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()))
                .isInstanceOfSatisfying(SchemaTooNewException.class, e -> {
                    assertThat(e.schemaVersion()).isEqualTo("99");
                    assertThat(e.newestKnown()).isNotEqualTo("99");
                })
                .hasMessageContaining("SQLite database '" + file.toAbsolutePath() + "'")
                .hasMessageContaining("schema version '99', newer than this version of users-service knows")
                .hasMessageContaining("Run that release (or a newer one), or restore a backup");
    }

    @Test
    void onlyADatabaseWithFlywaysHistoryHasOneAndAFreshOneIsMigratedWithoutTheCheckBefore() {
        Path file = dir.resolve("users.db");
        SQLiteDataSource dataSource = dataSource(file);
        assertThat(SchemaMigrations.hasHistory(dataSource)).as("a new database").isFalse();

        assertThat(SchemaMigrations.migrate(dataSource, SqliteUserStore.MIGRATIONS, "test").migrationsExecuted)
                .isEqualTo(SqliteUserStore.MIGRATION_SCRIPTS.size());
        assertThat(SchemaMigrations.hasHistory(dataSource))
                .as("after the first migration")
                .isTrue();
    }

    @Test
    void pendingMigrationsAreAppliedTogetherOrNotAtAll() throws Exception {
        Path scripts = Files.createDirectories(dir.resolve("migrations"));
        Files.writeString(scripts.resolve("V1__first.sql"), "CREATE TABLE first (x INTEGER);\n");
        Files.writeString(
                scripts.resolve("V2__second.sql"),
                "CREATE TABLE second (x INTEGER);\nINSERT INTO absent VALUES (1);\n");
        SQLiteDataSource dataSource = dataSource(dir.resolve("users.db"));

        assertThatThrownBy(() -> SchemaMigrations.migrate(dataSource, "filesystem:" + scripts, "test"))
                .isInstanceOf(FlywayException.class)
                .hasMessageContaining("absent");

        // One transaction for both: the second's failure takes the first back too (without Flyway's group, V1 would
        // stay applied, and instances starting together could each apply part of the pending migrations).
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet tables = statement.executeQuery(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('first', 'second')")) {
            assertThat(tables.next()).as("a table of the failed group").isFalse();
        }
    }

    @Test
    void aDatabaseThatCannotBeReadIsTreatedAsHavingAHistorySoTheCheckRuns() {
        SQLiteDataSource unreadable =
                dataSource(dir.resolve("missing-directory").resolve("users.db"));

        assertThat(SchemaMigrations.hasHistory(unreadable)).isTrue();
    }

    @Test
    void aSchemaAtTheNewestKnownVersionOpens() {
        Path file = dir.resolve("users.db");
        SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()).close();

        try (SqliteUserStore store = SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC())) {
            store.ping(Duration.ofSeconds(2));
        }
    }

    @Test
    void theScriptsASqliteStartComparesWithAreTheOnesFlywayResolves() {
        Flyway flyway = Flyway.configure(SchemaMigrations.class.getClassLoader())
                .dataSource(dataSource(dir.resolve("fresh.db")))
                .locations(SqliteUserStore.MIGRATIONS)
                .load();

        List<SchemaMigrations.Script> resolved = Arrays.stream(flyway.info().all())
                .map(info -> new SchemaMigrations.Script(info.getVersion().getVersion(), info.getChecksum()))
                .toList();

        assertThat(SqliteUserStore.MIGRATION_SCRIPTS)
                .as("SqliteUserStore.MIGRATION_SCRIPTS must list every script with Flyway's checksum")
                .isEqualTo(resolved);
    }

    @Test
    void aDatabaseAtThisBuildsSchemaIsRecognisedWithoutFlyway() {
        Path file = dir.resolve("users.db");
        assertThat(SchemaMigrations.currentVersion(dataSource(file), SqliteUserStore.MIGRATION_SCRIPTS))
                .as("a new database")
                .isEmpty();
        SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()).close();

        assertThat(SchemaMigrations.currentVersion(dataSource(file), SqliteUserStore.MIGRATION_SCRIPTS))
                .contains(SqliteUserStore.MIGRATION_SCRIPTS.getLast().version());
    }

    @Test
    void scriptsAreTheSameOnlyWithEveryVersionAndChecksumInTheSameOrder() {
        SchemaMigrations.Script one = new SchemaMigrations.Script("1", 10);
        SchemaMigrations.Script two = new SchemaMigrations.Script("2", 20);
        List<SchemaMigrations.Script> both = List.of(one, two);

        assertThat(SchemaMigrations.sameScripts(both, List.of(new SchemaMigrations.Script(new String("1"), 10), two)))
                .isTrue();
        assertThat(SchemaMigrations.sameScripts(List.of(), List.of())).isTrue();
        assertThat(SchemaMigrations.sameScripts(both, List.of(one)))
                .as("one missing")
                .isFalse();
        assertThat(SchemaMigrations.sameScripts(both, List.of(two, one)))
                .as("other order")
                .isFalse();
        assertThat(SchemaMigrations.sameScripts(both, List.of(one, new SchemaMigrations.Script("2", 21))))
                .as("edited")
                .isFalse();
        assertThat(SchemaMigrations.sameScripts(both, List.of(one, new SchemaMigrations.Script("3", 20))))
                .as("other version")
                .isFalse();
    }

    @Test
    void anOlderDatabaseIsStillMigratedToTheNewestSchema() throws SQLException {
        Path file = dir.resolve("users.db");
        Flyway.configure(SchemaMigrations.class.getClassLoader())
                .dataSource(dataSource(file))
                .locations(SqliteUserStore.MIGRATIONS)
                .target("1")
                .load()
                .migrate();
        assertThat(SchemaMigrations.currentVersion(dataSource(file), SqliteUserStore.MIGRATION_SCRIPTS))
                .isEmpty();

        try (SqliteUserStore store = SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC())) {
            store.ping(Duration.ofSeconds(2));
        }

        assertThat(SchemaMigrations.currentVersion(dataSource(file), SqliteUserStore.MIGRATION_SCRIPTS))
                .contains(SqliteUserStore.MIGRATION_SCRIPTS.getLast().version());
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT count(*) FROM login_failures").close(); // V2's table
        }
    }

    @Test
    void aDatabaseWhoseAppliedScriptWasEditedStillFailsFlywaysValidation() throws SQLException {
        Path file = dir.resolve("users.db");
        SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()).close();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            statement.execute("UPDATE flyway_schema_history SET checksum = 12345 WHERE version = '1'");
        }

        assertThatThrownBy(() -> SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("Cannot migrate the schema of SQLite database")
                .hasMessageContaining("checksum mismatch");
    }

    private static SQLiteDataSource dataSource(Path file) {
        SQLiteDataSource dataSource = new SQLiteDataSource();
        dataSource.setUrl("jdbc:sqlite:" + file);
        return dataSource;
    }

    /** What a newer release leaves behind: a successful migration this build has no script for. */
    static void addFutureMigration(Path sqliteFile, String version) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + sqliteFile);
                Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (99, '" + version + "', 'from the"
                    + " future', 'SQL', 'V" + version + "__from_the_future.sql', 0, 'test', 1, 1)");
        }
    }
}
