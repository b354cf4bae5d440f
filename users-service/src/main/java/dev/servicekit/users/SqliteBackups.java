package dev.servicekit.users;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * Backups of a SQLite store: the snapshot ({@code VACUUM INTO} on a connection of its own, a read transaction, so it
 * is consistent while the service writes and never blocks the writer; never a copy of the live WAL database's files)
 * and the inspection of a payload ({@code PRAGMA integrity_check}, schema version, users).
 */
final class SqliteBackups {

    private SqliteBackups() {}

    /** What a SQLite payload holds. */
    record Inspection(String schemaVersion, long users) {}

    /**
     * Writes a consistent copy of {@code database} into {@code target} and forces it to disk.
     *
     * @param target an empty file (e.g. a fresh owner-only temp file): {@code VACUUM INTO} refuses any other
     * @param busyTimeout how long to wait for a lock another connection holds
     * @throws StoreException if SQLite fails (a missing or unreadable database, a full disk)
     */
    static void snapshot(Path database, Path target, Duration busyTimeout) {
        SqliteNativeLibrary.useCachedCopy();
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(Math.toIntExact(Math.min(Integer.MAX_VALUE, busyTimeout.toMillis())));
        config.resetOpenMode(SQLiteOpenMode.CREATE); // never creates: a missing database is an error
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + database);
        try (Connection connection = source.getConnection();
                PreparedStatement vacuum = connection.prepareStatement("VACUUM INTO ?")) {
            vacuum.setString(1, target.toString());
            vacuum.execute();
        } catch (SQLException e) {
            throw new StoreException(
                    "Cannot take a snapshot of SQLite database '" + database + "' into '" + target + "': "
                            + e.getMessage() + "; check that the file exists, is readable and the disk has room",
                    e);
        }
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write '" + target + "' to disk: " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code payload} read-only without touching it (SQLite's {@code immutable} mode: no lock, no -wal or -shm
     * file) and checks it.
     *
     * @param name names the payload in messages
     * @throws BackupException if it is not a sound SQLite database ({@code integrity_check} other than
     *     {@code ok}), has no users table, or its schema is newer than this release knows
     */
    static Inspection inspect(Path payload, String name) {
        SqliteNativeLibrary.useCachedCopy();
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + payload.toAbsolutePath().toUri() + "?immutable=1");
        try (Connection connection = source.getConnection()) {
            List<String> integrity = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
                while (rows.next()) {
                    integrity.add(rows.getString(1));
                }
            }
            if (!integrity.equals(List.of("ok"))) {
                throw new BackupException("payload '" + name + "' fails SQLite's integrity check ("
                        + String.join("; ", integrity.subList(0, Math.min(3, integrity.size())))
                        + "); it is corrupt: use another backup");
            }
            String schemaVersion = schemaVersion(source, name);
            long users;
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM users")) {
                rows.next();
                users = rows.getLong(1);
            }
            return new Inspection(schemaVersion, users);
        } catch (SQLException e) {
            throw new BackupException(
                    "payload '" + name + "' is not a readable users-service SQLite database (" + e.getMessage()
                            + "); it is truncated or corrupt, or not a backup: use another backup",
                    e);
        }
    }

    /** The newest applied migration, refusing one this release has no script for. */
    private static String schemaVersion(SQLiteDataSource source, String name) {
        MigrationInfo[] all;
        try {
            all = Flyway.configure(SqliteBackups.class.getClassLoader())
                    .dataSource(source)
                    .locations(SqliteUserStore.MIGRATIONS)
                    .failOnMissingLocations(true)
                    .load()
                    .info()
                    .all();
        } catch (FlywayException e) {
            throw new BackupException(
                    "payload '" + name + "': cannot read its schema history (" + e.getMessage()
                            + "); it is not a users-service backup or it is damaged",
                    e);
        }
        String newest = null;
        for (MigrationInfo info : all) {
            if (info.getState() == MigrationState.FUTURE_SUCCESS || info.getState() == MigrationState.FUTURE_FAILED) {
                throw new BackupException("payload '" + name + "' has schema version " + info.getVersion()
                        + ", newer than this release knows; restore it with the release that took it (see the"
                        + " manifest's release)");
            }
            if (info.getState().isApplied() && info.getVersion() != null) {
                newest = info.getVersion().getVersion();
            }
        }
        if (newest == null) {
            throw new BackupException(
                    "payload '" + name + "' has no applied schema migration; it is not a users-service backup");
        }
        return newest;
    }
}
