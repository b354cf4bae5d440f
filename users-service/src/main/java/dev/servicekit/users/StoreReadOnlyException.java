package dev.servicekit.users;

/**
 * Thrown when a write cannot be applied because the database cannot be written now: SQLite's {@code SQLITE_READONLY}
 * (the file, its directory or the file system became read-only) or an I/O error on a write or fsync (what a file system
 * the kernel remounted read-only after an error answers), PostgreSQL's {@code 25006} (a standby). The write was
 * not applied; reads still work. The HTTP layer answers 503 with a detail that says so.
 */
public final class StoreReadOnlyException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message what failed and what to do about it
     * @param cause the underlying failure
     */
    public StoreReadOnlyException(String message, Throwable cause) {
        super(message, cause);
    }
}
