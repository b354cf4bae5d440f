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
 * {@code reload}: asks the running instance to reload and prints its answer. Where a service manager runs it, the
 * configuration is read as the manager starts the service ({@link InstalledConfig}: its {@code --config}, its
 * {@code --set}, its working directory; or the {@code --config} given here) and the request goes to the service's
 * management listener on loopback ({@link ServiceApplication#localAdminAccess}) once that listener's pid is the one
 * the manager runs; otherwise (no such listener, another process there, nothing answers) through the manager
 * ({@code systemctl reload}, SIGHUP, {@code PARAMCHANGE}), which only delivers it. With no manager running it, through
 * the management listener the configuration names.
 */
@Command(
        name = "reload",
        mixinStandardHelpOptions = true,
        description = {
            "Asks the running service to reload its configuration and prints its answer: through its management"
                    + " listener on loopback (found from the configuration the service manager starts it with, or"
                    + " --config/--set), else through the service manager that runs it, which only delivers it.",
            "Exit 0 when reloaded (through a service manager alone: when the manager delivered the request), 78 when"
                    + " the service refused the new configuration (it keeps the running one), 3 when nothing is running."
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
            return throughManager(manager, service, manager.status(service));
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
                return throughManager(manager, service, status);
            }
            seen.add(manager.platform() + ": " + status.summary());
        }
        String managersSaid = seen.isEmpty()
                ? "no service manager is available here"
                : "no service manager runs it (" + String.join("; ", seen) + ")";
        String name = cli.app().name();
        Optional<LocalAdminAccess> access = adminAccess(cli.loadConfig(options), service);
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
     * The management listener a live process recorded in the data directory ({@link RunningInstanceFile}: the port
     * it chose, when configured as 0), else the configured one.
     */
    private Optional<LocalAdminAccess> adminAccess(Config config, ServiceRef service) {
        return cli.adminAccess(
                config,
                RunningInstanceFile.live(config.get(CoreConfigKeys.DATA_DIR), service.id())
                        .flatMap(RunningInstanceFile.Found::management));
    }

    /**
     * The service runs under {@code manager}: asks its management listener when the configuration it runs with can
     * be read and the listener is that process's, else has the manager deliver the request.
     */
    private int throughManager(ServiceManager manager, ServiceRef service, ServiceStatus status) {
        InstalledConfig installed =
                InstalledConfig.of(options, manager, service, cli.app().environmentPrefix());
        Optional<String> whyNot = Optional.of(
                "neither --config nor the configuration " + manager.platform() + " starts it with is known here");
        if (status.running() && (installed.launch().isPresent() || options.configFile != null)) {
            try {
                Optional<LocalAdminAccess> access = adminAccess(cli.loadConfig(installed.options()), service);
                whyNot = Optional.of(cli.app().name() + " has no management listener on loopback to ask");
                if (access.isPresent()) {
                    Optional<ApplicationView> view = access.get().view();
                    Optional<Long> pid = view.flatMap(ApplicationView::pid);
                    if (view.isEmpty()) {
                        whyNot =
                                Optional.of("nothing answers at " + access.get().managementUri());
                    } else if (pid.isEmpty()) {
                        whyNot = Optional.of(
                                "the management listener at " + access.get().managementUri()
                                        + " did not say which process it is ("
                                        + String.join("; ", view.get().notes())
                                        + ")");
                    } else if (status.pid().isPresent()
                            && pid.get() != status.pid().getAsLong()) {
                        whyNot = Optional.of(
                                "the management listener at " + access.get().managementUri()
                                        + " belongs to pid " + pid.get() + ", not to the pid "
                                        + status.pid().getAsLong()
                                        + " " + manager.platform() + " runs");
                    } else {
                        ReloadReport report = access.get().reload();
                        print(service.id(), report);
                        return report.ok() ? ExitCode.OK.code() : ExitCode.CONFIG_ERROR.code();
                    }
                }
            } catch (ConfigException e) {
                // As apachectl graceful runs configtest first: the service would refuse this configuration and keep
                // its own, so nothing is delivered and the problems are the answer (docs/decisions.md).
                cli.printProblems(e);
                String which = installed.launch().isPresent()
                        ? "the configuration " + manager.platform() + " starts it with"
                        : "the configuration " + options.configFile;
                cli.err()
                        .println(service.id() + ": not reloaded: " + which + " is invalid, which the service would"
                                + " refuse; it keeps running with the one it has");
                return ExitCode.CONFIG_ERROR.code();
            } catch (RuntimeException e) {
                whyNot = Optional.of(e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        manager.reload(service, cli.progress());
        askedThrough(manager, service, whyNot);
        return ExitCode.OK.code();
    }

    /**
     * A service manager delivers a reload (systemd's {@code systemctl reload}: SIGHUP) and returns before the service
     * has checked the new configuration, so exit 0 means delivered, not applied; says why the service was not asked
     * itself and where the answer is.
     */
    private void askedThrough(ServiceManager manager, ServiceRef service, Optional<String> whyNot) {
        cli.err()
                .println(service.id() + ": " + manager.platform() + " delivered the reload request"
                        + whyNot.map(why -> " (the service itself was not asked: " + why + ")")
                                .orElse("")
                        + "; the service applies the new configuration only if all of it is valid, else keeps the"
                        + " running one, and says which in its log and in status (configuration: last reload)");
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
