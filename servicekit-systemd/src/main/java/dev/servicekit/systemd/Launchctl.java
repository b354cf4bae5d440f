package dev.servicekit.systemd;

import java.util.List;
import java.util.Objects;

/**
 * The thin seam to {@code launchctl}: everything {@link LaunchdServiceManager} asks the running launchd goes
 * through here, so tests substitute a fake that records commands and answers {@code print} with canned output
 * (launchctl exists only on macOS).
 */
interface Launchctl {

    /**
     * Runs {@code launchctl <arguments>} and waits for it.
     *
     * @param arguments e.g. {@code bootstrap system /Library/LaunchDaemons/dev.servicekit.users-service.plist}
     */
    Result run(List<String> arguments);

    /**
     * What a command did.
     *
     * @param exitCode the process exit code
     * @param stdout   standard output
     * @param stderr   standard error
     */
    record Result(int exitCode, String stdout, String stderr) {
        public Result {
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }

        boolean ok() {
            return exitCode == 0;
        }

        /** What launchctl said: stderr, or stdout when stderr is empty (launchctl prints some errors to stdout). */
        String said() {
            return (stderr.isBlank() ? stdout : stderr).strip();
        }
    }
}
