package dev.servicekit.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.Diagnosis.Verdict;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code doctor [--json]}: checks what usually keeps a service from starting or serving, and says how to fix each
 * (SPEC §13). In order:
 *
 * <ol>
 *   <li>{@code configuration}: loads it as {@code run} would and lists every problem (the secret files' permissions
 *       apart, next);</li>
 *   <li>{@code secret files}: every secret file the configuration names (the JWT key, password files, a
 *       configuration file holding a secret) is readable by its owner only, else the {@code chmod 600} fix;</li>
 *   <li>{@code data dir}: exists (or can be created), is writable, and other accounts cannot write it;</li>
 *   <li>{@code port <listener>}: each port the service listens on ({@link ServiceApplication#listenAddresses}) is
 *       free, or held by this very service running (ok), or by whom: pid and command line where {@code /proc} says
 *       (Linux);</li>
 *   <li>the application's own checks ({@link ServiceApplication#diagnose}: an HTTP service's certificates and their
 *       expiry);</li>
 *   <li>each service manager's checks ({@link ServiceManager#diagnose}: systemd's {@code systemd-analyze verify}
 *       and {@code security} of the unit, …).</li>
 * </ol>
 * Exit 0 when no check failed (warnings allowed), 1 otherwise. Changes nothing.
 */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Checks what usually breaks a service: configuration, secret-file permissions, the data directory, the"
                    + " ports (free, or held by whom), TLS certificate expiry, and the service manager's unit"
                    + " (systemd-analyze verify and security). Each check says ok, warning or failure, and the fix.",
            "Exit 0 when no check failed, 1 otherwise. Changes nothing."
        })
final class DoctorCommand implements Callable<Integer> {

    private final CliContext cli;
    private final PortHolders portHolders;

    @CommandLine.Mixin
    CliContext.TargetOptions target = new CliContext.TargetOptions();

    @CommandLine.Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    DoctorCommand(CliContext cli) {
        this(cli, PortHolders.system());
    }

    DoctorCommand(CliContext cli, PortHolders portHolders) {
        this.cli = cli;
        this.portHolders = portHolders;
    }

    /** The options as the preferred manager (or {@code --platform}'s) starts the service, else those typed here. */
    private InstalledConfig installed(ServiceRef service) {
        try {
            ServiceManager manager = cli.manager(target);
            return InstalledConfig.of(options, manager, service, cli.app().environmentPrefix());
        } catch (RuntimeException e) {
            return InstalledConfig.typed(options); // no manager here: the managers' own checks below say so
        }
    }

    @Override
    public Integer call() throws Exception {
        ServiceRef service = cli.ref(target, options.instance);
        List<Diagnosis> findings = new ArrayList<>();
        // The configuration the service manager starts the service with, when it has it installed: doctor checks
        // what the service will read, from any directory.
        InstalledConfig installed = installed(service);
        installed.launch().ifPresent(launch -> findings.add(Diagnosis.ok("launch", launch.summary())));
        ServiceCli.ConfigOptions effective = installed.options();
        ConfigBootstrap bootstrap = cli.bootstrap().withoutSecretFilePermissions();
        Path configFile = bootstrap.configFile(effective);
        Optional<Config> config = Optional.empty();
        try (ConfigBootstrap.Loaded loaded = bootstrap.load(effective)) {
            config = Optional.of(loaded.config());
            findings.add(Diagnosis.ok(
                    "configuration",
                    "valid ("
                            + (Files.exists(configFile)
                                    ? "file " + configFile
                                    : "no file at " + configFile + "; defaults, environment and --set")
                            + ")"));
            findings.add(sharedConfig(loaded));
            loaded.shared().ifPresent(source -> findings.addAll(source.certificates(Clock.systemUTC())));
        } catch (ConfigException e) {
            for (ConfigProblem problem : e.problems()) {
                findings.add(Diagnosis.failure(
                        "configuration",
                        problem.toString(),
                        "correct " + problem.key() + " where it is set (" + problem.source()
                                + "); config validate lists every problem"));
            }
        }
        if (config.isPresent()) {
            Config valid = config.get();
            findings.addAll(secretFiles(valid, configFile));
            findings.add(dataDirectory(valid));
            PemTlsFiles.of(valid, CoreConfigKeys.LOG_SYSLOG_TLS_FILES)
                    .diagnoseCertificate("certificate syslog client", Clock.systemUTC())
                    .ifPresent(findings::add);
            Optional<RunningInstanceFile.Found> running =
                    RunningInstanceFile.live(valid.get(CoreConfigKeys.DATA_DIR), service.id());
            for (ListenAddress address : cli.app().listenAddresses(valid)) {
                findings.add(port(address, running));
            }
            findings.addAll(guarded("application checks", () -> cli.app().diagnose(valid)));
        } else {
            for (String check : List.of("secret files", "data dir", "ports", "application checks")) {
                findings.add(Diagnosis.notApplicable(check, "not checked: the configuration is invalid (see above)"));
            }
        }
        List<ServiceManager> managers = target.platform != null
                ? List.of(cli.manager(target))
                : cli.managers().all();
        for (ServiceManager manager : managers) {
            findings.addAll(guarded(manager.platform(), () -> manager.diagnose(service)));
        }
        print(service, findings);
        return findings.stream().anyMatch(d -> d.verdict() == Verdict.FAILURE)
                ? ExitCode.FAILURE.code()
                : ExitCode.OK.code();
    }

    /**
     * The shared configuration source (etcd): read, or why not. One that is required and did not answer is a
     * configuration failure already; one that is not required only warns, as the service then starts without it.
     */
    private static Diagnosis sharedConfig(ConfigBootstrap.Loaded loaded) {
        String check = "shared config";
        if (loaded.shared().isEmpty()) {
            return Diagnosis.notApplicable(check, "no shared configuration source is configured");
        }
        SharedConfigSource source = loaded.shared().get();
        if (loaded.sharedAnswered()) {
            return Diagnosis.ok(
                    check,
                    source.describe() + ": read " + source.layer().values().size() + " key(s)");
        }
        return Diagnosis.warning(
                check,
                source.describe() + " did not answer: " + source.lastFailure().orElse("no reason given")
                        + "; the service starts from the local configuration and takes the shared values once it"
                        + " answers",
                "fix what the reason names (the endpoints, the source's user, password or certificates); config"
                        + " show prints the local configuration meanwhile");
    }

    private static List<Diagnosis> guarded(String what, java.util.function.Supplier<List<Diagnosis>> checks) {
        try {
            return checks.get();
        } catch (RuntimeException e) {
            return List.of(Diagnosis.failure(
                    what,
                    "the check itself failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()),
                    "report this; the other checks are unaffected"));
        }
    }

    /** The secret files' permissions ({@link SecretFilePermissions}), one finding per problem, else one ok. */
    private static List<Diagnosis> secretFiles(Config config, Path configFile) {
        List<Diagnosis> findings = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        for (ConfigKey<?> key : config.schema().keys()) {
            if (key.type().isSecretFile() && config.find(key).orElse(null) instanceof Path file && Files.exists(file)) {
                checked.add(file.toString());
            }
        }
        for (ConfigProblem problem : SecretFilePermissions.check(config, Optional.of(configFile))) {
            String file = config.schema()
                    .key(problem.key())
                    .flatMap(key -> config.find(key).map(Object::toString))
                    .orElse(problem.key());
            findings.add(Diagnosis.failure(
                    "secret files",
                    problem.toString(),
                    problem.message().contains("chmod 600")
                            ? "chmod 600 " + file + " (and chown it to the service's account)"
                            : "fix the path in " + problem.key() + " or create the file (owner-only: chmod 600)"));
        }
        if (findings.isEmpty()) {
            findings.add(
                    checked.isEmpty()
                            ? Diagnosis.ok("secret files", "no secret file exists yet")
                            : Diagnosis.ok("secret files", "owner-only: " + String.join(", ", checked)));
        }
        return findings;
    }

    private static Diagnosis dataDirectory(Config config) {
        Path dir = config.get(CoreConfigKeys.DATA_DIR).toAbsolutePath().normalize();
        String check = "data dir";
        // CoreConfigKeys.check refuses a data-dir that is a file or lies under one (a configuration failure above);
        // the two file cases here serve an application whose schema leaves that check out.
        if (!Files.exists(dir)) {
            Optional<CoreConfigKeys.DataDirProblem> inTheWay = CoreConfigKeys.fileInTheWayOfDataDir(dir);
            if (inTheWay.isPresent()) {
                return Diagnosis.failure(
                        check, inTheWay.get().finding(), inTheWay.get().fix());
            }
            return ExistingPaths.nearestAncestorOrSelf(dir)
                            .filter(Files::isWritable)
                            .isPresent()
                    ? Diagnosis.ok(check, "\"" + dir + "\" does not exist yet; the service creates it at start")
                    : Diagnosis.failure(
                            check,
                            "\"" + dir + "\" does not exist and this account cannot create it",
                            "create it for the service's account: mkdir -p " + dir + " && chmod 700 " + dir);
        }
        if (!Files.isDirectory(dir)) {
            return Diagnosis.failure(
                    check, "\"" + dir + "\" is not a directory", "set data-dir to a directory, or move that file away");
        }
        if (!Files.isWritable(dir)) {
            return Diagnosis.failure(
                    check,
                    "\"" + dir + "\" is not writable by this account",
                    "chown it to the service's account, or run doctor as that account");
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(dir);
        } catch (UnsupportedOperationException | IOException e) {
            return Diagnosis.ok(check, "\"" + dir + "\" is writable");
        }
        String mode = PosixFilePermissions.toString(permissions);
        if (permissions.contains(PosixFilePermission.OTHERS_WRITE)
                || permissions.contains(PosixFilePermission.GROUP_WRITE)) {
            return Diagnosis.failure(
                    check,
                    "\"" + dir + "\" (" + mode + ") can be written by other accounts, which could replace the database"
                            + " or the keys",
                    "chmod go-w " + dir);
        }
        if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return Diagnosis.warning(
                    check,
                    "\"" + dir + "\" (" + mode + ") can be listed and read by every account",
                    "chmod o-rwx " + dir + " (it holds the database and generated keys)");
        }
        return Diagnosis.ok(check, "\"" + dir + "\" (" + mode + ") is writable and private");
    }

    private Diagnosis port(ListenAddress address, Optional<RunningInstanceFile.Found> running) {
        String check = "port " + address.name();
        String where = address.port() + " (" + address.portKey() + ") on " + address.host();
        if (address.port() == 0) {
            return Diagnosis.ok(check, address.portKey() + " is 0: a free port is chosen at start");
        }
        InetAddress host;
        try {
            host = InetAddress.getByName(address.host());
        } catch (UnknownHostException e) {
            return Diagnosis.failure(
                    check, "host \"" + address.host() + "\" cannot be resolved", "set an address of this machine");
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, address.port()));
            return Diagnosis.ok(check, where + " is free");
        } catch (BindException e) {
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("ermission")) {
                return Diagnosis.warning(
                        check,
                        where + ": this account may not bind ports below 1024",
                        "run the service with CAP_NET_BIND_SERVICE (the systemd unit can grant it), or set "
                                + address.portKey() + " to 1024 or above");
            }
            if (reason.contains("assign")) {
                return Diagnosis.failure(
                        check,
                        where + ": \"" + address.host() + "\" is not an address of this machine",
                        "set the host to one of this machine's addresses, or 0.0.0.0");
            }
            return held(check, where, address, running);
        } catch (IOException e) {
            return Diagnosis.failure(check, where + " cannot be checked: " + e.getMessage(), "check the host and port");
        }
    }

    private Diagnosis held(
            String check, String where, ListenAddress address, Optional<RunningInstanceFile.Found> running) {
        String name = cli.app().name();
        List<PortHolders.Holder> holders = portHolders.listening(address.port());
        if (running.isPresent()) {
            long self = running.get().pid();
            boolean ours = holders.stream()
                            .anyMatch(h -> h.pid().isPresent() && h.pid().getAsLong() == self)
                    || (holders.stream().allMatch(h -> h.pid().isEmpty())
                            && running.get().endpoints().values().stream()
                                    .anyMatch(uri -> uri.getPort() == address.port()));
            if (ours) {
                return Diagnosis.ok(
                        check, where + " is held by " + name + " itself (pid " + self + "), which is running");
            }
        }
        String by;
        if (!holders.isEmpty()) {
            by = "held by "
                    + String.join(
                            " and ",
                            holders.stream().map(PortHolders.Holder::describe).toList());
        } else if (portHolders.supported()) {
            by = "in use (no listening socket on it is visible here: another network namespace, or it just closed)";
        } else {
            by = "in use by another process (this platform does not tell which; netstat -ano or lsof -i :"
                    + address.port() + " does)";
        }
        String stop = holders.stream()
                .filter(h -> h.pid().isPresent())
                .map(h -> "stop pid " + h.pid().getAsLong())
                .findFirst()
                .orElse("stop the process that holds it");
        return Diagnosis.failure(
                check, where + " is " + by, stop + ", or set " + address.portKey() + " to a free port");
    }

    private void print(ServiceRef service, List<Diagnosis> findings) throws IOException {
        Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
        findings.forEach(d -> counts.merge(d.verdict(), 1, Integer::sum));
        boolean failed = counts.containsKey(Verdict.FAILURE);
        if (json) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", service.name());
            view.put("instance", service.instance().orElse(null));
            view.put("ok", !failed);
            List<Map<String, Object>> checks = new ArrayList<>();
            for (Diagnosis d : findings) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("check", d.check());
                entry.put("verdict", d.verdict().word());
                entry.put("finding", d.finding());
                entry.put("fix", d.fix().orElse(null));
                checks.add(entry);
            }
            view.put("checks", checks);
            cli.out().println(new ObjectMapper().writeValueAsString(view));
            return;
        }
        for (Diagnosis d : findings) {
            cli.out().println(String.format("%-14s %s: %s", d.verdict().word(), d.check(), d.finding()));
            d.fix().ifPresent(fix -> cli.out().println(String.format("%-14s   fix: %s", "", fix)));
        }
        List<String> summary = new ArrayList<>();
        counts.forEach((verdict, count) -> summary.add(count + " " + verdict.word()));
        cli.out()
                .println(service.id() + ": " + (failed ? "fix the failures above" : "nothing failed") + " ("
                        + String.join(", ", summary) + ")");
    }
}
