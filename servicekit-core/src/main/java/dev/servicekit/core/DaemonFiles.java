package dev.servicekit.core;

import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a detached daemon keeps its files: all in one state directory, named after the service, or after the
 * instance ({@code users-service@a.pid}) when several instances share the directory.
 *
 * @param dir      the state directory (absolute)
 * @param name     what the files are named after: the service name, or {@code <name>@<instance>}
 * @param instance the instance, whose working (data) directory is {@code <dir>/<instance>}; empty for the service
 */
record DaemonFiles(Path dir, String name, Optional<String> instance) {

    DaemonFiles {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(instance, "instance");
        dir = dir.toAbsolutePath().normalize();
    }

    /** The files of a daemon that knows only its state directory and file name (the daemon itself). */
    DaemonFiles(Path dir, String name) {
        this(dir, name, Optional.empty());
    }

    /** The files of {@code service}: in its {@code --root}, else in {@code workingDir}. */
    static DaemonFiles of(ServiceRef service, Path workingDir) {
        return new DaemonFiles(service.root().orElse(workingDir), service.id(), service.instance());
    }

    /**
     * The daemon's working directory, and so its default data directory: the state directory, or
     * {@code <dir>/<instance>} for an instance.
     */
    Path workingDirectory() {
        return instance.map(dir::resolve).orElse(dir);
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
