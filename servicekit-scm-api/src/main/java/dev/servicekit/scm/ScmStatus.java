package dev.servicekit.scm;

/**
 * A {@code SERVICE_STATUS} as the service reports it with {@code SetServiceStatus}; always for a
 * {@code SERVICE_WIN32_OWN_PROCESS} service.
 *
 * @param currentState             {@code dwCurrentState}, e.g. {@link ScmApi#SERVICE_RUNNING}
 * @param controlsAccepted         {@code dwControlsAccepted}, {@code SERVICE_ACCEPT_*} bits
 * @param win32ExitCode            {@code dwWin32ExitCode}; {@link ScmApi#ERROR_SERVICE_SPECIFIC_ERROR} to use the next one
 * @param serviceSpecificExitCode  {@code dwServiceSpecificExitCode}
 * @param checkPoint               {@code dwCheckPoint}: increases while pending, 0 otherwise
 * @param waitHintMillis           {@code dwWaitHint}: the time until the next report while pending, 0 otherwise
 */
public record ScmStatus(
        int currentState,
        int controlsAccepted,
        int win32ExitCode,
        int serviceSpecificExitCode,
        int checkPoint,
        int waitHintMillis) {

    /** Whether the state is one of the {@code *_PENDING} states. */
    public boolean isPending() {
        return isPending(currentState);
    }

    /** Whether the state is one of the {@code *_PENDING} states. */
    public static boolean isPending(int state) {
        return state == ScmApi.SERVICE_START_PENDING
                || state == ScmApi.SERVICE_STOP_PENDING
                || state == ScmApi.SERVICE_PAUSE_PENDING
                || state == ScmApi.SERVICE_CONTINUE_PENDING;
    }

    /** The Win32 name of a state, e.g. {@code STOP_PENDING}. */
    public static String stateName(int state) {
        switch (state) {
            case ScmApi.SERVICE_STOPPED:
                return "STOPPED";
            case ScmApi.SERVICE_START_PENDING:
                return "START_PENDING";
            case ScmApi.SERVICE_STOP_PENDING:
                return "STOP_PENDING";
            case ScmApi.SERVICE_RUNNING:
                return "RUNNING";
            case ScmApi.SERVICE_CONTINUE_PENDING:
                return "CONTINUE_PENDING";
            case ScmApi.SERVICE_PAUSE_PENDING:
                return "PAUSE_PENDING";
            case ScmApi.SERVICE_PAUSED:
                return "PAUSED";
            default:
                return "state " + state;
        }
    }

    @Override
    public String toString() {
        return stateName(currentState) + "(controls=0x" + Integer.toHexString(controlsAccepted) + ", exit="
                + win32ExitCode + "/" + serviceSpecificExitCode + ", checkPoint=" + checkPoint + ", waitHint="
                + waitHintMillis + "ms)";
    }
}
