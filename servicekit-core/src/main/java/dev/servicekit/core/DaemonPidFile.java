package dev.servicekit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A daemon's pid file, held with an exclusive {@link FileLock} (POSIX {@code fcntl} lock) by the daemon
 * for its whole life. The operating system releases the lock when the process dies, however it dies, so
 * the lock, not the pid, says whether the daemon runs: a file nobody locks is stale even if its pid now
 * belongs to some other process, and such a process is never signalled.
 *
 * <p>The daemon replaces a stale file's contents after it took the lock; nobody deletes a file it does
 * not hold the lock of, so two racing starts cannot each end up with their own file.
 *
 * <p>Java's locks are per process: inside one JVM a second channel on a locked file sees an
 * {@link OverlappingFileLockException}, which {@link #inspect} counts as "locked".
 */
final class DaemonPidFile implements AutoCloseable {

    /** What a look at a pid file found. */
    sealed interface Observed permits Absent, Running, Stale {}

    /** There is no pid file: the daemon is not running (or never ran). */
    record Absent() implements Observed {}

    /** A process holds the lock: the daemon runs. The pid is empty while the daemon is still writing it. */
    record Running(OptionalLong pid) implements Observed {}

    /** The file exists but nobody holds its lock: the daemon died without cleaning up. */
    record Stale(OptionalLong pid, String reason) implements Observed {}

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private DaemonPidFile(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Looks at the pid file without changing it. */
    static Observed inspect(Path path) {
        Objects.requireNonNull(path, "path");
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return new Absent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pid file " + path + ": " + e.getMessage(), e);
        }
        try (channel) {
            OptionalLong pid = readPid(channel);
            FileLock probe;
            try {
                // A shared lock conflicts with the daemon's exclusive one, and does not block a daemon's
                // exclusive tryLock for longer than this probe (the daemon retries briefly).
                probe = channel.tryLock(0, Long.MAX_VALUE, true);
            } catch (OverlappingFileLockException e) {
                return new Running(pid);
            }
            if (probe == null) {
                return new Running(pid);
            }
            probe.release();
            return new Stale(pid, staleReason(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pid file " + path + ": " + e.getMessage(), e);
        }
    }

    private static String staleReason(OptionalLong pid) {
        if (pid.isEmpty()) {
            return "the pid file is empty or garbled and nobody holds its lock";
        }
        boolean alive =
                ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false);
        return alive
                ? "pid " + pid.getAsLong() + " belongs to another process now; the daemon does not hold the lock"
                : "pid " + pid.getAsLong() + " is not running";
    }

    /**
     * Takes the lock for {@code pid} and writes it, replacing a stale file's contents. Retries for up to
     * {@code patience}, because a concurrent {@link #inspect} holds a shared lock for a moment.
     *
     * @return the held pid file, or empty when another live process holds the lock
     */
    static Optional<DaemonPidFile> acquire(Path path, long pid, Duration patience) {
        Objects.requireNonNull(path, "path");
        FileChannel channel;
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            channel = FileChannel.open(
                    path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw cannotCreate(path, e);
        }
        try {
            long deadline = System.nanoTime() + patience.toNanos();
            FileLock lock = null;
            while (lock == null) {
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    if (System.nanoTime() - deadline > 0) {
                        channel.close();
                        return Optional.empty();
                    }
                    Thread.sleep(50);
                }
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(true);
            return Optional.of(new DaemonPidFile(path, channel, lock));
        } catch (IOException e) {
            closeAfter(e, channel);
            throw cannotCreate(path, e);
        } catch (InterruptedException e) {
            closeAfter(e, channel);
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (RuntimeException | Error e) {
            closeAfter(e, channel);
            throw e;
        }
    }

    private static UncheckedIOException cannotCreate(Path path, IOException e) {
        return new UncheckedIOException(
                "cannot create pid file " + path + ": " + e.getMessage()
                        + "; check that the directory exists and is writable",
                e);
    }

    /** Closes the channel after {@code failure}, which releases a lock taken before it; keeps the first failure. */
    private static void closeAfter(Throwable failure, FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The pid written in the file, if it holds one. */
    static OptionalLong readPid(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return readPid(channel);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong readPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
        try {
            long pid = Long.parseLong(text);
            return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    Path path() {
        return path;
    }

    /** Deletes the file, then releases the lock: nobody sees this file unlocked. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Left behind, it is merely stale: the next start replaces it.
        }
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // Closing the channel releases the lock in every case.
        }
    }
}
