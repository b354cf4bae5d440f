package dev.servicekit.core;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceConfiguration;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code status [--json]}: the service manager's view merged with the application's own.
 *
 * <ol>
 *   <li>The manager: the one {@code --platform} names (or {@code --root} stages for), else the preferred available
 *       one; when it does not run the service, every other available manager is asked whether it does (a detached
 *       daemon on a systemd host).</li>
 *   <li>The process: the file a running service keeps in its data directory ({@link RunningInstanceFile}; the data
 *       directory comes from the configuration the manager starts the service with when a manager runs it and no
 *       {@code --config} is given ({@link InstalledConfig}), else from {@code --config}/{@code --set}/the
 *       environment, as for {@code run}), which also finds a foreground {@code run} no manager knows of.</li>
 *   <li>The application: its management listener (the address in that file, else the configured one when a manager
 *       runs the service), asked for {@code /health/ready} and {@code /admin/status}.</li>
 * </ol>
 * Exit 0 when a manager runs the service or its file names a live process; otherwise the preferred manager's answer:
 * 3 not running, 4 not installed. With nothing at all, that is 4 where the manager registers services (systemd,
 * Windows) and 3 where only the detached daemon is available (a daemon needs no installation).
 *
 * <p>Once it has answered, it creates the JDK AOT cache's training marker when the launcher asked for one
 * ({@link AotTrainingMarker}): {@code status} gets a cache of its own, as {@code run} does.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Shows the service manager's view of the service merged with the running application's own (readiness,"
                    + " version, configuration hash, last reload, listeners, certificate expiry).",
            "Under a service manager, reads the configuration the manager starts the service with (unless --config"
                    + " is given); finds a foreground run through the data directory (taken from --config/--set).",
            "Exit 0 running, 3 not running, 4 not installed."
        })
final class StatusCommand implements Callable<Integer> {

    private final CliContext cli;

    @CommandLine.Mixin
    CliContext.TargetOptions target = new CliContext.TargetOptions();

    @CommandLine.Mixin
    ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    StatusCommand(CliContext cli) {
        this.cli = cli;
    }

    private StatusCommand(CliContext cli, PlainArguments arguments) {
        this(cli);
        this.target = arguments.target;
        this.options = arguments.config;
        this.json = arguments.has("--json");
    }

    /**
     * The command for a plain {@code status} command line ({@link PlainArguments}: the verb's own options and
     * flags only), parsed without picocli, whose model took about a third of this verb's time; empty for anything
     * else ({@code --help}, a typo), which picocli then parses.
     */
    static Optional<StatusCommand> plain(CliContext cli, String... args) {
        if (args.length == 0 || !args[0].equals("status")) {
            return Optional.empty();
        }
        return PlainArguments.parse(args, true, Set.of("--json")).map(arguments -> new StatusCommand(cli, arguments));
    }

    @Override
    public Integer call() throws Exception {
        ServiceRef service = cli.ref(target, options.instance);
        List<String> notes = new ArrayList<>();

        ServiceManager manager = cli.manager(target);
        ServiceStatus status = manager.status(service);
        if (!status.running() && target.platform == null && target.root == null) {
            for (ServiceManager other : cli.managers().all()) {
                if (other == manager || !other.isAvailable()) {
                    continue;
                }
                try {
                    ServiceStatus theirs = other.status(service);
                    if (theirs.running()) {
                        notes.add(manager.platform() + " does not run it: " + status.summary());
                        manager = other;
                        status = theirs;
                        break;
                    }
                } catch (ServiceManagerException e) {
                    notes.add(other.platform() + ": " + e.getMessage());
                }
            }
        }

        // Under a manager, the configuration it starts the service with (its --config, --set and working directory):
        // from any directory, the service's own data directory and management listener.
        InstalledConfig installed = status.running()
                ? InstalledConfig.of(options, manager, service, cli.app().environmentPrefix())
                : InstalledConfig.typed(options);
        Optional<Config> config = Optional.empty();
        try {
            config = Optional.of(cli.loadConfig(installed.options()));
        } catch (ConfigException e) {
            notes.add("the configuration is invalid (" + e.problems().size()
                    + " problems; config validate lists them), so the data directory and management listener are not"
                    + " looked up");
        }

        Optional<RunningInstanceFile.Found> recorded =
                config.flatMap(c -> RunningInstanceFile.in(c.get(CoreConfigKeys.DATA_DIR), service.id())
                        .read());
        Optional<RunningInstanceFile.Found> process = recorded.filter(RunningInstanceFile.Found::alive);
        if (recorded.isPresent() && process.isEmpty()) {
            notes.add(recorded.get().file() + " names pid " + recorded.get().pid()
                    + ", which is no longer running (the process was killed); the file is stale");
        }
        boolean running = status.running() || process.isPresent();

        Optional<ApplicationView> application = Optional.empty();
        if (config.isPresent() && running) {
            application = application(config.get(), process.flatMap(RunningInstanceFile.Found::management), notes);
        }
        OptionalLong managerPid = status.pid();
        if (managerPid.isPresent() && process.isPresent() && process.get().pid() != managerPid.getAsLong()) {
            notes.add(manager.platform() + " runs pid " + managerPid.getAsLong() + " but "
                    + process.get().file() + " names pid " + process.get().pid()
                    + ": another copy of the service uses the same data directory");
        }
        if (managerPid.isPresent()
                && application.flatMap(ApplicationView::pid).isPresent()
                && application.get().pid().get() != managerPid.getAsLong()) {
            notes.add("the management listener at " + application.get().managementUri() + " belongs to pid "
                    + application.get().pid().get() + ", not to the pid " + managerPid.getAsLong() + " "
                    + manager.platform() + " runs");
        }
        int exitCode = running ? ExitCode.OK.code() : status.exitCode();
        OptionalLong pid = managerPid.isPresent()
                ? managerPid
                : process.map(p -> OptionalLong.of(p.pid())).orElse(OptionalLong.empty());

        if (json) {
            cli.out()
                    .println(JsonValues.write(
                            jsonView(service, manager, status, running, pid, installed, process, application, notes)));
        } else {
            printText(service, manager, status, installed, process, application, notes);
        }
        // A training run for the JDK's AOT cache (servicekit-launcher's AotCache) is kept only when this file exists
        // at exit. Whatever status found: one without a running service is as valid a training run (the management
        // client's classes load from the jar when a later status needs them), and not marking it would make every
        // status without a running service record again, paying the recording at each exit (decisions.md, "The AOT
        // cache for status too"). Silent, so status's output stays the same.
        AotTrainingMarker.markRunning(
                Optional.ofNullable(System.getProperty(AotTrainingMarker.PROPERTY)), Optional.empty());
        AotTrainingMarker.markRan();
        return exitCode;
    }

    /** The application's view, from the recorded address or else the configured one; empty when nothing answers. */
    private Optional<ApplicationView> application(Config config, Optional<URI> recorded, List<String> notes) {
        Optional<LocalAdminAccess> access;
        try {
            access = cli.adminAccess(config, recorded);
        } catch (RuntimeException e) {
            notes.add("the application's view is not available: " + e.getMessage());
            return Optional.empty();
        }
        if (access.isEmpty()) {
            return Optional.empty();
        }
        Optional<ApplicationView> view = access.get().view();
        if (view.isEmpty()) {
            notes.add("nothing answers at " + access.get().managementUri() + " (the management listener)");
        }
        return view;
    }

    private Map<String, Object> jsonView(
            ServiceRef service,
            ServiceManager manager,
            ServiceStatus status,
            boolean running,
            OptionalLong pid,
            InstalledConfig installed,
            Optional<RunningInstanceFile.Found> process,
            Optional<ApplicationView> application,
            List<String> notes) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", service.name());
        view.put("instance", service.instance().orElse(null));
        view.put("platform", manager.platform());
        view.put("installed", status.installed());
        view.put("running", running);
        view.put("state", status.managerState());
        view.put("pid", pid.isPresent() ? pid.getAsLong() : null);
        view.put(
                "lastExitCode",
                status.lastExitCode().isPresent() ? status.lastExitCode().getAsInt() : null);
        view.put("restarts", status.restarts().isPresent() ? status.restarts().getAsInt() : null);
        Map<String, Object> managerView = new LinkedHashMap<>();
        managerView.put("platform", manager.platform());
        managerView.put("installed", status.installed());
        managerView.put("running", status.running());
        managerView.put("state", status.managerState());
        managerView.put("pid", status.pid().isPresent() ? status.pid().getAsLong() : null);
        managerView.put(
                "lastExitCode",
                status.lastExitCode().isPresent() ? status.lastExitCode().getAsInt() : null);
        managerView.put(
                "restarts", status.restarts().isPresent() ? status.restarts().getAsInt() : null);
        managerView.put("since", status.since().map(Object::toString).orElse(null));
        managerView.put(
                "configuration",
                status.configuration().map(ServiceConfiguration::toMap).orElse(null));
        managerView.put(
                "launch",
                installed
                        .launch()
                        .map(described -> {
                            Map<String, Object> launch = new LinkedHashMap<>();
                            launch.put("arguments", described.launch().arguments());
                            launch.put(
                                    "workingDirectory",
                                    described
                                            .launch()
                                            .workingDirectory()
                                            .map(Object::toString)
                                            .orElse(null));
                            launch.put("environment", environmentView(described));
                            return launch;
                        })
                        .orElse(null));
        view.put("manager", managerView);
        view.put(
                "process",
                process.map(p -> {
                            Map<String, Object> found = new LinkedHashMap<>();
                            found.put("pid", p.pid());
                            found.put("state", p.state());
                            found.put("file", p.file().toString());
                            found.put("underManager", status.running());
                            return found;
                        })
                        .orElse(null));
        view.put(
                "application",
                application
                        .map(app -> {
                            Map<String, Object> found = new LinkedHashMap<>();
                            found.put("managementUri", app.managementUri().toString());
                            found.put("ready", app.ready().orElse(null));
                            found.put(
                                    "readiness",
                                    app.ready().map(r -> r ? "UP" : "DOWN").orElse(null));
                            found.putAll(app.status());
                            found.put("notes", app.notes());
                            return found;
                        })
                        .orElse(null));
        view.put("notes", notes);
        return view;
    }

    /**
     * Where the environment the configuration was read with came from: the service's (the names of its prefixed
     * variables, never their values; what could not be read), or null when the manager did not say and this command's
     * own applied.
     */
    private static Map<String, Object> environmentView(InstalledConfig.Described described) {
        return described
                .launch()
                .environment()
                .map(environment -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("source", environment.source());
                    view.put("variables", described.variableNames());
                    view.put("unread", environment.unread());
                    return view;
                })
                .orElse(null);
    }

    private void printText(
            ServiceRef service,
            ServiceManager manager,
            ServiceStatus status,
            InstalledConfig installed,
            Optional<RunningInstanceFile.Found> process,
            Optional<ApplicationView> application,
            List<String> notes) {
        if (status.running() || process.isEmpty()) {
            cli.out().println(service.id() + ": " + status.summary());
        } else {
            cli.out()
                    .println(service.id() + ": running (pid " + process.get().pid() + ", "
                            + process.get().state().toLowerCase(java.util.Locale.ROOT) + ", not under a service"
                            + " manager; " + manager.platform() + ": " + status.summary() + ")");
        }
        if (status.running() || process.isPresent()) {
            cli.out()
                    .println("  service manager: " + manager.platform() + ", " + status.summary()
                            + status.since().map(since -> ", since " + since).orElse(""));
        }
        installed.launch().ifPresent(launch -> cli.out().println("  started with:    " + launch.summary()));
        process.ifPresent(p -> cli.out().println("  process:         pid " + p.pid() + " (" + p.file() + ")"));
        application.ifPresent(this::printApplication);
        for (String note : notes) {
            cli.out().println("  note: " + note);
        }
    }

    @SuppressWarnings("unchecked")
    private void printApplication(ApplicationView app) {
        Map<String, Object> s = app.status();
        cli.out()
                .println("  readiness:       "
                        + app.ready().map(r -> r ? "UP" : "DOWN").orElse("unknown")
                        + (s.get("state") != null ? " (" + s.get("state") + ")" : "") + " at " + app.managementUri());
        if (s.get("version") != null) {
            cli.out().println("  version:         " + s.get("version"));
        }
        if (s.get("startedAt") != null) {
            cli.out()
                    .println("  since:           " + s.get("startedAt")
                            + (s.get("uptimeSeconds") != null ? " (up " + s.get("uptimeSeconds") + " s)" : ""));
        }
        if (s.get("config") instanceof Map<?, ?> configuration) {
            Object last = configuration.get("lastReload");
            String reload = last instanceof Map<?, ?> r
                    ? r.get("at")
                            + (Boolean.TRUE.equals(r.get("ok")) ? " (applied)" : " (refused: " + r.get("error") + ")")
                    : "none";
            cli.out().println("  configuration:   hash " + configuration.get("hash") + ", last reload " + reload);
            if (configuration.get("shared") instanceof Map<?, ?> shared) {
                cli.out()
                        .println("  shared config:   " + shared.get("source")
                                + (Boolean.TRUE.equals(shared.get("connected"))
                                        ? " (connected)"
                                        : " (not connected: " + shared.get("lastFailure") + ")"));
            }
        }
        if (s.get("listeners") instanceof Map<?, ?> listeners && !listeners.isEmpty()) {
            List<String> parts = new ArrayList<>();
            ((Map<String, Object>) listeners).forEach((name, port) -> parts.add(name + " " + port));
            cli.out().println("  listeners:       " + String.join(", ", parts));
        }
        if (s.get("tls") instanceof Map<?, ?> tls && !tls.isEmpty()) {
            List<String> parts = new ArrayList<>();
            ((Map<String, Object>) tls).forEach((name, cert) -> {
                Object expiry = cert instanceof Map<?, ?> c ? c.get("notAfter") : null;
                Object error = cert instanceof Map<?, ?> c ? c.get("error") : null;
                parts.add(name + " " + (expiry != null ? "expires " + expiry : "unreadable (" + error + ")"));
            });
            cli.out().println("  certificates:    " + String.join(", ", parts));
        }
        for (String note : app.notes()) {
            cli.out().println("  note: " + note);
        }
    }
}
