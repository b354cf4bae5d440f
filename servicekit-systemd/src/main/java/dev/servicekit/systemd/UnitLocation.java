package dev.servicekit.systemd;

import dev.servicekit.spi.ServiceRef;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a service's unit file and drop-in live: {@code /etc/systemd/system/<name>.service} for a system unit,
 * {@code $XDG_CONFIG_HOME/systemd/user/<name>.service} (default {@code ~/.config/systemd/user}) for a
 * {@code --user} unit; under the staging root when {@code --root} is set.
 *
 * @param unitFile   the unit file
 * @param dropInFile the user's override, {@code <name>.service.d/override.conf}
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
        return new UnitLocation(dir.resolve(unit), dir.resolve(unit + ".d").resolve("override.conf"));
    }

    /** {@code users-service.service}. */
    static String unitName(ServiceRef service) {
        return service.name() + ".service";
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
