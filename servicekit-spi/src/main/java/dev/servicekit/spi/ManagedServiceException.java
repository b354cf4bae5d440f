package dev.servicekit.spi;

/**
 * A managed service failed to start or run. {@link #exitCode()} is the service-specific exit code a
 * manager reports (Windows: {@code dwServiceSpecificExitCode} with {@code ERROR_SERVICE_SPECIFIC_ERROR};
 * systemd: the process exit status), so recovery actions fire.
 */
public class ManagedServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /** Creates the exception; the message says what failed and how to fix it. */
    public ManagedServiceException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        if (exitCode == 0) {
            throw new IllegalArgumentException("a failure needs a non-zero exit code");
        }
        this.exitCode = exitCode;
    }

    /** The non-zero service-specific exit code. */
    public int exitCode() {
        return exitCode;
    }
}
