package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness follows the store without a restart (issue #6): while another process's connection holds the
 * SQLite write lock, {@code /health/ready} answers 503 with {@code checks.store=DOWN} and writes answer a
 * clean 503 problem; once the lock is released both recover in the same process.
 */
@RunsAlone
class StoreReadinessIT {

    @TempDir
    Path dataDir;

    @Test
    void readinessGoesDownWhileAnotherConnectionHoldsTheWriteLockAndComesBackWhenItIsReleased() throws SQLException {
        // A short pool timeout so a blocked write gives up quickly; the store's busy_timeout follows it.
        try (RunningUsersService service = RunningUsersService.start(dataDir, "store.pool.connection-timeout=1s")) {
            assertReady(service, 200, "UP");
            assertThat(createUser(service, "before@example.com").status()).isEqualTo(201);

            try (Connection stuckWriter = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("users.db"));
                    Statement statement = stuckWriter.createStatement()) {
                statement.execute("BEGIN IMMEDIATE");
                statement.execute("INSERT INTO users (name, email, email_key, roles, created_at, updated_at, version)"
                        + " VALUES ('Stuck', 'stuck@example.com', 'stuck@example.com', 'reader', 0, 0, 1)");

                long started = System.nanoTime();
                assertReady(service, 503, "DOWN");
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .as("a readiness probe answers within its 1 s check budget (plus the HTTP round trip)")
                        .isLessThan(Duration.ofMillis(1500));
                assertThat(service.management
                                .get("/admin/status")
                                .json()
                                .path("store")
                                .toString())
                        .contains("DOWN");

                // Reads still work in WAL mode; a write waits for the lock, then gets a 503 problem, not a 500.
                assertThat(service.api.get("/api/v1/users").status()).isEqualTo(200);
                TestResponse blocked = createUser(service, "during@example.com");
                assertThat(blocked.status()).as(blocked.body()).isEqualTo(503);
                assertThat(blocked.contentType()).startsWith("application/problem+json");
                assertThat(blocked.header("Retry-After")).isPresent();
                assertThat(blocked.body()).doesNotContain("SQLITE_BUSY").doesNotContain("users.db");

                statement.execute("COMMIT");
            }

            assertReady(service, 200, "UP");
            assertThat(createUser(service, "after@example.com").status()).isEqualTo(201);
            assertThat(service.api.get("/api/v1/users").body()).contains("stuck@example.com");
        }
    }

    private static TestResponse createUser(RunningUsersService service, String email) {
        return service.api.post("/api/v1/users", "{\"name\":\"Grace\",\"email\":\"" + email + "\"}");
    }

    private static void assertReady(RunningUsersService service, int status, String store) {
        TestResponse ready = service.management.get("/health/ready");
        assertThat(ready.status()).as(ready.body()).isEqualTo(status);
        JsonNode body = ready.json();
        assertThat(body.path("checks").path("store").asText()).as(ready.body()).isEqualTo(store);
    }
}
