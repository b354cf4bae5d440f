package dev.servicekit.systemd;

import java.util.List;

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
    CommandResult run(List<String> arguments);
}
