package dev.servicekit.core;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code reload}: asks the running instance to reload, through the service manager that runs it, else through
 * the application's management listener on loopback ({@link ServiceApplication#localAdminAccess}).
 */
@Command(
        name = "reload",
        mixinStandardHelpOptions = true,
        description = {
            "Asks the running service to reload its configuration: through the service manager that runs it,"
                    + " else through the management listener on loopback (taken from --config/--set).",
            "Exit 0 when reloaded (through a service manager: when the manager delivered the request), 78 when the"
                    + " service refused the new configuration (it keeps the running one), 3 when nothing is running."
        })
final class ReloadCommand implements Callable<Integer> {

    private final CliContext cli;

    @CommandLine.Mixin
    CliContext.TargetOptions target = new CliContext.TargetOptions();

    @CommandLine.Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    ReloadCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() {
        ServiceRef service = cli.ref(target, options.instance);
        if (target.platform != null || target.root != null) {
            ServiceManager manager = cli.manager(target);
            manager.reload(service, cli.progress());
            askedThrough(manager, service);
            return ExitCode.OK.code();
        }
        List<String> seen = new ArrayList<>();
        for (ServiceManager manager : cli.managers().all()) {
            if (!manager.isAvailable()) {
                continue;
            }
            ServiceStatus status;
            try {
                status = manager.status(service);
            } catch (ServiceManagerException e) {
                seen.add(manager.platform() + ": " + e.getMessage());
                continue;
            }
            // Running is what counts: the daemon manager answers "installed" for any name, and a service
            // installed but stopped may still run in the foreground elsewhere.
            if (status.running()) {
                manager.reload(service, cli.progress());
                askedThrough(manager, service);
                return ExitCode.OK.code();
            }
            seen.add(manager.platform() + ": " + status.summary());
        }
        String managersSaid = seen.isEmpty()
                ? "no service manager is available here"
                : "no service manager runs it (" + String.join("; ", seen) + ")";
        String name = cli.app().name();
        Optional<LocalAdminAccess> access = cli.app().localAdminAccess(cli.loadConfig(options));
        if (access.isEmpty()) {
            cli.err()
                    .println(name + ": " + service.id() + " is not running: " + managersSaid + ", and " + name
                            + " has no management listener to ask; start it, or send SIGHUP to its process");
            return ExitCode.NOT_RUNNING.code();
        }
        cli.err()
                .println(service.id() + ": " + managersSaid + "; asking the management listener at "
                        + access.get().managementUri());
        ReloadReport report;
        try {
            report = access.get().reload();
        } catch (ServiceManagerException e) {
            cli.err()
                    .println(name + ": " + service.id() + " is not running: " + managersSaid + ", and "
                            + e.getMessage());
            return e.exitCode();
        }
        print(service.id(), report);
        return report.ok() ? ExitCode.OK.code() : ExitCode.CONFIG_ERROR.code();
    }

    /**
     * A service manager delivers a reload (systemd's {@code systemctl reload}: SIGHUP) and returns before the service
     * has checked the new configuration, so exit 0 means delivered, not applied; says where the answer is.
     */
    private void askedThrough(ServiceManager manager, ServiceRef service) {
        cli.err()
                .println(service.id() + ": " + manager.platform() + " delivered the reload request; the service applies"
                        + " the new configuration only if all of it is valid, else keeps the running one, and says"
                        + " which in its log and in status (configuration: last reload)");
    }

    private void print(String service, ReloadReport report) {
        if (!report.ok()) {
            cli.out().println(service + " refused the new configuration and keeps running with the old one:");
            cli.out().println("  error: " + report.error().orElse("(no reason given)"));
            return;
        }
        if (report.applied().isEmpty()
                && report.inactive().isEmpty()
                && report.requiresRestart().isEmpty()) {
            cli.out().println(service + " reloaded its configuration: unchanged");
            return;
        }
        cli.out().println(service + " reloaded its configuration:");
        cli.out()
                .println("  applied:          "
                        + (report.applied().isEmpty() ? "(nothing)" : String.join(", ", report.applied())));
        if (!report.inactive().isEmpty()) {
            cli.out()
                    .println("  not in use:       " + String.join(", ", report.inactive())
                            + " (recorded; nothing uses them now)");
        }
        if (!report.requiresRestart().isEmpty()) {
            cli.out()
                    .println("  requires restart: " + String.join(", ", report.requiresRestart()) + " (restart "
                            + service + " to apply)");
        }
    }
}
