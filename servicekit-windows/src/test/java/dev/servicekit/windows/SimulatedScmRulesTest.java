package dev.servicekit.windows;

import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_STOP;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_RUNNING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_START_PENDING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_STOPPED;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_STOP_PENDING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_WIN32_OWN_PROCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.testing.scm.SimulatedScm;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator must reject what the real SCM rejects, or the runner tests prove nothing. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulatedScmRulesTest {

    private static final String NAME = "svc";

    /** Runs a scripted ServiceMain that gets the handle against the simulator, and waits until the script ended. */
    private static void runScript(SimulatedScm scm, Consumer<Long> script) {
        CountDownLatch done = new CountDownLatch(1);
        scm.startServiceCtrlDispatcher(NAME, args -> {
            try {
                script.accept(scm.registerServiceCtrlHandler(NAME, (c, e) -> 0));
            } finally {
                done.countDown();
            }
        });
        try {
            assertThat(done.await(10, TimeUnit.SECONDS)).as("script finished").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void status(SimulatedScm scm, long h, int state, int controls, int checkPoint, int waitHint) {
        scm.setServiceStatus(h, SERVICE_WIN32_OWN_PROCESS, state, controls, 0, 0, checkPoint, waitHint);
    }

    @Test
    void aCheckpointThatDoesNotIncreaseWhilePendingIsAViolation() {
        SimulatedScm scm = SimulatedScm.builder(NAME).build();

        runScript(scm, h -> {
            status(scm, h, SERVICE_START_PENDING, 0, 1, 3000);
            status(scm, h, SERVICE_START_PENDING, 0, 1, 3000);
            status(scm, h, SERVICE_STOPPED, 0, 0, 0);
        });

        assertThat(scm.violations())
                .singleElement()
                .asString()
                .contains("checkpoint did not increase while START_PENDING (1 -> 1)");
        assertThatThrownBy(scm::assertNoViolations)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("broke 1 SCM rule")
                .hasMessageContaining("status reports:");
    }

    @Test
    void aPendingStateWithoutWaitHintOrWithControlsIsAViolation() {
        SimulatedScm scm = SimulatedScm.builder(NAME).build();

        runScript(scm, h -> {
            status(scm, h, SERVICE_START_PENDING, SERVICE_ACCEPT_STOP, 1, 0);
            status(scm, h, SERVICE_STOPPED, 0, 0, 0);
        });

        assertThat(scm.violations())
                .anySatisfy(v -> assertThat(v).contains("wait hint > 0"))
                .anySatisfy(v -> assertThat(v).contains("must accept no controls"));
    }

    @Test
    void illegalTransitionsAndReportsAfterStoppedAreViolations() {
        SimulatedScm scm = SimulatedScm.builder(NAME).build();

        runScript(scm, h -> {
            status(scm, h, SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0, 0);
            status(scm, h, SERVICE_STOP_PENDING, 0, 1, 3000);
            status(scm, h, SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0, 0);
            status(scm, h, SERVICE_STOPPED, 0, 0, 0);
            status(scm, h, SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0, 0);
        });

        assertThat(scm.violations())
                .anySatisfy(v -> assertThat(v).contains("STOP_PENDING -> RUNNING is not a legal transition"))
                .anySatisfy(v -> assertThat(v).contains("after STOPPED"));
    }

    @Test
    void aServiceSpecificExitCodeWithoutError1066IsAViolation() {
        SimulatedScm scm = SimulatedScm.builder(NAME).build();

        runScript(scm, h -> scm.setServiceStatus(h, SERVICE_WIN32_OWN_PROCESS, SERVICE_STOPPED, 0, 1, 75, 0, 0));

        assertThat(scm.violations()).singleElement().asString().contains("ERROR_SERVICE_SPECIFIC_ERROR (1066)");
    }

    @Test
    void aDispatcherCalledAfterTheDeadlineIsRefusedAndReported() {
        AtomicLong now = new AtomicLong(0);
        SimulatedScm scm = SimulatedScm.builder(NAME)
                .nanoTime(now::get)
                .processStartedAt(0)
                .dispatcherDeadline(Duration.ofSeconds(30))
                .build();
        now.set(TimeUnit.SECONDS.toNanos(31));

        int rc = scm.startServiceCtrlDispatcher(NAME, args -> {});

        assertThat(rc).isEqualTo(SimulatedScm.ERROR_SERVICE_REQUEST_TIMEOUT);
        assertThat(scm.violations()).singleElement().asString().contains("31000 ms after process start");
    }

    @Test
    void aReportLaterThanTheWaitHintIsAViolation() {
        AtomicLong now = new AtomicLong(0);
        SimulatedScm scm = SimulatedScm.builder(NAME).nanoTime(now::get).build();

        runScript(scm, h -> {
            status(scm, h, SERVICE_START_PENDING, 0, 1, 1000);
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1500));
            status(scm, h, SERVICE_START_PENDING, 0, 2, 1000);
            status(scm, h, SERVICE_STOPPED, 0, 0, 0);
        });

        assertThat(scm.violations()).singleElement().asString().contains("later than its wait hint of 1000 ms");
    }

    @Test
    void aHandlerThatBlocksIsAViolationAndControlsNotAcceptedAreRefused() throws Exception {
        SimulatedScm scm = SimulatedScm.builder(NAME)
                .handlerDeadline(Duration.ofMillis(100))
                .build();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Integer> dispatcher =
                CompletableFuture.supplyAsync(() -> scm.startServiceCtrlDispatcher(NAME, args -> {
                    long h = scm.registerServiceCtrlHandler(NAME, (control, e) -> {
                        try {
                            release.await();
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                        status(scm, handleOf(scm), SERVICE_STOPPED, 0, 0, 0);
                        return 0;
                    });
                    status(scm, h, SERVICE_RUNNING, SERVICE_ACCEPT_STOP, 0, 0);
                }));
        scm.awaitState(SERVICE_RUNNING, Duration.ofSeconds(10));

        assertThat(scm.sendControl(SimulatedScm.SERVICE_CONTROL_PAUSE))
                .isEqualTo(SimulatedScm.ERROR_INVALID_SERVICE_CONTROL);
        assertThat(scm.sendControl(SimulatedScm.SERVICE_CONTROL_STOP))
                .isEqualTo(SimulatedScm.ERROR_SERVICE_REQUEST_TIMEOUT);
        release.countDown();

        assertThat(dispatcher.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(scm.violations()).singleElement().asString().contains("did not return within 100 ms for STOP");
    }

    private static long handleOf(SimulatedScm scm) {
        return 0x5C0000L + 1; // the first handle the simulator hands out
    }
}
