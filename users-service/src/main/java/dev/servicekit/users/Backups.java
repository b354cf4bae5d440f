package dev.servicekit.users;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Backup files, whatever the store: a payload {@code FILE} and its manifest {@code FILE.manifest.json}
 * ({@link BackupManifest}). {@link #seal} turns a freshly written payload into a backup (checks it, hashes it, writes
 * the manifest, renames both into place, manifest last); {@link #verify} checks a backup before it is trusted. The
 * payload's own checks depend on its format ({@link #inspect}): a SQLite database today; a PostgreSQL store adds its
 * format (a {@code pg_dump} archive or the JSON Lines export) there.
 */
final class Backups {

    private Backups() {}

    /** Where a snapshot came from: its payload format, when it was taken, and the store (no secrets). */
    record Taken(String payload, Instant takenAt, String source) {}

    /** What a payload holds, from its own checks. */
    record Inspection(String schemaVersion, long users) {}

    /** The manifest next to {@code file}. */
    static Path manifestOf(Path file) {
        return file.resolveSibling(file.getFileName() + BackupManifest.SUFFIX);
    }

    /**
     * Checks that {@code target} may be written: its directory exists, it is not a directory, and neither it nor its
     * manifest exists unless {@code force}.
     *
     * @return {@code target}, absolute and normalized
     * @throws IllegalArgumentException saying what is wrong and what to do
     */
    static Path checkTarget(Path target, boolean force) {
        Path file = target.toAbsolutePath().normalize();
        Path dir = Objects.requireNonNull(file.getParent(), "a file has a directory");
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--to '" + target + "' is a directory; name the file to write, e.g. "
                    + file.resolve("users-backup.db"));
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "--to '" + target + "': directory '" + dir + "' does not exist; create it first");
        }
        if (!force && (Files.exists(file) || Files.exists(manifestOf(file)))) {
            throw new IllegalArgumentException("--to '" + target + "' exists"
                    + (Files.exists(file)
                            ? ""
                            : " (its manifest " + manifestOf(file).getFileName() + " does)")
                    + "; name a new file, or add --force to replace it");
        }
        return file;
    }

    /** An empty owner-only ({@code rw-------}) file in {@code dir}, named after {@code name}. */
    static Path ownerOnlyTempFile(Path dir, String name) {
        try {
            try {
                return Files.createTempFile(
                        dir,
                        "." + name + ".",
                        ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                return Files.createTempFile(dir, "." + name + ".", ".tmp"); // Windows: the directory's ACL applies
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot create a file in '" + dir + "' (" + e.getMessage()
                            + "); choose a directory this account may write to",
                    e);
        }
    }

    /**
     * Makes {@code payload} (a complete snapshot, in {@code file}'s directory) the backup {@code file}: inspects it,
     * hashes it, writes the manifest owner-only under a temp name, forces both to disk, renames the payload to
     * {@code file} and then the manifest to {@code FILE.manifest.json}. On failure removes what it wrote.
     *
     * @throws BackupException if the payload fails its own checks (nothing is renamed into place)
     */
    static BackupManifest seal(Path payload, Path file, Taken taken, String release) {
        Path manifestTemp = null;
        try {
            force(payload);
            Inspection inspection = inspect(taken.payload(), payload, file.toString());
            BackupManifest manifest = new BackupManifest(
                    taken.payload(),
                    taken.takenAt(),
                    taken.source(),
                    inspection.schemaVersion(),
                    inspection.users(),
                    sha256(payload),
                    Files.size(payload),
                    release);
            manifestTemp = ownerOnlyTempFile(
                    file.getParent(), manifestOf(file).getFileName().toString());
            try (FileChannel channel = FileChannel.open(manifestTemp, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(manifest.toJson().getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            move(payload, file);
            move(manifestTemp, manifestOf(file));
            forceDirectory(file.getParent());
            return manifest;
        } catch (IOException e) {
            deleteQuietly(payload, e);
            deleteQuietly(manifestTemp, e);
            throw new UncheckedIOException("Cannot write backup '" + file + "': " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(payload, e);
            deleteQuietly(manifestTemp, e);
            throw e;
        }
    }

    /**
     * Checks the backup {@code file}: its manifest is present and well-formed, the payload's size and SHA-256 are the
     * manifest's, the payload passes its own checks (SQLite: {@code integrity_check} is {@code ok}, a schema this
     * release knows), and it holds the manifest's number of users. Reads only; changes nothing.
     *
     * @return the manifest
     * @throws BackupException naming the file and the first problem found
     */
    static BackupManifest verify(Path file) {
        Path manifestFile = manifestOf(file);
        if (!Files.isRegularFile(file)) {
            throw new BackupException("backup '" + file + "' does not exist or is not a file; name the FILE"
                    + " 'backup --to FILE' wrote (its manifest is FILE" + BackupManifest.SUFFIX + ")");
        }
        String json;
        try {
            json = Files.readString(manifestFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BackupException("backup '" + file + "' has no manifest '" + manifestFile.getFileName()
                    + "' beside it; a backup is both files: copy them together");
        } catch (IOException e) {
            throw new BackupException("cannot read manifest '" + manifestFile + "': " + e.getMessage(), e);
        }
        BackupManifest manifest = BackupManifest.parse(json, manifestFile.toString());
        long size;
        String sha256;
        try {
            size = Files.size(file);
            sha256 = sha256(file);
        } catch (IOException e) {
            throw new BackupException("cannot read backup '" + file + "': " + e.getMessage(), e);
        }
        if (size != manifest.size()) {
            throw new BackupException("backup '" + file + "' has " + size + " bytes, and its manifest says "
                    + manifest.size() + "; it is " + (size < manifest.size() ? "truncated" : "altered")
                    + ": use another backup");
        }
        if (!sha256.equals(manifest.sha256())) {
            throw new BackupException("backup '" + file + "' has SHA-256 " + sha256 + ", and its manifest says "
                    + manifest.sha256() + "; it is corrupt or altered: use another backup");
        }
        Inspection inspection = inspect(manifest.payload(), file, file.toString());
        if (!inspection.schemaVersion().equals(manifest.schemaVersion())) {
            throw new BackupException("backup '" + file + "' has schema version " + inspection.schemaVersion()
                    + ", and its manifest says " + manifest.schemaVersion() + "; use another backup");
        }
        if (inspection.users() != manifest.users()) {
            throw new BackupException("backup '" + file + "' holds " + inspection.users()
                    + " users, and its manifest says " + manifest.users() + "; use another backup");
        }
        return manifest;
    }

    /**
     * The payload's own checks, by format: the one place a new store's backup format plugs in.
     *
     * @throws BackupException if they fail, or the format is unknown to this release
     */
    static Inspection inspect(String payloadFormat, Path payload, String name) {
        if (payloadFormat.equals(BackupManifest.SQLITE)) {
            SqliteBackups.Inspection sqlite = SqliteBackups.inspect(payload, name);
            return new Inspection(sqlite.schemaVersion(), sqlite.users());
        }
        throw new BackupException("backup '" + name + "' has payload format '" + payloadFormat
                + "', which this release cannot read; use the release that took it");
    }

    /** The file's SHA-256, lower-case hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Forces {@code file}'s content to disk. */
    static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /** Forces a directory's entries (renames) to disk where the platform can (not on Windows). */
    static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; NTFS journals the rename itself.
        }
    }

    /** Renames {@code from} to {@code to}, atomically where the file system can, replacing {@code to}. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteQuietly(Path file, Throwable failure) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
