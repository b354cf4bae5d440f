package dev.servicekit.windows;

import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_STOP;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_RUNNING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_START_PENDING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_STOPPED;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_STOP_PENDING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_WIN32_OWN_PROCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.scm.ScmStatus;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.testing.scm.ScmStatusReport;
import dev.servicekit.testing.scm.SimulatedScm;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The installer's wait while START_PENDING or STOP_PENDING, polling a service under the simulated SCM. Time is the
 * simulator's clock: each poll's sleep moves it on, and the service reports (or not) in between.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ScmPendingWaitTest {

    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final int WAIT_HINT_MILLIS = 2000;

    private final AtomicLong now = new AtomicLong();
    private final SimulatedScm scm =
            SimulatedScm.builder("users-service").nanoTime(now::get).build();
    private final long handle = startedService();
    private final AtomicInteger checkPoint = new AtomicInteger();

    @AfterEach
    void stopTheService() {
        report(SERVICE_STOPPED, 0, 0);
    }

    @Test
    void aServiceWhoseCheckpointAdvancesForeverIsGivenUpOnAtTheOverallBound() {
        report(SERVICE_START_PENDING, 0, checkPoint.incrementAndGet());
        ScmPendingWait wait = new ScmPendingWait(BOUND, now::get, millis -> {
            advance(millis);
            report(SERVICE_START_PENDING, 0, checkPoint.incrementAndGet());
        });

        assertThatThrownBy(() -> wait.whilePending("users-service", SERVICE_START_PENDING, this::latest, this::view))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining("\"users-service\" is still START_PENDING after 5 s")
                .hasMessageContaining("its checkpoint keeps advancing");
        assertThat(Duration.ofNanos(now.get()))
                .as("the simulated time the wait took")
                .isGreaterThan(BOUND)
                .isLessThanOrEqualTo(BOUND.plusSeconds(1));
        assertThat(checkPoint.get()).isGreaterThan(10);
        scm.assertNoViolations();
    }

    @Test
    void aServiceWhoseCheckpointStandsStillIsGivenUpOnAfterTheWaitHintOfAtLeastTenSeconds() {
        report(SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0);
        report(SERVICE_STOP_PENDING, 0, 1);
        ScmPendingWait wait = new ScmPendingWait(Duration.ofSeconds(60), now::get, this::advance);

        assertThatThrownBy(() -> wait.whilePending("users-service", SERVICE_STOP_PENDING, this::latest, this::view))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining(
                        "\"users-service\" is stuck in STOP_PENDING (checkpoint 1 has not advanced for 10 s)");
        assertThat(Duration.ofNanos(now.get())).isLessThan(Duration.ofSeconds(12));
    }

    @Test
    void aServiceThatLeavesThePendingStateWithinTheBoundEndsTheWaitWithItsNewStatus() {
        report(SERVICE_START_PENDING, 0, checkPoint.incrementAndGet());
        ScmPendingWait wait = new ScmPendingWait(BOUND, now::get, millis -> {
            advance(millis);
            if (checkPoint.get() < 5) {
                report(SERVICE_START_PENDING, 0, checkPoint.incrementAndGet());
            } else {
                report(SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0);
            }
        });

        ScmStatusReport running = wait.whilePending("users-service", SERVICE_START_PENDING, this::latest, this::view);

        assertThat(running.currentState()).isEqualTo(SERVICE_RUNNING);
        scm.assertNoViolations();
    }

    /** Moves the simulator's clock on; fails instead of waiting forever if the wait never gives up. */
    private void advance(long millis) {
        if (now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis))
                > Duration.ofMinutes(10).toNanos()) {
            throw new AssertionError("still waiting after 10 simulated minutes\n" + scm.report());
        }
    }

    /** Runs ServiceMain under the simulator's dispatcher, as the SCM does; it only registers the handler. */
    private long startedService() {
        CompletableFuture<Long> registered = new CompletableFuture<>();
        Thread dispatcher = new Thread(
                () -> scm.startServiceCtrlDispatcher(
                        "users-service",
                        args -> registered.complete(scm.registerServiceCtrlHandler(
                                "users-service", (control, eventType) -> SimulatedScm.NO_ERROR))),
                "dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.start();
        return registered.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void report(int state, int controls, int checkPointValue) {
        if (scm.stoppedReport().isEmpty()) {
            scm.setServiceStatus(
                    handle,
                    SERVICE_WIN32_OWN_PROCESS,
                    state,
                    controls,
                    0,
                    0,
                    checkPointValue,
                    SimulatedScm.isPending(state) ? WAIT_HINT_MILLIS : 0);
        }
    }

    /** {@code QueryServiceStatusEx}: the service's latest report. */
    private ScmStatusReport latest() {
        List<ScmStatusReport> history = scm.history();
        return history.get(history.size() - 1);
    }

    private ScmStatus view(ScmStatusReport r) {
        return new ScmStatus(
                r.currentState(),
                r.controlsAccepted(),
                r.win32ExitCode(),
                r.serviceSpecificExitCode(),
                r.checkPoint(),
                r.waitHintMillis());
    }
}
