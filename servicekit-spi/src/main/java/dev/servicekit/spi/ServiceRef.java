package dev.servicekit.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which installed service a command talks to: a service, or one named instance of it when several run on one host
 * ({@code users-service@a} on systemd, {@code users-service$a} on Windows, {@code dev.servicekit.users-service.a}
 * on launchd; each manager spells the instance its own way, from {@link #instance()}).
 *
 * @param name     the service name
 * @param user     a per-user service ({@code systemd --user}, LaunchAgents) instead of a system one
 * @param root     a staging root to write files into instead of the live system (no manager calls); empty for the
 *                 live system
 * @param instance the instance, one of several of this service on one host ({@link #INSTANCE_RULE}); empty for the
 *                 service itself
 */
public record ServiceRef(String name, boolean user, Optional<Path> root, Optional<String> instance) {

    /** What an instance name may be, as error messages say it. */
    public static final String INSTANCE_RULE =
            "1 to 32 lower-case letters, digits and '-', starting with a letter or digit (e.g. a, eu-1)";

    /**
     * An instance name: it becomes part of a systemd unit name ({@code %i}), a Windows service name, a launchd label,
     * file and directory names and a Prometheus label value, so it uses only characters that are plain in all of
     * them.
     */
    private static final Pattern INSTANCE = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    /** Checks values. */
    public ServiceRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(instance, "instance");
        if (name.isBlank()) {
            throw new IllegalArgumentException("service name must not be blank");
        }
        instance.flatMap(ServiceRef::instanceProblem).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }

    /** A service without an instance. */
    public ServiceRef(String name, boolean user, Optional<Path> root) {
        this(name, user, root, Optional.empty());
    }

    /** A system service with this name on the live system. */
    public static ServiceRef system(String name) {
        return new ServiceRef(name, false, Optional.empty());
    }

    /** This service's instance {@code instance} (validated). */
    public ServiceRef withInstance(String instance) {
        return new ServiceRef(name, user, root, Optional.of(instance));
    }

    /**
     * How commands and files name it, independent of the platform: the name, with {@code @<instance>} when there is
     * one ({@code users-service@a}).
     */
    public String id() {
        return instance.map(i -> name + "@" + i).orElse(name);
    }

    /**
     * What is wrong with an instance name, as a message with the name in quotes and the rule; empty when it is
     * valid.
     */
    public static Optional<String> instanceProblem(String instance) {
        Objects.requireNonNull(instance, "instance");
        if (INSTANCE.matcher(instance).matches()) {
            return Optional.empty();
        }
        return Optional.of("instance name \"" + instance + "\" is not valid; use " + INSTANCE_RULE);
    }
}
