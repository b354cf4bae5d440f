package dev.servicekit.core;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code uninstall}, {@code start}, {@code stop} and {@code restart}: one manager call on the named service (or its
 * {@code --instance}), waited for.
 */
@Command(mixinStandardHelpOptions = true)
final class TargetCommand implements Callable<Integer> {

    /** The verbs, what they say in help, and the manager call each makes. */
    enum Verb {
        UNINSTALL("uninstall", "Stops the service and removes it from the service manager.", ServiceManager::uninstall),
        START("start", "Starts the installed service and waits until it runs.", ServiceManager::start),
        STOP("stop", "Stops the running service and waits until it stopped.", ServiceManager::stop),
        RESTART("restart", "Stops the service if it runs, then starts it.", ServiceManager::restart);

        private final String verb;
        private final String description;
        private final Action action;

        Verb(String verb, String description, Action action) {
            this.verb = verb;
            this.description = description;
            this.action = action;
        }

        String verb() {
            return verb;
        }
    }

    /** A manager call. */
    @FunctionalInterface
    interface Action {
        void run(ServiceManager manager, ServiceRef service, Progress progress);
    }

    private final CliContext cli;
    private final Verb verb;

    @CommandLine.Mixin
    CliContext.TargetOptions target = new CliContext.TargetOptions();

    @CommandLine.Mixin
    InstanceOption instance = new InstanceOption();

    private TargetCommand(CliContext cli, Verb verb) {
        this.cli = cli;
        this.verb = verb;
    }

    static CommandLine commandLine(CliContext cli, Verb verb) {
        CommandLine line = new CommandLine(new TargetCommand(cli, verb));
        line.getCommandSpec().usageMessage().description(verb.description);
        return line;
    }

    @Override
    public Integer call() {
        ServiceManager manager = cli.manager(target);
        ServiceRef service = cli.ref(target, instance);
        if (verb == Verb.STOP && target.root == null) {
            refuseWhenOnlyAForegroundRunRuns(manager, service);
        }
        verb.action.run(manager, service, cli.progress());
        return ExitCode.OK.code();
    }

    /**
     * {@code stop} acts on the service its manager runs. When the manager runs none but a {@code run} of the service
     * is alive in its data directory (the configuration as {@code run} reads it here), "not running" and exit 0 would
     * tell a script the service is gone while it serves: this says which process it is and how to stop it, and fails.
     */
    private void refuseWhenOnlyAForegroundRunRuns(ServiceManager manager, ServiceRef service) {
        try {
            if (manager.status(service).running()) {
                return;
            }
        } catch (ServiceManagerException e) {
            return; // the manager's own stop says what is wrong
        }
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();
        options.instance = instance;
        Optional<RunningInstanceFile.Found> foreground;
        try {
            foreground = RunningInstanceFile.live(cli.loadConfig(options).get(CoreConfigKeys.DATA_DIR), service.id());
        } catch (ConfigException e) {
            return; // no data directory to look in; the manager's answer stands
        }
        if (foreground.isPresent()) {
            long pid = foreground.get().pid();
            boolean windows = System.getProperty("os.name", "").startsWith("Windows");
            throw new ServiceManagerException(
                    service.id() + " is not running under " + manager.platform() + ", but a foreground run of it is:"
                            + " pid " + pid + " (" + foreground.get().file() + "). stop acts on the service "
                            + manager.platform() + " runs; stop that run with Ctrl+C in its terminal"
                            + (windows ? "" : ", or kill -TERM " + pid),
                    ExitCode.FAILURE);
        }
    }
}
