package dev.servicekit.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.servicekit.spi.Durations;
import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.StartType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
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

    /** Bound on a start, used for service-manager wait hints. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ServiceApplication app;
    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;
    private final Runnable forceExit;
    private final ServiceManagers managers;
    private final InputStream in;

    private ServiceCli(Builder b) {
        this.app = b.app;
        this.environment = Map.copyOf(b.environment);
        this.out = b.out;
        this.err = b.err;
        this.forceExit = b.forceExit;
        this.managers = b.managers != null ? b.managers : ServiceManagers.load();
        this.in = b.in;
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
        CommandContext context = new CommandContext() {
            @Override
            public Config loadConfig(ConfigOptions options) {
                return ServiceCli.this.loadConfig(options);
            }

            @Override
            public PrintStream out() {
                return out;
            }

            @Override
            public PrintStream err() {
                return err;
            }
        };
        for (Object command : app.commands(context)) {
            cli.addSubcommand(command);
        }
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);

        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException config) {
                printProblems(config);
                return ExitCode.CONFIG_ERROR.code();
            }
            if (e instanceof ServiceManagerException manager) {
                err.println(app.name() + ": " + manager.getMessage());
                return manager.exitCode();
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

    /**
     * The configuration as {@code run} would start with it: file, environment, {@code --set}, and etcd when
     * {@code config.etcd.endpoints} is set. etcd is read once (best effort): when it does not answer and is not
     * required, stderr says the result is the local configuration only.
     */
    Config loadConfig(ConfigOptions options) {
        Config local = loadLocalConfig(options, Optional.empty());
        Optional<EtcdConfigSource> etcd = EtcdConfigSource.fromConfig(local, app.name());
        if (etcd.isEmpty()) {
            return local;
        }
        try (EtcdConfigSource source = etcd.get()) {
            if (!source.load() && !local.get(CoreConfigKeys.CONFIG_ETCD_REQUIRED)) {
                err.println(app.name() + ": note: etcd (" + local.get(CoreConfigKeys.CONFIG_ETCD_ENDPOINTS).stream()
                        .map(Object::toString).collect(java.util.stream.Collectors.joining(", "))
                        + ") did not answer; this is the local configuration only (file, environment, --set)");
            }
            return loadLocalConfig(options, Optional.of(source.layer()));
        }
    }

    /** File, then the layer (etcd's snapshot) if any, then environment and {@code --set}; no network I/O. */
    private Config loadLocalConfig(ConfigOptions options, Optional<ConfigLayer> layer) {
        ConfigLoader.Builder loader = ConfigLoader.builder(app.configSchema())
                .environmentPrefix(app.environmentPrefix())
                .environment(environment)
                .file(configFile(options), options.configFile != null)
                .overrides(options.overrides);
        layer.ifPresent(loader::layer);
        return loader.build().load();
    }

    /** The file {@link #loadConfig} reads: {@code --config}, else the default one. */
    Path configFile(ConfigOptions options) {
        return options.configFile != null ? options.configFile : defaultConfigFile(options.overrides);
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
    public static final class ConfigOptions {
        @Option(names = "--config", paramLabel = "FILE",
                description = "YAML configuration file (default: <data-dir>/config.yaml when it exists).")
        Path configFile;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Override one configuration key, e.g. --set http.port=8081 (repeatable).")
        List<String> overrides = new ArrayList<>();

        /** For picocli ({@code @Mixin}). */
        public ConfigOptions() {
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

    @Command(mixinStandardHelpOptions = true,
            subcommands = {RunCommand.class, ServiceCommand.class, InstallCommand.class, UninstallCommand.class,
                StartCommand.class, StopCommand.class, RestartCommand.class, StatusCommand.class, ReloadCommand.class,
                ConfigCommand.class, VersionCommand.class},
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
        public Integer call() {
            return runService(options);
        }
    }

    @Command(name = "service", hidden = true,
            description = "Runs the service under the service manager that launched it (used in installed command lines).")
    final class ServiceCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Override
        public Integer call() {
            return runService(options);
        }
    }

    /** {@code run}: under the service manager that launched this process, if one did, else in the foreground. */
    int runService(ConfigOptions options) {
        Config local = loadLocalConfig(options, Optional.empty());
        boolean journal = out == System.out && JournalStream.isStdout(environment);
        LoggingConfigurator.configure(LogSettings.from(local, out, journal));
        Optional<EtcdConfigSource> etcd = EtcdConfigSource.fromConfig(local, app.name());
        Config config = local;
        if (etcd.isPresent()) {
            EtcdConfigSource source = etcd.get();
            source.load(); // a failure is a warning, or the layer's problem when config.etcd.required is true
            try {
                config = loadLocalConfig(options, Optional.of(source.layer()));
            } catch (RuntimeException e) {
                source.close();
                throw e;
            }
            LoggingConfigurator.configure(LogSettings.from(config, out, journal));
        }
        Service appService = app.createService(config);
        ServiceHost host = ServiceHost.builder(app.name(), etcd.isEmpty() ? appService : watchingEtcd(appService, etcd.get()))
                .shutdownTimeout(config.get(CoreConfigKeys.SHUTDOWN_TIMEOUT))
                .build();
        // Reloads read etcd's in-memory snapshot, never the network: a reload is as quick with etcd as without.
        host.reloader(new ConfigReloader(config, () -> loadLocalConfig(options, etcd.map(EtcdConfigSource::layer)),
                next -> LoggingConfigurator.configure(LogSettings.from(next, out, journal)), appService, java.time.Clock.systemUTC()));
        if (config.get(CoreConfigKeys.RELOAD_WATCH)) {
            // The file given with --config, else the default one even if it does not exist yet: one that appears
            // later is picked up (a missing file is never a change, see ConfigFileWatcher).
            host.watchConfigFile(configFile(options), config.get(CoreConfigKeys.RELOAD_POLL_INTERVAL));
        }
        HostedService service = new HostedService(host, START_TIMEOUT, forceExit);
        // Every manager is asked, available or not: systemd may have launched this process in a container
        // where it is not PID 1. Each one answers empty at once unless it launched the process.
        for (ServiceManager manager : managers.all()) {
            OptionalInt code = manager.runManaged(service);
            if (code.isPresent()) {
                return code.getAsInt();
            }
        }
        return service.runInForeground();
    }

    /**
     * The application's service, then a watch on etcd that reloads the host on every change. The watch is
     * registered last so that it stops first: no reload starts while the service shuts down.
     */
    private static Service watchingEtcd(Service appService, EtcdConfigSource etcd) {
        return context -> {
            try {
                appService.start(context);
            } catch (Exception | Error e) {
                etcd.close();
                throw e;
            }
            etcd.watch(() -> context.host().reload());
            context.onStop("etcd configuration watch", etcd::close);
        };
    }

    /** Options naming which installed service a manager command acts on. */
    static final class TargetOptions {
        @Option(names = "--name", paramLabel = "NAME", description = "Service name (default: the application's name).")
        String name;

        @Option(names = "--platform", paramLabel = "PLATFORM",
                description = "Service manager: windows, systemd, launchd or daemon (default: detected).")
        String platform;

        @Option(names = "--user", description = "A per-user service (systemd --user, LaunchAgents) instead of a system one.")
        boolean user;

        @Option(names = "--root", paramLabel = "DIR", description = "Write files under DIR instead of the live system; call no service manager.")
        Path root;
    }

    ServiceRef ref(TargetOptions target) {
        return new ServiceRef(target.name != null ? target.name : app.name(), target.user, Optional.ofNullable(target.root));
    }

    ServiceManager manager(TargetOptions target) {
        return managers.select(Optional.ofNullable(target.platform));
    }

    Progress progress() {
        return message -> err.println(message);
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Registers the service with the service manager (and starts it where that is the platform's custom).")
    final class InstallCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Option(names = "--display-name", paramLabel = "TEXT", description = "Name shown in service lists.")
        String displayName;

        @Option(names = "--description", paramLabel = "TEXT", description = "One sentence for service lists.")
        String description;

        @Option(names = "--start-type", paramLabel = "TYPE", defaultValue = "auto",
                description = "auto, delayed, manual or disabled (default: ${DEFAULT-VALUE}).")
        StartType startType;

        @Option(names = "--account", paramLabel = "ACCOUNT",
                description = "Account to run as (default: least privilege: NT SERVICE\\<name> on Windows, DynamicUser on systemd).")
        String account;

        @Option(names = "--password-stdin", description = "Read the account's password from standard input.")
        boolean passwordStdin;

        @Option(names = "--depends-on", paramLabel = "SERVICE", description = "A service that must run first (repeatable).")
        List<String> dependsOn = new ArrayList<>();

        @Option(names = "--on-failure", paramLabel = "ACTIONS", defaultValue = "restart:5s,restart:30s,none",
                description = "Recovery actions, e.g. restart:5s,restart:30s,none (default: ${DEFAULT-VALUE}).")
        String onFailure;

        @Option(names = "--reset-after", paramLabel = "DURATION", defaultValue = "1d",
                description = "Reset the failure count after this long without a failure (default: ${DEFAULT-VALUE}).")
        String resetAfter;

        @Option(names = "--stop-timeout", paramLabel = "DURATION",
                description = "How long the manager waits for a stop before killing (default: shutdown.timeout plus 5s).")
        String stopTimeout;

        @Option(names = "--jvm-option", paramLabel = "OPTION", description = "A JVM option for the service (repeatable; replaces the defaults).")
        List<String> jvmOptions = new ArrayList<>();

        @Option(names = "--dry-run", description = "Print exactly what would be done, and do nothing.")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            Config config = loadConfig(options); // never install a service that cannot start
            ServiceRef service = ref(target);
            List<FailureAction> actions;
            Duration reset;
            Duration stop;
            try {
                actions = FailureAction.parseList(onFailure);
                reset = Durations.parse(resetAfter);
                stop = stopTimeout != null ? Durations.parse(stopTimeout)
                        : config.get(CoreConfigKeys.SHUTDOWN_TIMEOUT).plusSeconds(5);
            } catch (IllegalArgumentException e) {
                err.println(app.name() + ": " + e.getMessage());
                return ExitCode.USAGE.code();
            }
            Optional<String> password = Optional.empty();
            if (passwordStdin) {
                String line = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8)).readLine();
                if (line == null || line.isEmpty()) {
                    err.println(app.name() + ": --password-stdin was given but standard input had no password line");
                    return ExitCode.USAGE.code();
                }
                password = Optional.of(line);
            }
            List<String> arguments = new ArrayList<>();
            if (options.configFile != null) {
                arguments.add("--config");
                arguments.add(options.configFile.toAbsolutePath().normalize().toString());
            }
            LaunchCommand launch = new LaunchCommand(javaExecutable(), jvmOptions.isEmpty() ? app.defaultJvmOptions() : jvmOptions,
                    applicationJar(), arguments);
            InstallRequest request = new InstallRequest(service,
                    displayName != null ? displayName : service.name(),
                    description != null ? description : service.name() + " " + app.version(),
                    startType, Optional.ofNullable(account), password, dependsOn, actions, reset, stop, launch, dryRun);
            ServiceManager manager = manager(target);
            if (dryRun) {
                out.print(manager.describeInstall(request));
                return ExitCode.OK.code();
            }
            manager.install(request, progress());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Stops the service and removes it from the service manager.")
    final class UninstallCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @Override
        public Integer call() {
            manager(target).uninstall(ref(target), progress());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Starts the installed service and waits until it runs.")
    final class StartCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @Override
        public Integer call() {
            manager(target).start(ref(target), progress());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stops the running service and waits until it stopped.")
    final class StopCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @Override
        public Integer call() {
            manager(target).stop(ref(target), progress());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true, description = "Stops the service if it runs, then starts it.")
    final class RestartCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @Override
        public Integer call() {
            manager(target).restart(ref(target), progress());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = {"Asks the running service to reload its configuration: through the service manager that runs it,"
                    + " else through the management listener on loopback (taken from --config/--set).",
                "Exit 0 when reloaded, 78 when the service refused the new configuration (it keeps the running one),"
                    + " 3 when nothing is running."})
    final class ReloadCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @CommandLine.Mixin
        ConfigOptions options = new ConfigOptions();

        @Override
        public Integer call() {
            ServiceRef service = ref(target);
            if (target.platform != null || target.root != null) {
                manager(target).reload(service, progress());
                return ExitCode.OK.code();
            }
            List<String> seen = new ArrayList<>();
            for (ServiceManager manager : managers.all()) {
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
                    manager.reload(service, progress());
                    return ExitCode.OK.code();
                }
                seen.add(manager.platform() + ": " + status.summary());
            }
            String managersSaid = seen.isEmpty() ? "no service manager is available here"
                    : "no service manager runs it (" + String.join("; ", seen) + ")";
            Optional<LocalAdminAccess> access = app.localAdminAccess(loadConfig(options));
            if (access.isEmpty()) {
                err.println(app.name() + ": " + service.name() + " is not running: " + managersSaid
                        + ", and " + app.name() + " has no management listener to ask; start it, or send SIGHUP to its process");
                return ExitCode.NOT_RUNNING.code();
            }
            err.println(service.name() + ": " + managersSaid + "; asking the management listener at " + access.get().managementUri());
            ReloadReport report;
            try {
                report = access.get().reload();
            } catch (ServiceManagerException e) {
                err.println(app.name() + ": " + service.name() + " is not running: " + managersSaid + ", and " + e.getMessage());
                return e.exitCode();
            }
            printReport(service.name(), report);
            return report.ok() ? ExitCode.OK.code() : ExitCode.CONFIG_ERROR.code();
        }
    }

    private void printReport(String service, ReloadReport report) {
        if (!report.ok()) {
            out.println(service + " refused the new configuration and keeps running with the old one:");
            out.println("  error: " + report.error().orElse("(no reason given)"));
            return;
        }
        if (report.applied().isEmpty() && report.requiresRestart().isEmpty()) {
            out.println(service + " reloaded its configuration: unchanged");
            return;
        }
        out.println(service + " reloaded its configuration:");
        out.println("  applied:          " + (report.applied().isEmpty() ? "(nothing)" : String.join(", ", report.applied())));
        if (!report.requiresRestart().isEmpty()) {
            out.println("  requires restart: " + String.join(", ", report.requiresRestart())
                    + " (restart " + service + " to apply)");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Shows the service manager's view of the service; exit 0 running, 3 not running, 4 not installed.")
    final class StatusCommand implements Callable<Integer> {
        @CommandLine.Mixin
        TargetOptions target = new TargetOptions();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ServiceManager manager = manager(target);
            ServiceRef service = ref(target);
            ServiceStatus status = manager.status(service);
            if (json) {
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("name", service.name());
                view.put("platform", manager.platform());
                view.put("installed", status.installed());
                view.put("running", status.running());
                view.put("state", status.managerState());
                view.put("pid", status.pid().isPresent() ? status.pid().getAsLong() : null);
                view.put("lastExitCode", status.lastExitCode().isPresent() ? status.lastExitCode().getAsInt() : null);
                view.put("restarts", status.restarts().isPresent() ? status.restarts().getAsInt() : null);
                out.println(new ObjectMapper().writeValueAsString(view));
            } else {
                out.println(service.name() + ": " + status.summary());
            }
            return status.exitCode();
        }
    }

    /** The java executable running this process, for the installed command line. */
    static Path javaExecutable() {
        return ProcessHandle.current().info().command().map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /** The jar (or classes directory) the application was loaded from. */
    Path applicationJar() {
        try {
            return Path.of(app.getClass().getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            throw new ServiceException("Cannot tell which jar " + app.name() + " runs from (" + e.getMessage()
                    + "); run it with java -jar <jar> install", e);
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
            description = "Prints the effective configuration (defaults, file, etcd, environment, --set) with secrets masked.")
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

        @Option(names = "--jvm-options", description = "Print the JVM options install gives the service, one per line.")
        boolean jvmOptions;

        @Override
        public Integer call() throws Exception {
            if (jvmOptions) {
                app.defaultJvmOptions().forEach(out::println);
                return ExitCode.OK.code();
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("name", app.name());
            info.put("version", app.version());
            info.put("java", Runtime.version().toString());
            info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            info.put("jvmOptions", app.defaultJvmOptions());
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
            } else if (type == ServiceCommand.class) {
                made = new ServiceCommand();
            } else if (type == InstallCommand.class) {
                made = new InstallCommand();
            } else if (type == UninstallCommand.class) {
                made = new UninstallCommand();
            } else if (type == StartCommand.class) {
                made = new StartCommand();
            } else if (type == StopCommand.class) {
                made = new StopCommand();
            } else if (type == RestartCommand.class) {
                made = new RestartCommand();
            } else if (type == StatusCommand.class) {
                made = new StatusCommand();
            } else if (type == ReloadCommand.class) {
                made = new ReloadCommand();
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
        private ServiceManagers managers;
        private InputStream in = System.in;
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
