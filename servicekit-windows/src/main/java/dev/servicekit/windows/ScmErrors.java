package dev.servicekit.windows;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManagerException;
import java.util.List;
import java.util.function.IntFunction;

/** Turns Win32 errors of SCM calls into {@link ServiceManagerException}s with the exit codes of SPEC §4. */
final class ScmErrors {

    static final int ERROR_ACCESS_DENIED = 5;
    static final int ERROR_SERVICE_DOES_NOT_EXIST = 1060;

    private ScmErrors() {}

    /**
     * 5 → exit 77 with "run from an elevated prompt (Run as Administrator)"; 1060 → exit 4 "not installed";
     * anything else → exit 1 with the error number and the system's message for it.
     */
    static ServiceManagerException failure(String what, String name, int error, IntFunction<String> systemMessage) {
        if (error == ERROR_ACCESS_DENIED) {
            return new ServiceManagerException(
                    "Could not " + what + ": access denied; run from an elevated prompt (Run as Administrator)",
                    ExitCode.PERMISSION_DENIED);
        }
        if (error == ERROR_SERVICE_DOES_NOT_EXIST) {
            return new ServiceManagerException(
                    "Service \"" + name + "\" is not installed; install it with the install command",
                    ExitCode.NOT_INSTALLED);
        }
        return new ServiceManagerException(
                "Could not " + what + ": Win32 error " + error + " (" + systemMessage.apply(error) + ")",
                ExitCode.FAILURE);
    }

    /**
     * ERROR_DEPENDENT_SERVICES_RUNNING (1051): Windows refuses to stop a service while services that depend on it
     * run. Exit 1, naming them (when the SCM said which) and the fix.
     */
    static ServiceManagerException dependentServicesRunning(String name, List<String> dependents) {
        String which = dependents.isEmpty()
                ? "services that depend on it are running"
                : "services that depend on it are running: " + String.join(", ", dependents);
        String fix = dependents.isEmpty()
                ? "stop the services whose dependencies name \"" + name + "\" first"
                : "stop " + (dependents.size() == 1 ? "it" : "them") + " first";
        return new ServiceManagerException(
                "Could not stop service \"" + name + "\": " + which + " (Win32 error 1051); " + fix + ", then stop \""
                        + name + "\" again",
                ExitCode.FAILURE);
    }
}
