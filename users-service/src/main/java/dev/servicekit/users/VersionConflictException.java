package dev.servicekit.users;

/**
 * Thrown by {@link UserStore#replace} when the caller expected a version of the user that is no longer
 * current: someone else changed the user in between (HTTP: {@code If-Match} failed, 412).
 */
public final class VersionConflictException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final long id;
    private final long expectedVersion;
    private final long actualVersion;

    /**
     * Creates the exception.
     *
     * @param id the user's id
     * @param expectedVersion the version the caller based its change on
     * @param actualVersion the user's current version
     */
    public VersionConflictException(long id, long expectedVersion, long actualVersion) {
        super("User '" + id + "' is at version '" + actualVersion + "', not the expected version '" + expectedVersion
                + "'; it was changed by someone else: read it again and retry with its current version");
        this.id = id;
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    /**
     * The user's id.
     *
     * @return the id
     */
    public long id() {
        return id;
    }

    /**
     * The version the caller based its change on.
     *
     * @return the expected version
     */
    public long expectedVersion() {
        return expectedVersion;
    }

    /**
     * The user's current version.
     *
     * @return the actual version
     */
    public long actualVersion() {
        return actualVersion;
    }
}
