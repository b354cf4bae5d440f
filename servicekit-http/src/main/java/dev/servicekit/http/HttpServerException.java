package dev.servicekit.http;

/**
 * Root of the unchecked exceptions thrown by the Servicekit HTTP module.
 *
 * <p>Subtypes separate start-time failures ({@link HttpBindException}: the listener cannot be opened)
 * from per-request failures ({@link ProblemException}: a handler rejects one request).
 */
public class HttpServerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what failed and how to fix it.
     *
     * @param message the message
     */
    public HttpServerException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message the message
     * @param cause   the cause
     */
    public HttpServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
