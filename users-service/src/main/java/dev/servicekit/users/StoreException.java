package dev.servicekit.users;

/**
 * Root of every exception thrown by a {@link UserStore}.
 *
 * <p>Unchecked. The subclasses name the failures a caller can act on: {@link DuplicateEmailException},
 * {@link UserNotFoundException}, {@link VersionConflictException} (user errors, mapped to 409, 404 and
 * 412 by the HTTP layer) and {@link StoreUnavailableException} (the store cannot answer now; 503, or 507 for
 * {@link StoreFullException}). A
 * plain {@code StoreException} is an unexpected failure (a bug or a damaged database): log it, answer 500.
 */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that says what failed and how to fix it.
     *
     * @param message what failed, the offending value in quotes, and the fix
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what failed, the offending value in quotes, and the fix
     * @param cause the underlying failure, usually a {@link java.sql.SQLException}
     */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
