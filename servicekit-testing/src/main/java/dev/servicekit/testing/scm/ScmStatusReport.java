package dev.servicekit.testing.scm;

/**
 * One {@code SetServiceStatus} call as the simulated SCM received it.
 *
 * @param currentState            {@code dwCurrentState}
 * @param controlsAccepted        {@code dwControlsAccepted}
 * @param win32ExitCode           {@code dwWin32ExitCode}
 * @param serviceSpecificExitCode {@code dwServiceSpecificExitCode}
 * @param checkPoint              {@code dwCheckPoint}
 * @param waitHintMillis          {@code dwWaitHint}
 * @param atNanos                 when it arrived, on the simulator's clock
 */
public record ScmStatusReport(
        int currentState,
        int controlsAccepted,
        int win32ExitCode,
        int serviceSpecificExitCode,
        int checkPoint,
        int waitHintMillis,
        long atNanos) {

    /** Whether the state is a {@code *_PENDING} state. */
    public boolean isPending() {
        return SimulatedScm.isPending(currentState);
    }

    @Override
    public String toString() {
        return SimulatedScm.stateName(currentState) + "(controls=0x" + Integer.toHexString(controlsAccepted) + ", exit="
                + win32ExitCode + "/" + serviceSpecificExitCode + ", checkPoint=" + checkPoint + ", waitHint="
                + waitHintMillis + "ms)";
    }
}
