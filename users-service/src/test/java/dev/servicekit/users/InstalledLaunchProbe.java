package dev.servicekit.users;

import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.systemd.SystemdServiceManager;
import java.util.Optional;

/**
 * {@code SystemdServiceManager.installedLaunch} of a {@code --user} service, run in a JVM of its own so that it reads
 * the environment a CLI started against the manager of {@link SystemdManagerIT} has: prints {@code argument=WORD} per
 * argument and {@code workingDirectory=DIR}, or {@code empty}.
 */
final class InstalledLaunchProbe {

    private InstalledLaunchProbe() {}

    /** {@code NAME [INSTANCE]}. */
    public static void main(String[] args) {
        ServiceRef service = new ServiceRef(args[0], true, Optional.empty());
        if (args.length > 1) {
            service = service.withInstance(args[1]);
        }
        Optional<InstalledLaunch> launch = new SystemdServiceManager().installedLaunch(service);
        if (launch.isEmpty()) {
            System.out.println("empty");
            return;
        }
        launch.get().arguments().forEach(argument -> System.out.println("argument=" + argument));
        launch.get().workingDirectory().ifPresent(dir -> System.out.println("workingDirectory=" + dir));
    }
}
