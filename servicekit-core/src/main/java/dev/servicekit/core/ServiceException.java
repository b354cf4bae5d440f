package dev.servicekit.core;

/** Root of the unchecked exceptions thrown by servicekit-core. */
public class ServiceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message that says what failed and how to fix it. */
    public ServiceException(String message) {
        super(message);
    }

    /** Creates an exception with a message and its cause. */
    public ServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
