package dev.servicekit.users;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What {@code data export} and {@code data import} do, on any {@link UserStore}: the command line opens the store
 * from the configuration; tests (and the move to PostgreSQL) call these directly. The format is {@link ExportFile}.
 */
final class DataTransfer {

    private DataTransfer() {}

    /**
     * Writes every user of {@code store} to {@code out} as an export file, streaming from one snapshot of the store
     * ({@link UserStore#exportAll}); never holds more than one user. Does not close {@code out}.
     *
     * @return how many users were written
     * @throws StoreException if the store fails (the output then has no end line, so it cannot be imported)
     * @throws UncheckedIOException if writing fails
     */
    static long export(UserStore store, OutputStream out, Instant exportedAt) {
        ExportFile.Writer writer = new ExportFile.Writer(out, exportedAt, store.describe());
        store.exportAll(writer::user);
        return writer.finish();
    }

    /**
     * Exports to {@code target} the safe way: into a new owner-only file ({@code rw-------} where the file system
     * has POSIX permissions; on Windows the directory's ACL applies) next to it, forced to disk, then renamed over
     * {@code target} in one step. A failure leaves {@code target} as it was and removes the new file. The file holds
     * password hashes: that is why it is owner-only.
     *
     * @return how many users were written
     * @throws IllegalArgumentException if {@code target} is a directory or its directory does not exist
     */
    static long exportToFile(UserStore store, Path target, Instant exportedAt) {
        Path file = target.toAbsolutePath().normalize();
        Path dir = Objects.requireNonNull(file.getParent(), "a file has a directory");
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--to '" + target + "' is a directory; name the file to write, e.g. "
                    + file.resolve("users.jsonl"));
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "--to '" + target + "': directory '" + dir + "' does not exist; create it first");
        }
        Path temp = Backups.ownerOnlyTempFile(dir, file.getFileName().toString());
        try {
            long users;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                users = export(store, out, exportedAt);
                channel.force(true);
            }
            Backups.move(temp, file);
            Backups.forceDirectory(dir); // the rename survives a crash right after the command says it is done
            return users;
        } catch (IOException e) {
            Backups.deleteQuietly(temp, e);
            throw new UncheckedIOException("Cannot write '" + file + "': " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            Backups.deleteQuietly(temp, e);
            throw e;
        }
    }

    /** How many users an import created, updated and left unchanged. */
    record Counts(long created, long updated, long unchanged) {
        long total() {
            return created + updated + unchanged;
        }

        @Override
        public String toString() {
            return created + " created, " + updated + " updated, " + unchanged + " unchanged";
        }
    }

    /**
     * One import of an export file into a store, in two passes over the file: {@link #check()} reads it all and
     * stops at the first bad line before anything is written; {@link #run()} then imports the users in file order,
     * each in its own store transaction ({@link UserStore#importUser}). Neither pass holds more than one line.
     *
     * <p>So a file that is damaged, truncated or not an export imports nothing. A failure while importing (another
     * user in the target has the same email, the store stops answering) stops at that line: the users before it are
     * imported, none after; {@link #counts()} says how many. Running the same import again is safe: users already
     * imported are {@code UNCHANGED}.
     *
     * <p>{@code data import} also refuses, in both passes, a password hash that {@link PasswordHasher} could not
     * check at login or only beyond its limits ({@link PasswordHasher#checkEncoded}): such a user could never log in,
     * and a tampered iteration count would stall each try. It refuses a name or email with a control character
     * too, as the API does, before anything is written (PostgreSQL cannot store U+0000). A restore
     * ({@link #restoring}) takes the users as the backup holds them: it gives back what was backed up, and a backup
     * does not fail for one damaged row.
     */
    static final class Import {
        private final UserStore store;
        private final Path file;
        private final boolean checkHashes;
        private long created;
        private long updated;
        private long unchanged;
        private String source = "";
        private String exportedAt = "";

        /** The import of {@code data import}: password hashes are checked. */
        Import(UserStore store, Path file) {
            this(store, file, true);
        }

        private Import(UserStore store, Path file, boolean checkHashes) {
            this.store = Objects.requireNonNull(store, "store");
            this.file = Objects.requireNonNull(file, "file");
            this.checkHashes = checkHashes;
        }

        /** The import of a restore: password hashes are written as the backup holds them. */
        static Import restoring(UserStore store, Path file) {
            return new Import(store, file, false);
        }

        /**
         * Reads the whole file and checks every line, writing nothing.
         *
         * @return how many users the file holds
         * @throws ExportFileException at the first bad line
         * @throws UncheckedIOException if the file cannot be read
         */
        long check() {
            try (ExportFile.Reader reader = ExportFile.Reader.open(file)) {
                source = reader.source();
                exportedAt = reader.exportedAt();
                while (reader.hasNext()) {
                    checked(reader, reader.next());
                }
                return reader.users();
            }
        }

        /**
         * Imports every user of the file, in order.
         *
         * @return the counts
         * @throws ExportFileException at a bad line (the file changed since {@link #check()}) or at a user whose email
         *     another user of the target store has
         * @throws StoreException if the store fails; {@link #counts()} says what was imported before
         */
        Counts run() {
            try (ExportFile.Reader reader = ExportFile.Reader.open(file)) {
                while (reader.hasNext()) {
                    ExportedUser user = checked(reader, reader.next());
                    UserStore.ImportOutcome outcome;
                    try {
                        outcome = store.importUser(user);
                    } catch (DuplicateEmailException e) {
                        throw new ExportFileException(
                                file,
                                reader.lineNumber(),
                                "user " + user.id() + " has email '"
                                        + user.user().email() + "', which another user"
                                        + " of the target store has (emails are unique ignoring case); change or"
                                        + " delete that user in the target, or fix the file");
                    }
                    switch (outcome) {
                        case CREATED -> created++;
                        case UPDATED -> updated++;
                        case UNCHANGED -> unchanged++;
                    }
                }
            }
            return counts();
        }

        private ExportedUser checked(ExportFile.Reader reader, ExportedUser user) {
            if (checkHashes) {
                // As the API refuses them (UserInput): PostgreSQL cannot store U+0000, and it would fail this line
                // halfway through the import instead of refusing the file before anything is written.
                for (String field : List.of("name", "email")) {
                    String value = field.equals("name")
                            ? user.user().name()
                            : user.user().email();
                    if (UserInput.hasControlCharacters(value)) {
                        throw new ExportFileException(
                                file,
                                reader.lineNumber(),
                                "\"" + field + "\" of user " + user.id() + " contains a control character, which the"
                                        + " API refuses (and PostgreSQL cannot store U+0000); fix the file, e.g. remove"
                                        + " the character");
                    }
                }
            }
            return checkHash(reader, user);
        }

        private ExportedUser checkHash(ExportFile.Reader reader, ExportedUser user) {
            if (checkHashes && user.passwordHash().isPresent()) {
                try {
                    PasswordHasher.checkEncoded(user.passwordHash().get());
                } catch (IllegalArgumentException e) {
                    throw new ExportFileException(
                            file,
                            reader.lineNumber(),
                            "\"passwordHash\" of user " + user.id() + " cannot be checked at login: " + e.getMessage()
                                    + "; the file was changed or damaged: export again, or set it to null and give"
                                    + " the user a new password after the import");
                }
            }
            return user;
        }

        /** What was imported so far. */
        Counts counts() {
            return new Counts(created, updated, unchanged);
        }

        /** The store the file was exported from, as its header says. */
        String source() {
            return source;
        }

        /** When the file was exported, as its header says. */
        String exportedAt() {
            return exportedAt;
        }
    }
}
