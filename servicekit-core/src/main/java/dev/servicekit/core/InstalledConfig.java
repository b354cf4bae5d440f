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
 * {@code <data-dir>/config.yaml}), and the application's environment variables (those with its prefix) as the
 * manager gives them to the service, in place of the CLI's own, when the manager could say
 * ({@link InstalledLaunch#environment}); where it could not, the CLI's own apply, as before. Otherwise what the
 * operator typed, as before.
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
    record Described(String platform, InstalledLaunch launch, String environmentPrefix) {

        /**
         * E.g. {@code --config /etc/users-service/a.yaml (systemd, in /var/lib/users-service/a); environment:
         * USERS_SERVICE_MANAGEMENT_PORT (/proc/1234/environ)}: the names of the variables read, never their values.
         */
        String summary() {
            List<String> words = launch.arguments().isEmpty() ? List.of("no arguments") : launch.arguments();
            return String.join(" ", words) + " (" + platform
                    + launch.workingDirectory().map(dir -> ", in " + dir).orElse("") + "); environment: "
                    + environmentSummary();
        }

        /** The names of the service's variables with the application's prefix, sorted; empty when none were read. */
        List<String> variableNames() {
            return launch.environment()
                    .map(environment -> environment.variables().keySet().stream()
                            .filter(name -> name.startsWith(environmentPrefix + "_"))
                            .toList())
                    .orElse(List.of());
        }

        /** What the environment the configuration is read with is: the service's (names, where from) or the CLI's. */
        String environmentSummary() {
            if (launch.environment().isEmpty()) {
                return "not read from " + platform + ", so this command's own " + environmentPrefix
                        + "_* variables apply";
            }
            InstalledLaunch.Environment environment = launch.environment().get();
            List<String> names = variableNames();
            String read = (names.isEmpty() ? "no " + environmentPrefix + "_* variables" : String.join(", ", names))
                    + " (" + environment.source() + ")";
            return environment.unread().isEmpty()
                    ? read
                    : read + "; not read: " + String.join("; ", environment.unread());
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
    static InstalledConfig of(
            ServiceCli.ConfigOptions typed, ServiceManager manager, ServiceRef service, String environmentPrefix) {
        if (typed.configFile != null) {
            return typed(typed);
        }
        Optional<InstalledLaunch> launch = manager.installedLaunch(service);
        if (launch.isEmpty()) {
            return typed(typed);
        }
        return new InstalledConfig(
                merged(typed, launch.get()),
                Optional.of(new Described(manager.platform(), launch.get(), environmentPrefix)));
    }

    /**
     * {@code launch}'s {@code --config} (a relative one under its working directory) and {@code --set} values (both
     * also as {@code --option=value}), then the operator's {@code --set} values; the operator's instance; other
     * arguments ({@code --instance}, which the service reference already carries) are left out; {@code launch}'s
     * environment, when read, in place of this process's for the application's prefixed variables.
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
        options.serviceEnvironment =
                launch.environment().map(InstalledLaunch.Environment::variables).orElse(null);
        return options;
    }
}
