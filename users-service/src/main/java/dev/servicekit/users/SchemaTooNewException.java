package dev.servicekit.users;

import java.util.Objects;

/**
 * Thrown when a store opens a database whose schema a newer release of users-service has migrated: this version
 * would not know the newer tables and columns, so it refuses to start rather than run on them. {@code users-service
 * run} exits with 78 (a configuration error: the configuration points this version at a database it cannot use).
 */
public final class SchemaTooNewException extends StoreException {

    private static final long serialVersionUID = 1L;

    private final String schemaVersion;
    private final String newestKnown;

    /**
     * Creates the exception.
     *
     * @param database which database, for example {@code "PostgreSQL database 'users' on db:5432"}
     * @param schemaVersion the database's schema version
     * @param newestKnown the newest schema version this build has migrations for
     */
    public SchemaTooNewException(String database, String schemaVersion, String newestKnown) {
        super(finding(database, schemaVersion, newestKnown) + ". R" + FIX.substring(1)); // a new sentence
        this.schemaVersion = schemaVersion;
        this.newestKnown = newestKnown;
    }

    /** What to do about it, also {@code doctor}'s fix ({@link StoreCheck}). */
    static final String FIX = "run that release (or a newer one), or restore a backup taken before the upgrade";

    /** What is wrong, without the fix: the start of the message, also {@code doctor}'s finding. */
    static String finding(String database, String schemaVersion, String newestKnown) {
        return Objects.requireNonNull(database, "database") + " has schema version '"
                + Objects.requireNonNull(schemaVersion, "schemaVersion")
                + "', newer than this version of users-service knows (newest '"
                + Objects.requireNonNull(newestKnown, "newestKnown")
                + "'): a newer release migrated it";
    }

    /** The database's schema version. */
    public String schemaVersion() {
        return schemaVersion;
    }

    /** The newest schema version this build knows. */
    public String newestKnown() {
        return newestKnown;
    }
}
