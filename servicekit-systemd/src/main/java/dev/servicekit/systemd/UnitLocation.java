package dev.servicekit.systemd;

import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a service's unit file and drop-in live: {@code /etc/systemd/system/<name>.service} for a system unit,
 * {@code $XDG_CONFIG_HOME/systemd/user/<name>.service} (default {@code ~/.config/systemd/user}) for a
 * {@code --user} unit; under the staging root when {@code --root} is set. An instance's unit file is the template
 * {@code <name>@.service} every instance shares, and its drop-in is its own, {@code <name>@<instance>.service.d/}.
 *
 * @param unitFile   the unit file (the template, for an instance)
 * @param dropInFile the user's override, {@code <unit>.d/override.conf}
 */
record UnitLocation(Path unitFile, Path dropInFile) {

    /** Where administrators' system units live. */
    static final Path SYSTEM_UNIT_DIRECTORY = Path.of("/etc/systemd/system");

    static UnitLocation of(
            ServiceRef service, Path systemUnitDirectory, Path userHome, Map<String, String> environment) {
        Path dir;
        if (service.user()) {
            String xdg = environment.getOrDefault("XDG_CONFIG_HOME", "");
            Path config = !xdg.isEmpty() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : userHome.resolve(".config");
            dir = config.resolve("systemd").resolve("user");
        } else {
            // A staging root mirrors the real layout; the injected directory only replaces the live one (tests).
            dir = service.root().isPresent() ? SYSTEM_UNIT_DIRECTORY : systemUnitDirectory;
        }
        if (service.root().isPresent()) {
            dir = stage(service.root().get(), dir);
        }
        String unit = unitName(service);
        return new UnitLocation(
                dir.resolve(unitFileName(service)), dir.resolve(unit + ".d").resolve("override.conf"));
    }

    /** The unit systemctl acts on: {@code users-service.service}, or {@code users-service@a.service} for an instance. */
    static String unitName(ServiceRef service) {
        return service.id() + ".service";
    }

    /** The file that defines the unit: {@code users-service.service}, or the template {@code users-service@.service}. */
    static String unitFileName(ServiceRef service) {
        return service.instance().isPresent() ? templateName(service.name()) : service.name() + ".service";
    }

    /** {@code users-service@.service}. */
    static String templateName(String name) {
        return name + "@.service";
    }

    /**
     * Where an instance's unit reads its configuration, as the live system sees it: {@code /etc/<name>/<instance>.yaml}
     * for a system unit, {@code $XDG_CONFIG_HOME/<name>/<instance>.yaml} (default {@code ~/.config}) for a
     * {@code --user} unit: systemd's {@code %E/<name>/%i.yaml} either way.
     */
    static Path instanceConfigFile(
            ServiceRef service, String instance, Path userHome, Map<String, String> environment) {
        return configurationHome(service, userHome, environment)
                .resolve(service.name())
                .resolve(instance + ".yaml");
    }

    /**
     * What systemd's {@code %E} specifier stands for: {@code /etc} for a system unit, {@code $XDG_CONFIG_HOME} (default
     * {@code ~/.config}) for a {@code --user} unit.
     */
    static Path configurationHome(ServiceRef service, Path userHome, Map<String, String> environment) {
        return service.user() ? xdg(environment, "XDG_CONFIG_HOME", userHome.resolve(".config")) : Path.of("/etc");
    }

    /**
     * Where systemd puts the unit's {@code StateDirectory=} (its working directory, {@code %S/<own>}): {@code /var/lib}
     * for a system unit; for a {@code --user} unit {@code $XDG_CONFIG_HOME} (systemd 252) or {@code $XDG_STATE_HOME}
     * (newer versions), both listed, in that order.
     */
    static List<Path> stateDirectories(ServiceRef service, Path userHome, Map<String, String> environment) {
        String own = service.instance().map(i -> service.name() + "/" + i).orElse(service.name());
        if (service.user()) {
            return List.of(
                    xdg(environment, "XDG_CONFIG_HOME", userHome.resolve(".config"))
                            .resolve(own),
                    xdg(environment, "XDG_STATE_HOME", userHome.resolve(".local/state"))
                            .resolve(own));
        }
        return List.of(Path.of("/var/lib").resolve(own));
    }

    /**
     * The directories systemd creates for the unit ({@code StateDirectory=}, {@code LogsDirectory=},
     * {@code ConfigurationDirectory=}, {@code CacheDirectory=}) that {@code uninstall} leaves in place, as the live
     * system names them, each where systemd puts it: {@code /var/lib}, {@code /var/log}, {@code /etc} and
     * {@code /var/cache} for a system unit; for a {@code --user} unit {@code $XDG_CONFIG_HOME} (state,
     * configuration, and logs under {@code log/}; systemd 252's systemd.exec(5)), {@code $XDG_STATE_HOME} (where newer
     * versions may put state and logs: both are listed, and the caller keeps those that exist) and
     * {@code $XDG_CACHE_HOME}. An instance's are its own subdirectories, and its configuration file in the shared
     * configuration directory.
     */
    static List<Path> serviceDirectories(ServiceRef service, Path userHome, Map<String, String> environment) {
        String name = service.name();
        String own = service.instance().map(i -> name + "/" + i).orElse(name);
        Path config = service.instance().isPresent()
                ? instanceConfigFile(service, service.instance().get(), userHome, environment)
                : null;
        List<Path> directories = new ArrayList<>();
        if (service.user()) {
            Path configHome = xdg(environment, "XDG_CONFIG_HOME", userHome.resolve(".config"));
            Path stateHome = xdg(environment, "XDG_STATE_HOME", userHome.resolve(".local/state"));
            Path cacheHome = xdg(environment, "XDG_CACHE_HOME", userHome.resolve(".cache"));
            directories.add(configHome.resolve(own));
            directories.add(stateHome.resolve(own));
            directories.add(configHome.resolve("log").resolve(own));
            directories.add(stateHome.resolve("log").resolve(own));
            directories.add(config != null ? config : configHome.resolve(name));
            directories.add(cacheHome.resolve(own));
        } else {
            directories.add(Path.of("/var/lib").resolve(own));
            directories.add(Path.of("/var/log").resolve(own));
            directories.add(config != null ? config : Path.of("/etc").resolve(name));
            directories.add(Path.of("/var/cache").resolve(own));
        }
        return directories.stream().distinct().toList();
    }

    private static Path xdg(Map<String, String> environment, String variable, Path fallback) {
        String value = environment.getOrDefault(variable, "");
        return !value.isEmpty() && Path.of(value).isAbsolute() ? Path.of(value) : fallback;
    }

    /** The unit directory (where the unit file and the {@code *.wants/} links are). */
    Path unitDirectory() {
        return unitFile.getParent();
    }

    /** The drop-in directory. */
    Path dropInDirectory() {
        return dropInFile.getParent();
    }

    private static Path stage(Path root, Path absolute) {
        Path relative =
                absolute.getRoot() == null ? absolute : absolute.getRoot().relativize(absolute);
        return root.resolve(relative);
    }
}
