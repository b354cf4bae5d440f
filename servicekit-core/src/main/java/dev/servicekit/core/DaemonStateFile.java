package dev.servicekit.core;

import dev.servicekit.spi.ServiceState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;

/**
 * The readiness handshake between a daemon and the {@code start} that launched it: the daemon writes
 * {@code <STATE> <pid>} (e.g. {@code RUNNING 4242}) to {@code <name>.state} after every lifecycle
 * transition, atomically (temp file, then rename), so a reader never sees half a line. The pid ties the
 * state to the process holding the pid file: a file left behind by a killed daemon names another pid.
 *
 * @param state the daemon's lifecycle state
 * @param pid   the daemon's pid
 */
record DaemonStateFile(ServiceState state, long pid) {

    DaemonStateFile {
        Objects.requireNonNull(state, "state");
    }

    /** Writes {@code <STATE> <pid>} to {@code file}, replacing it atomically. */
    void write(Path file) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(temp, state.name() + " " + pid + "\n", StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the state file; empty when it is absent or not in the expected form. */
    static Optional<DaemonStateFile> read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        String[] parts = text.split("\\s+");
        if (parts.length != 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DaemonStateFile(ServiceState.valueOf(parts[0]), Long.parseLong(parts[1])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
