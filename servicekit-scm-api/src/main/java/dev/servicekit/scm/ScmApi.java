package dev.servicekit.scm;

/**
 * The three Win32 calls a service process makes to the Service Control Manager, as a seam: the JNA
 * implementation talks to the real SCM; tests plug in a simulated SCM that enforces the SCM's rules.
 * Constants are the Win32 values.
 *
 * <p>Threading is the SCM's: {@link #startServiceCtrlDispatcher} blocks the calling thread (the process's main
 * thread) until the service reported {@link #SERVICE_STOPPED}; it calls {@link ServiceMain} on another thread
 * and delivers controls to the {@link ControlHandler} on the dispatcher thread, one at a time. A handler must
 * return promptly.
 */
public interface ScmApi {

    /** {@code NO_ERROR}. */
    int NO_ERROR = 0;
    /** {@code ERROR_CALL_NOT_IMPLEMENTED}: the handler's answer to a control it does not handle. */
    int ERROR_CALL_NOT_IMPLEMENTED = 120;
    /** {@code ERROR_INVALID_SERVICE_CONTROL}. */
    int ERROR_INVALID_SERVICE_CONTROL = 1052;
    /** {@code ERROR_SERVICE_REQUEST_TIMEOUT}. */
    int ERROR_SERVICE_REQUEST_TIMEOUT = 1053;
    /** {@code ERROR_SERVICE_CANNOT_ACCEPT_CTRL}: the service is in a pending state. */
    int ERROR_SERVICE_CANNOT_ACCEPT_CTRL = 1061;
    /** {@code ERROR_FAILED_SERVICE_CONTROLLER_CONNECT}: the process was not started by the SCM (console mode). */
    int ERROR_FAILED_SERVICE_CONTROLLER_CONNECT = 1063;
    /** {@code ERROR_SERVICE_SPECIFIC_ERROR}: see the service-specific exit code. */
    int ERROR_SERVICE_SPECIFIC_ERROR = 1066;

    /** {@code SERVICE_WIN32_OWN_PROCESS}. */
    int SERVICE_WIN32_OWN_PROCESS = 0x10;

    /** {@code SERVICE_STOPPED}. */
    int SERVICE_STOPPED = 1;
    /** {@code SERVICE_START_PENDING}. */
    int SERVICE_START_PENDING = 2;
    /** {@code SERVICE_STOP_PENDING}. */
    int SERVICE_STOP_PENDING = 3;
    /** {@code SERVICE_RUNNING}. */
    int SERVICE_RUNNING = 4;
    /** {@code SERVICE_CONTINUE_PENDING}. */
    int SERVICE_CONTINUE_PENDING = 5;
    /** {@code SERVICE_PAUSE_PENDING}. */
    int SERVICE_PAUSE_PENDING = 6;
    /** {@code SERVICE_PAUSED}. */
    int SERVICE_PAUSED = 7;

    /** {@code SERVICE_CONTROL_STOP}. */
    int SERVICE_CONTROL_STOP = 1;
    /** {@code SERVICE_CONTROL_PAUSE}. */
    int SERVICE_CONTROL_PAUSE = 2;
    /** {@code SERVICE_CONTROL_CONTINUE}. */
    int SERVICE_CONTROL_CONTINUE = 3;
    /** {@code SERVICE_CONTROL_INTERROGATE}. */
    int SERVICE_CONTROL_INTERROGATE = 4;
    /** {@code SERVICE_CONTROL_SHUTDOWN}. */
    int SERVICE_CONTROL_SHUTDOWN = 5;
    /** {@code SERVICE_CONTROL_PARAMCHANGE}. */
    int SERVICE_CONTROL_PARAMCHANGE = 6;
    /** {@code SERVICE_CONTROL_PRESHUTDOWN}. */
    int SERVICE_CONTROL_PRESHUTDOWN = 0x0F;

    /** {@code SERVICE_ACCEPT_STOP}. */
    int SERVICE_ACCEPT_STOP = 0x01;
    /** {@code SERVICE_ACCEPT_PAUSE_CONTINUE}. */
    int SERVICE_ACCEPT_PAUSE_CONTINUE = 0x02;
    /** {@code SERVICE_ACCEPT_SHUTDOWN}. */
    int SERVICE_ACCEPT_SHUTDOWN = 0x04;
    /** {@code SERVICE_ACCEPT_PARAMCHANGE}. */
    int SERVICE_ACCEPT_PARAMCHANGE = 0x08;
    /** {@code SERVICE_ACCEPT_PRESHUTDOWN}. */
    int SERVICE_ACCEPT_PRESHUTDOWN = 0x100;

    /**
     * {@code StartServiceCtrlDispatcherW} with one entry: connects to the SCM and blocks until the service stopped.
     *
     * @return {@link #NO_ERROR} after the service stopped, {@link #ERROR_FAILED_SERVICE_CONTROLLER_CONNECT} when the
     *         process was not started by the SCM, or another Win32 error
     */
    int startServiceCtrlDispatcher(String serviceName, ServiceMain serviceMain);

    /**
     * {@code RegisterServiceCtrlHandlerExW}; call it first thing in {@link ServiceMain}.
     *
     * @return the status handle for {@link #setServiceStatus}
     * @throws IllegalStateException with the Win32 error when registration failed
     */
    long registerServiceCtrlHandler(String serviceName, ControlHandler handler);

    /**
     * {@code SetServiceStatus}.
     *
     * @return whether the SCM took the status (false: the Win32 error is logged by the caller)
     */
    boolean setServiceStatus(long statusHandle, ScmStatus status);

    /** The service's entry point, called by the dispatcher on its own thread. */
    @FunctionalInterface
    interface ServiceMain {
        /** Runs the service's start; may return once the service runs. */
        void run(String[] args);
    }

    /** {@code HandlerEx}: receives controls on the dispatcher thread. */
    @FunctionalInterface
    interface ControlHandler {
        /**
         * Handles one control; must return promptly.
         *
         * @return {@link #NO_ERROR}, or {@link #ERROR_CALL_NOT_IMPLEMENTED} for a control it does not handle
         */
        int handle(int control, int eventType);
    }
}
