package dev.servicekit.testing.scm;

import dev.servicekit.scm.ScmApi;
import dev.servicekit.scm.ScmStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntBinaryOperator;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * A simulated Windows Service Control Manager for one {@code SERVICE_WIN32_OWN_PROCESS} service: it plays the
 * SCM's side of {@code StartServiceCtrlDispatcher}, {@code RegisterServiceCtrlHandlerEx},
 * {@code SetServiceStatus} and {@code ControlService}, and checks the rules the SCM documents instead of
 * accepting anything. Each broken rule is recorded as a violation (see {@link #violations()},
 * {@link #assertNoViolations()}); the simulator answers the way the SCM would.
 *
 * <p>Rules enforced:
 * <ol>
 *   <li>The dispatcher is called within the dispatcher deadline (30 s, injectable) of process start; the
 *       service name matches.</li>
 *   <li>The control handler is registered (with the same name) before the first status report; statuses use a
 *       handle it returned.</li>
 *   <li>Only legal state transitions, starting from START_PENDING; nothing after STOPPED (STOPPED is last).</li>
 *   <li>While a state is pending: the wait hint is &gt; 0, the checkpoint strictly increases between reports of
 *       the same pending state, the next report arrives within the previous wait hint, and no controls are
 *       accepted. Outside pending states the checkpoint is 0.</li>
 *   <li>PAUSED accepts PAUSE_CONTINUE; STOPPED accepts nothing; a service-specific exit code comes with
 *       {@code ERROR_SERVICE_SPECIFIC_ERROR} (1066) and is non-zero, and is recorded.</li>
 *   <li>Controls: refused with 1061 while pending, with 1062 when stopped, with 1052 when not accepted
 *       (INTERROGATE is always delivered); delivered one at a time on the dispatcher's thread; the handler
 *       returns within the handler deadline (30 s, injectable) and does not answer
 *       {@code ERROR_CALL_NOT_IMPLEMENTED} (120) for a control the service said it accepts.</li>
 * </ol>
 *
 * <p>Thread-safe. Win32 values are used throughout; the constants below name them.
 */
public final class SimulatedScm {

    public static final int NO_ERROR = 0;
    public static final int ERROR_INVALID_HANDLE = 6;
    public static final int ERROR_CALL_NOT_IMPLEMENTED = 120;
    public static final int ERROR_INVALID_SERVICE_CONTROL = 1052;
    public static final int ERROR_SERVICE_REQUEST_TIMEOUT = 1053;
    public static final int ERROR_SERVICE_CANNOT_ACCEPT_CTRL = 1061;
    public static final int ERROR_SERVICE_NOT_ACTIVE = 1062;
    public static final int ERROR_FAILED_SERVICE_CONTROLLER_CONNECT = 1063;
    public static final int ERROR_SERVICE_SPECIFIC_ERROR = 1066;

    public static final int SERVICE_WIN32_OWN_PROCESS = 0x10;

    public static final int SERVICE_STOPPED = 1;
    public static final int SERVICE_START_PENDING = 2;
    public static final int SERVICE_STOP_PENDING = 3;
    public static final int SERVICE_RUNNING = 4;
    public static final int SERVICE_CONTINUE_PENDING = 5;
    public static final int SERVICE_PAUSE_PENDING = 6;
    public static final int SERVICE_PAUSED = 7;

    public static final int SERVICE_CONTROL_STOP = 1;
    public static final int SERVICE_CONTROL_PAUSE = 2;
    public static final int SERVICE_CONTROL_CONTINUE = 3;
    public static final int SERVICE_CONTROL_INTERROGATE = 4;
    public static final int SERVICE_CONTROL_SHUTDOWN = 5;
    public static final int SERVICE_CONTROL_PARAMCHANGE = 6;
    public static final int SERVICE_CONTROL_PRESHUTDOWN = 0x0F;

    public static final int SERVICE_ACCEPT_STOP = 0x01;
    public static final int SERVICE_ACCEPT_PAUSE_CONTINUE = 0x02;
    public static final int SERVICE_ACCEPT_SHUTDOWN = 0x04;
    public static final int SERVICE_ACCEPT_PARAMCHANGE = 0x08;
    public static final int SERVICE_ACCEPT_PRESHUTDOWN = 0x100;

    private final String serviceName;
    private final Duration dispatcherDeadline;
    private final Duration handlerDeadline;
    private final LongSupplier nanoTime;
    private final long processStartNanos;
    private final boolean startedByScm;

    private final Object lock = new Object();
    private final List<ScmStatusReport> history = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final List<String> controlLog = new ArrayList<>();
    private final LinkedBlockingQueue<PendingControl> controls = new LinkedBlockingQueue<>();
    private IntBinaryOperator handler;
    private long handle;
    private int currentState = SERVICE_START_PENDING;
    private int currentControls;
    private boolean dispatcherCalled;

    private SimulatedScm(Builder b) {
        this.serviceName = b.serviceName;
        this.dispatcherDeadline = b.dispatcherDeadline;
        this.handlerDeadline = b.handlerDeadline;
        this.nanoTime = b.nanoTime;
        this.processStartNanos = b.processStartNanos.orElse(b.nanoTime.getAsLong());
        this.startedByScm = b.startedByScm;
    }

    /** A simulator; {@code serviceName} is the name the SCM started. */
    public static Builder builder(String serviceName) {
        return new Builder(serviceName);
    }

    // ------------------------------------------------------------------------------------ the service's calls

    /**
     * {@code StartServiceCtrlDispatcherW}: runs {@code serviceMain} on a new thread and delivers controls on the
     * calling thread until the service reported STOPPED.
     *
     * @return {@link #NO_ERROR} after STOPPED; {@link #ERROR_FAILED_SERVICE_CONTROLLER_CONNECT} when the process
     *         was not started by the SCM; {@link #ERROR_SERVICE_REQUEST_TIMEOUT} after the dispatcher deadline
     */
    public int startServiceCtrlDispatcher(String name, Consumer<String[]> serviceMain) {
        if (!startedByScm) {
            return ERROR_FAILED_SERVICE_CONTROLLER_CONNECT;
        }
        synchronized (lock) {
            if (dispatcherCalled) {
                violation("StartServiceCtrlDispatcher was called twice");
                return ERROR_SERVICE_REQUEST_TIMEOUT;
            }
            dispatcherCalled = true;
            long elapsed = nanoTime.getAsLong() - processStartNanos;
            if (elapsed > dispatcherDeadline.toNanos()) {
                violation("StartServiceCtrlDispatcher was called " + TimeUnit.NANOSECONDS.toMillis(elapsed)
                        + " ms after process start; " + "the SCM waits only " + dispatcherDeadline.toMillis()
                        + " ms and has given up (call it first thing in main)");
                return ERROR_SERVICE_REQUEST_TIMEOUT;
            }
            if (!serviceName.equals(name)) {
                violation("StartServiceCtrlDispatcher was given service name \"" + name + "\" but the SCM started \""
                        + serviceName + "\"");
            }
        }
        Thread main = new Thread(() -> serviceMain.accept(new String[] {name}), "ServiceMain(" + name + ")");
        main.setDaemon(true);
        main.start();
        while (true) {
            PendingControl control;
            try {
                control = controls.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ERROR_SERVICE_REQUEST_TIMEOUT;
            }
            if (control.control < 0) {
                return NO_ERROR; // STOPPED was reported
            }
            IntBinaryOperator h;
            synchronized (lock) {
                h = handler;
            }
            try {
                control.result.complete(h.applyAsInt(control.control, 0));
            } catch (RuntimeException | Error e) {
                violation("the control handler threw " + e + " for " + controlName(control.control));
                control.result.complete(ERROR_CALL_NOT_IMPLEMENTED);
            }
        }
    }

    /** {@code RegisterServiceCtrlHandlerExW}. */
    public long registerServiceCtrlHandler(String name, IntBinaryOperator controlHandler) {
        Objects.requireNonNull(controlHandler, "controlHandler");
        synchronized (lock) {
            if (!dispatcherCalled) {
                violation("RegisterServiceCtrlHandlerEx was called outside ServiceMain (no dispatcher yet)");
            }
            if (!serviceName.equals(name)) {
                violation("RegisterServiceCtrlHandlerEx was given \"" + name + "\" but the service is \"" + serviceName
                        + "\"");
            }
            handler = controlHandler;
            handle = 0x5C0000L + history.size() + 1;
            return handle;
        }
    }

    /** {@code SetServiceStatus}: checks the report against the rules, records it, and answers like the SCM. */
    public boolean setServiceStatus(
            long statusHandle,
            int serviceType,
            int state,
            int controlsAccepted,
            int win32ExitCode,
            int serviceSpecificExitCode,
            int checkPoint,
            int waitHintMillis) {
        ScmStatusReport report = new ScmStatusReport(
                state,
                controlsAccepted,
                win32ExitCode,
                serviceSpecificExitCode,
                checkPoint,
                waitHintMillis,
                nanoTime.getAsLong());
        boolean stoppedNow;
        synchronized (lock) {
            if (handler == null || statusHandle != handle) {
                violation("SetServiceStatus(" + report + ") with handle " + statusHandle
                        + " before RegisterServiceCtrlHandlerEx returned it");
                return false;
            }
            ScmStatusReport previous = history.isEmpty() ? null : history.get(history.size() - 1);
            if (previous != null && previous.currentState() == SERVICE_STOPPED) {
                violation("SetServiceStatus(" + report + ") after STOPPED; STOPPED must be the last report");
                return false;
            }
            check(previous, report, serviceType);
            history.add(report);
            currentState = state;
            currentControls = controlsAccepted;
            stoppedNow = state == SERVICE_STOPPED;
            lock.notifyAll();
        }
        if (stoppedNow) {
            controls.add(new PendingControl(-1));
        }
        return true;
    }

    private void check(ScmStatusReport previous, ScmStatusReport next, int serviceType) {
        int from = previous == null ? SERVICE_START_PENDING : previous.currentState();
        int to = next.currentState();
        if (serviceType != SERVICE_WIN32_OWN_PROCESS) {
            violation(next + ": service type 0x" + Integer.toHexString(serviceType)
                    + " is not SERVICE_WIN32_OWN_PROCESS (0x10)");
        }
        if (!legal(from, to)) {
            violation(stateName(from) + " -> " + stateName(to) + " is not a legal transition");
        }
        if (next.isPending()) {
            if (next.waitHintMillis() <= 0) {
                violation(next + ": a pending state needs a wait hint > 0");
            }
            if (previous != null && previous.currentState() == to && next.checkPoint() <= previous.checkPoint()) {
                violation(next + ": checkpoint did not increase while " + stateName(to) + " (" + previous.checkPoint()
                        + " -> " + next.checkPoint() + ")");
            }
            if (next.controlsAccepted() != 0) {
                violation(next + ": a pending state must accept no controls");
            }
        } else if (next.checkPoint() != 0) {
            violation(next + ": checkpoint must be 0 outside pending states");
        }
        if (previous != null && previous.isPending() && previous.waitHintMillis() > 0) {
            long gapMillis = TimeUnit.NANOSECONDS.toMillis(next.atNanos() - previous.atNanos());
            if (gapMillis > previous.waitHintMillis()) {
                violation(next + " came " + gapMillis + " ms after the previous report, later than its wait hint of "
                        + previous.waitHintMillis() + " ms; the SCM would consider the service hung");
            }
        }
        if (to == SERVICE_PAUSED && (next.controlsAccepted() & SERVICE_ACCEPT_PAUSE_CONTINUE) == 0) {
            violation(next + ": PAUSED without SERVICE_ACCEPT_PAUSE_CONTINUE can never continue");
        }
        if (to == SERVICE_STOPPED && next.controlsAccepted() != 0) {
            violation(next + ": STOPPED must accept no controls");
        }
        if (next.win32ExitCode() == ERROR_SERVICE_SPECIFIC_ERROR && next.serviceSpecificExitCode() == 0) {
            violation(next + ": ERROR_SERVICE_SPECIFIC_ERROR with service-specific exit code 0");
        }
        if (next.serviceSpecificExitCode() != 0 && next.win32ExitCode() != ERROR_SERVICE_SPECIFIC_ERROR) {
            violation(
                    next
                            + ": a service-specific exit code is ignored unless dwWin32ExitCode is ERROR_SERVICE_SPECIFIC_ERROR (1066)");
        }
    }

    private static boolean legal(int from, int to) {
        switch (from) {
            case SERVICE_START_PENDING:
                return to == SERVICE_START_PENDING
                        || to == SERVICE_RUNNING
                        || to == SERVICE_STOP_PENDING
                        || to == SERVICE_STOPPED;
            case SERVICE_RUNNING:
                return to != SERVICE_START_PENDING && to != SERVICE_CONTINUE_PENDING;
            case SERVICE_PAUSE_PENDING:
                return to == SERVICE_PAUSE_PENDING
                        || to == SERVICE_PAUSED
                        || to == SERVICE_RUNNING
                        || to == SERVICE_STOP_PENDING
                        || to == SERVICE_STOPPED;
            case SERVICE_PAUSED:
                return to == SERVICE_PAUSED
                        || to == SERVICE_CONTINUE_PENDING
                        || to == SERVICE_RUNNING
                        || to == SERVICE_STOP_PENDING
                        || to == SERVICE_STOPPED;
            case SERVICE_CONTINUE_PENDING:
                return to == SERVICE_CONTINUE_PENDING
                        || to == SERVICE_RUNNING
                        || to == SERVICE_PAUSED
                        || to == SERVICE_STOP_PENDING
                        || to == SERVICE_STOPPED;
            case SERVICE_STOP_PENDING:
                return to == SERVICE_STOP_PENDING || to == SERVICE_STOPPED;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------------------------ the test's side

    /**
     * This simulated SCM behind the {@link ScmApi} seam that servicekit-windows' service runner calls, in place of
     * the JNA one: {@code WindowsServiceManager.withScm(scm.api(), tick)}.
     *
     * @return the adapter; every call goes to this simulator
     */
    public ScmApi api() {
        return new ScmApi() {
            @Override
            public int startServiceCtrlDispatcher(String serviceName, ServiceMain serviceMain) {
                return SimulatedScm.this.startServiceCtrlDispatcher(serviceName, serviceMain::run);
            }

            @Override
            public long registerServiceCtrlHandler(String serviceName, ControlHandler handler) {
                return SimulatedScm.this.registerServiceCtrlHandler(serviceName, handler::handle);
            }

            @Override
            public boolean setServiceStatus(long statusHandle, ScmStatus s) {
                return SimulatedScm.this.setServiceStatus(
                        statusHandle,
                        SERVICE_WIN32_OWN_PROCESS,
                        s.currentState(),
                        s.controlsAccepted(),
                        s.win32ExitCode(),
                        s.serviceSpecificExitCode(),
                        s.checkPoint(),
                        s.waitHintMillis());
            }
        };
    }

    /**
     * {@code ControlService}: refuses like the SCM, else delivers the control to the handler on the dispatcher
     * thread and waits for its answer.
     *
     * @return the handler's answer, or the SCM's refusal (1061 pending, 1062 stopped, 1052 not accepted)
     */
    public int sendControl(int control) {
        PendingControl pending;
        synchronized (lock) {
            if (handler == null) {
                return log(control, ERROR_SERVICE_CANNOT_ACCEPT_CTRL);
            }
            if (currentState == SERVICE_STOPPED) {
                return log(control, ERROR_SERVICE_NOT_ACTIVE);
            }
            if (isPending(currentState)) {
                return log(control, ERROR_SERVICE_CANNOT_ACCEPT_CTRL);
            }
            if (control != SERVICE_CONTROL_INTERROGATE && (currentControls & acceptBit(control)) == 0) {
                return log(control, ERROR_INVALID_SERVICE_CONTROL);
            }
            pending = new PendingControl(control);
        }
        controls.add(pending);
        int answer;
        try {
            answer = pending.result.get(handlerDeadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            violation("the control handler did not return within " + handlerDeadline.toMillis() + " ms for "
                    + controlName(control) + "; a handler must hand the work to another thread and return");
            return log(control, ERROR_SERVICE_REQUEST_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return log(control, ERROR_SERVICE_REQUEST_TIMEOUT);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        if (answer == ERROR_CALL_NOT_IMPLEMENTED && control != SERVICE_CONTROL_INTERROGATE) {
            violation("the handler answered ERROR_CALL_NOT_IMPLEMENTED for " + controlName(control)
                    + ", which the service said it accepts");
        }
        return log(control, answer);
    }

    /**
     * Delivers a control the SCM does not filter (e.g. a user-defined code 128..255 or a device event) straight
     * to the handler, as the SCM does; a handler that does not handle it answers {@link #ERROR_CALL_NOT_IMPLEMENTED}.
     */
    public int sendUnfilteredControl(int control) {
        PendingControl pending = new PendingControl(control);
        synchronized (lock) {
            if (handler == null || currentState == SERVICE_STOPPED) {
                return log(control, ERROR_SERVICE_NOT_ACTIVE);
            }
        }
        controls.add(pending);
        try {
            return log(control, pending.result.get(handlerDeadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            violation("the control handler did not answer " + controlName(control) + ": " + e);
            return log(control, ERROR_SERVICE_REQUEST_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return log(control, ERROR_SERVICE_REQUEST_TIMEOUT);
        }
    }

    /**
     * Waits until the service reported {@code state}.
     *
     * @throws AssertionError with the history and violations when it did not within {@code timeout}
     */
    public ScmStatusReport awaitState(int state, Duration timeout) {
        return awaitReport(r -> r.currentState() == state, "state " + stateName(state), timeout);
    }

    /**
     * Waits until the latest report is in {@code state} (unlike {@link #awaitState}, an earlier visit does not count).
     *
     * @throws AssertionError with the history and violations when it is not within {@code timeout}
     */
    public ScmStatusReport awaitCurrentState(int state, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                if (!history.isEmpty() && history.get(history.size() - 1).currentState() == state) {
                    return history.get(history.size() - 1);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the service is not " + stateName(state) + " after " + timeout.toMillis()
                            + " ms\n" + reportLocked());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + stateName(state), e);
                }
            }
        }
    }

    /**
     * Waits until a report matches.
     *
     * @throws AssertionError with the history and violations when none did within {@code timeout}
     */
    public ScmStatusReport awaitReport(Predicate<ScmStatusReport> condition, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                for (ScmStatusReport r : history) {
                    if (condition.test(r)) {
                        return r;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the service did not report " + what + " within " + timeout.toMillis()
                            + " ms\n" + reportLocked());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for " + what, e);
                }
            }
        }
    }

    /** Every status report, in order. */
    public List<ScmStatusReport> history() {
        synchronized (lock) {
            return List.copyOf(history);
        }
    }

    /** The reports of one state, in order. */
    public List<ScmStatusReport> reportsOf(int state) {
        return history().stream().filter(r -> r.currentState() == state).toList();
    }

    /** The STOPPED report once there is one: its exit codes are what the SCM recorded. */
    public Optional<ScmStatusReport> stoppedReport() {
        return history().stream()
                .filter(r -> r.currentState() == SERVICE_STOPPED)
                .findFirst();
    }

    /** The rules broken so far, each in one sentence. */
    public List<String> violations() {
        synchronized (lock) {
            return List.copyOf(violations);
        }
    }

    /** Fails with the full report when any rule was broken. */
    public void assertNoViolations() {
        synchronized (lock) {
            if (!violations.isEmpty()) {
                throw new AssertionError("the service broke " + violations.size() + " SCM rule(s)\n" + reportLocked());
            }
        }
    }

    /** The history, the controls sent and the violations, for failure messages. */
    public String report() {
        synchronized (lock) {
            return reportLocked();
        }
    }

    private String reportLocked() {
        StringBuilder s = new StringBuilder("Simulated SCM, service \"" + serviceName + "\"\n  status reports:\n");
        long t0 = history.isEmpty() ? 0 : history.get(0).atNanos();
        for (ScmStatusReport r : history) {
            s.append(String.format(
                    java.util.Locale.ROOT, "    +%6d ms  %s%n", TimeUnit.NANOSECONDS.toMillis(r.atNanos() - t0), r));
        }
        s.append("  controls:\n");
        controlLog.forEach(c -> s.append("    ").append(c).append('\n'));
        s.append("  violations:").append(violations.isEmpty() ? " none\n" : "\n");
        violations.forEach(v -> s.append("    - ").append(v).append('\n'));
        return s.toString();
    }

    private void violation(String message) {
        synchronized (lock) {
            violations.add(message);
        }
    }

    private int log(int control, int answer) {
        synchronized (lock) {
            controlLog.add(controlName(control) + " -> " + answer);
        }
        return answer;
    }

    private static int acceptBit(int control) {
        switch (control) {
            case SERVICE_CONTROL_STOP:
                return SERVICE_ACCEPT_STOP;
            case SERVICE_CONTROL_PAUSE:
            case SERVICE_CONTROL_CONTINUE:
                return SERVICE_ACCEPT_PAUSE_CONTINUE;
            case SERVICE_CONTROL_SHUTDOWN:
                return SERVICE_ACCEPT_SHUTDOWN;
            case SERVICE_CONTROL_PARAMCHANGE:
                return SERVICE_ACCEPT_PARAMCHANGE;
            case SERVICE_CONTROL_PRESHUTDOWN:
                return SERVICE_ACCEPT_PRESHUTDOWN;
            default:
                return 0;
        }
    }

    /** Whether a state is one of the {@code *_PENDING} states. */
    public static boolean isPending(int state) {
        return state == SERVICE_START_PENDING
                || state == SERVICE_STOP_PENDING
                || state == SERVICE_PAUSE_PENDING
                || state == SERVICE_CONTINUE_PENDING;
    }

    /** The Win32 name of a state. */
    public static String stateName(int state) {
        switch (state) {
            case SERVICE_STOPPED:
                return "STOPPED";
            case SERVICE_START_PENDING:
                return "START_PENDING";
            case SERVICE_STOP_PENDING:
                return "STOP_PENDING";
            case SERVICE_RUNNING:
                return "RUNNING";
            case SERVICE_CONTINUE_PENDING:
                return "CONTINUE_PENDING";
            case SERVICE_PAUSE_PENDING:
                return "PAUSE_PENDING";
            case SERVICE_PAUSED:
                return "PAUSED";
            default:
                return "state " + state;
        }
    }

    private static String controlName(int control) {
        switch (control) {
            case SERVICE_CONTROL_STOP:
                return "STOP";
            case SERVICE_CONTROL_PAUSE:
                return "PAUSE";
            case SERVICE_CONTROL_CONTINUE:
                return "CONTINUE";
            case SERVICE_CONTROL_INTERROGATE:
                return "INTERROGATE";
            case SERVICE_CONTROL_SHUTDOWN:
                return "SHUTDOWN";
            case SERVICE_CONTROL_PARAMCHANGE:
                return "PARAMCHANGE";
            case SERVICE_CONTROL_PRESHUTDOWN:
                return "PRESHUTDOWN";
            default:
                return "control " + control;
        }
    }

    private static final class PendingControl {
        final int control;
        final CompletableFuture<Integer> result = new CompletableFuture<>();

        PendingControl(int control) {
            this.control = control;
        }
    }

    /** Options of the simulator. */
    public static final class Builder {
        private final String serviceName;
        private Duration dispatcherDeadline = Duration.ofSeconds(30);
        private Duration handlerDeadline = Duration.ofSeconds(30);
        private LongSupplier nanoTime = System::nanoTime;
        private Optional<Long> processStartNanos = Optional.empty();
        private boolean startedByScm = true;

        private Builder(String serviceName) {
            this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
        }

        /** How long after process start the dispatcher may connect (the SCM's 30 s). */
        public Builder dispatcherDeadline(Duration deadline) {
            this.dispatcherDeadline = Objects.requireNonNull(deadline, "deadline");
            return this;
        }

        /** How long a control handler may take to return (the SCM's 30 s). */
        public Builder handlerDeadline(Duration deadline) {
            this.handlerDeadline = Objects.requireNonNull(deadline, "deadline");
            return this;
        }

        /** The clock for deadlines and wait hints (default {@link System#nanoTime()}). */
        public Builder nanoTime(LongSupplier clock) {
            this.nanoTime = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** When the process started, on {@link #nanoTime}'s clock (default: when the simulator was built). */
        public Builder processStartedAt(long nanos) {
            this.processStartNanos = Optional.of(nanos);
            return this;
        }

        /** The process was started from a console, not by the SCM: the dispatcher answers 1063. */
        public Builder notStartedByScm() {
            this.startedByScm = false;
            return this;
        }

        /** The simulator. */
        public SimulatedScm build() {
            return new SimulatedScm(this);
        }
    }
}
