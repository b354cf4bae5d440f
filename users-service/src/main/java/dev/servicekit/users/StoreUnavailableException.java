package dev.servicekit.users;

/**
 * Thrown when the store cannot answer now: it is closed, no connection became free in time, the
 * database is locked or its file cannot be read or written. Readiness reports the store as down; the
 * HTTP layer answers 503. Retrying later may succeed. Two causes have subclasses of their own, because the fix is an
 * operator's, not a retry: {@link StoreFullException} (the disk is full; 507) and {@link StoreReadOnlyException} (the
 * database file or its directory cannot be written; 503 that says so).
 */
public class StoreUnavailableException extends StoreException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed and what to do about it
     */
    public StoreUnavailableException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what failed and what to do about it
     * @param cause the underlying failure
     */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
