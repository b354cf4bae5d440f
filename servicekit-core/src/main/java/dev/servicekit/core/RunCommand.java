package dev.servicekit.core;

import dev.servicekit.spi.ConsoleLogTarget;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code run} (and the hidden {@code service} that installed command lines use): loads the configuration once,
 * configures logging once, builds the host with its reload wiring, then runs under the service manager that
 * launched the process, if one did, else in the foreground.
 */
@Command(mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    /** Bound on a start, used for service-manager wait hints. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final CliContext cli;

    @CommandLine.Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    private RunCommand(CliContext cli) {
        this.cli = cli;
    }

    /** The command with options already parsed (the {@link #plainArguments} path, without picocli). */
    RunCommand(CliContext cli, ServiceCli.ConfigOptions options) {
        this.cli = cli;
        this.options = options;
    }

    /**
     * The options of a plain {@code run} or {@code service} command line, parsed without picocli: the verb followed
     * only by {@code --set KEY=VALUE}, {@code --config FILE} and {@code --instance NAME} (each also as
     * {@code --option=value}; {@code --config} and {@code --instance} at most once), every value non-empty and not
     * starting with {@code -} or {@code @}, a file name that is a valid path and an instance name that keeps the rule.
     * Empty for anything else ({@code --help}, a typo, an {@code @file}, {@code --}, a bad value), which picocli then
     * parses, helps or rejects exactly as before.
     *
     * <p>Why: this is what every start of a service runs, and picocli 4.7's classes are Java 5 class files, which
     * neither the class-data archive nor the AOT cache keeps; building the command model alone took 100-200 ms of
     * each start (docs/decisions.md, "Start path inside the application"). {@code ServiceCliTest} holds this parse
     * equal to picocli's for the command lines it accepts.
     */
    static Optional<ServiceCli.ConfigOptions> plainArguments(String... args) {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("service"))) {
            return Optional.empty();
        }
        ServiceCli.ConfigOptions parsed = new ServiceCli.ConfigOptions();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
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
            switch (option) {
                case "--set" -> parsed.overrides.add(value);
                case "--config" -> {
                    if (parsed.configFile != null) {
                        return Optional.empty();
                    }
                    try {
                        parsed.configFile = Paths.get(value);
                    } catch (InvalidPathException e) {
                        return Optional.empty();
                    }
                }
                case "--instance" -> {
                    if (parsed.instance.name != null
                            || ServiceRef.instanceProblem(value).isPresent()) {
                        return Optional.empty();
                    }
                    parsed.instance.name = value;
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(parsed);
    }

    static CommandLine commandLine(CliContext cli, boolean service) {
        CommandLine line = new CommandLine(new RunCommand(cli));
        line.getCommandSpec()
                .usageMessage()
                .hidden(service)
                .description(
                        service
                                ? "Runs the service under the service manager that launched it (used in installed command lines)."
                                : "Runs the service in the foreground until SIGTERM or Ctrl+C (a second one exits at once).");
        return line;
    }

    @Override
    public Integer call() {
        ConfigBootstrap.Loaded loaded = cli.bootstrap().load(options);
        ServiceHost host;
        try {
            LoggingConfigurator.configure(LogSettings.from(
                    loaded.config(),
                    cli.app().name(),
                    cli.out(),
                    cli.out() == System.out ? ConsoleLogTarget.detect(cli.environment()) : java.util.Optional.empty()));
            host = host(cli, loaded);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        // status and doctor find this process through its data directory, whoever launched it.
        ServiceHost running = host;
        RunningInstanceFile instanceFile = RunningInstanceFile.in(
                loaded.config().get(CoreConfigKeys.DATA_DIR),
                cli.app().name() + host.instance().map(i -> "@" + i).orElse(""));
        host.addListener(change -> instanceFile.update(running, change.to()));
        HostedService service = new HostedService(host, START_TIMEOUT, cli.forceExit());
        // Every manager is asked, available or not: systemd may have launched this process in a container
        // where it is not PID 1. Each one answers empty at once unless it launched the process.
        for (ServiceManager manager : cli.managers().all()) {
            OptionalInt code = manager.runManaged(service);
            if (code.isPresent()) {
                return code.getAsInt();
            }
        }
        return service.runInForeground();
    }

    /**
     * The host for a loaded configuration: the application's service, reloaded from the same sources (logging is
     * part of every reload), watching the configuration file when {@code reload.watch} is on and the shared source
     * when there is one.
     */
    static ServiceHost host(CliContext cli, ConfigBootstrap.Loaded loaded) {
        Config config = loaded.config();
        Service service;
        try {
            service = cli.app().createService(config);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        ServiceHost.Builder builder = ServiceHost.builder(
                        cli.app().name(),
                        loaded.shared()
                                .<Service>map(source -> new SharedSourceWatch(service, source))
                                .orElse(service))
                .shutdownTimeout(config.get(CoreConfigKeys.SHUTDOWN_TIMEOUT))
                .configuration(config, loaded.reload())
                .reloadStep(LoggingConfigurator.reloadStep());
        loaded.shared().ifPresent(builder::sharedSource);
        if (config.get(CoreConfigKeys.RELOAD_WATCH)) {
            // The file given with --config, else the default one even if it does not exist yet: one that appears
            // later is picked up (a missing file is never a change, see ConfigFileWatcher).
            builder.watchConfigFile(loaded.file(), config.get(CoreConfigKeys.RELOAD_POLL_INTERVAL));
        }
        return builder.build();
    }
}
