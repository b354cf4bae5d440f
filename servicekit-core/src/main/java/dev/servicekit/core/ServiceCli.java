package dev.servicekit.core;

import dev.servicekit.spi.ServiceState;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The command line of a Servicekit application: {@code run}, {@code config validate},
 * {@code config show [--json]}, {@code version}. Results go to stdout, diagnostics to stderr, and every
 * verb ends with one of the {@link ExitCode}s.
 *
 * {@snippet :
 * public static void main(String[] args) {
 *     ServiceCli.main(new UsersServiceApplication(), args);   // never returns
 * }
 * }
 */
public final class ServiceCli {

    private final ServiceApplication app;
    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;
    private final Runnable forceExit;

    private ServiceCli(Builder b) {
        this.app = b.app;
        this.environment = Map.copyOf(b.environment);
        this.out = b.out;
        this.err = b.err;
        this.forceExit = b.forceExit;
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

    /** Runs one command and returns its exit code; never calls {@code System.exit}. */
    public int execute(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Root(), new Factory());
        cli.setCommandName(app.name());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException config) {
                printProblems(config);
                return ExitCode.CONFIG_ERROR.code();
            }
            err.println(app.name() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return ExitCode.FAILURE.code();
        });
        return cli;
    }

    private void printProblems(ConfigException e) {
        err.println(app.name() + ": invalid configuration, " + e.problems().size()
                + (e.problems().size() == 1 ? " problem:" : " problems:"));
        for (ConfigProblem problem : e.problems()) {
            err.println("  - " + problem);
        }
    }

    Config loadConfig(ConfigOptions options) {
        Path file = options.configFile != null ? options.configFile : defaultConfigFile(options.overrides);
        return ConfigLoader.builder(app.configSchema())
                .environmentPrefix(app.environmentPrefix())
                .environment(environment)
                .file(file, options.configFile != null)
                .overrides(options.overrides)
                .build()
                .load();
    }

    /** {@code <data-dir>/config.yaml}, where data-dir comes from --set or the environment, else the working directory. */
    private Path defaultConfigFile(List<String> overrides) {
        String dataDir = environment.get(CoreConfigKeys.DATA_DIR.environmentVariable(app.environmentPrefix()));
        for (String override : overrides) {
            if (override.startsWith(CoreConfigKeys.DATA_DIR.name() + "=")) {
                dataDir = override.substring(CoreConfigKeys.DATA_DIR.name().length() + 1);
            }
        }
        return Path.of(dataDir == null || dataDir.isBlank() ? "." : dataDir.strip()).resolve("config.yaml");
    }

    /** Options shared by every verb that reads the configuration. */
    static final class ConfigOptions {
        @Option(names = "--config", paramLabel = "FILE",
                description = "YAML configuration file (default: <data-dir>/config.yaml when it exists).")
        Path configFile;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Override one configuration key, e.g. --set http.port=8081 (repeatable).")
        List<String> overrides = new ArrayList<>();
    }

    @Command(mixinStandardHelpOptions = true,
            subcommands = {RunCommand.class, ConfigCommand.class, VersionCommand.class},
            description = "Runs and manages the service.",
            footerHeading = "%nExit codes:%n",
            footer = {"  0   success (status: running)", "  1   failure", "  2   usage error", "  3   not running (status)",
                "  4   not installed", "  77  permission denied", "  78  configuration error",
                "  130 forced exit by a second stop signal"})
    final class Root extends UsageCommand {
    }

    /** A command that only groups subcommands: run alone, it prints its usage and exits with {@link ExitCode#USAGE}. */
    abstract class UsageCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(err);
            return ExitCode.USAGE.code();
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Runs the service in the foreground until SIGTERM or Ctrl+C (a second one exits at once).")
    final class RunCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Override
        public Integer call() throws Exception {
            Config config = loadConfig(options);
            LoggingConfigurator.configure(LogSettings.from(config, out));
            Logger log = LoggerFactory.getLogger(ServiceCli.class);
            ServiceHost host = ServiceHost.builder(app.name(), app.createService(config))
                    .shutdownTimeout(config.get(CoreConfigKeys.SHUTDOWN_TIMEOUT))
                    .build();
            SignalStopper signals = new SignalStopper(host, forceExit);
            signals.install();
            try {
                host.start();
            } catch (ServiceStartException e) {
                // One clear line; the stack trace only when debugging.
                log.error("{}", e.getMessage());
                log.debug("Start failure detail", e);
                return ExitCode.FAILURE.code();
            }
            host.awaitTermination();
            return host.state() == ServiceState.STOPPED ? ExitCode.OK.code() : ExitCode.FAILURE.code();
        }
    }

    @Command(name = "config", mixinStandardHelpOptions = true, description = "Checks or shows the configuration.",
            subcommands = {ValidateCommand.class, ShowCommand.class})
    final class ConfigCommand extends UsageCommand {
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Checks the configuration and lists every problem (exit 78 when there is one).")
    final class ValidateCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Override
        public Integer call() {
            Config config = loadConfig(options);
            out.println("Configuration is valid (hash " + config.hash() + ").");
            return ExitCode.OK.code();
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Prints the effective configuration (defaults, file, environment, --set) with secrets masked.")
    final class ShowCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Option(names = "--json", description = "Print JSON instead of YAML.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Config config = loadConfig(options);
            ObjectMapper mapper = json
                    ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    : new YAMLMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());
            out.print(mapper.writeValueAsString(config.toMap()));
            if (json) {
                out.println();
            }
            return ExitCode.OK.code();
        }
    }

    @Command(name = "version", mixinStandardHelpOptions = true, description = "Prints the version.")
    final class VersionCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Map<String, String> info = new LinkedHashMap<>();
            info.put("name", app.name());
            info.put("version", app.version());
            info.put("java", Runtime.version().toString());
            info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(info));
            } else {
                out.println(app.name() + " " + app.version() + " (Java " + info.get("java") + ", " + info.get("os") + ")");
            }
            return ExitCode.OK.code();
        }
    }

    /** Lets picocli create the inner command classes, which need this CLI instance. */
    private final class Factory implements CommandLine.IFactory {
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        @Override
        public <K> K create(Class<K> type) throws Exception {
            Object made;
            if (type == Root.class) {
                made = new Root();
            } else if (type == RunCommand.class) {
                made = new RunCommand();
            } else if (type == ConfigCommand.class) {
                made = new ConfigCommand();
            } else if (type == ValidateCommand.class) {
                made = new ValidateCommand();
            } else if (type == ShowCommand.class) {
                made = new ShowCommand();
            } else if (type == VersionCommand.class) {
                made = new VersionCommand();
            } else {
                return fallback.create(type);
            }
            return type.cast(made);
        }
    }

    /** Builds a {@link ServiceCli}. */
    public static final class Builder {
        private final ServiceApplication app;
        private Map<String, String> environment = System.getenv();
        private PrintStream out = System.out;
        private PrintStream err = System.err;
        private Runnable forceExit = () -> {
            LoggingConfigurator.shutdown();
            Runtime.getRuntime().halt(SignalStopper.FORCED_EXIT);
        };

        private Builder(ServiceApplication app) {
            this.app = Objects.requireNonNull(app, "app");
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

        /** What a second stop signal does (default: halt the JVM with exit code 130). */
        public Builder forceExit(Runnable action) {
            this.forceExit = Objects.requireNonNull(action, "action");
            return this;
        }

        /** Builds the command line. */
        public ServiceCli build() {
            return new ServiceCli(this);
        }
    }
}
