package dev.servicekit.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Whether standard output is connected to the systemd journal: systemd sets {@code JOURNAL_STREAM} to
 * {@code <device>:<inode>} of the stream it connected, and a process compares it with its own stdout
 * (systemd.exec(5)). Where stdout cannot be inspected, the answer is no.
 */
final class JournalStream {

    private JournalStream() {
    }

    /** True when {@code JOURNAL_STREAM} names the device and inode of {@code stdout}. */
    static boolean isStdout(Map<String, String> environment, Path stdout) {
        String stream = environment.get("JOURNAL_STREAM");
        if (stream == null) {
            return false;
        }
        Optional<String> actual = deviceAndInode(stdout);
        return actual.isPresent() && actual.get().equals(stream.strip());
    }

    /** True when this process's stdout is the journal. */
    static boolean isStdout(Map<String, String> environment) {
        return isStdout(environment, Path.of("/proc/self/fd/1"));
    }

    static Optional<String> deviceAndInode(Path file) {
        try {
            Object dev = Files.getAttribute(file, "unix:dev");
            Object ino = Files.getAttribute(file, "unix:ino");
            return Optional.of(dev + ":" + ino);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }
}
