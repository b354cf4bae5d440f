package dev.servicekit.core;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceManagers;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of a Servicekit application, and its composition root: {@code run}, {@code install},
 * {@code uninstall}, {@code start}, {@code stop}, {@code restart}, {@code status}, {@code reload}, {@code doctor},
 * {@code config validate|show}, {@code version}, and the application's own commands. Results go to stdout,
 * diagnostics to stderr, and every verb ends with one of the {@link ExitCode}s (the help footer is rendered from
 * that table).
 *
 * {@snippet :
 * public static void main(String[] args) {
 *     ServiceCli.main(new UsersServiceApplication(), args);   // never returns
 * }
 * }
 */
public final class ServiceCli {

    private final CliContext context;

    private ServiceCli(Builder b) {
        this.context = new CliContext(
                b.app,
                Map.copyOf(b.environment),
                b.out,
                b.err,
                b.in,
                b.managers != null ? () -> b.managers : new LoadedOnce(),
                b.forceExit);
    }

    /** Runs the command line with the process's environment and exits the JVM with the verb's exit code. */
    public static void main(ServiceApplication app, String... args) {
        int code = builder(app).build().execute(args);
        LoggingConfigurator.shutdown();
        System.exit(code);
    }

    /** Starts building a command line (tests set the environment and streams). */
    public static Builder builder(ServiceApplication app) {
        return new Builder(app);
    }

    /**
     * Runs one command and returns its exit code; never calls {@code System.exit}. A plain {@code version},
     * {@code --version} or {@code -V} (no other argument) is answered without picocli, whose classes (class-file
     * version 49) no class-data archive holds and which took most of that verb's time; its output is the same, the
     * line of {@code version} (the jar's launcher prints it too, without starting the application).
     */
    public int execute(String... args) {
        if (args.length == 1 && (args[0].equals("version") || args[0].equals("--version") || args[0].equals("-V"))) {
            context.out().println(VersionCommand.line(context.app(), java.util.Optional.empty()));
            return ExitCode.OK.code();
        }
        Optional<ConfigOptions> plainRun = RunCommand.plainArguments(args);
        if (plainRun.isPresent()) {
            // The start of every service, without building picocli's model (see RunCommand.plainArguments).
            try {
                return new RunCommand(context, plainRun.get()).call();
            } catch (Exception e) {
                return failure(e);
            }
        }
        Optional<StatusCommand> plainStatus = StatusCommand.plain(context, args);
        if (plainStatus.isPresent()) {
            // Asked by scripts and health checks, often: without building picocli's model as well.
            try {
                return plainStatus.get().call();
            } catch (Exception e) {
                return failure(e);
            }
        }
        return commandLine(args).execute(args);
    }

    /**
     * Starts the service in this JVM as {@code run} would — the same configuration (default file, shared source,
     * environment, these {@code --set} overrides) and the same reload wiring — but without configuring logging,
     * signal handlers or a service manager, and returns the running host. For tests and embedding: stop it with
     * {@link ServiceHost#stop()}.
     *
     * @param overrides {@code key=value} pairs, as {@code --set} takes them
     * @throws ConfigException when the configuration is invalid
     * @throws ServiceStartException when start failed (what had started was stopped)
     */
    public ServiceHost start(String... overrides) {
        ConfigOptions options = new ConfigOptions();
        options.overrides.addAll(List.of(overrides));
        ServiceHost host = RunCommand.host(context, context.bootstrap().load(options));
        host.start();
        return host;
    }

    /** The whole command line, every verb built (usage, tests). */
    CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for these arguments. Building a picocli command reflects over its annotations, which costs
     * more than most verbs themselves; when the first argument names a built-in verb only that verb is built (its
     * own parsing, help and errors are the same), otherwise every verb (the root's usage, suggestions for a
     * mistyped verb, the application's own commands).
     */
    CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Root());
        cli.setCommandName(context.app().name());
        cli.getCommandSpec().usageMessage().footer(ExitCode.table());
        cli.getCommandSpec().version(VersionCommand.line(context.app(), Optional.empty()));
        Map<String, Supplier<Object>> verbs = builtInVerbs();
        String first = args.length > 0 ? args[0] : "";
        if (verbs.containsKey(first)) {
            cli.addSubcommand(first, verbs.get(first).get());
        } else {
            verbs.forEach((name, command) -> cli.addSubcommand(name, command.get()));
            for (Object command : context.app().commands(context)) {
                cli.addSubcommand(command);
            }
        }
        cli.setOut(new PrintWriter(context.out(), true));
        cli.setErr(new PrintWriter(context.err(), true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failure(e));
        return cli;
    }

    /** What a verb that threw exits with, after saying why on stderr. */
    private int failure(Exception e) {
        if (e instanceof ConfigException config) {
            context.printProblems(config);
            return ExitCode.CONFIG_ERROR.code();
        }
        if (e instanceof ServiceManagerException manager) {
            context.err().println(named(manager.getMessage()));
            return manager.exitCode();
        }
        context.err().println(named(e.getMessage() == null ? e.toString() : e.getMessage()));
        return ExitCode.FAILURE.code();
    }

    /**
     * {@code <name>: <message>}, unless the message names the service first already ({@code users-service is not
     * installed: …}, {@code users-service@a exited …}), which would read {@code users-service: users-service …}.
     */
    private String named(String message) {
        String name = context.app().name();
        boolean namesIt = message.startsWith(name)
                && (message.length() == name.length() || " @:".indexOf(message.charAt(name.length())) >= 0);
        return namesIt ? message : name + ": " + message;
    }

    /** {@link ServiceManagers#load()} on first use, once. */
    private static final class LoadedOnce implements Supplier<ServiceManagers> {
        private ServiceManagers managers;

        @Override
        public synchronized ServiceManagers get() {
            if (managers == null) {
                managers = ServiceManagers.load();
            }
            return managers;
        }
    }

    /** The built-in verbs in usage order, each built only when asked for. */
    private Map<String, Supplier<Object>> builtInVerbs() {
        Map<String, Supplier<Object>> verbs = new LinkedHashMap<>();
        verbs.put("run", () -> RunCommand.commandLine(context, false));
        verbs.put("service", () -> RunCommand.commandLine(context, true));
        verbs.put("install", () -> new InstallCommand(context));
        for (TargetCommand.Verb verb : TargetCommand.Verb.values()) {
            verbs.put(verb.verb(), () -> TargetCommand.commandLine(context, verb));
        }
        verbs.put("status", () -> new StatusCommand(context));
        verbs.put("reload", () -> new ReloadCommand(context));
        verbs.put("doctor", () -> new DoctorCommand(context));
        verbs.put("config", () -> ConfigCommand.commandLine(context));
        verbs.put("version", () -> new VersionCommand(context));
        return verbs;
    }

    /**
     * Options shared by every verb that reads the configuration: {@code --config}, {@code --set} and
     * {@code --instance} (which sets the {@code instance} key, above every other source).
     */
    public static final class ConfigOptions {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "YAML configuration file (default: <data-dir>/config.yaml when it exists).")
        Path configFile;

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "Override one configuration key, e.g. --set http.port=8081 (repeatable).")
        List<String> overrides = new ArrayList<>();

        @CommandLine.Mixin
        InstanceOption instance = new InstanceOption();

        /**
         * The directory a relative {@code data-dir} (the default {@code .} among them) and so the default
         * configuration file are under: null for this process's working directory; an installed service's own
         * ({@link InstalledConfig}) for the verbs that read the configuration it runs with.
         */
        Path workingDirectory;

        /**
         * The application's environment variables (those with its prefix) as the installed service gets them, in place
         * of this process's own: null for this process's own; the service's ({@link InstalledConfig}) when its manager
         * said what they are.
         */
        Map<String, String> serviceEnvironment;

        /** For picocli ({@code @Mixin}). */
        public ConfigOptions() {}

        /** A copy with {@code override} after the other {@code --set} values. */
        ConfigOptions withOverride(String override) {
            ConfigOptions copy = new ConfigOptions();
            copy.configFile = configFile;
            copy.overrides = new ArrayList<>(overrides);
            copy.overrides.add(override);
            copy.instance = instance;
            copy.workingDirectory = workingDirectory;
            copy.serviceEnvironment = serviceEnvironment;
            return copy;
        }
    }

    /**
     * What an application's own commands ({@link ServiceApplication#commands}) get from the command line:
     * the configuration (loaded exactly as {@code run} loads it; a {@link ConfigException} becomes exit 78
     * with every problem listed) and the output streams.
     */
    public interface CommandContext {
        /** Loads and validates the configuration named by the options (declare them with {@code @Mixin ConfigOptions}). */
        Config loadConfig(ConfigOptions options);

        /** Where results go. */
        PrintStream out();

        /** Where diagnostics go. */
        PrintStream err();
    }

    @Command(
            mixinStandardHelpOptions = true,
            description = "Runs and manages the service.",
            footerHeading = "%nExit codes:%n")
    static final class Root extends UsageCommand {}

    /** A command that only groups subcommands: run alone, it prints its usage and exits with {@link ExitCode#USAGE}. */
    abstract static class UsageCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return ExitCode.USAGE.code();
        }
    }

    /** Builds a {@link ServiceCli}. */
    public static final class Builder {
        private final ServiceApplication app;
        private Map<String, String> environment = System.getenv();
        private PrintStream out = System.out;
        private PrintStream err = System.err;
        private ServiceManagers managers;
        private InputStream in = System.in;
        private Runnable forceExit = () -> {
            LoggingConfigurator.shutdown();
            Runtime.getRuntime().halt(ExitCode.FORCED_EXIT.code());
        };

        private Builder(ServiceApplication app) {
            this.app = Objects.requireNonNull(app, "app");
            ServiceApplication.checkIdentity(app);
        }

        /** The environment variables to read configuration from. */
        public Builder environment(Map<String, String> variables) {
            this.environment = Objects.requireNonNull(variables, "variables");
            return this;
        }

        /** Where results go. */
        public Builder out(PrintStream stream) {
            this.out = Objects.requireNonNull(stream, "stream");
            return this;
        }

        /** Where diagnostics go. */
        public Builder err(PrintStream stream) {
            this.err = Objects.requireNonNull(stream, "stream");
            return this;
        }

        /** What a second stop signal does (default: halt the JVM with {@link ExitCode#FORCED_EXIT}). */
        public Builder forceExit(Runnable action) {
            this.forceExit = Objects.requireNonNull(action, "action");
            return this;
        }

        /** The service managers to choose from (default: those found with ServiceLoader). */
        public Builder managers(ServiceManagers value) {
            this.managers = Objects.requireNonNull(value, "value");
            return this;
        }

        /** Where {@code --password-stdin} reads from. */
        public Builder in(InputStream stream) {
            this.in = Objects.requireNonNull(stream, "stream");
            return this;
        }

        /** Builds the command line. */
        public ServiceCli build() {
            return new ServiceCli(this);
        }
    }
}
