package dev.servicekit.core;

import dev.servicekit.spi.ServiceRef;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The options of a plain command line of one verb, parsed without picocli: {@code --set KEY=VALUE},
 * {@code --config FILE} and {@code --instance NAME}; where the verb names a service, {@code --name NAME},
 * {@code --platform PLATFORM} and {@code --root DIR}; and the verb's flags (e.g. {@code --json}). A value option
 * may also be written {@code --option=value}; every one but {@code --set} at most once, every value non-empty and
 * not starting with {@code -} or {@code @}, a path that is a valid path, an instance name that keeps the rule; a
 * flag bare and at most once. Anything else ({@code --help}, a typo, an {@code @file}, {@code --}, a bad value) is
 * empty, and picocli then parses, helps or rejects that command line exactly as before.
 *
 * <p>Why: picocli 4.7's classes are Java 5 class files, which neither the class-data archive nor the AOT cache
 * keeps, and building a verb's command model took 100-200 ms of each start of a service and about a third of
 * {@code status} (docs/decisions.md, "Start path inside the application" and "status answers like version").
 * {@code ServiceCliTest} holds this parse equal to picocli's for the command lines it accepts.
 */
final class PlainArguments {

    /** {@code --config}, {@code --set} and {@code --instance}. */
    final ServiceCli.ConfigOptions config = new ServiceCli.ConfigOptions();

    /** {@code --name}, {@code --platform}, {@code --root} and the {@code --user} flag, where the verb has them. */
    final CliContext.TargetOptions target = new CliContext.TargetOptions();

    private final Set<String> flags = new HashSet<>();

    private PlainArguments() {}

    /** Whether the flag was given. */
    boolean has(String flag) {
        return flags.contains(flag);
    }

    /**
     * Parses {@code args} after the verb ({@code args[0]}).
     *
     * @param targetOptions whether {@code --name}, {@code --platform}, {@code --root} and {@code --user} are taken
     * @param flagNames the verb's other flags
     * @return empty for anything this parse does not take as picocli would (picocli then parses it)
     */
    static Optional<PlainArguments> parse(String[] args, boolean targetOptions, Set<String> flagNames) {
        PlainArguments parsed = new PlainArguments();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (flagNames.contains(arg) || (targetOptions && arg.equals("--user"))) {
                if (!parsed.flags.add(arg)) {
                    return Optional.empty();
                }
                if (arg.equals("--user")) {
                    parsed.target.user = true;
                }
                continue;
            }
            int equals = arg.indexOf('=');
            String option = equals < 0 ? arg : arg.substring(0, equals);
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return Optional.empty();
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                return Optional.empty();
            }
            if (!parsed.take(option, value, targetOptions)) {
                return Optional.empty();
            }
        }
        return Optional.of(parsed);
    }

    /** Sets {@code option} to {@code value}; false when the option is not taken here or was already given. */
    private boolean take(String option, String value, boolean targetOptions) {
        switch (option) {
            case "--set" -> config.overrides.add(value);
            case "--config" -> {
                if (config.configFile != null || (config.configFile = path(value)) == null) {
                    return false;
                }
            }
            case "--instance" -> {
                if (config.instance.name != null
                        || ServiceRef.instanceProblem(value).isPresent()) {
                    return false;
                }
                config.instance.name = value;
            }
            case "--name" -> {
                if (!targetOptions || target.name != null) {
                    return false;
                }
                target.name = value;
            }
            case "--platform" -> {
                if (!targetOptions || target.platform != null) {
                    return false;
                }
                target.platform = value;
            }
            case "--root" -> {
                if (!targetOptions || target.root != null || (target.root = path(value)) == null) {
                    return false;
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The path, or null when {@code value} is not a valid one. */
    private static Path path(String value) {
        try {
            return Paths.get(value);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
