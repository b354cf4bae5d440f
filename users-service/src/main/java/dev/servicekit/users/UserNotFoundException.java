package dev.servicekit.users;

/** Thrown when an operation that needs an existing user (such as {@link UserStore#replace}) finds none. */
public final class UserNotFoundException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final long id;

    /**
     * Creates the exception for the missing user.
     *
     * @param id the id that was asked for
     */
    public UserNotFoundException(long id) {
        super("No user with id '" + id + "' exists; it may have been deleted, list users to find current ids");
        this.id = id;
    }

    /**
     * The id that was asked for.
     *
     * @return the id
     */
    public long id() {
        return id;
    }
}
