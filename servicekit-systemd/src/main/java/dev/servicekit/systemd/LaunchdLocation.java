package dev.servicekit.systemd;

import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;

/**
 * Where a launchd job's files live, as the live system sees them (these are the paths inside the plist):
 *
 * <ul>
 *   <li>system daemon: {@code /Library/LaunchDaemons/<label>.plist}, working directory {@code /usr/local/var/<name>},
 *       log {@code /usr/local/var/log/<name>/<name>.log};</li>
 *   <li>{@code --user} agent: {@code ~/Library/LaunchAgents/<label>.plist}, working directory
 *       {@code ~/Library/Application Support/<name>}, log {@code ~/Library/Logs/<name>/<name>.log}.</li>
 * </ul>
 *
 * An instance has the label {@code <label>.<instance>}, the working directory {@code <working directory>/<instance>}
 * and the log {@code <name>@<instance>.log}.
 *
 * launchd does not expand {@code ~}, so agents get the user's absolute home. {@link #onDisk(Path)} maps a live path
 * to where it is written: under the {@code --root} staging directory when one is given, else under the live root
 * ({@code /}, a temporary directory in tests).
 *
 * @param service          the service
 * @param label            the job label, e.g. {@code dev.servicekit.users-service}
 * @param plistFile        the property list
 * @param workingDirectory the job's working directory
 * @param logFile          where stdout and stderr go
 * @param liveRoot         what {@code /} is when there is no {@code --root}
 */
record LaunchdLocation(
        ServiceRef service, String label, Path plistFile, Path workingDirectory, Path logFile, Path liveRoot) {

    static final Path SYSTEM_DAEMON_DIRECTORY = Path.of("/Library/LaunchDaemons");
    static final Path SYSTEM_STATE_DIRECTORY = Path.of("/usr/local/var");
    static final Path SYSTEM_LOG_DIRECTORY = Path.of("/usr/local/var/log");

    static LaunchdLocation of(ServiceRef service, Path userHome, Path liveRoot) {
        String name = service.name();
        String label = label(name) + service.instance().map(i -> "." + i).orElse("");
        // An instance works in its own directory under the service's, and its log is named after it.
        String own = service.instance().orElse("");
        String log = service.id() + ".log";
        if (service.user()) {
            Path library = userHome.resolve("Library");
            return new LaunchdLocation(
                    service,
                    label,
                    library.resolve("LaunchAgents").resolve(label + ".plist"),
                    library.resolve("Application Support").resolve(name).resolve(own),
                    library.resolve("Logs").resolve(name).resolve(log),
                    liveRoot);
        }
        return new LaunchdLocation(
                service,
                label,
                SYSTEM_DAEMON_DIRECTORY.resolve(label + ".plist"),
                SYSTEM_STATE_DIRECTORY.resolve(name).resolve(own),
                SYSTEM_LOG_DIRECTORY.resolve(name).resolve(log),
                liveRoot);
    }

    /** The job label: {@code dev.servicekit.<name>}, or the name itself when it is already reverse-DNS-ish (has a dot). */
    static String label(String name) {
        return name.contains(".") ? name : "dev.servicekit." + name;
    }

    /** Where a live path is read and written: under {@code --root} when given, else under the live root. */
    Path onDisk(Path live) {
        Path base = service.root().orElse(liveRoot);
        Path relative = live.getRoot() == null ? live : live.getRoot().relativize(live);
        return base.resolve(relative);
    }

    /** The plist as written. */
    Path plistOnDisk() {
        return onDisk(plistFile);
    }

    /** The log directory, created at install so launchd can open the log file. */
    Path logDirectory() {
        return logFile.getParent();
    }
}
