package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void aSchemaAtTheNewestKnownVersionOpens() {
        Path file = dir.resolve("users.db");
        SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()).close();

        try (SqliteUserStore store = SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC())) {
            store.ping(Duration.ofSeconds(2));
        }
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
