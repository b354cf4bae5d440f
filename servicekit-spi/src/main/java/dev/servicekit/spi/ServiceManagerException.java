package dev.servicekit.spi;

import java.util.Objects;

/**
 * A service-manager command failed. The message says what failed and how to fix it; {@link #exitCode()} is the
 * command's {@link ExitCode} (failure, not running, not installed, permission denied, usage).
 */
public class ServiceManagerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;

    /** Creates the exception. */
    public ServiceManagerException(String message, ExitCode exitCode) {
        this(message, exitCode, null);
    }

    /** Creates the exception with a cause. */
    public ServiceManagerException(String message, ExitCode exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = Objects.requireNonNull(exitCode, "exitCode");
    }

    /** The command's exit code. */
    public int exitCode() {
        return exitCode.code();
    }

    /** The command's exit code as the table entry. */
    public ExitCode code() {
        return exitCode;
    }
}
