package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class HikariPoolsTest {

    @TempDir
    Path dir;

    @Test
    void aStartedPoolHasOpenedItsFirstConnectionAndServes() throws SQLException {
        try (HikariDataSource pool = HikariPools.start(pool(dir.resolve("users.db")))) {
            assertThat(pool.isRunning()).isTrue();
            assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isPositive();
            try (Connection connection = pool.getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT 42")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void aPoolWhoseFirstConnectionFailsThrowsTheDriversErrorAndIsClosed() throws Exception {
        Path blocker = Files.writeString(dir.resolve("blocker"), "not a directory");
        HikariDataSource pool = pool(blocker.resolve("users.db"));

        assertThatThrownBy(() -> HikariPools.start(pool)).isInstanceOf(SQLException.class);
        assertThat(pool.isClosed()).isTrue();
        assertThat(pool.isRunning()).isFalse();
    }

    private static HikariDataSource pool(Path file) {
        SQLiteDataSource sqlite = new SQLiteDataSource();
        sqlite.setUrl("jdbc:sqlite:" + file);
        HikariDataSource pool = new HikariDataSource();
        pool.setPoolName("hikari-pools-test");
        pool.setDataSource(sqlite);
        pool.setMaximumPoolSize(2);
        pool.setConnectionTimeout(250);
        return pool;
    }
}
