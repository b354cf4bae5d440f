package dev.servicekit.windows;

import dev.servicekit.scm.ScmApi;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ManagedServiceException;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceState;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ManagedService} under the SCM:
 * <ol>
 *   <li>{@code StartServiceCtrlDispatcherW} from the calling (main) thread; error 1063 means the SCM did not
 *       start this process: return empty (console mode), nothing else happened.</li>
 *   <li>ServiceMain registers the control handler and reports START_PENDING; a timer advances the checkpoint
 *       while {@link ManagedService#start()} blocks (bounded by {@link ManagedService#startTimeout()}).</li>
 *   <li>RUNNING, accepting STOP, SHUTDOWN, PRESHUTDOWN, PARAMCHANGE and PAUSE/CONTINUE. A failed start reports
 *       STOPPED with {@code ERROR_SERVICE_SPECIFIC_ERROR} and the {@link ManagedServiceException#exitCode()}, so
 *       the recovery actions fire. A service already STOPPED or FAILED when start returns is reported STOPPED
 *       (exit code 0 or 1) instead of RUNNING.</li>
 *   <li>The handler only records the control (and the pending state) and returns; the work runs on the
 *       {@code scm-control} thread, one control after another: STOP/SHUTDOWN/PRESHUTDOWN → STOP_PENDING with
 *       advancing checkpoints while {@link ManagedService#stop()} drains, then STOPPED; PARAMCHANGE →
 *       {@link ManagedService#reload()}; PAUSE → {@link ManagedService#pause()} then PAUSED; CONTINUE →
 *       {@link ManagedService#resume()} then RUNNING; a pause or resume that throws is logged
 *       ({@link LifecycleEvent#PAUSE_FAILED}, {@link LifecycleEvent#CONTINUE_FAILED}) and reports the state before
 *       it again (RUNNING, PAUSED); INTERROGATE → the current status again.</li>
 *   <li>The dispatcher returns after STOPPED; the process exit code is 0 after a clean stop.</li>
 * </ol>
 */
final class ScmServiceRunner {

    static final int ACCEPTED_WHEN_RUNNING = ScmApi.SERVICE_ACCEPT_STOP
            | ScmApi.SERVICE_ACCEPT_SHUTDOWN
            | ScmApi.SERVICE_ACCEPT_PRESHUTDOWN
            | ScmApi.SERVICE_ACCEPT_PARAMCHANGE
            | ScmApi.SERVICE_ACCEPT_PAUSE_CONTINUE;
    /** How long a pause or continue may honestly take before checkpoints stop advancing. */
    private static final Duration PAUSE_BOUND = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(ScmServiceRunner.class);

    private final ScmApi api;
    private final Duration tick;
    private final Runnable onServiceMain;

    /**
     * @param api  the SCM
     * @param tick how often checkpoints advance while pending (1 s in production)
     */
    ScmServiceRunner(ScmApi api, Duration tick) {
        this(api, tick, () -> {});
    }

    /**
     * @param onServiceMain run first thing when the SCM calls ServiceMain, i.e. once it is certain that the
     *                      SCM started this process (the manager attaches the Event Log appender there)
     */
    ScmServiceRunner(ScmApi api, Duration tick, Runnable onServiceMain) {
        this.api = Objects.requireNonNull(api, "api");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.onServiceMain = Objects.requireNonNull(onServiceMain, "onServiceMain");
    }

    /**
     * Blocks until the service stopped.
     *
     * @return the process exit code, or empty when the SCM did not start this process
     */
    OptionalInt run(ManagedService service) {
        Session session = new Session(service);
        int rc = api.startServiceCtrlDispatcher(scmName(service), session.serviceMain);
        if (rc == ScmApi.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
            return OptionalInt.empty();
        }
        try {
            if (rc != ScmApi.NO_ERROR) {
                throw new ServiceManagerException(
                        "StartServiceCtrlDispatcher for \"" + scmName(service) + "\" failed with Win32 error " + rc
                                + "; check that the service is installed under this name",
                        ExitCode.FAILURE);
            }
            session.awaitStopped();
            return OptionalInt.of(session.exitCode);
        } finally {
            session.close();
        }
    }

    /** The name the SCM knows the service by: {@code users-service}, or {@code users-service$a} for an instance. */
    static String scmName(ManagedService service) {
        return service.name() + service.instance().map(i -> "$" + i).orElse("");
    }

    /** One run: the callbacks (strongly referenced here for as long as the dispatcher may call them) and threads. */
    private final class Session {
        private final ManagedService service;
        private final AtomicBoolean stopRequested = new AtomicBoolean();
        final ScmApi.ServiceMain serviceMain = args -> serviceMain();
        final ScmApi.ControlHandler handler = this::handle;
        private volatile ScmStatusReporter reporter;
        private volatile ScheduledExecutorService ticker;
        private volatile ExecutorService control;
        private volatile int exitCode = 1;

        Session(ManagedService service) {
            this.service = service;
        }

        private void serviceMain() {
            try {
                onServiceMain.run();
            } catch (RuntimeException e) {
                LOG.warn("Preparing {} to run under the SCM failed: {}", service.name(), e.getMessage(), e);
            }
            long handle;
            try {
                handle = api.registerServiceCtrlHandler(scmName(service), handler);
            } catch (RuntimeException e) {
                // without a status handle nothing can be reported; the SCM's start timeout ends the process
                LOG.error(
                        LifecycleEvent.START_FAILED.marker(),
                        "{} cannot talk to the SCM: {}",
                        service.name(),
                        e.getMessage(),
                        e);
                return;
            }
            ScmStatusReporter status = new ScmStatusReporter(api, handle, tick, System::nanoTime);
            ticker = Executors.newSingleThreadScheduledExecutor(daemon("scm-checkpoints"));
            control = Executors.newSingleThreadExecutor(daemon("scm-control"));
            reporter = status;
            status.enterPending(ScmApi.SERVICE_START_PENDING, service.startTimeout());
            ticker.scheduleAtFixedRate(status::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
            try {
                service.start();
            } catch (ManagedServiceException e) {
                LOG.error(
                        LifecycleEvent.START_FAILED.marker(),
                        "{} failed to start: {}",
                        service.name(),
                        e.getMessage(),
                        e);
                exitCode = e.exitCode();
                status.stopped(ScmApi.ERROR_SERVICE_SPECIFIC_ERROR, e.exitCode());
                return;
            } catch (RuntimeException | Error e) {
                LOG.error(LifecycleEvent.START_FAILED.marker(), "{} failed to start: {}", service.name(), e, e);
                exitCode = 1;
                status.stopped(ScmApi.ERROR_SERVICE_SPECIFIC_ERROR, 1);
                return;
            }
            service.addStateListener(this::onStateChange);
            // The listener hears only what comes after it was added: read the state once, for a service that
            // failed, or stopped (a stop asked for during start), as start() returned. (Listening from before
            // start() would also hear the FAILED of a failed start, which the catch above reports with its code.)
            ServiceState now = service.state();
            if (now.isFinal()) {
                if (stopRequested.compareAndSet(false, true)) {
                    finish(now, "stopped as its start returned");
                }
                return;
            }
            if (status.enterIf(ScmApi.SERVICE_START_PENDING, ScmApi.SERVICE_RUNNING, ACCEPTED_WHEN_RUNNING)) {
                LOG.info(LifecycleEvent.STARTED.marker(), "{} started", service.name());
            }
        }

        /** The service stopped or failed by itself (not through a control): tell the SCM so recovery can act. */
        private void onStateChange(ServiceState state) {
            if (state.isFinal() && !stopRequested.get()) {
                control.execute(() -> {
                    if (stopRequested.compareAndSet(false, true)) {
                        finish(state, "stopped on its own");
                    }
                });
            }
        }

        private int handle(int ctl, int eventType) {
            ScmStatusReporter status = reporter;
            if (status == null) {
                // a control between handler registration and the first status: nothing is accepted yet
                return ctl == ScmApi.SERVICE_CONTROL_INTERROGATE
                        ? ScmApi.NO_ERROR
                        : ScmApi.ERROR_SERVICE_CANNOT_ACCEPT_CTRL;
            }
            switch (ctl) {
                case ScmApi.SERVICE_CONTROL_STOP:
                case ScmApi.SERVICE_CONTROL_SHUTDOWN:
                case ScmApi.SERVICE_CONTROL_PRESHUTDOWN:
                    if (stopRequested.compareAndSet(false, true)) {
                        status.enterPending(ScmApi.SERVICE_STOP_PENDING, service.stopTimeout());
                        control.execute(this::stop);
                    }
                    return ScmApi.NO_ERROR;
                case ScmApi.SERVICE_CONTROL_PARAMCHANGE:
                    control.execute(this::reload);
                    return ScmApi.NO_ERROR;
                case ScmApi.SERVICE_CONTROL_PAUSE:
                    status.enterPending(ScmApi.SERVICE_PAUSE_PENDING, PAUSE_BOUND);
                    control.execute(() -> pause(status));
                    return ScmApi.NO_ERROR;
                case ScmApi.SERVICE_CONTROL_CONTINUE:
                    status.enterPending(ScmApi.SERVICE_CONTINUE_PENDING, PAUSE_BOUND);
                    control.execute(() -> resume(status));
                    return ScmApi.NO_ERROR;
                case ScmApi.SERVICE_CONTROL_INTERROGATE:
                    status.interrogate();
                    return ScmApi.NO_ERROR;
                default:
                    return ScmApi.ERROR_CALL_NOT_IMPLEMENTED;
            }
        }

        /**
         * PAUSE, on the control thread. A pause that throws goes back to RUNNING (a pending state accepts no
         * controls, so staying PAUSE_PENDING would leave the service unstoppable) and is logged for the Event Log.
         */
        private void pause(ScmStatusReporter status) {
            try {
                service.pause();
            } catch (RuntimeException e) {
                LOG.error(
                        LifecycleEvent.PAUSE_FAILED.marker(),
                        "{} failed to pause: {}; it stays running, reported RUNNING to the SCM",
                        service.name(),
                        e,
                        e);
                status.enterIf(ScmApi.SERVICE_PAUSE_PENDING, ScmApi.SERVICE_RUNNING, ACCEPTED_WHEN_RUNNING);
                return;
            }
            if (status.enterIf(ScmApi.SERVICE_PAUSE_PENDING, ScmApi.SERVICE_PAUSED, ACCEPTED_WHEN_RUNNING)) {
                LOG.info(
                        LifecycleEvent.PAUSED.marker(),
                        "{} paused: readiness off, the API answers 503",
                        service.name());
            }
        }

        /** CONTINUE, on the control thread; a resume that throws goes back to PAUSED, as {@link #pause} does. */
        private void resume(ScmStatusReporter status) {
            try {
                service.resume();
            } catch (RuntimeException e) {
                LOG.error(
                        LifecycleEvent.CONTINUE_FAILED.marker(),
                        "{} failed to continue: {}; it stays paused (the API answers 503), reported PAUSED to the SCM;"
                                + " send continue again, or stop it",
                        service.name(),
                        e,
                        e);
                status.enterIf(ScmApi.SERVICE_CONTINUE_PENDING, ScmApi.SERVICE_PAUSED, ACCEPTED_WHEN_RUNNING);
                return;
            }
            if (status.enterIf(ScmApi.SERVICE_CONTINUE_PENDING, ScmApi.SERVICE_RUNNING, ACCEPTED_WHEN_RUNNING)) {
                LOG.info(LifecycleEvent.CONTINUED.marker(), "{} continued", service.name());
            }
        }

        private void stop() {
            LOG.info(LifecycleEvent.STOPPING.marker(), "{} stopping", service.name());
            ServiceState result;
            try {
                result = service.stop();
            } catch (RuntimeException e) {
                LOG.error("{} failed to stop cleanly: {}", service.name(), e, e);
                result = ServiceState.FAILED;
            }
            finish(result, "stopped");
        }

        private void finish(ServiceState result, String how) {
            if (result == ServiceState.STOPPED) {
                exitCode = 0;
                LOG.info(LifecycleEvent.STOPPED.marker(), "{} {}", service.name(), how);
                reporter.stopped(ScmApi.NO_ERROR, 0);
            } else {
                exitCode = 1;
                LOG.error(
                        LifecycleEvent.STOP_FAILED.marker(),
                        "{} {} with state {}; reporting exit code 1 to the SCM",
                        service.name(),
                        how,
                        result);
                reporter.stopped(ScmApi.ERROR_SERVICE_SPECIFIC_ERROR, 1);
            }
        }

        private void reload() {
            ReloadOutcome outcome;
            try {
                outcome = service.reload();
            } catch (RuntimeException e) {
                outcome = new ReloadOutcome(false, e.toString());
            }
            if (outcome.ok()) {
                LOG.info(
                        LifecycleEvent.RELOADED.marker(),
                        "{} reloaded its configuration: {}",
                        service.name(),
                        outcome.message());
            } else {
                LOG.warn(
                        LifecycleEvent.RELOAD_FAILED.marker(),
                        "{} kept its configuration, the reload was refused: {}",
                        service.name(),
                        outcome.message());
            }
        }

        void awaitStopped() {
            ScmStatusReporter status = reporter;
            if (status == null) {
                return; // the dispatcher returned without ever calling ServiceMain
            }
            try {
                // the dispatcher returns only after STOPPED; this covers an SCM that returns early
                status.awaitStopped(service.stopTimeout().plus(Duration.ofSeconds(5)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void close() {
            if (ticker != null) {
                ticker.shutdownNow();
            }
            if (control != null) {
                control.shutdown();
            }
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
