package dev.servicekit.systemd;

import dev.servicekit.spi.ConsoleLogTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The systemd journal as the reader of standard output. systemd sets {@code JOURNAL_STREAM} to
 * {@code <device>:<inode>} of the stream it connected, and a process compares it with its own stdout
 * (systemd.exec(5)); where stdout cannot be inspected, the answer is no. Lines then start with their syslog
 * priority ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug), which journald strips
 * and stores as the entry's priority so {@code journalctl -p warning} works (sd-daemon(3)), and carry no
 * timestamp: journald records its own.
 */
public final class JournalConsoleTarget implements ConsoleLogTarget {

    private final Path stdout;

    /** The target for this process's stdout ({@code /proc/self/fd/1}); used through ServiceLoader. */
    public JournalConsoleTarget() {
        this(Path.of("/proc/self/fd/1"));
    }

    JournalConsoleTarget(Path stdout) {
        this.stdout = stdout;
    }

    @Override
    public boolean readsStdout(Map<String, String> environment) {
        String stream = environment.get("JOURNAL_STREAM");
        if (stream == null) {
            return false;
        }
        Optional<String> actual = deviceAndInode(stdout);
        return actual.isPresent() && actual.get().equals(stream.strip());
    }

    @Override
    public String linePrefix(int severity) {
        return "<" + severity + ">";
    }

    @Override
    public boolean timestamps() {
        return false;
    }

    @Override
    public String name() {
        return "systemd journal";
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
