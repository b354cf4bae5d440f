package dev.servicekit.core;

import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a detached daemon keeps its files: all in one state directory, named after the service.
 *
 * @param dir  the state directory (absolute)
 * @param name the service name
 */
record DaemonFiles(Path dir, String name) {

    DaemonFiles {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(name, "name");
        dir = dir.toAbsolutePath().normalize();
    }

    /** The files of {@code service}: in its {@code --root}, else in {@code workingDir}. */
    static DaemonFiles of(ServiceRef service, Path workingDir) {
        return new DaemonFiles(service.root().orElse(workingDir), service.name());
    }

    /** {@code <name>.pid}: the daemon's pid, locked by the daemon for its whole life. */
    Path pidFile() {
        return dir.resolve(name + ".pid");
    }

    /** {@code <name>.log}: the daemon's stdout and stderr, appended. */
    Path logFile() {
        return dir.resolve(name + ".log");
    }

    /** {@code <name>.state}: the daemon's lifecycle state and pid, e.g. {@code RUNNING 4242}. */
    Path stateFile() {
        return dir.resolve(name + ".state");
    }

    /** {@code <name>.daemon.json}: how to launch the daemon, written by {@code install}. */
    Path launchFile() {
        return dir.resolve(name + ".daemon.json");
    }
}
