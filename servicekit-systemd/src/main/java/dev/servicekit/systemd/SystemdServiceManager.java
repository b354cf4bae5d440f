package dev.servicekit.systemd;

import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.StartType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The systemd service manager ({@code --platform systemd}): renders a hardened {@code Type=notify} unit, drives
 * it with {@code systemctl}, and runs the service under systemd with {@code sd_notify} from the JVM.
 *
 * <ul>
 *   <li>{@code install}: writes {@code /etc/systemd/system/<name>.service} (or {@code ~/.config/systemd/user/}
 *       with {@code --user}) and the optional drop-in, runs {@code systemctl daemon-reload} and
 *       {@code systemctl enable --now <name>.service}, and waits until the unit is {@code active}; on failure
 *       the message carries the unit's last journal lines. With {@code --root DIR} it only writes the files
 *       under {@code DIR}. A system install as non-root fails with exit 77.</li>
 *   <li>{@code uninstall}: {@code stop}, {@code disable}, removes the unit and drop-in, {@code daemon-reload}.</li>
 *   <li>{@code start}/{@code stop}/{@link #restart}/{@code reload}: {@code systemctl start|stop|restart|reload},
 *       waiting for the target state within the wait timeout.</li>
 *   <li>{@code status}: {@code systemctl show} mapped to {@link ServiceStatus} (SPEC §4 exit codes).</li>
 *   <li>{@link #runManaged}: under {@code NOTIFY_SOCKET}, runs the service in the foreground and reports
 *       {@code READY=1}, {@code RELOADING=1}, {@code STOPPING=1}, watchdog pings and timeout extensions.</li>
 * </ul>
 *
 * <p>For an instance ({@link ServiceRef#instance()}), the unit file is the template {@code <name>@.service} that
 * every instance shares ({@link SystemdUnitRenderer}), and the commands act on {@code <name>@<instance>.service}:
 * {@code install} enables that unit (refusing, with exit 78, an instance whose {@code /etc/<name>/<instance>.yaml}
 * does not exist), {@code uninstall} removes the template only when no other instance is enabled.
 *
 * <p>Commands block until the target state or the wait timeout (2 minutes); they throw
 * {@link ServiceManagerException} with SPEC §4's exit code. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * ServiceManager systemd = new SystemdServiceManager()
 *         .withUnitOptions(SystemdUnitOptions.builder().bindPrivilegedPorts(true).build());
 * System.out.print(systemd.describeInstall(request));
 * }</pre>
 */
public final class SystemdServiceManager implements ServiceManager {

    private static final int JOURNAL_LINES = 20;
    private static final ManagerSupport.Wording WORDING =
            new ManagerSupport.Wording("service", "a system service", "service", "a service");
    private static final List<String> REFUSALS =
            List.of("access denied", "authentication required", "permission denied");

    private final Systemctl systemctl;
    private final LongSupplier effectiveUid;
    private final Map<String, String> environment;
    private final Path systemUnitDirectory;
    private final Path userHome;
    private final BooleanSupplier systemdRunning;
    private final SystemdUnitOptions unitOptions;
    private final Duration waitTimeout;
    private final Duration pollInterval;
    private final Duration extendTick;
    private final ManagerSupport support;

    /** The manager for this machine (found by {@link java.util.ServiceLoader}). */
    public SystemdServiceManager() {
        this(
                new ProcessSystemctl(Duration.ofMinutes(5)),
                () -> LibC.INSTANCE.geteuid(),
                System.getenv(),
                UnitLocation.SYSTEM_UNIT_DIRECTORY,
                Path.of(System.getProperty("user.home")),
                () -> Files.isDirectory(Path.of("/run/systemd/system")),
                SystemdUnitOptions.defaults(),
                Duration.ofMinutes(2),
                Duration.ofMillis(250),
                Duration.ofSeconds(5));
    }

    SystemdServiceManager(
            Systemctl systemctl,
            LongSupplier effectiveUid,
            Map<String, String> environment,
            Path systemUnitDirectory,
            Path userHome,
            BooleanSupplier systemdRunning,
            SystemdUnitOptions unitOptions,
            Duration waitTimeout,
            Duration pollInterval,
            Duration extendTick) {
        this.systemctl = Objects.requireNonNull(systemctl, "systemctl");
        this.effectiveUid = Objects.requireNonNull(effectiveUid, "effectiveUid");
        this.environment = Map.copyOf(environment);
        this.systemUnitDirectory = Objects.requireNonNull(systemUnitDirectory, "systemUnitDirectory");
        this.userHome = Objects.requireNonNull(userHome, "userHome");
        this.systemdRunning = Objects.requireNonNull(systemdRunning, "systemdRunning");
        this.unitOptions = Objects.requireNonNull(unitOptions, "unitOptions");
        this.waitTimeout = Objects.requireNonNull(waitTimeout, "waitTimeout");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.extendTick = Objects.requireNonNull(extendTick, "extendTick");
        this.support = new ManagerSupport(WORDING, effectiveUid, waitTimeout, pollInterval);
    }

    /** A copy of this manager that renders units with these options (watchdog, privileged ports, drop-in). */
    public SystemdServiceManager withUnitOptions(SystemdUnitOptions options) {
        return new SystemdServiceManager(
                systemctl,
                effectiveUid,
                environment,
                systemUnitDirectory,
                userHome,
                systemdRunning,
                Objects.requireNonNull(options, "options"),
                waitTimeout,
                pollInterval,
                extendTick);
    }

    /** The options units are rendered with. */
    public SystemdUnitOptions unitOptions() {
        return unitOptions;
    }

    /** {@code systemd}. */
    @Override
    public String platform() {
        return "systemd";
    }

    /** 20: before the detached daemon fallback. */
    @Override
    public int order() {
        return 20;
    }

    /** Whether systemd is PID 1 ({@code /run/systemd/system} exists, as {@code sd_booted(3)} checks). */
    @Override
    public boolean isAvailable() {
        return systemdRunning.getAsBoolean();
    }

    /**
     * The unit file, the drop-in if any, where they go, and the {@code systemctl} commands {@code install} runs.
     * Pure apart from reading the user's home for {@code --user}.
     *
     * @throws ServiceManagerException (exit 2) listing every value systemd cannot take
     */
    @Override
    public String describeInstall(InstallRequest request) {
        Objects.requireNonNull(request, "request");
        String unit = SystemdUnitRenderer.render(request, unitOptions, userHome, environment);
        UnitLocation location = location(request.service());
        StringBuilder out = new StringBuilder();
        out.append("# ").append(location.unitFile()).append('\n').append(unit);
        SystemdUnitRenderer.dropIn(request, unitOptions)
                .ifPresent(dropIn -> out.append("\n# ")
                        .append(location.dropInFile())
                        .append('\n')
                        .append(dropIn));
        List<List<String>> commands = installCommands(request);
        if (request.service().root().isPresent()) {
            out.append("\n# --root writes the files only and runs nothing. On the target system, run:\n");
            commands.forEach(c ->
                    out.append("#   ").append(command(request.service(), c)).append('\n'));
        } else {
            out.append("\n# Then:\n");
            commands.forEach(c -> out.append(command(request.service(), c)).append('\n'));
        }
        return out.toString();
    }

    /**
     * Writes the unit (and drop-in), reloads systemd, enables and starts the unit according to the start type,
     * and waits until it is active. With {@code --root} it writes the files and stops there.
     *
     * @throws ServiceManagerException 77 when a system unit is installed without root; 2 for values systemd
     *                                 cannot take; 1 when systemctl fails or the unit does not become active
     */
    @Override
    public void install(InstallRequest request, Progress progress) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(progress, "progress");
        ServiceRef service = request.service();
        if (request.dryRun()) {
            progress.step(describeInstall(request));
            return;
        }
        String unit = SystemdUnitRenderer.render(request, unitOptions, userHome, environment);
        UnitLocation location = location(service);
        if (service.root().isEmpty()) {
            support.requireRoot(service, "install");
            requireInstanceConfig(service);
        }
        support.write(location.unitFile(), unit, Optional.empty());
        progress.step("Wrote " + location.unitFile());
        Optional<String> dropIn = SystemdUnitRenderer.dropIn(request, unitOptions);
        if (dropIn.isPresent()) {
            support.write(location.dropInFile(), dropIn.get(), Optional.empty());
            progress.step("Wrote " + location.dropInFile());
        }
        if (service.root().isPresent()) {
            progress.step("--root: systemctl not called; on the target system run: "
                    + String.join(
                            " && ",
                            installCommands(request).stream()
                                    .map(c -> command(service, c))
                                    .toList()));
            return;
        }
        // A reinstall over a running unit: enable --now and start leave the running process alone, so it keeps the
        // command line and settings of the unit it was started with until it restarts.
        Optional<UnitStatus> running = request.startType() == StartType.DISABLED
                ? Optional.empty()
                : Optional.of(show(service)).filter(UnitStatus::running);
        long begun = System.nanoTime(); // enable --now and start block until READY=1: the start is timed from here
        for (List<String> c : installCommands(request)) {
            if (running.isEmpty() && !c.get(0).equals("daemon-reload")) {
                // A reinstall over a unit that failed and used up its start limit (a crash loop the new unit may fix)
                // would be refused "attempted too often", as an operator's start would: start counts afresh.
                resetFailed(service);
            }
            progress.step(command(service, c));
            check(service, systemctl.run(service.user(), c), c);
        }
        switch (request.startType()) {
            case AUTO, DELAYED, MANUAL -> {
                if (running.isPresent()) {
                    long pid = running.get().mainPid();
                    progress.step(service.id() + " was already running" + (pid > 0 ? " (pid " + pid + ")" : "")
                            + " and runs the unit it was started with until it restarts; apply the new unit with: "
                            + command(service, List.of("restart", UnitLocation.unitName(service))));
                } else {
                    progress.step("Starting " + service.id() + "…");
                    awaitActive(service, progress, begun);
                }
            }
            case DISABLED ->
                progress.step(service.id() + " is installed but disabled; enable it with: "
                        + command(service, List.of("enable", "--now", UnitLocation.unitName(service))));
        }
    }

    /**
     * Stops and disables the unit, removes its file and drop-in, and reloads systemd; with {@code --root} removes
     * the files only. For an instance: stops and disables {@code <name>@<instance>.service} and removes its drop-in;
     * the template goes too unless another instance is still enabled (a link to it in a {@code *.wants/} directory).
     *
     * @throws ServiceManagerException 4 when no unit file of this name exists; 77 without root for a system unit
     */
    @Override
    public void uninstall(ServiceRef service, Progress progress) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(progress, "progress");
        UnitLocation location = location(service);
        if (!Files.exists(location.unitFile())) {
            throw new ServiceManagerException(
                    service.id() + " is not installed: there is no unit file " + location.unitFile()
                            + (service.user() ? "" : "; for a --user service add --user"),
                    ExitCode.NOT_INSTALLED);
        }
        String unit = UnitLocation.unitName(service);
        if (service.root().isEmpty()) {
            support.requireRoot(service, "uninstall");
            for (List<String> c : List.of(List.of("stop", unit), List.of("disable", unit))) {
                progress.step(command(service, c));
                check(service, systemctl.run(service.user(), c), c);
            }
        }
        delete(location.dropInFile());
        delete(location.dropInDirectory());
        List<String> others = otherEnabledInstances(service, location);
        if (others.isEmpty()) {
            delete(location.unitFile());
            progress.step("Removed " + location.unitFile());
        } else {
            progress.step("Kept " + location.unitFile() + ": " + String.join(", ", others) + " still use it");
        }
        if (service.root().isEmpty()) {
            List<String> reload = List.of("daemon-reload");
            progress.step(command(service, reload));
            check(service, systemctl.run(service.user(), reload), reload);
            resetFailed(service); // forget a failed state; fails harmlessly when there is none
            List<String> kept = UnitLocation.serviceDirectories(service, userHome, environment).stream()
                    .filter(path -> Files.exists(service.user() ? path : onDisk(path)))
                    .map(Path::toString)
                    .toList();
            if (!kept.isEmpty()) {
                progress.step("Kept " + String.join(", ", kept)
                        + " (data, logs and configuration); remove them yourself if you no longer need them");
            }
        }
    }

    /**
     * Where an absolute path of the live system (a system unit's) is on this manager's disk: itself, except in tests,
     * whose system unit directory is {@code <dir>/etc/systemd/system} under a temporary directory that stands for
     * {@code /}.
     */
    private Path onDisk(Path path) {
        if (systemUnitDirectory.equals(UnitLocation.SYSTEM_UNIT_DIRECTORY) || !path.isAbsolute()) {
            return path;
        }
        Path root = systemUnitDirectory.resolve("../../..").normalize();
        return root.resolve(path.getRoot().relativize(path));
    }

    /**
     * {@code systemctl start}, then waits until the unit is active; a unit already running is left alone ("already
     * running", exit 0). The unit has its failed state and its start rate limit counter cleared first
     * ({@code systemctl reset-failed}): systemd counts every start, an operator's too, against the
     * {@code StartLimitBurst=} that {@code --on-failure} sets for automatic restarts, and refuses the start once it is
     * used up ("start of the service was attempted too often").
     */
    @Override
    public void start(ServiceRef service, Progress progress) {
        UnitStatus before = requireInstalled(service, "start");
        String unit = UnitLocation.unitName(service);
        if (before.running()) { // systemctl start would change nothing; say so, as the detached daemon does
            progress.step(service.id() + " is already running ("
                    + (before.mainPid() > 0 ? "pid " + before.mainPid() + ", " : "") + before.describe() + ")");
            return;
        }
        progress.step("Starting " + service.id() + "…");
        long begun = System.nanoTime();
        resetFailed(service);
        List<String> c = List.of("start", unit);
        check(service, systemctl.run(service.user(), c), c);
        awaitActive(service, progress, begun);
    }

    /** {@code systemctl stop}, then waits until the unit is inactive or failed. */
    @Override
    public void stop(ServiceRef service, Progress progress) {
        requireInstalled(service, "stop");
        List<String> c = List.of("stop", UnitLocation.unitName(service));
        progress.step("Stopping " + service.id() + "…");
        long begun = System.nanoTime();
        check(service, systemctl.run(service.user(), c), c);
        UnitStatus status = await(service, UnitStatus::ended, "stop");
        progress.step(status.describe() + " (" + ManagerSupport.seconds(begun) + ")");
    }

    /**
     * {@code systemctl restart}, then waits until the unit is active again. Like {@link #start}, it clears the unit's
     * start rate limit counter first ({@code systemctl reset-failed}), so that restarts an operator asks for do not use
     * up the automatic restarts {@code StartLimitBurst=} allows (a manual restart resets {@code NRestarts} anyway).
     *
     * @throws ServiceManagerException 4 not installed, 77 permission denied, 1 when it does not become active
     */
    @Override
    public void restart(ServiceRef service, Progress progress) {
        requireInstalled(service, "restart");
        progress.step("Restarting " + service.id() + "…");
        long begun = System.nanoTime();
        resetFailed(service);
        List<String> c = List.of("restart", UnitLocation.unitName(service));
        check(service, systemctl.run(service.user(), c), c);
        awaitActive(service, progress, begun);
    }

    /**
     * {@code systemctl reset-failed}: forgets a failed state and zeroes the start rate limit counter. Its outcome is
     * not checked: the start that follows reports any problem (a permission refusal included) in its own words.
     */
    private void resetFailed(ServiceRef service) {
        systemctl.run(service.user(), List.of("reset-failed", UnitLocation.unitName(service)));
    }

    /**
     * {@code systemctl reload}: systemd runs {@code ExecReload=} (SIGHUP to the main process).
     *
     * @throws ServiceManagerException 3 when the service is not running
     */
    @Override
    public void reload(ServiceRef service, Progress progress) {
        UnitStatus status = requireInstalled(service, "reload");
        if (!status.running()) {
            throw new ServiceManagerException(
                    service.id() + " is not running (" + status.describe() + "); start it with: "
                            + command(service, List.of("start", UnitLocation.unitName(service))),
                    ExitCode.NOT_RUNNING);
        }
        List<String> c = List.of("reload", UnitLocation.unitName(service));
        progress.step(command(service, c));
        check(service, systemctl.run(service.user(), c), c);
    }

    /**
     * {@code systemctl show} mapped to a status; with {@code --root}, whether the staged unit file exists.
     */
    @Override
    public ServiceStatus status(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        if (service.root().isPresent()) {
            UnitLocation location = location(service);
            return Files.exists(location.unitFile())
                    ? ManagerSupport.staged(location.unitFile())
                    : ServiceStatus.notInstalled();
        }
        return show(service).toServiceStatus(Instant.now(), System.nanoTime() / 1000); // nanoTime: CLOCK_MONOTONIC
    }

    /**
     * How systemd starts the installed unit: the words after {@code run} in its {@code ExecStart=} (read from the unit
     * file and the drop-ins systemd lists for it, an instance's {@code %i} and {@code %E} resolved, so its
     * {@code --config} is a real path), and the working directory {@code systemctl show -p WorkingDirectory} gives
     * (where systemd cannot be asked: the state directory, {@code WorkingDirectory=%S/<name>}, that exists). Empty with
     * {@code --root} (a staged unit runs nowhere), when there is no unit file or systemd does not know the unit, and
     * when the command line cannot be read back: not {@code -jar <jar> run …}, an environment variable, a specifier
     * other than {@code %i %I %n %N %p %P %E}. The environment: the running process's own, else as systemd would
     * compose it for the next start; not read where systemd cannot be asked. Never throws; blocks for one or
     * two {@code systemctl show}.
     */
    @Override
    public Optional<InstalledLaunch> installedLaunch(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        if (service.root().isPresent()) {
            return Optional.empty();
        }
        try {
            return readLaunch(service);
        } catch (IOException | RuntimeException e) {
            // Unreadable (a file, systemctl, a word): the caller does without, as for a manager that keeps nothing.
            return Optional.empty();
        }
    }

    private Optional<InstalledLaunch> readLaunch(ServiceRef service) throws IOException {
        UnitLocation location = location(service);
        if (!Files.isRegularFile(location.unitFile())) {
            return Optional.empty();
        }
        List<String> c = List.of("show", "-p", LAUNCH_PROPERTIES, UnitLocation.unitName(service));
        CommandResult shown = systemctl.run(service.user(), c);
        Map<String, String> p = shown.ok() ? properties(shown.stdout()) : Map.of();
        if (p.getOrDefault("LoadState", "").equals("not-found")) {
            return Optional.empty();
        }
        // The files systemd read the unit from, in the order it applied them; the unit file alone when it cannot say.
        List<String> files = new ArrayList<>();
        String fragment = p.getOrDefault("FragmentPath", "");
        files.add(Files.readString(fragment.isEmpty() ? location.unitFile() : Path.of(fragment)));
        for (String dropIn : p.getOrDefault("DropInPaths", "").split(" ")) { // a path with a space: unreadable
            if (!dropIn.isEmpty()) {
                files.add(Files.readString(Path.of(dropIn)));
            }
        }
        Optional<String> execStart = SystemdCommandLine.execStart(files);
        if (execStart.isEmpty()) {
            return Optional.empty();
        }
        List<String> words = new ArrayList<>(SystemdCommandLine.split(execStart.get(), specifiers(service)));
        if (!words.isEmpty()) { // the prefixes of systemd.service(5): -, @, :, +, ! and !!
            words.set(0, words.get(0).replaceFirst("^[-@:+!]+", ""));
        }
        int jar = words.indexOf("-jar");
        if (jar < 0 || words.size() < jar + 3 || !words.get(jar + 2).equals("run")) {
            return Optional.empty();
        }
        Optional<Path> workingDirectory = shown.ok()
                ? workingDirectory(service, p.getOrDefault("WorkingDirectory", ""))
                : stateDirectory(service);
        InstalledLaunch launch = new InstalledLaunch(words.subList(jar + 3, words.size()), workingDirectory);
        if (!shown.ok()) {
            return Optional.of(launch); // systemd cannot be asked: its environment is not known
        }
        return Optional.of(environment(service, p, shown.stdout())
                .map(launch::withEnvironment)
                .orElse(launch));
    }

    /** What {@link #installedLaunch} asks {@code systemctl show} of the unit. */
    static final String LAUNCH_PROPERTIES = "LoadState,FragmentPath,DropInPaths,WorkingDirectory,MainPID,Environment,"
            + "EnvironmentFiles,UnsetEnvironment,PassEnvironment";

    /**
     * The environment the unit's process gets. While it runs, exactly: its {@code /proc/<MainPID>/environ} (readable
     * by root and by the service's own user). Otherwise, or where that is not readable, as systemd composes it for
     * the next start: its own environment block ({@code systemctl show -p Environment} of the manager), the unit's
     * {@code Environment=} over it and its {@code EnvironmentFile=}s over that, in order, then its
     * {@code UnsetEnvironment=}; a file this user may not read, a pattern, and {@code PassEnvironment=} (from
     * systemd's own process environment) are said to be unread. Empty when what systemd shows cannot be read back
     * exactly ({@link SystemdEnvironment#shownAssignments}).
     */
    private Optional<InstalledLaunch.Environment> environment(
            ServiceRef service, Map<String, String> shown, String showOutput) {
        long pid = 0;
        try {
            pid = Long.parseLong(shown.getOrDefault("MainPID", "0").strip());
        } catch (NumberFormatException e) {
            pid = 0; // an older systemd or a fake without it: as not running
        }
        String why = "the unit does not run";
        if (pid > 0) {
            Path environ = Path.of("/proc", Long.toString(pid), "environ");
            Optional<InstalledLaunch.Environment> running =
                    InstalledLaunch.Environment.readEnvironBlock(onDisk(environ), environ.toString());
            if (running.isPresent()) {
                return running;
            }
            why = environ + " is not readable by this user (root and the service's own user may read it)";
        }
        CommandResult managerShown = systemctl.run(service.user(), List.of("show", "-p", "Environment"));
        Optional<Map<String, String>> block = managerShown.ok()
                ? SystemdEnvironment.shownAssignments(
                        properties(managerShown.stdout()).getOrDefault("Environment", ""))
                : Optional.empty();
        Optional<Map<String, String>> assigned =
                SystemdEnvironment.shownAssignments(shown.getOrDefault("Environment", ""));
        Optional<Map<String, Optional<String>>> unsets =
                SystemdEnvironment.shownUnsets(shown.getOrDefault("UnsetEnvironment", ""));
        Optional<List<String>> passed = SystemdEnvironment.shownWords(shown.getOrDefault("PassEnvironment", ""));
        if (block.isEmpty() || assigned.isEmpty() || unsets.isEmpty() || passed.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> variables = new java.util.LinkedHashMap<>(block.get());
        variables.putAll(assigned.get());
        List<String> unread = new ArrayList<>();
        for (SystemdEnvironment.EnvironmentFile file : SystemdEnvironment.shownEnvironmentFiles(showOutput)) {
            if (file.path().chars().anyMatch(ch -> "*?[".indexOf(ch) >= 0)) {
                unread.add("EnvironmentFile=" + file.path() + " is a pattern, which is not expanded here");
                continue;
            }
            Path path = Path.of(file.path());
            try {
                variables.putAll(
                        SystemdEnvironment.environmentFile(Files.readString(service.user() ? path : onDisk(path))));
            } catch (java.nio.file.NoSuchFileException e) {
                if (!file.ignoreErrors()) {
                    unread.add("EnvironmentFile=" + path + " does not exist (without it the unit does not start)");
                }
            } catch (java.nio.file.AccessDeniedException e) {
                unread.add("EnvironmentFile=" + path + " is not readable by this user");
            } catch (IOException | UncheckedIOException e) {
                unread.add("EnvironmentFile=" + path + " cannot be read (" + e.getMessage() + ")");
            }
        }
        SystemdEnvironment.unset(variables, unsets.get());
        for (String name : passed.get()) {
            unread.add("PassEnvironment=" + name + " (from systemd's own process environment)");
        }
        return Optional.of(new InstalledLaunch.Environment(
                variables,
                "the unit's Environment= and EnvironmentFile= over systemd's environment block, as "
                        + UnitLocation.unitName(service) + " would start now (" + why + ")",
                unread));
    }

    /**
     * The specifiers a unit of ours may use in {@code ExecStart=}, as systemd resolves them for this unit:
     * {@code %i}/{@code %I} the instance, {@code %n}/{@code %N} the unit name with and without its suffix,
     * {@code %p}/{@code %P} its prefix, {@code %E} the configuration directory
     * ({@link UnitLocation#configurationHome}).
     */
    private Map<Character, String> specifiers(ServiceRef service) {
        String unit = UnitLocation.unitName(service);
        Map<Character, String> specifiers = new HashMap<>();
        specifiers.put('n', unit);
        specifiers.put('N', unit.substring(0, unit.length() - ".service".length()));
        specifiers.put('p', service.name());
        specifiers.put('P', service.name());
        specifiers.put(
                'E',
                UnitLocation.configurationHome(service, userHome, environment).toString());
        service.instance().ifPresent(instance -> {
            specifiers.put('i', instance);
            specifiers.put('I', instance);
        });
        return specifiers;
    }

    /**
     * {@code WorkingDirectory} as {@code systemctl show} prints it: systemd 252 resolves the specifiers
     * ({@code /var/lib/users-service}; {@code $XDG_CONFIG_HOME/users-service} for a user unit) and marks a directory
     * that may be missing ({@code WorkingDirectory=-…}, and a user unit's default, the home directory) with a leading
     * {@code !}; {@code ~} is the home directory.
     */
    private Optional<Path> workingDirectory(ServiceRef service, String shown) {
        String dir = shown.startsWith("!") ? shown.substring(1) : shown;
        if (dir.equals("~")) {
            return service.user() ? Optional.of(userHome) : Optional.empty(); // the system unit's User='s home
        }
        return dir.startsWith("/") ? Optional.of(Path.of(dir)) : Optional.empty();
    }

    /** The unit's state directory ({@code WorkingDirectory=%S/<name>}), the first that exists where systemd puts it. */
    private Optional<Path> stateDirectory(ServiceRef service) {
        return UnitLocation.stateDirectories(service, userHome, environment).stream()
                .filter(dir -> Files.isDirectory(service.user() ? dir : onDisk(dir)))
                .findFirst();
    }

    private static Map<String, String> properties(String showOutput) {
        Map<String, String> properties = new HashMap<>();
        showOutput.lines().forEach(line -> {
            int eq = line.indexOf('=');
            if (eq > 0) {
                properties.put(line.substring(0, eq), line.substring(eq + 1));
            }
        });
        return properties;
    }

    /**
     * The unit file's {@code systemd-analyze verify} and {@code security} exposure ({@link SystemdUnitChecks}); none
     * where systemd does not run and no unit file was staged or installed.
     */
    @Override
    public List<Diagnosis> diagnose(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        Path unitFile = location(service).unitFile();
        if (!isAvailable() && !Files.exists(unitFile)) {
            return List.of();
        }
        return SystemdUnitChecks.diagnose(unitFile, SystemdUnitChecks.findAnalyze(environment.get("PATH")));
    }

    /**
     * When systemd started this process ({@code NOTIFY_SOCKET} set), runs the service in the foreground and
     * reports its lifecycle to systemd; blocks until it stopped.
     *
     * @return the exit code of {@link ManagedService#runInForeground()}, or empty without {@code NOTIFY_SOCKET}
     */
    @Override
    public OptionalInt runManaged(ManagedService service) {
        Objects.requireNonNull(service, "service");
        SdNotify notify = SdNotify.fromEnvironment(environment);
        if (!notify.enabled()) {
            return OptionalInt.empty();
        }
        try (SystemdNotifier notifier = new SystemdNotifier(notify, extendTick)) {
            notifier.attach(service);
            return OptionalInt.of(service.runInForeground());
        }
    }

    /**
     * An instance reads {@code /etc/<name>/<instance>.yaml} (its own ports, at least): without it the unit would
     * fail at every start, so install refuses first.
     */
    private void requireInstanceConfig(ServiceRef service) {
        if (service.instance().isEmpty()) {
            return;
        }
        Path file = UnitLocation.instanceConfigFile(service, service.instance().get(), userHome, environment);
        // Read where this manager's /etc is: the system unit directory is <etc>/systemd/system (a temporary one in
        // tests).
        Path onDisk = service.user()
                ? file
                : systemUnitDirectory
                        .resolve("../..")
                        .normalize()
                        .resolve(Path.of("/etc").relativize(file));
        if (!Files.exists(onDisk)) {
            throw new ServiceManagerException(
                    service.id() + " reads its configuration from " + file + ", which does not exist; create it with"
                            + " this instance's own http.port and management.port (and data-dir if you set one), then"
                            + " run install --instance " + service.instance().get() + " again",
                    ExitCode.CONFIG_ERROR);
        }
    }

    /**
     * The other instances of {@code service}'s template that are enabled: links named {@code <name>@<x>.service} in
     * the unit directory's {@code *.wants/} directories (where {@code systemctl enable} puts them). Empty for a
     * service without an instance.
     */
    private static List<String> otherEnabledInstances(ServiceRef service, UnitLocation location) {
        if (service.instance().isEmpty()) {
            return List.of();
        }
        String prefix = service.name() + "@";
        String own = UnitLocation.unitName(service);
        List<String> others = new ArrayList<>();
        try (var wants = Files.newDirectoryStream(location.unitDirectory(), "*.wants")) {
            for (Path dir : wants) {
                try (var links = Files.newDirectoryStream(dir, prefix + "?*.service")) {
                    for (Path link : links) {
                        String unit = link.getFileName().toString();
                        if (!unit.equals(own) && !others.contains(unit)) {
                            others.add(unit);
                        }
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + location.unitDirectory() + ": " + e.getMessage(), e);
        }
        others.sort(null);
        return others;
    }

    private UnitLocation location(ServiceRef service) {
        return UnitLocation.of(service, systemUnitDirectory, userHome, environment);
    }

    private static List<List<String>> installCommands(InstallRequest request) {
        String unit = UnitLocation.unitName(request.service());
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("daemon-reload"));
        StartType type = request.startType();
        switch (type) {
            case AUTO, DELAYED -> commands.add(List.of("enable", "--now", unit)); // systemd has no "delayed": like AUTO
            case MANUAL -> commands.add(List.of("start", unit));
            case DISABLED -> {}
        }
        return commands;
    }

    private static String command(ServiceRef service, List<String> arguments) {
        return "systemctl " + (service.user() ? "--user " : "") + String.join(" ", arguments);
    }

    private UnitStatus requireInstalled(ServiceRef service, String verb) {
        Objects.requireNonNull(service, "service");
        ManagerSupport.requireLive(service, verb);
        UnitStatus status = show(service);
        if (!status.installed()) {
            throw new ServiceManagerException(
                    service.id() + " is not installed as a systemd " + (service.user() ? "user " : "")
                            + "unit; install it first"
                            + (service.user() ? " with --user" : " (or add --user if it is a user service)"),
                    ExitCode.NOT_INSTALLED);
        }
        return status;
    }

    private UnitStatus show(ServiceRef service) {
        List<String> c = List.of("show", "-p", String.join(",", UnitStatus.PROPERTIES), UnitLocation.unitName(service));
        CommandResult result = systemctl.run(service.user(), c);
        check(service, result, c);
        return UnitStatus.parse(result.stdout());
    }

    /** Waits until the unit is active and reports "running (n s)", timed from {@code begunNanos}. */
    private void awaitActive(ServiceRef service, Progress progress, long begunNanos) {
        support.awaitRunning(
                service.id(),
                progress,
                begunNanos,
                () -> show(service),
                UnitStatus::running,
                UnitStatus::ended,
                (status, what) -> startFailure(service, status, what));
    }

    /** Polls {@code systemctl show} until {@code done} holds or the wait timeout passes. */
    private UnitStatus await(ServiceRef service, Predicate<UnitStatus> done, String what) {
        return support.await(
                service.id(),
                () -> show(service),
                done,
                what,
                (status, failure) -> startFailure(service, status, failure));
    }

    private ServiceManagerException startFailure(ServiceRef service, UnitStatus status, String what) {
        String unit = UnitLocation.unitName(service);
        List<String> journal = systemctl.journal(service.user(), unit, JOURNAL_LINES);
        StringBuilder message = new StringBuilder(service.id())
                .append(' ')
                .append(what)
                .append(": ")
                .append(status.describe());
        status.execMainStatus()
                .ifPresent(code -> message.append(", last exit status ").append(code));
        message.append(
                journal.isEmpty()
                        ? "\n(no journal lines)"
                        : "\nLast journal lines:\n  " + String.join("\n  ", journal));
        message.append("\nSee: journalctl ")
                .append(service.user() ? "--user " : "")
                .append("-u ")
                .append(unit)
                .append(" and systemctl ")
                .append(service.user() ? "--user " : "")
                .append("status ")
                .append(unit);
        return new ServiceManagerException(message.toString(), ExitCode.FAILURE);
    }

    private void check(ServiceRef service, CommandResult result, List<String> arguments) {
        support.check(result, command(service, arguments), REFUSALS, "");
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // the user keeps other drop-ins there; leave the directory
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove \"" + path + "\": " + e.getMessage(), e);
        }
    }
}
