package dev.servicekit.windows;

import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_PARAMCHANGE;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_PAUSE_CONTINUE;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_PRESHUTDOWN;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_SHUTDOWN;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_ACCEPT_STOP;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_CONTINUE;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_INTERROGATE;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_PARAMCHANGE;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_PAUSE;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_PRESHUTDOWN;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_SHUTDOWN;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_CONTROL_STOP;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_PAUSED;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_RUNNING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_START_PENDING;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_STOPPED;
import static dev.servicekit.testing.scm.SimulatedScm.SERVICE_STOP_PENDING;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.servicekit.testing.FakeManagedService;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.scm.ScmStatusReport;
import dev.servicekit.testing.scm.SimulatedScm;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ScmServiceRunnerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration TICK = Duration.ofMillis(20);

    private final SimulatedScm scm = SimulatedScm.builder("users-service").build();
    private final WindowsServiceManager manager = WindowsServiceManager.withScm(scm.api(), TICK);

    @AfterEach
    void theServiceKeptEveryScmRule() {
        scm.assertNoViolations();
    }

    private CompletableFuture<OptionalInt> run(FakeManagedService service) {
        CompletableFuture<OptionalInt> exit = new CompletableFuture<>();
        Thread main = new Thread(
                () -> {
                    try {
                        exit.complete(manager.runManaged(service));
                    } catch (Throwable t) {
                        exit.completeExceptionally(t);
                    }
                },
                "test-main");
        main.setDaemon(true);
        main.start();
        return exit;
    }

    private static OptionalInt exitOf(CompletableFuture<OptionalInt> exit) throws Exception {
        return exit.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void awaitReports(int state, int count) {
        scm.awaitReport(
                r -> scm.reportsOf(state).size() >= count,
                count + " reports of " + SimulatedScm.stateName(state),
                WAIT);
    }

    @Test
    void startReportsAdvancingStartPendingCheckpointsThenRunningWithEveryControl() throws Exception {
        FakeManagedService service = FakeManagedService.named("users-service").stopsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);

        assertThat(service.startEntered().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        awaitReports(SERVICE_START_PENDING, 4);
        service.openStart();
        ScmStatusReport running = scm.awaitState(SERVICE_RUNNING, WAIT);

        List<ScmStatusReport> pending = scm.reportsOf(SERVICE_START_PENDING);
        assertThat(pending)
                .extracting(ScmStatusReport::checkPoint)
                .isSorted()
                .doesNotHaveDuplicates()
                .startsWith(1, 2, 3);
        assertThat(pending).allSatisfy(r -> assertThat(r.waitHintMillis()).isGreaterThanOrEqualTo(2000));
        assertThat(running.controlsAccepted())
                .isEqualTo(SERVICE_ACCEPT_STOP
                        | SERVICE_ACCEPT_SHUTDOWN
                        | SERVICE_ACCEPT_PRESHUTDOWN
                        | SERVICE_ACCEPT_PARAMCHANGE
                        | SERVICE_ACCEPT_PAUSE_CONTINUE);
        assertThat(running.checkPoint()).isZero();

        assertThat(scm.sendControl(SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.NO_ERROR);
        assertThat(exitOf(exit)).hasValue(0);
        assertThat(scm.stoppedReport())
                .get()
                .satisfies(r -> assertThat(r.win32ExitCode()).isZero());
    }

    @Test
    void anInstanceConnectsToTheScmUnderItsServiceNameWithTheDollarSuffix() throws Exception {
        SimulatedScm instanceScm = SimulatedScm.builder("users-service$a").build();
        FakeManagedService service = FakeManagedService.named("users-service")
                .instance("a")
                .startsAtOnce()
                .stopsAtOnce();
        CompletableFuture<OptionalInt> exit = new CompletableFuture<>();
        Thread main = new Thread(
                () -> exit.complete(
                        WindowsServiceManager.withScm(instanceScm.api(), TICK).runManaged(service)),
                "test-main-instance");
        main.setDaemon(true);
        main.start();

        instanceScm.awaitState(SERVICE_RUNNING, WAIT);
        assertThat(instanceScm.sendControl(SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.NO_ERROR);

        assertThat(exitOf(exit)).hasValue(0);
        instanceScm.assertNoViolations();
        assertThat(ScmServiceRunner.scmName(service)).isEqualTo("users-service$a");
    }

    @Test
    void controlsAreRefusedByTheScmWhileStartIsPending() throws Exception {
        FakeManagedService service = FakeManagedService.named("users-service").stopsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        assertThat(service.startEntered().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        scm.awaitState(SERVICE_START_PENDING, WAIT);

        assertThat(scm.sendControl(SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.ERROR_SERVICE_CANNOT_ACCEPT_CTRL);

        service.openStart();
        scm.awaitState(SERVICE_RUNNING, WAIT);
        scm.sendControl(SERVICE_CONTROL_STOP);
        assertThat(exitOf(exit)).hasValue(0);
    }

    @Test
    void paramChangeReloadsAndTheServiceKeepsRunning() throws Exception {
        FakeManagedService service =
                FakeManagedService.named("users-service").startsAtOnce().stopsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        scm.awaitState(SERVICE_RUNNING, WAIT);

        assertThat(scm.sendControl(SERVICE_CONTROL_PARAMCHANGE)).isEqualTo(SimulatedScm.NO_ERROR);

        assertThat(service.reloaded().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        assertThat(service.reloads()).isEqualTo(1);
        assertThat(scm.history())
                .last()
                .extracting(ScmStatusReport::currentState)
                .isEqualTo(SERVICE_RUNNING);
        scm.sendControl(SERVICE_CONTROL_STOP);
        assertThat(exitOf(exit)).hasValue(0);
    }

    @Test
    void pauseThenContinueCallPauseAndResumeAndReportPausedThenRunning() throws Exception {
        FakeManagedService service =
                FakeManagedService.named("users-service").startsAtOnce().stopsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        scm.awaitState(SERVICE_RUNNING, WAIT);

        assertThat(scm.sendControl(SERVICE_CONTROL_PAUSE)).isEqualTo(SimulatedScm.NO_ERROR);
        ScmStatusReport paused = scm.awaitCurrentState(SERVICE_PAUSED, WAIT);
        assertThat(service.pauses()).isEqualTo(1);
        assertThat(paused.controlsAccepted() & SERVICE_ACCEPT_PAUSE_CONTINUE).isNotZero();

        assertThat(scm.sendControl(SERVICE_CONTROL_CONTINUE)).isEqualTo(SimulatedScm.NO_ERROR);
        scm.awaitCurrentState(SERVICE_RUNNING, WAIT);
        assertThat(service.resumes()).isEqualTo(1);

        scm.sendControl(SERVICE_CONTROL_STOP);
        assertThat(exitOf(exit)).hasValue(0);
    }

    @Test
    void aPauseThatThrowsIsLoggedForTheEventLogAndReportsRunningAgainSoStopStillWorks() throws Exception {
        FakeManagedService service = FakeManagedService.named("users-service")
                .startsAtOnce()
                .stopsAtOnce()
                .failsToPause();
        try (LogCapture log = LogCapture.of(ScmServiceRunner.class.getName())) {
            CompletableFuture<OptionalInt> exit = run(service);
            scm.awaitState(SERVICE_RUNNING, WAIT);

            assertThat(scm.sendControl(SERVICE_CONTROL_PAUSE)).isEqualTo(SimulatedScm.NO_ERROR);

            ScmStatusReport running = scm.awaitCurrentState(SERVICE_RUNNING, WAIT);
            assertThat(running.controlsAccepted()).isEqualTo(ScmServiceRunner.ACCEPTED_WHEN_RUNNING);
            assertThat(service.pauses()).isEqualTo(1);
            assertThat(scm.reportsOf(SERVICE_PAUSED)).isEmpty();
            assertThat(log.events())
                    .filteredOn(e -> hasMarker(e, LifecycleEvent.PAUSE_FAILED))
                    .singleElement()
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .asString()
                    .contains("users-service failed to pause")
                    .contains("the readiness check could not be turned off");

            assertThat(scm.sendControl(SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.NO_ERROR);
            assertThat(exitOf(exit)).hasValue(0);
        }
    }

    @Test
    void aContinueThatThrowsIsLoggedForTheEventLogAndReportsPausedAgainSoStopStillWorks() throws Exception {
        FakeManagedService service = FakeManagedService.named("users-service")
                .startsAtOnce()
                .stopsAtOnce()
                .failsToResume();
        try (LogCapture log = LogCapture.of(ScmServiceRunner.class.getName())) {
            CompletableFuture<OptionalInt> exit = run(service);
            scm.awaitState(SERVICE_RUNNING, WAIT);
            assertThat(scm.sendControl(SERVICE_CONTROL_PAUSE)).isEqualTo(SimulatedScm.NO_ERROR);
            scm.awaitCurrentState(SERVICE_PAUSED, WAIT);

            assertThat(scm.sendControl(SERVICE_CONTROL_CONTINUE)).isEqualTo(SimulatedScm.NO_ERROR);

            ScmStatusReport paused = scm.awaitCurrentState(SERVICE_PAUSED, WAIT);
            assertThat(paused.controlsAccepted()).isEqualTo(ScmServiceRunner.ACCEPTED_WHEN_RUNNING);
            assertThat(service.resumes()).isEqualTo(1);
            assertThat(scm.reportsOf(SERVICE_PAUSED)).hasSize(2);
            assertThat(log.events())
                    .filteredOn(e -> hasMarker(e, LifecycleEvent.CONTINUE_FAILED))
                    .singleElement()
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .asString()
                    .contains("users-service failed to continue")
                    .contains("the readiness check could not be turned on");

            assertThat(scm.sendControl(SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.NO_ERROR);
            assertThat(exitOf(exit)).hasValue(0);
        }
    }

    private static boolean hasMarker(ILoggingEvent event, LifecycleEvent lifecycle) {
        return event.getMarkerList() != null
                && event.getMarkerList().stream().anyMatch(m -> m.contains(lifecycle.marker()));
    }

    @Test
    void stopReportsAdvancingStopPendingCheckpointsWhileTheDrainRunsThenStoppedWithExitCodeZero() throws Exception {
        FakeManagedService service = FakeManagedService.named("users-service").startsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        scm.awaitState(SERVICE_RUNNING, WAIT);

        assertThat(scm.sendControl(SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.NO_ERROR);
        assertThat(service.stopEntered().await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();
        awaitReports(SERVICE_STOP_PENDING, 4);
        assertThat(scm.sendControl(SERVICE_CONTROL_STOP))
                .as("no control while stop is pending")
                .isEqualTo(SimulatedScm.ERROR_SERVICE_CANNOT_ACCEPT_CTRL);
        service.openStop();

        assertThat(exitOf(exit)).hasValue(0);
        assertThat(scm.reportsOf(SERVICE_STOP_PENDING))
                .extracting(ScmStatusReport::checkPoint)
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(scm.history()).last().satisfies(r -> {
            assertThat(r.currentState()).isEqualTo(SERVICE_STOPPED);
            assertThat(r.win32ExitCode()).isZero();
            assertThat(r.serviceSpecificExitCode()).isZero();
        });
    }

    @Test
    void shutdownAndPreshutdownStopLikeStop() throws Exception {
        for (int control : new int[] {SERVICE_CONTROL_SHUTDOWN, SERVICE_CONTROL_PRESHUTDOWN}) {
            SimulatedScm own = SimulatedScm.builder("users-service").build();
            WindowsServiceManager m = WindowsServiceManager.withScm(own.api(), TICK);
            FakeManagedService service =
                    FakeManagedService.named("users-service").startsAtOnce().stopsAtOnce();
            CompletableFuture<OptionalInt> exit = CompletableFuture.supplyAsync(() -> m.runManaged(service));
            own.awaitState(SERVICE_RUNNING, WAIT);

            assertThat(own.sendControl(control)).isEqualTo(SimulatedScm.NO_ERROR);

            assertThat(exitOf(exit)).hasValue(0);
            assertThat(own.stoppedReport()).isPresent();
            own.assertNoViolations();
        }
    }

    @Test
    void failedStartReportsStoppedWithTheServiceSpecificExitCode() throws Exception {
        FakeManagedService service =
                FakeManagedService.named("users-service").failsToStartWith(75).startsAtOnce();

        OptionalInt exit = exitOf(run(service));

        assertThat(exit).hasValue(75);
        assertThat(scm.history()).last().satisfies(r -> {
            assertThat(r.currentState()).isEqualTo(SERVICE_STOPPED);
            assertThat(r.win32ExitCode()).isEqualTo(SimulatedScm.ERROR_SERVICE_SPECIFIC_ERROR);
            assertThat(r.serviceSpecificExitCode()).isEqualTo(75);
        });
        assertThat(scm.reportsOf(SERVICE_RUNNING)).isEmpty();
    }

    @Test
    void serviceThatFailsAsItsStartReturnsIsReportedStoppedInsteadOfRunning() throws Exception {
        FakeManagedService service =
                FakeManagedService.named("users-service").startsAtOnce().failsAsStartReturns();

        OptionalInt exit = exitOf(run(service));

        assertThat(exit).hasValue(1);
        assertThat(scm.stoppedReport()).get().satisfies(r -> {
            assertThat(r.win32ExitCode()).isEqualTo(SimulatedScm.ERROR_SERVICE_SPECIFIC_ERROR);
            assertThat(r.serviceSpecificExitCode()).isEqualTo(1);
        });
        assertThat(scm.reportsOf(SERVICE_RUNNING)).isEmpty();
    }

    @Test
    void serviceThatFailsWhileRunningIsReportedStoppedWithAServiceSpecificCode() throws Exception {
        FakeManagedService service = FakeManagedService.named("users-service").startsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        scm.awaitState(SERVICE_RUNNING, WAIT);

        service.failWhileRunning();

        assertThat(exitOf(exit)).hasValue(1);
        assertThat(scm.stoppedReport()).get().satisfies(r -> {
            assertThat(r.win32ExitCode()).isEqualTo(SimulatedScm.ERROR_SERVICE_SPECIFIC_ERROR);
            assertThat(r.serviceSpecificExitCode()).isEqualTo(1);
        });
    }

    @Test
    void interrogateReportsTheCurrentStatusAgain() throws Exception {
        FakeManagedService service =
                FakeManagedService.named("users-service").startsAtOnce().stopsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        scm.awaitState(SERVICE_RUNNING, WAIT);
        int before = scm.history().size();

        assertThat(scm.sendControl(SERVICE_CONTROL_INTERROGATE)).isEqualTo(SimulatedScm.NO_ERROR);

        assertThat(scm.history())
                .hasSize(before + 1)
                .last()
                .extracting(ScmStatusReport::currentState)
                .isEqualTo(SERVICE_RUNNING);
        scm.sendControl(SERVICE_CONTROL_STOP);
        assertThat(exitOf(exit)).hasValue(0);
    }

    @Test
    void controlsTheServiceDoesNotHandleAreAnsweredCallNotImplemented() throws Exception {
        FakeManagedService service =
                FakeManagedService.named("users-service").startsAtOnce().stopsAtOnce();
        CompletableFuture<OptionalInt> exit = run(service);
        scm.awaitState(SERVICE_RUNNING, WAIT);

        assertThat(scm.sendUnfilteredControl(128)).isEqualTo(SimulatedScm.ERROR_CALL_NOT_IMPLEMENTED);

        scm.sendControl(SERVICE_CONTROL_STOP);
        assertThat(exitOf(exit)).hasValue(0);
    }

    @Test
    void processNotStartedByTheScmRunsInConsoleMode() {
        SimulatedScm console =
                SimulatedScm.builder("users-service").notStartedByScm().build();
        FakeManagedService service = FakeManagedService.named("users-service");

        OptionalInt exit = WindowsServiceManager.withScm(console.api(), TICK).runManaged(service);

        assertThat(exit).isEmpty();
        assertThat(service.startEntered().getCount()).as("start was not called").isEqualTo(1);
        assertThat(console.history()).isEmpty();
    }
}
