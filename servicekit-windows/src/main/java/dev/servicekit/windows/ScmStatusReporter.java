package dev.servicekit.windows;

import dev.servicekit.scm.ScmApi;
import dev.servicekit.scm.ScmStatus;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the service's {@code SERVICE_STATUS} and reports every change with {@code SetServiceStatus}. While a
 * state is pending, {@link #tick()} (called by a timer) advances the checkpoint, but only until the operation's
 * bound has passed: a hung start or stop stops advancing, so the SCM's own timeout can act on it (honest
 * progress rather than a checkpoint pump). STOPPED is reported once and is final.
 */
final class ScmStatusReporter {

    private static final Logger LOG = LoggerFactory.getLogger(ScmStatusReporter.class);

    private final ScmApi api;
    private final long handle;
    private final int waitHintMillis;
    private final LongSupplier nanoTime;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private boolean stoppedReported;
    private int state = ScmApi.SERVICE_START_PENDING;
    private int controls;
    private int checkPoint;
    private long pendingSince;
    private long pendingBoundNanos;

    /**
     * @param tick the timer period; the wait hint promises the next report within max(3 ticks, 2 s)
     */
    ScmStatusReporter(ScmApi api, long handle, Duration tick, LongSupplier nanoTime) {
        this.api = api;
        this.handle = handle;
        this.waitHintMillis = (int) Math.max(3 * tick.toMillis(), 2000);
        this.nanoTime = nanoTime;
    }

    /** Enters a pending state at checkpoint 1, accepting no controls; {@code bound} is how long it may honestly take. */
    synchronized void enterPending(int pendingState, Duration bound) {
        if (isStopped()) {
            return;
        }
        state = pendingState;
        controls = 0;
        checkPoint = 1;
        pendingSince = nanoTime.getAsLong();
        // the bound plus one wait hint of grace, so the last checkpoint still lands before the SCM gives up
        pendingBoundNanos = bound.toNanos() + TimeUnit.MILLISECONDS.toNanos(waitHintMillis);
        send();
    }

    /** Advances the checkpoint while pending and within the bound. */
    synchronized void tick() {
        if (!isStopped() && ScmStatus.isPending(state) && nanoTime.getAsLong() - pendingSince < pendingBoundNanos) {
            checkPoint++;
            send();
        }
    }

    /** Reports a steady state (RUNNING, PAUSED) with its accepted controls. */
    synchronized void enter(int steadyState, int acceptedControls) {
        if (isStopped()) {
            return;
        }
        state = steadyState;
        controls = acceptedControls;
        checkPoint = 0;
        send();
    }

    /** Moves from {@code expected} to a steady state; does nothing if something else (a stop) came first. */
    synchronized boolean enterIf(int expected, int steadyState, int acceptedControls) {
        if (state != expected || isStopped()) {
            return false;
        }
        enter(steadyState, acceptedControls);
        return true;
    }

    /** INTERROGATE: reports the current status again (advancing the checkpoint when pending). */
    synchronized void interrogate() {
        if (isStopped()) {
            return;
        }
        if (ScmStatus.isPending(state)) {
            tick();
        } else {
            send();
        }
    }

    /** Reports STOPPED with the exit codes, once; later calls do nothing. */
    synchronized boolean stopped(int win32ExitCode, int serviceSpecificExitCode) {
        if (isStopped()) {
            return false;
        }
        state = ScmApi.SERVICE_STOPPED;
        controls = 0;
        checkPoint = 0;
        ScmStatus status = new ScmStatus(ScmApi.SERVICE_STOPPED, 0, win32ExitCode, serviceSpecificExitCode, 0, 0);
        stoppedReported = true;
        if (!api.setServiceStatus(handle, status)) {
            LOG.warn("SetServiceStatus({}) was refused by the SCM", status);
        }
        stopped.countDown();
        return true;
    }

    synchronized int state() {
        return state;
    }

    synchronized boolean isStopped() {
        return stoppedReported;
    }

    boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void send() {
        boolean pending = ScmStatus.isPending(state);
        ScmStatus status = new ScmStatus(
                state, controls, ScmApi.NO_ERROR, 0, pending ? checkPoint : 0, pending ? waitHintMillis : 0);
        if (!api.setServiceStatus(handle, status)) {
            LOG.warn("SetServiceStatus({}) was refused by the SCM", status);
        }
    }
}
