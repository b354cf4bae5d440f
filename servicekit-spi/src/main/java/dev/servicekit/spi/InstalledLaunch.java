package dev.servicekit.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a service manager starts an installed service, read back from the manager (the unit file, the plist, the
 * daemon's launch file, the SCM's image path): the program arguments after the verb, as {@code install} gave them
 * ({@code --config FILE}, {@code --set KEY=VALUE}…; a systemd template instance's own {@code --config}), and the
 * directory the process starts in, which is its data directory unless its configuration sets {@code data-dir}.
 * {@code status}, {@code reload} and {@code doctor} read the configuration from these when no {@code --config} is
 * given, so they find the running service's data directory and management listener from any directory.
 *
 * @param arguments        the program arguments after the verb ({@code run}, {@code service}), unquoted, in order;
 *                         {@code --instance NAME} may be among them
 * @param workingDirectory the directory the process starts in, absolute; empty where the manager does not say
 */
public record InstalledLaunch(List<String> arguments, Optional<Path> workingDirectory) {

    /** Copies the list and checks for nulls and a relative working directory. */
    public InstalledLaunch {
        arguments = List.copyOf(arguments);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        workingDirectory.ifPresent(dir -> {
            if (!dir.isAbsolute()) {
                throw new IllegalArgumentException("workingDirectory must be absolute: " + dir);
            }
        });
    }
}
