package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store's short reads (by id, a page, credentials, login failures) run on read connections of their own
 * with cached statements ({@link SqliteReaders}); what they promise is what the pooled reads promised.
 */
@RunsAlone
class SqliteReadPathTest {

    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private SqliteUserStore store;

    private Path file() {
        return dir.resolve("users.db");
    }

    private SqliteUserStore open(int poolSize, Duration callTimeout) {
        store = SqliteUserStore.open(
                file(), poolSize, CONNECTION_TIMEOUT, callTimeout, Clock.systemUTC(), Optional.empty());
        return store;
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private static UserDraft draft(String name, String email) {
        return new UserDraft(name, email, List.of(), Optional.empty());
    }

    /** Runs {@code work} on a virtual thread, as a request does, and returns its result. */
    private static <T> T onVirtualThread(java.util.concurrent.Callable<T> work) throws Exception {
        var result = new java.util.concurrent.atomic.AtomicReference<T>();
        var failure = new java.util.concurrent.atomic.AtomicReference<Exception>();
        Thread.ofVirtual()
                .start(() -> {
                    try {
                        result.set(work.call());
                    } catch (Exception e) {
                        failure.set(e);
                    }
                })
                .join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    @Test
    void everyReadSeesTheWritesCommittedBeforeIt() throws Exception {
        open(4, CONNECTION_TIMEOUT);
        for (int i = 0; i < 50; i++) { // the same cached statements, over and over, between writes
            User created = store.create(draft("U" + i, "u" + i + "@example.org"));
            assertThat(onVirtualThread(() -> store.find(created.id()))).contains(created);

            User replaced = store.replace(created.id(), draft("V" + i, created.email()), OptionalLong.of(1));
            assertThat(onVirtualThread(() -> store.find(created.id()))).contains(replaced);
            assertThat(onVirtualThread(() -> store.list(100, Optional.empty()).items()))
                    .hasSize(i + 1)
                    .last()
                    .isEqualTo(replaced);

            assertThat(store.delete(created.id())).isTrue();
            assertThat(onVirtualThread(() -> store.find(created.id()))).isEmpty();
            store.create(draft("W" + i, "w" + i + "@example.org"));
        }
        assertThat(store.find(Long.MAX_VALUE)).isEmpty(); // a platform thread reads here too
    }

    @Test
    void manyConcurrentVirtualThreadReadersEachSeeWhatWasCommittedBeforeTheyRead() throws Exception {
        open(2, CONNECTION_TIMEOUT); // fewer read connections than readers: they wait for one in turn
        AtomicLong lastCommitted = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 16; r++) {
            readers.add(Thread.ofVirtual().start(() -> {
                try {
                    while (writing.get()) {
                        long committed = lastCommitted.get();
                        if (committed > 0) {
                            assertThat(store.find(committed))
                                    .as("user %s", committed)
                                    .isPresent();
                            reads.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (int i = 0; i < 200; i++) {
            lastCommitted.set(store.create(draft("U", "u" + i + "@example.org")).id());
        }
        long readsWhileWriting = reads.get();
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(failures).isEmpty();
        assertThat(readsWhileWriting)
                .as("reads of a committed user while the 200 writes ran (else this test checked nothing)")
                .isPositive();
    }

    @Test
    void readsGoOnWhileABackupSnapshotIsTaken() throws Exception {
        open(4, CONNECTION_TIMEOUT);
        for (int i = 0; i < 500; i++) {
            store.create(draft("U" + i, "u" + i + "@example.org"));
        }
        AtomicBoolean reading = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            readers.add(Thread.ofVirtual().start(() -> {
                try {
                    for (long id = 1; reading.get(); id = id % 500 + 1) {
                        assertThat(store.find(id)).isPresent();
                        reads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        Poll.until(Duration.ofSeconds(10), "100 reads", reads::get, n -> n > 100);
        Path backup = dir.resolve("backup.db");
        long readsBefore = reads.get();

        store.snapshotTo(backup);

        Poll.until(Duration.ofSeconds(10), "100 more reads", reads::get, n -> n > readsBefore + 100);
        reading.set(false);
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(failures).isEmpty();
        try (SqliteUserStore copy = SqliteUserStore.open(backup, 1, CONNECTION_TIMEOUT, Clock.systemUTC())) {
            assertThat(copy.list(1000, Optional.empty()).items()).hasSize(500);
        }
    }

    @Test
    void closingTheStoreWhileReadersReadClosesEveryReadConnectionSoTheDatabaseCanBeRestored() throws Exception {
        open(4, CONNECTION_TIMEOUT);
        for (int i = 0; i < 100; i++) {
            store.create(draft("U" + i, "u" + i + "@example.org"));
        }
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        CountDownLatch stopped = new CountDownLatch(8);
        for (int r = 0; r < 8; r++) {
            Thread.ofVirtual().start(() -> {
                try {
                    for (long id = 1; ; id = id % 100 + 1) {
                        store.find(id);
                        reads.incrementAndGet();
                    }
                } catch (StoreUnavailableException e) {
                    if (!e.getMessage().contains("is closed")) {
                        unexpected.add(e);
                    }
                } catch (Throwable e) {
                    unexpected.add(e);
                } finally {
                    stopped.countDown();
                }
            });
        }
        Poll.until(Duration.ofSeconds(10), "200 reads", reads::get, n -> n > 200);
        assertThat(store.readConnections()).isPositive();
        assertThat(openFilesOf(file())).isNotEmpty();

        store.close();

        assertThat(stopped.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(unexpected).isEmpty(); // a reader sees the store closed (a 503), nothing else
        assertThat(store.readConnections()).isZero();
        assertThat(openFilesOf(file()))
                .as("file descriptors of the database still open")
                .isEmpty();
        Optional<SqliteFileLock> restoreLock = SqliteFileLock.tryExclusive(file()); // what restore takes
        assertThat(restoreLock).isPresent();
        restoreLock.get().close();
    }

    /** This process's open file descriptors on {@code database} or its -wal and -shm files (Linux). */
    private static List<String> openFilesOf(Path database) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.isDirectory(fds), "needs /proc/self/fd (Linux) to see which files are open");
        String prefix = database.toAbsolutePath().toString();
        List<String> open = new ArrayList<>();
        try (Stream<Path> links = Files.list(fds)) {
            for (Path link : links.toList()) {
                try {
                    String target = Files.readSymbolicLink(link).toString();
                    if (target.equals(prefix) || target.equals(prefix + "-wal") || target.equals(prefix + "-shm")) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor, for one)
                }
            }
        }
        return open;
    }

    @Test
    void aReadWaitsAtMostTheStoreTimeoutForAReadConnection() throws Exception {
        aReadWaitsAtMostTheStoreTimeoutForAReadConnection(false);
    }

    @Test
    void aReadHandedToAnIoThreadAfterASlowOneAlsoWaitsAtMostTheStoreTimeout() throws Exception {
        aReadWaitsAtMostTheStoreTimeoutForAReadConnection(true);
    }

    @Test
    void afterASlowReadReadsGoToTheIoThreadsForASecondAndStillSeeEveryCommittedWrite() throws Exception {
        open(2, CONNECTION_TIMEOUT);
        assertThat(store.handingOffReads()).isFalse();
        store.handOffReadsFor(Duration.ofMinutes(1));
        assertThat(store.handingOffReads()).isTrue();
        for (int i = 0; i < 20; i++) {
            User created = store.create(draft("U" + i, "u" + i + "@example.org"));
            assertThat(onVirtualThread(() -> store.find(created.id()))).contains(created);
            assertThat(onVirtualThread(() -> store.list(100, Optional.empty()).items()))
                    .hasSize(i + 1);
        }
        store.handOffReadsFor(Duration.ZERO);
        assertThat(store.handingOffReads()).isFalse();
        assertThat(onVirtualThread(() -> store.find(1))).isPresent();
    }

    private void aReadWaitsAtMostTheStoreTimeoutForAReadConnection(boolean handedOff) throws Exception {
        Duration callTimeout = Duration.ofMillis(400);
        open(1, callTimeout); // one read connection
        if (handedOff) {
            store.handOffReadsFor(Duration.ofMinutes(1));
        }
        store.create(draft("Ada", "ada@example.org"));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                store.readers()
                        .read(
                                reader -> {
                                    held.countDown();
                                    try {
                                        release.await();
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                    return null;
                                },
                                Duration.ofSeconds(5));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(held.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        try {
            long start = System.nanoTime();

            assertThatThrownBy(() -> onVirtualThread(() -> store.find(1)))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("did not answer within PT0.4S (store.timeout)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(callTimeout, Duration.ofSeconds(3));
        } finally {
            release.countDown();
            holder.join();
        }
        assertThat(onVirtualThread(() -> store.find(1))).isPresent(); // free again
    }

    @Test
    void aReadConnectionGivesUpOnSqliteLocksWithinTheStoreTimeout() throws Exception {
        open(2, Duration.ofMillis(700));
        String busyTimeout = store.readers()
                .read(
                        reader -> {
                            try (ResultSet rs =
                                    reader.prepare("PRAGMA busy_timeout").executeQuery()) {
                                rs.next();
                                return rs.getString(1);
                            }
                        },
                        Duration.ofSeconds(1));
        assertThat(busyTimeout).isEqualTo("700"); // not the connection timeout's 5000
    }
}
