package dev.servicekit.core;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
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
        verb.action.run(cli.manager(target), cli.ref(target, instance), cli.progress());
        return ExitCode.OK.code();
    }
}
