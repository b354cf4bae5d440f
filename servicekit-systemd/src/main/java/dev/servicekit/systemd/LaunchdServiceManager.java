package dev.servicekit.systemd;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.ShellWords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The launchd service manager ({@code --platform launchd}, macOS): writes a LaunchDaemon (or, with {@code --user},
 * a LaunchAgent) property list and drives the job with {@code launchctl}.
 *
 * <ul>
 *   <li>{@code install}: writes {@code /Library/LaunchDaemons/<label>.plist} (mode 644; {@code ~/Library/LaunchAgents}
 *       with {@code --user}), creates the working and log directories (owned by {@code --account}), runs
 *       {@code launchctl bootstrap system <plist>} ({@code gui/<uid>} with {@code --user}; a job already loaded is
 *       booted out first so the new plist applies) and waits until {@code launchctl print} shows
 *       {@code state = running}. Manual start type adds {@code launchctl kickstart}; disabled writes the plist and
 *       loads nothing. With {@code --root DIR} it only writes under {@code DIR}. A system install as non-root fails
 *       with exit 77.</li>
 *   <li>{@code uninstall}: {@code launchctl bootout <domain>/<label>} (launchd sends SIGTERM, then SIGKILL after
 *       {@code ExitTimeOut}), then removes the plist. Data and logs stay.</li>
 *   <li>{@code start}: {@code launchctl kickstart <domain>/<label>} (bootstrapping the plist first if it is not
 *       loaded); {@code stop}: {@code launchctl kill SIGTERM <domain>/<label>} and waits until it is not running;
 *       {@link #restart}: {@code kickstart -k}; {@code reload}: {@code launchctl kill SIGHUP}.</li>
 *   <li>{@code status}: {@code launchctl print} ({@code state}, {@code pid}, {@code last exit code}, {@code runs})
 *       mapped to SPEC §4's exit codes; "Could not find service" means not loaded: installed but not running when the
 *       plist exists, else not installed.</li>
 *   <li>{@link #runManaged}: always empty. launchd needs no readiness handshake: it runs {@code run} in the foreground,
 *       which already handles SIGTERM (clean stop, exit 0) and SIGHUP (reload).</li>
 * </ul>
 *
 * <p>{@code KeepAlive} is {@code SuccessfulExit = false}: launchd restarts the job after a non-zero exit or a crash,
 * not after a clean stop. {@code stop} therefore relies on the service exiting 0 after SIGTERM, which Servicekit's
 * foreground run does; a job that exits non-zero is started again, and {@code stop} says so.
 *
 * <p>Commands block until the target state or the wait timeout (2 minutes); they throw
 * {@link ServiceManagerException} with SPEC §4's exit code. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * ServiceManager launchd = new LaunchdServiceManager();
 * System.out.print(launchd.describeInstall(request));   // the plist and the launchctl commands
 * }</pre>
 */
public final class LaunchdServiceManager implements ServiceManager {

    private static final int LOG_LINES = 20;
    private static final ManagerSupport.Wording WORDING =
            new ManagerSupport.Wording("daemon", "it", "LaunchAgent", "an agent");
    private static final List<String> REFUSALS =
            List.of("operation not permitted", "permission denied", "not privileged");

    private final Launchctl launchctl;
    private final LongSupplier effectiveUid;
    private final Path liveRoot;
    private final Path userHome;
    private final BooleanSupplier launchctlPresent;
    private final BiConsumer<Path, String> chown;
    private final ManagerSupport support;

    /** The manager for this machine (found by {@link java.util.ServiceLoader}). */
    public LaunchdServiceManager() {
        // geteuid(2) has the same signature in macOS's libc, so the module's JNA binding serves here too (loaded on
        // first use).
        this(
                new LaunchctlProcess(Duration.ofMinutes(5)),
                () -> LibC.INSTANCE.geteuid(),
                Path.of("/"),
                Path.of(System.getProperty("user.home")),
                () -> Files.isExecutable(LaunchctlProcess.EXECUTABLE),
                LaunchdServiceManager::changeOwner,
                Duration.ofMinutes(2),
                Duration.ofMillis(250));
    }

    /**
     * @param liveRoot what {@code /} is for files on the live system (a temporary directory in tests)
     * @param chown    gives a directory to {@code user[:group]}
     */
    LaunchdServiceManager(
            Launchctl launchctl,
            LongSupplier effectiveUid,
            Path liveRoot,
            Path userHome,
            BooleanSupplier launchctlPresent,
            BiConsumer<Path, String> chown,
            Duration waitTimeout,
            Duration pollInterval) {
        this.launchctl = Objects.requireNonNull(launchctl, "launchctl");
        this.effectiveUid = Objects.requireNonNull(effectiveUid, "effectiveUid");
        this.liveRoot = Objects.requireNonNull(liveRoot, "liveRoot");
        this.userHome = Objects.requireNonNull(userHome, "userHome");
        this.launchctlPresent = Objects.requireNonNull(launchctlPresent, "launchctlPresent");
        this.chown = Objects.requireNonNull(chown, "chown");
        this.support = new ManagerSupport(WORDING, effectiveUid, waitTimeout, pollInterval);
    }

    /** {@code launchd}. */
    @Override
    public String platform() {
        return "launchd";
    }

    /** 30: after Windows and systemd, before the detached daemon fallback. */
    @Override
    public int order() {
        return 30;
    }

    /** Whether {@code /bin/launchctl} exists (macOS). */
    @Override
    public boolean isAvailable() {
        return launchctlPresent.getAsBoolean();
    }

    /**
     * The plist, where it goes, the directories install creates and the {@code launchctl} commands it runs. Pure apart
     * from asking the effective uid for {@code --user}.
     *
     * @throws ServiceManagerException (exit 2) listing every value launchd cannot take
     */
    @Override
    public String describeInstall(InstallRequest request) {
        Objects.requireNonNull(request, "request");
        LaunchdLocation location = location(request.service());
        String plist = LaunchdPlistRenderer.render(request, location);
        StringBuilder out = new StringBuilder();
        out.append("# ").append(location.plistOnDisk()).append(" (mode 644)\n").append(plist);
        out.append("\n# Directories (created if missing")
                .append(ownerNote(request))
                .append("):\n");
        out.append("#   ").append(location.onDisk(location.workingDirectory())).append('\n');
        out.append("#   ").append(location.onDisk(location.logDirectory())).append('\n');
        List<List<String>> commands = installCommands(request, location);
        if (request.service().root().isPresent()) {
            out.append("\n# --root writes the files only and runs nothing. On the target system, run:\n");
            commands.forEach(c -> out.append("#   ").append(command(c)).append('\n'));
        } else if (commands.isEmpty()) {
            out.append("\n# Start type disabled: nothing is loaded. To load and start it later:\n");
            out.append("#   ").append(command(bootstrap(location))).append('\n');
        } else {
            out.append("\n# Then (a job already loaded under this label is booted out first):\n");
            commands.forEach(c -> out.append(command(c)).append('\n'));
        }
        return out.toString();
    }

    /**
     * Writes the plist and the directories, loads the job and waits until it runs. With {@code --root} it writes the
     * files and stops there.
     *
     * @throws ServiceManagerException 77 when a system daemon is installed without root; 2 for values launchd cannot
     *                                 take; 1 when launchctl fails or the job does not start
     */
    @Override
    public void install(InstallRequest request, Progress progress) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(progress, "progress");
        if (request.dryRun()) {
            progress.step(describeInstall(request));
            return;
        }
        ServiceRef service = request.service();
        LaunchdLocation location = location(service);
        String plist = LaunchdPlistRenderer.render(request, location);
        boolean live = service.root().isEmpty();
        if (live) {
            support.requireRoot(service, "install");
        }
        if (!service.user() && request.account().isEmpty()) {
            progress.step("No --account: " + service.id()
                    + " will run as root; reinstall with --account <user> to run it as that user");
        }
        for (Path directory : List.of(location.workingDirectory(), location.logDirectory())) {
            Path onDisk = location.onDisk(directory);
            support.createDirectory(onDisk);
            if (live && !service.user() && request.account().isPresent()) {
                chown.accept(onDisk, request.account().get().strip());
            }
        }
        support.write(location.plistOnDisk(), plist, Optional.of(PosixFilePermissions.fromString("rw-r--r--")));
        progress.step("Wrote " + location.plistOnDisk());
        List<List<String>> commands = installCommands(request, location);
        if (!live) {
            progress.step("--root: launchctl not called; on the target system run: "
                    + String.join(
                            " && ",
                            commands.stream()
                                    .map(LaunchdServiceManager::command)
                                    .toList()));
            return;
        }
        if (commands.isEmpty()) {
            progress.step(service.id() + " is installed but disabled (not loaded); load and start it with: "
                    + command(bootstrap(location)));
            return;
        }
        if (print(location).isPresent()) {
            List<String> bootout = bootout(location);
            progress.step(command(bootout) + " (replacing the loaded job)");
            check(run(bootout), bootout);
        }
        for (List<String> c : commands) {
            progress.step(command(c));
            check(run(c), c);
        }
        awaitRunning(location, progress);
    }

    /**
     * Boots the job out (launchd stops it) and removes the plist; with {@code --root} removes the plist only. The
     * working directory and the logs stay.
     *
     * @throws ServiceManagerException 4 when there is no plist for this name; 77 without root for a system daemon
     */
    @Override
    public void uninstall(ServiceRef service, Progress progress) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(progress, "progress");
        LaunchdLocation location = location(service);
        if (!Files.exists(location.plistOnDisk())) {
            throw new ServiceManagerException(
                    service.id() + " is not installed: there is no property list " + location.plistOnDisk()
                            + (service.user() ? "" : "; for a --user agent add --user"),
                    ExitCode.NOT_INSTALLED);
        }
        if (service.root().isEmpty()) {
            support.requireRoot(service, "uninstall");
            if (print(location).isPresent()) {
                List<String> bootout = bootout(location);
                progress.step(command(bootout));
                check(run(bootout), bootout);
            } else {
                progress.step(location.label() + " is not loaded; nothing to boot out");
            }
        }
        delete(location.plistOnDisk());
        progress.step("Removed " + location.plistOnDisk());
        progress.step("Kept " + location.onDisk(location.workingDirectory()) + " and the logs in "
                + location.onDisk(location.logDirectory()) + "; remove them by hand if you no longer need them");
    }

    /** {@code launchctl kickstart} (after {@code bootstrap} when the job is not loaded), then waits until it runs. */
    @Override
    public void start(ServiceRef service, Progress progress) {
        LaunchdLocation location = requireInstalled(service, "start");
        if (print(location).isEmpty()) {
            List<String> bootstrap = bootstrap(location);
            progress.step(command(bootstrap));
            check(run(bootstrap), bootstrap);
        }
        List<String> kickstart = List.of("kickstart", target(location));
        progress.step(command(kickstart));
        check(run(kickstart), kickstart);
        awaitRunning(location, progress);
    }

    /**
     * {@code launchctl kill SIGTERM}, then waits until the job is not running. A job that is not running is left as
     * it is.
     */
    @Override
    public void stop(ServiceRef service, Progress progress) {
        LaunchdLocation location = requireInstalled(service, "stop");
        Optional<LaunchdJobStatus> current = print(location);
        if (current.isEmpty() || !current.get().running()) {
            progress.step(service.id() + " is not running ("
                    + current.map(LaunchdJobStatus::describe).orElse("not loaded") + ")");
            return;
        }
        List<String> kill = List.of("kill", "SIGTERM", target(location));
        progress.step("Stopping " + service.id() + "…");
        long begun = System.nanoTime();
        check(run(kill), kill);
        LaunchdJobStatus status = await(location, s -> !s.running(), "stop");
        progress.step("stopped (" + ManagerSupport.seconds(begun) + ")");
        if (status.lastExitCode().isPresent() && status.lastExitCode().getAsInt() != 0) {
            progress.step(service.id() + " exited with code "
                    + status.lastExitCode().getAsInt()
                    + ", which KeepAlive counts as a failure: launchd will start it again. To keep it stopped: "
                    + command(bootout(location)));
        }
    }

    /**
     * {@code launchctl kickstart -k}: launchd kills the running process and starts it again; then waits until it runs.
     *
     * @throws ServiceManagerException 4 not installed, 77 permission denied, 1 when it does not run again
     */
    @Override
    public void restart(ServiceRef service, Progress progress) {
        LaunchdLocation location = requireInstalled(service, "restart");
        if (print(location).isEmpty()) {
            start(service, progress);
            return;
        }
        List<String> kickstart = List.of("kickstart", "-k", target(location));
        progress.step(command(kickstart));
        check(run(kickstart), kickstart);
        awaitRunning(location, progress);
    }

    /**
     * {@code launchctl kill SIGHUP}: the service reloads its configuration.
     *
     * @throws ServiceManagerException 3 when the job is not running
     */
    @Override
    public void reload(ServiceRef service, Progress progress) {
        LaunchdLocation location = requireInstalled(service, "reload");
        Optional<LaunchdJobStatus> status = print(location);
        if (status.isEmpty() || !status.get().running()) {
            throw new ServiceManagerException(
                    service.id() + " is not running ("
                            + status.map(LaunchdJobStatus::describe).orElse("not loaded") + "); start it with: "
                            + command(List.of("kickstart", target(location))),
                    ExitCode.NOT_RUNNING);
        }
        List<String> kill = List.of("kill", "SIGHUP", target(location));
        progress.step(command(kill));
        check(run(kill), kill);
    }

    /** {@code launchctl print} mapped to a status; with {@code --root}, whether the staged plist exists. */
    @Override
    public ServiceStatus status(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        LaunchdLocation location = location(service);
        boolean plistExists = Files.exists(location.plistOnDisk());
        if (service.root().isPresent()) {
            return plistExists ? ManagerSupport.staged(location.plistOnDisk()) : ServiceStatus.notInstalled();
        }
        Optional<LaunchdJobStatus> job = print(location);
        if (job.isPresent()) {
            return job.get().toServiceStatus();
        }
        return plistExists
                ? new ServiceStatus(
                        true, false, "not loaded", OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty())
                : ServiceStatus.notInstalled();
    }

    /**
     * How launchd starts the installed job, read back from its plist ({@link LaunchdPlistReader}): the words after
     * {@code run} in {@code ProgramArguments}, the {@code WorkingDirectory} and the {@code EnvironmentVariables} it
     * sets over launchd's own environment (which is not read). Empty with {@code --root} (a staged plist runs
     * nowhere), without a plist, and when the plist cannot be read back. Never throws; reads one file.
     */
    @Override
    public Optional<InstalledLaunch> installedLaunch(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        if (service.root().isPresent()) {
            return Optional.empty();
        }
        try {
            Path plist = location(service).plistOnDisk();
            return Files.isRegularFile(plist) ? LaunchdPlistReader.launch(Files.readAllBytes(plist)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable: the caller does without, as for a manager that keeps nothing
        }
    }

    /**
     * Always empty, at once and without native calls: launchd runs the {@code run} verb as an ordinary foreground
     * process and needs no handshake, so the foreground run is already right under launchd.
     */
    @Override
    public OptionalInt runManaged(ManagedService service) {
        Objects.requireNonNull(service, "service");
        return OptionalInt.empty();
    }

    private LaunchdLocation location(ServiceRef service) {
        return LaunchdLocation.of(service, userHome, liveRoot);
    }

    /** {@code system}, or {@code gui/<uid>} for an agent (the domain of the logged-in user's session). */
    private String domain(ServiceRef service) {
        if (!service.user()) {
            return "system";
        }
        return service.root().isPresent() ? "gui/$(id -u)" : "gui/" + effectiveUid.getAsLong();
    }

    private String target(LaunchdLocation location) {
        return domain(location.service()) + "/" + location.label();
    }

    private List<String> bootstrap(LaunchdLocation location) {
        return List.of(
                "bootstrap", domain(location.service()), location.plistFile().toString());
    }

    private List<String> bootout(LaunchdLocation location) {
        return List.of("bootout", target(location));
    }

    private List<List<String>> installCommands(InstallRequest request, LaunchdLocation location) {
        List<List<String>> commands = new ArrayList<>();
        switch (request.startType()) {
            case AUTO, DELAYED -> commands.add(bootstrap(location)); // RunAtLoad starts it
            case MANUAL -> {
                commands.add(bootstrap(location));
                commands.add(List.of("kickstart", target(location)));
            }
            case DISABLED -> {}
        }
        return commands;
    }

    /** A command as a user would type it; words with spaces or shell characters are single-quoted. */
    private static String command(List<String> arguments) {
        StringBuilder b = new StringBuilder("launchctl");
        for (String word : arguments) {
            b.append(' ');
            b.append(word.startsWith("gui/$(id -u)") ? word : ShellWords.quote(word));
        }
        return b.toString();
    }

    private CommandResult run(List<String> arguments) {
        return launchctl.run(arguments);
    }

    /** The job as launchd has it loaded, or empty when launchd cannot find it. */
    private Optional<LaunchdJobStatus> print(LaunchdLocation location) {
        List<String> c = List.of("print", target(location));
        CommandResult result = run(c);
        if (!result.ok() && (result.said().contains("Could not find service") || result.exitCode() == 113)) {
            return Optional.empty();
        }
        check(result, c);
        return Optional.of(LaunchdJobStatus.parse(result.stdout()));
    }

    private LaunchdLocation requireInstalled(ServiceRef service, String verb) {
        Objects.requireNonNull(service, "service");
        ManagerSupport.requireLive(service, verb);
        LaunchdLocation location = location(service);
        if (!Files.exists(location.plistOnDisk()) && print(location).isEmpty()) {
            throw new ServiceManagerException(
                    service.id() + " is not installed as a launchd " + (service.user() ? "agent" : "daemon") + " (no "
                            + location.plistOnDisk() + "); install it first"
                            + (service.user() ? " with --user" : " (or add --user if it is an agent)"),
                    ExitCode.NOT_INSTALLED);
        }
        return location;
    }

    private void awaitRunning(LaunchdLocation location, Progress progress) {
        support.awaitRunning(
                location.service().name(),
                progress,
                () -> poll(location, "start"),
                LaunchdJobStatus::running,
                LaunchdJobStatus::exited,
                (status, what) -> startFailure(location, status, what));
    }

    /** Polls {@code launchctl print} until {@code done} holds or the wait timeout passes. */
    private LaunchdJobStatus await(LaunchdLocation location, Predicate<LaunchdJobStatus> done, String what) {
        return support.await(
                location.service().name(),
                () -> poll(location, what),
                done,
                what,
                (status, failure) -> startFailure(location, status, failure));
    }

    /** The loaded job; a job that disappeared while we wait for it to {@code what} is a failure. */
    private LaunchdJobStatus poll(LaunchdLocation location, String what) {
        return print(location)
                .orElseThrow(() -> new ServiceManagerException(
                        location.label() + " disappeared from launchd while waiting for it to " + what + "; see "
                                + command(List.of("print", target(location))),
                        ExitCode.FAILURE));
    }

    private ServiceManagerException startFailure(LaunchdLocation location, LaunchdJobStatus status, String what) {
        StringBuilder message = new StringBuilder(location.service().name())
                .append(' ')
                .append(what)
                .append(": ")
                .append(status.describe());
        status.lastExitCode()
                .ifPresent(code -> message.append(", last exit code ").append(code));
        Path log = location.onDisk(location.logFile());
        List<String> lines = tail(log);
        message.append(
                lines.isEmpty()
                        ? "\n(no log lines in " + log + ")"
                        : "\nLast lines of " + log + ":\n  " + String.join("\n  ", lines));
        message.append("\nSee: ").append(command(List.of("print", target(location))));
        return new ServiceManagerException(message.toString(), ExitCode.FAILURE);
    }

    private static List<String> tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - LOG_LINES), all.size());
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    private void check(CommandResult result, List<String> arguments) {
        String hint = arguments.get(0).equals("bootstrap") && result.exitCode() == 5
                ? "; launchd rejected the property list: check it with plutil -lint, and that it is owned by root:wheel with mode 644"
                : "";
        support.check(result, command(arguments), REFUSALS, hint);
    }

    private static String ownerNote(InstallRequest request) {
        return !request.service().user() && request.account().isPresent()
                ? ", owned by " + request.account().get().strip()
                : "";
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new ServiceManagerException("Cannot remove \"" + path + "\": " + e.getMessage(), ExitCode.FAILURE, e);
        }
    }

    /** Gives a directory to {@code user} or {@code user:group} (the daemon writes its state and logs there). */
    private static void changeOwner(Path directory, String account) {
        String[] parts = account.split(":", 2);
        try {
            UserPrincipalLookupService lookup = directory.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
            view.setOwner(lookup.lookupPrincipalByName(parts[0]));
            if (parts.length == 2) {
                view.setGroup(lookup.lookupPrincipalByGroupName(parts[1]));
            }
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
            throw new ServiceManagerException(
                    "--account \"" + account + "\" names no user or group on this Mac; create it first "
                            + "(sysadminctl -addUser, or dscl) or choose another account",
                    ExitCode.USAGE,
                    e);
        } catch (IOException e) {
            throw new ServiceManagerException(
                    "Cannot give \"" + directory + "\" to \"" + account + "\": " + e.getMessage(), ExitCode.FAILURE, e);
        }
    }
}
