package dev.servicekit.core;

import dev.servicekit.spi.Durations;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.StartType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code install}: validates the configuration (a service that cannot start is never installed), then registers
 * the service with the manager. The installed command line is the running {@code java}, the JVM options, this jar,
 * {@code service}, and the {@code --config} and every {@code --set} given here. With {@code --instance} the manager
 * installs that instance: it adds {@code --instance NAME} to the command line and names the service, its display
 * name, directories and files after it.
 */
@Command(
        name = "install",
        mixinStandardHelpOptions = true,
        description =
                "Registers the service with the service manager (and starts it where that is the platform's custom).")
final class InstallCommand implements Callable<Integer> {

    private final CliContext cli;

    @CommandLine.Mixin
    CliContext.TargetOptions target = new CliContext.TargetOptions();

    @CommandLine.Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    @Option(names = "--display-name", paramLabel = "TEXT", description = "Name shown in service lists.")
    String displayName;

    @Option(names = "--description", paramLabel = "TEXT", description = "One sentence for service lists.")
    String description;

    @Option(
            names = "--start-type",
            paramLabel = "TYPE",
            defaultValue = "auto",
            description = "auto, delayed, manual or disabled (default: ${DEFAULT-VALUE}).")
    StartType startType;

    @Option(
            names = "--account",
            paramLabel = "ACCOUNT",
            description =
                    "Account to run as (default: least privilege: NT SERVICE\\<name> on Windows, DynamicUser on systemd).")
    String account;

    @Option(names = "--password-stdin", description = "Read the account's password from standard input.")
    boolean passwordStdin;

    @Option(names = "--depends-on", paramLabel = "SERVICE", description = "A service that must run first (repeatable).")
    List<String> dependsOn = new ArrayList<>();

    @Option(
            names = "--on-failure",
            paramLabel = "ACTIONS",
            defaultValue = "restart:5s,restart:30s,none",
            description = "Recovery actions, e.g. restart:5s,restart:30s,none (default: ${DEFAULT-VALUE}).")
    String onFailure;

    @Option(
            names = "--reset-after",
            paramLabel = "DURATION",
            defaultValue = "1d",
            description = "Reset the failure count after this long without a failure (default: ${DEFAULT-VALUE}).")
    String resetAfter;

    @Option(
            names = "--stop-timeout",
            paramLabel = "DURATION",
            description = "How long the manager waits for a stop before killing (default: shutdown.timeout plus 5s).")
    String stopTimeout;

    @Option(
            names = "--jvm-option",
            paramLabel = "OPTION",
            description = "A JVM option for the service (repeatable; replaces the defaults).")
    List<String> jvmOptions = new ArrayList<>();

    @Option(
            names = "--watchdog",
            paramLabel = "DURATION",
            description = "systemd only: restart the service when it stops reporting itself alive (it does so while its"
                    + " liveness check passes) for this long; 0 or off turns the watchdog off (default: 30s).")
    String watchdog;

    @Option(
            names = "--bind-privileged-ports",
            description = "systemd only: let the service listen on a port below 1024 without running as root"
                    + " (CAP_NET_BIND_SERVICE; system units only).")
    boolean bindPrivilegedPorts;

    @Option(
            names = "--drop-in",
            paramLabel = "FILE",
            description = "systemd only: install FILE (UTF-8, e.g. [Service] and MemoryMax=1G) as the unit's drop-in,"
                    + " override.conf, which systemd applies on top of the unit; uninstall removes it.")
    Path dropInFile;

    @Option(names = "--dry-run", description = "Print exactly what would be done, and do nothing.")
    boolean dryRun;

    InstallCommand(CliContext cli) {
        this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
        Config config = cli.loadConfig(options); // never install a service that cannot start
        ServiceRef service = cli.ref(target, options.instance);
        Optional<String> configured = config.find(CoreConfigKeys.INSTANCE);
        if (configured.isPresent() && !configured.equals(service.instance())) {
            // The manager names the service, its directories and its files after the instance install is given.
            cli.err()
                    .println(cli.app().name() + ": the configuration names instance \"" + configured.get() + "\" ("
                            + config.source(CoreConfigKeys.INSTANCE) + ") but install was given "
                            + service.instance().map(i -> "--instance " + i).orElse("no --instance")
                            + "; name the instance with --instance " + configured.get()
                            + " and remove it from the configuration");
            return ExitCode.USAGE.code();
        }
        List<FailureAction> actions;
        Duration reset;
        Duration stop;
        Optional<Duration> watchdogInterval;
        Optional<String> dropIn;
        try {
            watchdogInterval = watchdog(watchdog);
            dropIn = dropIn(dropInFile);
            actions = FailureAction.parseList(onFailure);
            reset = Durations.parse(resetAfter);
            stop = stopTimeout != null
                    ? Durations.parse(stopTimeout)
                    : config.get(CoreConfigKeys.SHUTDOWN_TIMEOUT).plusSeconds(5);
        } catch (IllegalArgumentException e) {
            cli.err().println(cli.app().name() + ": " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        Optional<String> password = Optional.empty();
        if (passwordStdin) {
            String line = new BufferedReader(new InputStreamReader(cli.in(), StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                cli.err()
                        .println(cli.app().name()
                                + ": --password-stdin was given but standard input had no password line");
                return ExitCode.USAGE.code();
            }
            password = Optional.of(line);
        }
        LaunchCommand launch = new LaunchCommand(
                javaExecutable(),
                jvmOptions.isEmpty() ? cli.app().defaultJvmOptions() : markedAsGiven(jvmOptions),
                applicationJar(),
                serviceArguments(options));
        InstallRequest request = new InstallRequest(
                service,
                displayName != null ? displayName : service.name(),
                description != null
                        ? description
                        : service.name() + " " + cli.app().version(),
                startType,
                Optional.ofNullable(account),
                password,
                dependsOn,
                actions,
                reset,
                stop,
                launch,
                dryRun,
                cli.app().writableDirectories(config).stream()
                        .map(java.nio.file.Path::toString)
                        .toList(),
                watchdogInterval,
                bindPrivilegedPorts,
                dropIn);
        ServiceManager manager = cli.manager(target);
        if (dryRun) {
            cli.out().print(manager.describeInstall(request));
            return ExitCode.OK.code();
        }
        manager.install(request, cli.progress());
        return ExitCode.OK.code();
    }

    /**
     * {@code --watchdog}: empty when not given (the manager's default), {@link Duration#ZERO} for {@code 0} or
     * {@code off}.
     *
     * @throws IllegalArgumentException for anything else that is not a duration
     */
    static Optional<Duration> watchdog(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.strip();
        if (v.equals("0") || v.equalsIgnoreCase("off")) {
            return Optional.of(Duration.ZERO);
        }
        try {
            return Optional.of(Durations.parse(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--watchdog \"" + value + "\" is not a duration; write e.g. --watchdog 30s, or 0 (or off) to turn"
                            + " the watchdog off",
                    e);
        }
    }

    /**
     * {@code --drop-in FILE}: the file's contents, read now, so that a file install cannot use is refused before
     * anything is installed; empty when not given.
     *
     * @throws IllegalArgumentException when the file is missing, not a regular file, unreadable, not UTF-8 or empty
     */
    static Optional<String> dropIn(Path file) {
        if (file == null) {
            return Optional.empty();
        }
        String named = "--drop-in \"" + file + "\"";
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(named + " does not exist; give the path of a drop-in file, e.g. one"
                    + " holding the two lines [Service] and MemoryMax=1G");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(named + " is not a file; give the path of a drop-in file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    named + " cannot be read (" + e.getMessage() + "); make it readable by the user running install",
                    e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(named + " is not UTF-8 text, which systemd reads; save it as UTF-8", e);
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(named + " is empty; write the settings to apply on top of the unit"
                    + " in it, e.g. the two lines [Service] and MemoryMax=1G, or leave --drop-in out");
        }
        return Optional.of(text);
    }

    /** What the installed service is started with after its verb: the configuration options given here, as given. */
    static List<String> serviceArguments(ServiceCli.ConfigOptions options) {
        List<String> arguments = new ArrayList<>();
        if (options.configFile != null) {
            arguments.add("--config");
            arguments.add(options.configFile.toAbsolutePath().normalize().toString());
        }
        for (String override : options.overrides) {
            arguments.add("--set");
            arguments.add(override);
        }
        return arguments;
    }

    /** The java executable running this process, for the installed command line. */
    static Path javaExecutable() {
        return ProcessHandle.current()
                .info()
                .command()
                .map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /** The jar (or classes directory) the application was loaded from. */
    private Path applicationJar() {
        try {
            return Path.of(cli.app()
                            .applicationClass()
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toAbsolutePath();
        } catch (URISyntaxException | RuntimeException e) {
            throw new ServiceException(
                    "Cannot tell which jar " + cli.app().name() + " runs from (" + e.getMessage()
                            + "); run it with java -jar <jar> install",
                    e);
        }
    }

    /**
     * The {@code --jvm-option}s with {@code -D}{@value ServiceApplication#JVM_OPTIONS_PROPERTY}{@code =given} first,
     * unless they set it: the jar's launcher then runs the service with exactly these options.
     */
    static List<String> markedAsGiven(List<String> options) {
        String property = "-D" + ServiceApplication.JVM_OPTIONS_PROPERTY + "=";
        if (options.stream().anyMatch(o -> o.startsWith(property))) {
            return options;
        }
        List<String> marked = new ArrayList<>();
        marked.add(property + "given");
        marked.addAll(options);
        return marked;
    }
}
