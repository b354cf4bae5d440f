package dev.servicekit.spi;

/**
 * A service-manager command failed. The message says what failed and how to fix it;
 * {@link #exitCode()} is the command's exit code from SPEC §4's table (1 failure, 3 not running,
 * 4 not installed, 77 permission denied).
 */
public class ServiceManagerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Exit code: the command failed. */
    public static final int FAILURE = 1;
    /** Exit code: the service is not running. */
    public static final int NOT_RUNNING = 3;
    /** Exit code: the service is not installed. */
    public static final int NOT_INSTALLED = 4;
    /** Exit code: permission denied (the message says: run as Administrator / use sudo or --user). */
    public static final int PERMISSION_DENIED = 77;

    private final int exitCode;

    /** Creates the exception. */
    public ServiceManagerException(String message, int exitCode) {
        this(message, exitCode, null);
    }

    /** Creates the exception with a cause. */
    public ServiceManagerException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The command's exit code. */
    public int exitCode() {
        return exitCode;
    }
}
