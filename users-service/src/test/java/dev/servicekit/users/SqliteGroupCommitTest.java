package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit in the SQLite store: writes share a transaction, fail alone, and are answered only once durable. */
@RunsAlone
class SqliteGroupCommitTest {

    @TempDir
    Path dir;

    private SqliteUserStore open(Duration callTimeout, SimpleMeterRegistry registry) {
        return SqliteUserStore.open(
                dir.resolve("users.db"),
                4,
                Duration.ofSeconds(10),
                callTimeout,
                Clock.systemUTC(),
                Optional.of(registry));
    }

    private static UserDraft draft(String email) {
        return new UserDraft("U", email, List.of(), Optional.empty());
    }

    /** Runs each call on a virtual thread of its own (as requests do) and returns what each gave or threw. */
    private static List<Future<Object>> inVirtualThreads(ExecutorService threads, List<Supplier<Object>> calls) {
        List<Future<Object>> answers = new ArrayList<>();
        for (Supplier<Object> call : calls) {
            answers.add(threads.submit(() -> {
                try {
                    return call.get();
                } catch (RuntimeException e) {
                    return e;
                }
            }));
        }
        return answers;
    }

    @Test
    void aBadWriteInABatchFailsOnlyItsOwnRequestAndTheOthersCommitTogether() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path file = dir.resolve("users.db");
        try (SqliteUserStore store = open(Duration.ofSeconds(20), registry);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            User taken = store.create(draft("taken@example.org"));
            User other = store.create(draft("other@example.org"));
            List<Supplier<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String email = "new" + i + "@example.org";
                calls.add(() -> store.create(draft(email)));
            }
            calls.add(() -> store.create(draft("TAKEN@example.org"))); // 409: the email key is taken
            calls.add(() -> store.replace(other.id(), draft("o2@example.org"), OptionalLong.of(7))); // 412
            calls.add(() -> store.replace(9_999, draft("x@example.org"), OptionalLong.empty())); // 404
            calls.add(() -> store.delete(taken.id()));
            List<Future<Object>> answers;
            try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + file);
                    Statement statement = lock.createStatement()) {
                statement.execute("BEGIN IMMEDIATE"); // the writer waits in BEGIN with the first write taken
                answers = inVirtualThreads(threads, List.of(() -> store.create(draft("first@example.org"))));
                Poll.until(Duration.ofSeconds(10), "the writer took the first write", () -> store.writesTaken() == 3);
                answers.addAll(inVirtualThreads(threads, calls));
                Poll.until(
                        Duration.ofSeconds(10),
                        "every other write is queued",
                        () -> store.queuedWrites() == calls.size());
                statement.execute("ROLLBACK");
            }

            List<Object> results = new ArrayList<>();
            for (Future<Object> answer : answers) {
                results.add(answer.get());
            }
            for (int i = 0; i <= 8; i++) {
                assertThat(results.get(i)).isInstanceOf(User.class);
            }
            assertThat(results.get(9)).isInstanceOf(DuplicateEmailException.class);
            assertThat(results.get(10)).isInstanceOf(VersionConflictException.class);
            assertThat(results.get(11)).isInstanceOf(UserNotFoundException.class);
            assertThat(results.get(12)).isEqualTo(true);
            for (int i = 0; i < 8; i++) {
                User created = (User) results.get(i + 1);
                assertThat(store.find(created.id())).contains(created);
            }
            assertThat(store.find(taken.id())).isEmpty();
            assertThat(store.find(other.id())).contains(other);

            DistributionSummary sizes =
                    registry.get(SqliteGroupCommit.BATCH_SIZE).summary();
            assertThat(sizes.max())
                    .as("the queued writes committed as one batch")
                    .isEqualTo(calls.size());
            assertThat(registry.get(SqliteGroupCommit.COMMIT_TIME).timer().count())
                    .isEqualTo(sizes.count());
        }
    }

    @Test
    void concurrentCreatesFromManyThreadsAreAllDurableWithDistinctIds() throws Exception {
        Map<Long, String> created = new ConcurrentHashMap<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SqliteUserStore store = open(Duration.ofSeconds(20), registry);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                int thread = t;
                writers.add(threads.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        String email = "t" + thread + "-" + i + "@example.org";
                        assertThat(created.put(store.create(draft(email)).id(), email))
                                .isNull();
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
            assertThat(registry.get(SqliteGroupCommit.BATCH_SIZE).summary().count())
                    .as("fewer commits than writes")
                    .isLessThan(32 * 40);
        }
        assertThat(created).hasSize(32 * 40);
        try (SqliteUserStore reopened = open(Duration.ofSeconds(20), new SimpleMeterRegistry())) {
            for (Map.Entry<Long, String> entry : created.entrySet()) {
                assertThat(reopened.find(entry.getKey())).map(User::email).contains(entry.getValue());
            }
        }
    }

    @Test
    void aWriteThatTimesOutBeforeItStartsIsNeverApplied() throws Exception {
        Path file = dir.resolve("users.db");
        try (SqliteUserStore store = open(Duration.ofMillis(500), new SimpleMeterRegistry());
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Object answer;
            try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + file);
                    Statement statement = lock.createStatement()) {
                statement.execute("BEGIN IMMEDIATE");
                answer = inVirtualThreads(threads, List.of(() -> store.create(draft("late@example.org"))))
                        .getFirst()
                        .get();
                statement.execute("ROLLBACK"); // now the writer's BEGIN succeeds and it finds the write cancelled
            }
            assertThat(answer)
                    .isInstanceOf(StoreUnavailableException.class)
                    .extracting(e -> ((Exception) e).getMessage())
                    .asString()
                    .contains("(store.timeout); the write was not applied");

            Object next = inVirtualThreads(threads, List.of(() -> store.create(draft("next@example.org"))))
                    .getFirst()
                    .get();
            assertThat(next).isInstanceOf(User.class); // queued after the cancelled write, so that one is settled
            assertThat(store.list(10, Optional.empty()).items())
                    .extracting(User::email)
                    .containsExactly("next@example.org");
        }
    }

    @Test
    void aWriteWhoseBatchStartedButDidNotCommitInTimeIsAnsweredOutcomeUnknownAndTheNextWriteWaitsItsTurn()
            throws Exception {
        // A batch stalled inside its transaction (as a COMMIT whose fsync hangs): its work blocks until released.
        String url = "jdbc:sqlite:" + dir.resolve("stalled.db");
        try (Connection setup = DriverManager.getConnection(url);
                Statement statement = setup.createStatement()) {
            statement.execute("CREATE TABLE t (v TEXT)");
        }
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (SqliteGroupCommit commits = new SqliteGroupCommit(
                        "stalled.db",
                        () -> DriverManager.getConnection(url),
                        (action, e) -> new StoreException(action + ": " + e.getMessage(), e),
                        Optional.empty());
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Duration wait = Duration.ofMillis(200);
            long begun = System.nanoTime();
            Future<Object> stalled = inVirtualThreads(
                            threads,
                            List.of(() -> commits.write(
                                    "insert stalled",
                                    statements -> {
                                        statements.execute("INSERT INTO t VALUES ('stalled')");
                                        try {
                                            release.await();
                                        } catch (InterruptedException e) {
                                            Thread.currentThread().interrupt();
                                        }
                                        return "done";
                                    },
                                    wait)))
                    .getFirst();
            Object answer = stalled.get(30, java.util.concurrent.TimeUnit.SECONDS);
            long waitedMillis = Duration.ofNanos(System.nanoTime() - begun).toMillis();

            assertThat(answer)
                    .isInstanceOf(StoreUnavailableException.class)
                    .extracting(e -> ((Exception) e).getMessage())
                    .asString()
                    .contains("did not finish within twice PT0.2S (store.timeout)")
                    .contains("may or may not be applied");
            assertThat(waitedMillis)
                    .as("answered after twice the wait, not before (nor long after: one deadline tick)")
                    .isGreaterThanOrEqualTo(2 * wait.toMillis());

            release.countDown(); // the disk comes back: the batch commits after its caller was told "unknown"
            Object next = inVirtualThreads(
                            threads,
                            List.of(() -> commits.write(
                                    "insert next",
                                    statements -> {
                                        statements.execute("INSERT INTO t VALUES ('next')");
                                        return "next";
                                    },
                                    Duration.ofSeconds(10))))
                    .getFirst()
                    .get();
            assertThat(next).isEqualTo("next");
        }
        try (Connection check = DriverManager.getConnection(url);
                Statement statement = check.createStatement();
                java.sql.ResultSet rows = statement.executeQuery("SELECT v FROM t ORDER BY rowid")) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            assertThat(values)
                    .as("\"may or may not\": here it was, once its commit finished")
                    .containsExactly("stalled", "next");
        }
    }

    @Test
    void closingAnswersQueuedWritesAndRemovesTheMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SqliteUserStore store = open(Duration.ofSeconds(5), registry);
        store.create(draft("a@example.org"));
        assertThat(registry.find(SqliteGroupCommit.BATCH_SIZE).summary()).isNotNull();
        store.close();
        assertThat(registry.find(SqliteGroupCommit.BATCH_SIZE).summary()).isNull();
        assertThat(registry.find(SqliteGroupCommit.COMMIT_TIME).timer()).isNull();
    }
}
