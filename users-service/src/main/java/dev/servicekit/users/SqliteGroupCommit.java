package dev.servicekit.users;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the SQLite store: every write is queued to one writer thread, which takes whatever is queued
 * when it is free (at most {@value #MAX_BATCH} writes, no artificial wait) and runs them in one
 * {@code BEGIN IMMEDIATE} transaction, each write in its own {@code SAVEPOINT}, then commits once (one fsync with
 * {@code synchronous=FULL}).
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>A caller gets its result only after the {@code COMMIT} of its batch returned: an answered write is durable.
 *   <li>A write that fails (a duplicate email, a version conflict, a missing user, a failed statement) rolls back
 *       only its own savepoint; its caller gets its own exception, the other writes of the batch commit. If the
 *       {@code BEGIN} or the {@code COMMIT} fails, every write of the batch gets that failure and none is applied.
 *   <li>A caller waits at most {@code wait} for its write to start. A write that has not started by then is
 *       cancelled, never runs, and the caller gets {@link StoreUnavailableException}: that 503 means "not applied".
 *       A write that started (its batch holds SQLite's write lock) is waited for until its batch commits, for at
 *       most another {@code wait}; only past that (a disk stalled in the commit's fsync) does the caller get a 503
 *       whose outcome is unknown, and the message says so. One thread checks these waits every
 *       {@link #DEADLINE_TICK} while writes are in flight, so a wait ends up to that much late.
 * </ul>
 */
final class SqliteGroupCommit implements AutoCloseable {

    /** How often the waits of the writes in flight are checked; a wait ends at most this much after its time. */
    static final Duration DEADLINE_TICK = Duration.ofMillis(25);

    private static final Write<?>[] NONE = new Write<?>[0];

    /** The most writes one transaction commits. */
    static final int MAX_BATCH = 256;
    /** Writes in each committed batch (Prometheus {@code store_write_batch_size}). */
    static final String BATCH_SIZE = "store.write.batch.size";
    /** Time of each batch's {@code COMMIT} (Prometheus {@code store_write_commit_seconds}). */
    static final String COMMIT_TIME = "store.write.commit";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteGroupCommit.class);
    private static final int QUEUED = 0;
    private static final int STARTED = 1;
    private static final int CANCELLED = 2;

    /** One write's SQL, run on the writer's connection inside a transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(SqliteStatements statements) throws SQLException;
    }

    /**
     * Told when a batch holds SQLite's write lock ({@link #begun}, after {@code BEGIN IMMEDIATE}) and when it ended
     * ({@link #ended}: committed, rolled back or failed), on the writer thread; {@link #ended} follows every
     * {@link #begun}.
     */
    interface BatchObserver {
        BatchObserver NONE = new BatchObserver() {
            @Override
            public void begun() {}

            @Override
            public void ended() {}
        };

        void begun();

        void ended();
    }

    /** Opens the writer's connection; failures become the batch's failure. */
    @FunctionalInterface
    interface ConnectionSource {
        Connection get() throws SQLException;
    }

    private final String file;
    private final ConnectionSource connections;
    private final BiFunction<String, SQLException, StoreException> failure;
    private final BatchObserver observer;
    private final BlockingQueue<Write<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final Optional<MeterRegistry> metrics;
    private final Optional<DistributionSummary> batchSizes;
    private final Optional<Timer> commitTimes;
    /** Writes the writer has taken from the queue, for tests. */
    private final AtomicLong taken = new AtomicLong();

    private volatile boolean closed;
    /** Writes whose callers wait; the deadline thread sleeps while there are none. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The batch the writer runs, for the deadline thread. */
    private volatile Write<?>[] current = NONE;

    private final Thread deadlines;
    /** The writer's connection while it is open; only the writer thread touches it. */
    private Optional<SqliteStatements> statements = Optional.empty();

    /**
     * Starts the writer thread.
     *
     * @param file the database, for messages
     * @param connections opens the writer's connection, which it keeps (again after a batch failed)
     * @param failure turns an {@link SQLException} of an action into the store's exception
     */
    SqliteGroupCommit(
            String file,
            ConnectionSource connections,
            BiFunction<String, SQLException, StoreException> failure,
            Optional<MeterRegistry> metrics) {
        this(file, connections, failure, metrics, BatchObserver.NONE);
    }

    /** Starts the writer thread, telling {@code observer} when each batch begins and ends. */
    SqliteGroupCommit(
            String file,
            ConnectionSource connections,
            BiFunction<String, SQLException, StoreException> failure,
            Optional<MeterRegistry> metrics,
            BatchObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
        this.file = Objects.requireNonNull(file, "file");
        this.connections = Objects.requireNonNull(connections, "connections");
        this.failure = Objects.requireNonNull(failure, "failure");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.batchSizes = metrics.map(registry -> DistributionSummary.builder(BATCH_SIZE)
                .description("Writes committed together in one SQLite transaction (group commit)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, MAX_BATCH)
                .register(registry));
        this.commitTimes = metrics.map(registry -> Timer.builder(COMMIT_TIME)
                .description("Time of one SQLite COMMIT of a batch of writes, fsync included")
                .serviceLevelObjectives(
                        Duration.ofMillis(1),
                        Duration.ofMillis(5),
                        Duration.ofMillis(25),
                        Duration.ofMillis(100),
                        Duration.ofSeconds(1))
                .register(registry));
        this.writer = Thread.ofPlatform().daemon().name("users-sqlite-writer").unstarted(this::runWriter);
        this.deadlines = Thread.ofPlatform()
                .daemon()
                .name("users-sqlite-write-deadlines")
                .unstarted(this::enforceDeadlines);
        writer.start();
        deadlines.start();
    }

    /**
     * Queues {@code work}, waits until its batch committed and returns its result (see the class contract).
     *
     * @throws StoreUnavailableException if the write did not start within {@code wait} (not applied), its batch did
     *     not commit within another {@code wait} (outcome unknown), or the store is closed
     * @throws StoreException or any runtime exception {@code work} threw: only this write was rolled back
     */
    <T> T write(String action, Work<T> work, Duration wait) {
        Write<T> write = new Write<>(action, work, System.nanoTime(), wait);
        if (closed) {
            throw closedFailure(action, null);
        }
        if (inFlight.getAndIncrement() == 0) {
            LockSupport.unpark(deadlines); // it sleeps while no write is in flight
        }
        try {
            queue.add(write);
            return write.result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Overdue overdue) {
                throw overdue.started
                        ? new StoreUnavailableException(
                                "Could not " + action + ": the commit to SQLite database '" + file + "' did not finish"
                                        + " within twice " + wait + " (store.timeout); the write may or may not be"
                                        + " applied; check the disk, then read before retrying")
                        : new StoreUnavailableException("Could not " + action + ": SQLite database '" + file
                                + "' did not answer within " + wait + " (store.timeout); the write was not applied;"
                                + " the disk may be stalled or the store overloaded, retry later");
            }
            throw rethrow(action, e.getCause());
        } catch (InterruptedException e) {
            write.state.compareAndSet(QUEUED, CANCELLED);
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(
                    "Interrupted while waiting to " + action + " in SQLite database '" + file + "'", e);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Ends the waits that are over, every {@link #DEADLINE_TICK} while a write is in flight: a write not started
     * within its {@code wait} is cancelled, one started and not committed within another {@code wait} is answered
     * "outcome unknown". One thread for every write, instead of a timed wait per write: on a virtual thread each timed
     * wait schedules and cancels a timer on the JDK's delay scheduler thread, which woke that thread for every write
     * (about 1.5 context switches and 11 µs of CPU per create on the pinned bench).
     */
    private void enforceDeadlines() {
        while (!closed || inFlight.get() > 0) {
            if (inFlight.get() == 0) {
                LockSupport.park(this);
                continue;
            }
            LockSupport.parkNanos(this, DEADLINE_TICK.toNanos());
            long now = System.nanoTime();
            for (Write<?> write : queue) {
                write.endIfOverdue(now);
            }
            for (Write<?> write : current) {
                write.endIfOverdue(now);
            }
        }
    }

    private RuntimeException rethrow(String action, Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new StoreException("Could not " + action + " in SQLite database '" + file + "': " + cause, cause);
    }

    private StoreUnavailableException closedFailure(String action, Throwable cause) {
        return new StoreUnavailableException(
                "Could not " + action + ": the SQLite user store '" + file + "' is closed; open a new store", cause);
    }

    private void runWriter() {
        List<Write<?>> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Write<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                taken.addAndGet(batch.size());
                current = batch.toArray(new Write<?>[0]);
                runBatch(batch);
            } catch (InterruptedException e) {
                break; // close() gave up waiting: what is still queued is failed there
            } catch (RuntimeException | Error e) {
                // runBatch completes every write itself; reaching here is a bug, which must not stop the writer
                LOG.error("The SQLite writer failed a batch of {} write(s)", batch.size(), e);
                for (Write<?> write : batch) {
                    write.result.completeExceptionally(e);
                }
            } finally {
                batch.clear();
                current = NONE;
            }
        }
        statements.ifPresent(SqliteStatements::close);
        statements = Optional.empty();
    }

    private void runBatch(List<Write<?>> batch) {
        List<Write<?>> started = new ArrayList<>(batch.size());
        List<Object> outcomes = new ArrayList<>(batch.size()); // a result, or the write's own RuntimeException
        SqliteStatements open = null;
        try {
            open = statements.isPresent()
                    ? statements.get()
                    : new SqliteStatements(connections.get(), "the SQLite writer's connection");
            statements = Optional.of(open);
            open.execute("BEGIN IMMEDIATE");
            observer.begun();
            try {
                for (Write<?> write : batch) {
                    if (!write.state.compareAndSet(QUEUED, STARTED)) {
                        continue; // cancelled by its caller before it started: never applied
                    }
                    started.add(write);
                    outcomes.add(runInSavepoint(open, write));
                }
                if (started.isEmpty()) {
                    open.execute("ROLLBACK");
                    return;
                }
                long before = System.nanoTime();
                open.execute("COMMIT");
                long took = System.nanoTime() - before;
                commitTimes.ifPresent(timer -> timer.record(took, TimeUnit.NANOSECONDS));
                batchSizes.ifPresent(summary -> summary.record(started.size()));
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    open.forget();
                    open.execute("ROLLBACK"); // fails harmlessly if SQLite already ended the transaction
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                observer.ended();
            }
        } catch (SQLException e) {
            closeConnection(open);
            failAll(batch, failure.apply("commit " + batchDescription(batch), e));
            return;
        } catch (RuntimeException | Error e) {
            closeConnection(open);
            failAll(batch, e);
            if (e instanceof Error error) {
                throw error;
            }
            return;
        }
        for (int i = 0; i < started.size(); i++) {
            started.get(i).complete(outcomes.get(i));
        }
    }

    /** After a failed batch the next one starts on a new connection, as it did when each batch borrowed one. */
    private void closeConnection(SqliteStatements open) {
        if (open != null) {
            open.close();
        }
        statements = Optional.empty();
    }

    private static String batchDescription(List<Write<?>> batch) {
        return batch.size() == 1
                ? "a write (" + batch.getFirst().action + ")"
                : "a batch of " + batch.size() + " writes";
    }

    /** Fails the started writes and those nobody cancelled; the writes of a failed batch are not applied. */
    private static void failAll(List<Write<?>> batch, Throwable failure) {
        for (Write<?> write : batch) {
            write.state.compareAndSet(QUEUED, STARTED); // from now on its caller waits for this answer
            if (write.state.get() == STARTED) {
                write.result.completeExceptionally(failure);
            }
        }
    }

    private Object runInSavepoint(SqliteStatements statements, Write<?> write) throws SQLException {
        statements.execute("SAVEPOINT write");
        try {
            Object result = write.work.run(statements);
            statements.execute("RELEASE write");
            return new Success(result);
        } catch (SQLException | RuntimeException e) {
            // Undo this write only. If SQLite already ended the whole transaction (I/O error, disk full), the
            // ROLLBACK TO fails and the batch fails with it. The write's statements are prepared afresh next time.
            statements.forget();
            try {
                statements.execute("ROLLBACK TO write");
                statements.execute("RELEASE write");
            } catch (SQLException rollback) {
                rollback.addSuppressed(e);
                throw rollback;
            }
            return e instanceof SQLException sql ? failure.apply(write.action, sql) : e;
        }
    }

    /** Writes queued and not yet taken by the writer, for tests. */
    int queued() {
        return queue.size();
    }

    /** Writes the writer has taken since it started, for tests. */
    long taken() {
        return taken.get();
    }

    /** Stops taking writes, lets the writer finish what is queued (at most {@code wait}), fails the rest. */
    void close(Duration wait) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warn("The SQLite writer did not finish within {}; failing the writes still queued", wait);
            writer.interrupt();
        }
        for (Write<?> write; (write = queue.poll()) != null; ) {
            if (write.state.compareAndSet(QUEUED, CANCELLED)) {
                write.result.completeExceptionally(closedFailure(write.action, null));
            }
        }
        LockSupport.unpark(deadlines); // it ends once no caller waits any more
        batchSizes.ifPresent(summary -> metrics.orElseThrow().remove(summary));
        commitTimes.ifPresent(timer -> metrics.orElseThrow().remove(timer));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /** A write's wait ended before its answer; its caller throws the 503 (made on its own thread, with its stack). */
    private static final class Overdue extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean started;

        Overdue(boolean started) {
            super(started ? "not committed in time" : "not started in time", null, false, false);
            this.started = started;
        }
    }

    /** A write's own result, kept apart from a write that returned an exception object. */
    private record Success(Object value) {}

    private static final class Write<T> {
        final String action;
        final Work<T> work;
        /** {@link System#nanoTime()} by which it must have started; it must have committed {@code wait} later. */
        final long startBy;

        final long waitNanos;
        final AtomicInteger state = new AtomicInteger(QUEUED);
        final CompletableFuture<T> result = new CompletableFuture<>();

        Write(String action, Work<T> work, long queuedAt, Duration wait) {
            this.action = action;
            this.work = work;
            this.waitNanos = wait.toNanos();
            this.startBy = queuedAt + waitNanos;
        }

        /** Cancels it if it has not started in time, answers "outcome unknown" if started and not committed in time. */
        void endIfOverdue(long now) {
            if (now - startBy < 0 || result.isDone()) {
                return;
            }
            if (state.compareAndSet(QUEUED, CANCELLED)) {
                result.completeExceptionally(new Overdue(false));
            } else if (state.get() == STARTED && now - startBy - waitNanos >= 0) {
                result.completeExceptionally(new Overdue(true));
            }
        }

        @SuppressWarnings("unchecked") // the outcome came from this write's own work
        void complete(Object outcome) {
            if (outcome instanceof Success success) {
                result.complete((T) success.value());
            } else {
                result.completeExceptionally((Throwable) outcome);
            }
        }
    }
}
