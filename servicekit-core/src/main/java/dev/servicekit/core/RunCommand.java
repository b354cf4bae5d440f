package dev.servicekit.core;

import dev.servicekit.spi.ConsoleLogTarget;
import dev.servicekit.spi.ServiceManager;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
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
     * The options of a plain {@code run} or {@code service} command line ({@link PlainArguments}: {@code --set},
     * {@code --config} and {@code --instance} only), parsed without picocli; empty for anything else, which picocli
     * then parses. This is what every start of a service runs.
     */
    static Optional<ServiceCli.ConfigOptions> plainArguments(String... args) {
        if (args.length == 0 || !(args[0].equals("run") || args[0].equals("service"))) {
            return Optional.empty();
        }
        return PlainArguments.parse(args, false, Set.of()).map(parsed -> parsed.config);
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
