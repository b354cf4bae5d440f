package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code store.timeout} bounds a request's wait for the SQLite store too, whatever the store waits for. */
class SqliteStoreTimeoutTest {

    @TempDir
    Path dir;

    @Test
    void aRequestThreadStopsWaitingAtTheStoreTimeoutWhileTheDatabaseIsLockedForLonger() throws Exception {
        Path file = dir.resolve("users.db");
        Duration callTimeout = Duration.ofMillis(700);
        // busy_timeout (the connection timeout) is 5 s: without store.timeout the request would wait that long.
        try (SqliteUserStore store = SqliteUserStore.open(
                        file, 2, Duration.ofSeconds(5), callTimeout, Clock.systemUTC(), Optional.empty());
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = other.createStatement()) {
            statement.execute("BEGIN IMMEDIATE"); // another process holds the write lock

            AtomicReference<Throwable> failure = new AtomicReference<>();
            long start = System.nanoTime();
            Thread.ofVirtual()
                    .start(() -> {
                        try {
                            store.create(new UserDraft("Ada", "ada@example.org", List.of(), Optional.empty()));
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    })
                    .join();
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            statement.execute("ROLLBACK");

            assertThat(failure.get())
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("did not answer within PT0.7S (store.timeout)");
            assertThat(waited).isBetween(callTimeout, Duration.ofSeconds(2));
        }
    }
}
