package dev.servicekit.users;

/**
 * Thrown when a write cannot be applied because the disk (or the database's quota) is full: SQLite's
 * {@code SQLITE_FULL}, PostgreSQL's {@code 53100 disk_full}. The write was not applied; reads still work. The HTTP
 * layer answers 507 Insufficient Storage; retrying helps only once an operator has freed space.
 */
public final class StoreFullException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message what failed and what to do about it
     * @param cause the underlying failure
     */
    public StoreFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
