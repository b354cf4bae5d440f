package dev.servicekit.windows;

import dev.servicekit.scm.ScmStatus;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManagerException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How {@code start} and {@code stop} wait while the service is START_PENDING or STOP_PENDING: they poll every wait
 * hint / 10 (between 100 ms and 1 s) and give up when the checkpoint has not advanced within the wait hint (at least
 * 10 s), and, however the checkpoint moves, once the overall bound has passed. The status query, the clock and the
 * sleep are injected; {@link ScmInstaller} passes {@code QueryServiceStatusEx}, {@link System#nanoTime()} and
 * {@link Thread#sleep(long)}.
 */
final class ScmPendingWait {

    /** The overall bound of one wait in production. */
    static final Duration DEFAULT_BOUND = Duration.ofSeconds(60);

    /** The least time the checkpoint may stand still, whatever the wait hint says. */
    private static final long MIN_PROGRESS_MILLIS = 10_000;

    /** {@link Thread#sleep(long)}, or a test's clock. */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final Duration bound;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;

    ScmPendingWait(Duration bound, LongSupplier nanoTime, Sleeper sleeper) {
        this.bound = Objects.requireNonNull(bound, "bound");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    /** The production wait: {@link #DEFAULT_BOUND}, the system clock, a real sleep. */
    static ScmPendingWait system() {
        return new ScmPendingWait(DEFAULT_BOUND, System::nanoTime, Thread::sleep);
    }

    /**
     * Polls {@code query} while the service is in {@code pendingState}.
     *
     * @param view how to read the state, checkpoint and wait hint from what {@code query} answers
     * @return the first status in another state
     * @throws ServiceManagerException (exit 1) when the checkpoint stood still for longer than the wait hint, when
     *                                 the overall bound passed, or when interrupted
     */
    <S> S whilePending(String name, int pendingState, Supplier<S> query, Function<S, ScmStatus> view) {
        long start = nanoTime.getAsLong();
        long deadline = start + bound.toNanos();
        S answer = query.get();
        ScmStatus status = view.apply(answer);
        int lastCheckPoint = status.checkPoint();
        long lastProgress = start;
        while (status.currentState() == pendingState) {
            long hintMillis = Math.max(status.waitHintMillis(), MIN_PROGRESS_MILLIS);
            try {
                sleeper.sleep(Math.min(1000, Math.max(100, status.waitHintMillis() / 10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceManagerException(
                        "Interrupted while waiting for \"" + name + "\"", ExitCode.FAILURE, e);
            }
            answer = query.get();
            status = view.apply(answer);
            if (status.currentState() != pendingState) {
                break;
            }
            long now = nanoTime.getAsLong();
            if (status.checkPoint() != lastCheckPoint) {
                lastCheckPoint = status.checkPoint();
                lastProgress = now;
            } else if (now - lastProgress > TimeUnit.MILLISECONDS.toNanos(hintMillis)) {
                throw new ServiceManagerException(
                        "Service \"" + name + "\" is stuck in " + ScmStatus.stateName(pendingState) + " (checkpoint "
                                + status.checkPoint() + " has not advanced for " + hintMillis / 1000
                                + " s); check the Application log in Event Viewer (source \"" + name + "\")",
                        ExitCode.FAILURE);
            }
            // checked on every poll: a service whose checkpoint keeps advancing must not keep the caller waiting
            if (now - deadline > 0) {
                throw new ServiceManagerException(
                        "Service \"" + name + "\" is still " + ScmStatus.stateName(pendingState) + " after "
                                + bound.toSeconds() + " s, although its checkpoint keeps advancing (now "
                                + status.checkPoint() + "); it may still get there: run status to follow it, and"
                                + " check the Application log in Event Viewer (source \"" + name + "\")",
                        ExitCode.FAILURE);
            }
        }
        return answer;
    }
}
