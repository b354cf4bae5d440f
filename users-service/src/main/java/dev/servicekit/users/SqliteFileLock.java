package dev.servicekit.users;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An operating-system lock on {@code users.db.lock} beside a SQLite database: every open {@link SqliteUserStore}
 * holds it shared, and {@code restore} takes it exclusive, so a restore never replaces a database a process has open
 * and a store never opens a database halfway through a restore. The lock dies with its process ({@code kill -9}
 * included), so a crash leaves nothing to clean up. It is a separate file because SQLite's own locks live on the
 * database file and the JVM must not open and close that file beside SQLite.
 *
 * <p>The JVM allows one lock per file and process, so stores of one database in one JVM share it (counted).
 */
final class SqliteFileLock implements AutoCloseable {

    private static final Map<Path, Held> HELD = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock, int count) {
        boolean exclusive() {
            return !lock.isShared();
        }
    }

    private final Path lockFile;
    private boolean closed;

    private SqliteFileLock(Path lockFile) {
        this.lockFile = lockFile;
    }

    /** The lock file of {@code database}: {@code users.db.lock} for {@code users.db}. */
    static Path lockFileOf(Path database) {
        Path absolute = database.toAbsolutePath().normalize();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code database} shared, creating the lock file if missing.
     *
     * @throws StoreUnavailableException if another process holds it exclusively (a restore runs) or it cannot be
     *     taken
     */
    static SqliteFileLock shared(Path database) {
        Path lockFile = lockFileOf(database);
        synchronized (HELD) {
            Held held = HELD.get(lockFile);
            if (held != null && held.exclusive()) {
                throw beingRestored(database, lockFile);
            }
            if (held != null) {
                HELD.put(lockFile, new Held(held.channel(), held.lock(), held.count() + 1));
                return new SqliteFileLock(lockFile);
            }
            FileChannel channel = openForReading(lockFile);
            try {
                FileLock lock = channel.tryLock(0, Long.MAX_VALUE, true);
                if (lock == null) {
                    channel.close();
                    throw beingRestored(database, lockFile);
                }
                HELD.put(lockFile, new Held(channel, lock, 1));
                return new SqliteFileLock(lockFile);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new StoreUnavailableException(
                        "Cannot lock '" + lockFile + "': " + e.getMessage()
                                + "; give the service account write access to its directory",
                        e);
            }
        }
    }

    private static StoreUnavailableException beingRestored(Path database, Path lockFile) {
        return new StoreUnavailableException("SQLite database '" + database + "' is being restored ("
                + lockFile.getFileName() + " is held exclusively); wait for 'restore' to finish, then start again");
    }

    /**
     * Takes the lock of {@code database} exclusively, if no process (this one included) holds it.
     *
     * @return the lock, or empty while a store has the database open
     * @throws IOException if the lock file cannot be created or locked
     */
    static Optional<SqliteFileLock> tryExclusive(Path database) throws IOException {
        Path lockFile = lockFileOf(database);
        synchronized (HELD) {
            if (HELD.containsKey(lockFile)) {
                return Optional.empty();
            }
            FileChannel channel = open(lockFile);
            FileLock lock = channel.tryLock(0, Long.MAX_VALUE, false);
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            HELD.put(lockFile, new Held(channel, lock, 1));
            return Optional.of(new SqliteFileLock(lockFile));
        }
    }

    /**
     * Read access is enough for a shared lock: a lock file another account created (a restore run as root, say)
     * still works for the service account.
     */
    private static FileChannel openForReading(Path lockFile) {
        try {
            try {
                Files.createFile(lockFile);
            } catch (FileAlreadyExistsException e) {
                // Made by an earlier store or restore: use it.
            }
            return FileChannel.open(lockFile, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Cannot open lock file '" + lockFile + "': " + e.getMessage()
                            + "; give the service account write access to its directory",
                    e);
        }
    }

    private static FileChannel open(Path lockFile) {
        try {
            return FileChannel.open(
                    lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Cannot open lock file '" + lockFile + "': " + e.getMessage()
                            + "; give the service account write access to its directory",
                    e);
        }
    }

    /** Releases this hold; the lock goes when the last hold in this JVM goes. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            Held held = HELD.get(lockFile);
            if (held.count() > 1) {
                HELD.put(lockFile, new Held(held.channel(), held.lock(), held.count() - 1));
                return;
            }
            HELD.remove(lockFile);
            closeQuietly(held.channel()); // releases the lock
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing releases the lock or the process's exit will.
        }
    }
}
