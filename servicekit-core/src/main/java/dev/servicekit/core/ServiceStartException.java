package dev.servicekit.core;

/**
 * A service failed to start. Its message is one line that says what failed and how to fix it; whatever
 * had started was stopped again (those failures are attached as suppressed exceptions).
 */
public class ServiceStartException extends ServiceException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message must say what failed and the fix. */
    public ServiceStartException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creates the exception without a cause. */
    public ServiceStartException(String message) {
        super(message);
    }
}
