package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The PostgreSQL test server: real initdb and postgres, password login over TCP, stop and start on the same data. */
class PostgresServerTest {

    static PostgresServer postgres;

    /** Skips without the binaries locally; on CI (CI=true) .ci/run installs them, so missing ones fail. */
    @BeforeAll
    static void launch() {
        Optional<String> missing = PostgresServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("PostgresServerTest cannot run on CI: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), missing.orElse(""));
        postgres = PostgresServer.launch();
    }

    @AfterAll
    static void close() {
        if (postgres != null) {
            Path dir = postgres.directory();
            postgres.close();
            assertThat(dir).doesNotExist();
        }
    }

    private static String query(String url, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void acceptsThePasswordOverTcpWithFsyncOn() throws SQLException {
        assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/app");
        assertThat(query(postgres.jdbcUrl(), "SHOW fsync")).isEqualTo("on");
        assertThat(query(postgres.jdbcUrl(), "SELECT current_user")).isEqualTo("app");
    }

    @Test
    void refusesAWrongPassword() {
        assertThatThrownBy(() -> DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), "wrong"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void stopAndStartKeepThePortAndTheData() throws SQLException {
        String url = postgres.createDatabase("restart_check");
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE t (v text)");
            statement.execute("INSERT INTO t VALUES ('kept')");
        }

        postgres.stop();
        assertThat(postgres.isRunning()).isFalse();
        assertThatThrownBy(() -> query(url, "SELECT 1")).isInstanceOf(SQLException.class);
        postgres.start();

        assertThat(query(url, "SELECT v FROM t")).isEqualTo("kept");
        postgres.dropDatabase("restart_check");
    }

    @Test
    void psqlRunsAsTheSuperuser() {
        assertThat(postgres.psql("postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
                .isEqualTo("t");
        assertThatThrownBy(() -> postgres.psql("postgres", "SELECT nope"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nope");
    }
}
