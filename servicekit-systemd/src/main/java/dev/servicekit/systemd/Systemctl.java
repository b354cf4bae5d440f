package dev.servicekit.systemd;

import java.util.List;

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
    CommandResult run(boolean user, List<String> arguments);

    /** The last {@code lines} journal lines of the unit ({@code journalctl [--user] -u <unit> -n <lines>}); empty on any failure. */
    List<String> journal(boolean user, String unit, int lines);
}
