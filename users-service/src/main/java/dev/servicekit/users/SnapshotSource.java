package dev.servicekit.users;

import java.nio.file.Path;

/**
 * A store that can write a consistent snapshot of itself into one file, the payload of a backup ({@link Backups}).
 * The SQLite store writes a SQLite database ({@code VACUUM INTO}); a PostgreSQL store would write a {@code pg_dump}
 * archive, or the JSON Lines export of {@code data export}, and teach {@link Backups#inspect} its format.
 */
interface SnapshotSource {

    /** The payload format, as {@link BackupManifest#payload()} records it, e.g. {@value BackupManifest#SQLITE}. */
    String payloadFormat();

    /** The store, for the manifest's {@code source}: kind and location, never a password. */
    String describe();

    /** A directory on the store's side where a snapshot may be staged before it is sent (the store's own disk). */
    Path stagingDirectory();

    /**
     * Writes a snapshot of everything the store holds now into {@code target} and forces it to disk. Safe while the
     * store serves: it neither blocks writers nor sees half of a transaction.
     *
     * @param target an empty file
     * @throws StoreException if the snapshot cannot be taken
     */
    void snapshotTo(Path target);
}
