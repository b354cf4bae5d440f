package dev.servicekit.core;

import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configuration options {@code status}, {@code reload} and {@code doctor} read with: when the operator gives no
 * {@code --config} and a service manager starts the service, the service's own, as the manager starts it
 * ({@link ServiceManager#installedLaunch}): its {@code --config}, its {@code --set} values with the operator's after
 * them, and the directory it starts in as the base of a relative {@code data-dir} (and so of the default
 * {@code <data-dir>/config.yaml}). Otherwise what the operator typed, as before. The service's environment (a unit's
 * {@code Environment=}) is not known: the CLI's own environment applies, as for every verb.
 *
 * @param options the options to load the configuration with
 * @param launch  the launch they came from, with the manager's name; empty when they are the operator's own
 */
record InstalledConfig(ServiceCli.ConfigOptions options, Optional<Described> launch) {

    /**
     * The installed launch the options came from.
     *
     * @param platform the manager that starts the service
     * @param launch   how it starts it
     */
    record Described(String platform, InstalledLaunch launch) {

        /** E.g. {@code --config /etc/users-service/a.yaml (systemd, in /var/lib/users-service/a)}. */
        String summary() {
            List<String> words = launch.arguments().isEmpty() ? List.of("no arguments") : launch.arguments();
            return String.join(" ", words) + " (" + platform
                    + launch.workingDirectory().map(dir -> ", in " + dir).orElse("") + ")";
        }
    }

    /** The operator's options, unchanged. */
    static InstalledConfig typed(ServiceCli.ConfigOptions typed) {
        return new InstalledConfig(typed, Optional.empty());
    }

    /**
     * The options for {@code service}: the operator's when they give {@code --config} or {@code manager} has no
     * launch for it, else the installed service's with the operator's {@code --set} values after its own.
     */
    static InstalledConfig of(ServiceCli.ConfigOptions typed, ServiceManager manager, ServiceRef service) {
        if (typed.configFile != null) {
            return typed(typed);
        }
        Optional<InstalledLaunch> launch = manager.installedLaunch(service);
        if (launch.isEmpty()) {
            return typed(typed);
        }
        return new InstalledConfig(
                merged(typed, launch.get()), Optional.of(new Described(manager.platform(), launch.get())));
    }

    /**
     * {@code launch}'s {@code --config} (a relative one under its working directory) and {@code --set} values (both
     * also as {@code --option=value}), then the operator's {@code --set} values; the operator's instance; other
     * arguments ({@code --instance}, which the service reference already carries) are left out.
     */
    static ServiceCli.ConfigOptions merged(ServiceCli.ConfigOptions typed, InstalledLaunch launch) {
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();
        List<String> overrides = new ArrayList<>();
        List<String> arguments = launch.arguments();
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            int equals = argument.indexOf('=');
            boolean inline = argument.startsWith("--") && equals > 0;
            String option = inline ? argument.substring(0, equals) : argument;
            if (!option.equals("--config") && !option.equals("--set")) {
                continue;
            }
            if (!inline && i + 1 >= arguments.size()) {
                break;
            }
            String value = inline ? argument.substring(equals + 1) : arguments.get(++i);
            if (option.equals("--set")) {
                overrides.add(value);
            } else {
                Path file = Path.of(value);
                options.configFile = launch.workingDirectory()
                        .map(dir -> dir.resolve(file).normalize())
                        .orElse(file);
            }
        }
        overrides.addAll(typed.overrides);
        options.overrides = overrides;
        options.instance = typed.instance;
        options.workingDirectory = launch.workingDirectory().orElse(null);
        return options;
    }
}
