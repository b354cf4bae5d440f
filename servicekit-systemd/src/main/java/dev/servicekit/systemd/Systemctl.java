package dev.servicekit.systemd;

import java.util.List;
import java.util.Objects;

/**
 * The thin seam to {@code systemctl} and {@code journalctl}: everything {@link SystemdServiceManager} asks the
 * running systemd goes through here, so tests substitute a fake that records commands and answers
 * {@code show} with canned output.
 */
interface Systemctl {

    /**
     * Runs {@code systemctl [--user] <arguments>} and waits for it.
     *
     * @param user      talk to the calling user's manager ({@code --user}) instead of the system manager
     * @param arguments e.g. {@code enable --now users-service.service}
     */
    Result run(boolean user, List<String> arguments);

    /** The last {@code lines} journal lines of the unit ({@code journalctl [--user] -u <unit> -n <lines>}); empty on any failure. */
    List<String> journal(boolean user, String unit, int lines);

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
    }
}
