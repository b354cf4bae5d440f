package dev.servicekit.systemd;

import java.util.Objects;

/**
 * What a service-manager command ({@code systemctl}, {@code launchctl}) did.
 *
 * @param exitCode the process exit code (124 when it timed out, 130 when interrupted)
 * @param stdout   standard output
 * @param stderr   standard error
 */
record CommandResult(int exitCode, String stdout, String stderr) {

    CommandResult {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    boolean ok() {
        return exitCode == 0;
    }

    /** What the command said: stderr, or stdout when stderr is empty (launchctl prints some errors to stdout). */
    String said() {
        return (stderr.isBlank() ? stdout : stderr).strip();
    }
}
