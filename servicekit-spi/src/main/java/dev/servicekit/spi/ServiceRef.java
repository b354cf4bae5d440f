package dev.servicekit.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Which installed service a command talks to.
 *
 * @param name the service name
 * @param user a per-user service ({@code systemd --user}, LaunchAgents) instead of a system one
 * @param root a staging root to write files into instead of the live system (no manager calls); empty for the live system
 */
public record ServiceRef(String name, boolean user, Optional<Path> root) {

    /** Checks values. */
    public ServiceRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(root, "root");
        if (name.isBlank()) {
            throw new IllegalArgumentException("service name must not be blank");
        }
    }

    /** A system service with this name on the live system. */
    public static ServiceRef system(String name) {
        return new ServiceRef(name, false, Optional.empty());
    }
}
