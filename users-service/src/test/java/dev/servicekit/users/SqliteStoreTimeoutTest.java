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
@RunsAlone
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

    @Test
    void aWriterQueuedBehindAStuckWriterAlsoStopsWaitingAtTheStoreTimeout() throws Exception {
        Path file = dir.resolve("users.db");
        Duration callTimeout = Duration.ofSeconds(1);
        try (SqliteUserStore store = SqliteUserStore.open(
                        file, 2, Duration.ofSeconds(5), callTimeout, Clock.systemUTC(), Optional.empty());
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = other.createStatement()) {
            statement.execute("BEGIN IMMEDIATE");

            List<Duration> waits = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            List<Thread> writers = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) { // the second waits for the in-process write lock the first holds
                String email = "w" + i + "@example.org";
                writers.add(Thread.ofVirtual().start(() -> {
                    long start = System.nanoTime();
                    try {
                        store.create(new UserDraft("W", email, List.of(), Optional.empty()));
                    } catch (StoreUnavailableException e) {
                        waits.add(Duration.ofNanos(System.nanoTime() - start));
                    }
                }));
            }
            for (Thread writer : writers) {
                writer.join();
            }
            statement.execute("ROLLBACK");

            assertThat(waits).hasSize(2);
            // Without the bound on the lock wait the second writer would wait about twice the timeout.
            assertThat(waits).allSatisfy(waited -> assertThat(waited).isLessThan(Duration.ofMillis(1600)));
        }
    }
}
