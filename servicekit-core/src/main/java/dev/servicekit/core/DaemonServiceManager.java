package dev.servicekit.core;

import dev.servicekit.spi.Durations;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceState;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.ShellWords;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detached daemon ({@code --platform daemon}): runs the service in the background without a service
 * manager, as the classic fork/setsid recipe does. Available wherever the default file system has POSIX
 * attributes (Linux, macOS, BSDs), with the lowest preference ({@link #order()} 90), so systemd or
 * launchd win where they are present.
 *
 * <h2>Files</h2>
 * All in the state directory: {@code --root DIR} when given, else the working directory. With {@code --instance a},
 * {@code <name>} below is {@code users-service@a}, so instances share the state directory without sharing a file,
 * and the instance runs in {@code <state directory>/a}, its default data directory.
 * <ul>
 *   <li>{@code <name>.pid}: the daemon's pid, exclusively locked by the daemon for its whole life
 *       ({@link DaemonPidFile}). Locked means running; present but unlocked means stale (the daemon
 *       died), whatever process the pid belongs to now.</li>
 *   <li>{@code <name>.state}: {@code <STATE> <pid>}, rewritten after every lifecycle transition
 *       ({@link DaemonStateFile}): the readiness handshake.</li>
 *   <li>{@code <name>.log}: the daemon's stdout and stderr, appended (never truncated or rotated here;
 *       use {@code log.file.*} for rotation).</li>
 *   <li>{@code <name>.daemon.json}: how to launch it ({@link DaemonLaunchSpec}), written by
 *       {@code install --platform daemon}. Without it, {@code start} launches this process's
 *       {@code java -jar <jar> run}, and {@code stop} waits the default stop timeout (30 s).</li>
 * </ul>
 *
 * <h2>Commands</h2>
 * <ol>
 *   <li>{@code start}: if the pid file is locked, says "already running" and returns (exit 0). Else it
 *       launches {@code setsid java … -jar <jar> run …} (a new session, no controlling terminal; without
 *       {@code setsid} a plain background process, with a warning) in the state directory, stdin from
 *       {@code /dev/null}, output appended to the log, with {@code SERVICEKIT_DAEMON_DIR} and
 *       {@code SERVICEKIT_DAEMON_NAME} set and the variables of an enclosing service manager
 *       ({@code NOTIFY_SOCKET}, {@code INVOCATION_ID}, …) removed. It then polls until the pid file is
 *       locked and the state file says {@code RUNNING} with that pid. If the daemon exits or fails
 *       first, it fails (exit 1) with the daemon's last log lines; a daemon that exited without one gets how
 *       it ended, what became of the log, its JVM's crash report if any and the command to run by hand
 *       ({@link #exitReport}); after the start timeout (60 s) it stops the daemon and fails.</li>
 *   <li>{@code run} in the daemon ({@link #runManaged}): takes the pid-file lock (exit 1 if another
 *       daemon holds it), writes state transitions, and runs the service in the foreground (whose signal
 *       handling makes SIGHUP a reload, SIGTERM a graceful stop); at the end it removes the pid file and, after a clean stop, the state file (a
 *       {@code FAILED} state stays, for {@code status}).</li>
 *   <li>{@code stop}: SIGTERM to the pid holding the lock (never to a pid from a stale file), waits until
 *       the process is gone (a zombie nobody reaps counts as gone) up to the stop timeout of
 *       {@code <name>.daemon.json} (default 30 s), then SIGKILL, and says so.</li>
 *   <li>{@code status}: running (exit 0) when the pid file is locked; otherwise not running (exit 3),
 *       "stale pid file", "failed" or "stopped". A daemon is never "not installed": it needs no
 *       registration.</li>
 *   <li>{@code reload}: {@code kill -HUP <pid>}. {@code restart}: composed by the command line.</li>
 *   <li>{@code install}: writes {@code <name>.daemon.json} (nothing starts at boot: there is no manager
 *       to do it); {@code uninstall}: stops the daemon, removes the launch, pid and state files, keeps
 *       the log.</li>
 * </ol>
 * No recovery actions: a daemon that dies stays dead (use systemd or launchd for that).
 */
public final class DaemonServiceManager implements ServiceManager {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(DaemonServiceManager.class);
    }

    /** Set in the daemon's environment: its state directory. Marks a process launched by {@code start}. */
    static final String DIR_VARIABLE = "SERVICEKIT_DAEMON_DIR";
    /** Set in the daemon's environment: the service name its files are named after. */
    static final String NAME_VARIABLE = "SERVICEKIT_DAEMON_NAME";
    /** Variables of an enclosing service manager that must not make the daemon think systemd runs it. */
    static final List<String> MANAGER_VARIABLES = List.of(
            "NOTIFY_SOCKET",
            "WATCHDOG_USEC",
            "WATCHDOG_PID",
            "INVOCATION_ID",
            "JOURNAL_STREAM",
            "LISTEN_FDS",
            "LISTEN_PID",
            "LISTEN_FDNAMES");

    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);
    /** How long to wait for the process to vanish after SIGKILL. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private static final int LOG_TAIL_LINES = 20;
    /**
     * Less free space than this on the log's file system, and a daemon that wrote nothing is told its writes may have
     * failed: its first lines, pid and state files take a few kilobytes, its store's first pages somewhat more.
     */
    static final long LOW_SPACE_BYTES = 1024 * 1024;

    private static final long POLL_MILLIS = 50;

    private final Map<String, String> environment;
    private final Path workingDir;
    private final String classPath;
    private final Duration startTimeout;
    private final Duration defaultStopTimeout;
    private final Optional<Path> setsid;

    /** The manager ServiceLoader finds: the process's environment, working directory and class path. */
    public DaemonServiceManager() {
        this(
                System.getenv(),
                Path.of("").toAbsolutePath(),
                System.getProperty("java.class.path", ""),
                DEFAULT_START_TIMEOUT,
                DEFAULT_STOP_TIMEOUT,
                findOnPath(System.getenv("PATH"), "setsid"));
    }

    DaemonServiceManager(
            Map<String, String> environment,
            Path workingDir,
            String classPath,
            Duration startTimeout,
            Duration defaultStopTimeout,
            Optional<Path> setsid) {
        this.environment = Map.copyOf(environment);
        this.workingDir = workingDir.toAbsolutePath().normalize();
        this.classPath = Objects.requireNonNull(classPath, "classPath");
        this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
        this.defaultStopTimeout = Objects.requireNonNull(defaultStopTimeout, "defaultStopTimeout");
        this.setsid = Objects.requireNonNull(setsid, "setsid");
    }

    /** {@code daemon}. */
    @Override
    public String platform() {
        return "daemon";
    }

    /** 90: after every real service manager. */
    @Override
    public int order() {
        return 90;
    }

    /** Wherever the default file system is POSIX (pid-file locks, {@code kill}, {@code /dev/null}). */
    @Override
    public boolean isAvailable() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * {@code --bind-privileged-ports} and {@code --drop-in} change what the service may do; the daemon cannot honour
     * them, so it refuses them (exit 2) rather than ignore them as it ignores {@code --watchdog} (docs/decisions.md).
     */
    private static void refuseSystemdOnly(InstallRequest request) {
        List<String> problems = new ArrayList<>();
        if (request.bindPrivilegedPorts()) {
            problems.add("--bind-privileged-ports is systemd only: the detached daemon runs as the user who starts it"
                    + " and cannot grant a capability; start it as root, listen on a port of 1024 or above, or install"
                    + " with --platform systemd");
        }
        if (request.dropIn().isPresent()) {
            problems.add("--drop-in is systemd only: the detached daemon has no unit to apply it to; drop it, or"
                    + " install with --platform systemd");
        }
        if (!problems.isEmpty()) {
            throw new ServiceManagerException(
                    "Cannot install \"" + request.service().id() + "\" as a detached daemon:\n  - "
                            + String.join("\n  - ", problems),
                    ExitCode.USAGE);
        }
    }

    /** The launch file it would write and how start and stop would work. Pure. */
    @Override
    public String describeInstall(InstallRequest request) {
        Objects.requireNonNull(request, "request");
        refuseSystemdOnly(request);
        DaemonFiles files = DaemonFiles.of(request.service(), workingDir);
        DaemonLaunchSpec spec = new DaemonLaunchSpec(request.launch(), request.stopTimeout());
        StringBuilder text = new StringBuilder();
        text.append("# Detached daemon \"")
                .append(request.service().id())
                .append("\" in ")
                .append(files.dir())
                .append('\n');
        text.append("# write ").append(files.launchFile()).append(":\n");
        text.append(spec.toJson());
        text.append("# start: ")
                .append(String.join(" ", spec.commandLine(setsid, files.instance())))
                .append('\n');
        text.append("#   in ")
                .append(files.workingDirectory())
                .append(", stdin </dev/null, stdout and stderr >>")
                .append(files.logFile())
                .append(", ")
                .append(DIR_VARIABLE)
                .append('=')
                .append(files.dir())
                .append('\n');
        text.append("#   pid file ")
                .append(files.pidFile())
                .append(" (locked while running), readiness via ")
                .append(files.stateFile())
                .append('\n');
        text.append("# stop: SIGTERM, SIGKILL after ")
                .append(Durations.format(request.stopTimeout()))
                .append('\n');
        text.append("# reload: SIGHUP\n");
        text.append("# not applied by the daemon: start at boot, account, dependencies, recovery actions\n");
        return text.toString();
    }

    @Override
    public void install(InstallRequest request, Progress progress) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(progress, "progress");
        refuseSystemdOnly(request);
        DaemonFiles files = DaemonFiles.of(request.service(), workingDir);
        String json = new DaemonLaunchSpec(request.launch(), request.stopTimeout()).toJson();
        try {
            Files.createDirectories(files.dir());
            Path temp = files.launchFile().resolveSibling(files.launchFile().getFileName() + ".tmp");
            Files.writeString(temp, json, StandardCharsets.UTF_8);
            Files.move(
                    temp,
                    files.launchFile(),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ServiceManagerException(
                    "Cannot write " + files.launchFile() + " (" + e.getMessage()
                            + "); choose a writable state directory with --root",
                    ExitCode.FAILURE,
                    e);
        }
        progress.step("Wrote " + files.launchFile());
        if (request.account().isPresent() || !request.dependsOn().isEmpty()) {
            progress.step(
                    "Note: the detached daemon runs as the user who starts it and ignores --account and --depends-on");
        }
        progress.step("Installed " + request.service().id()
                + " as a detached daemon; start it with: start --platform daemon"
                + request.service().root().map(root -> " --root " + root).orElse("")
                + request.service().instance().map(i -> " --instance " + i).orElse(""));
    }

    @Override
    public void uninstall(ServiceRef service, Progress progress) {
        Objects.requireNonNull(service, "service");
        DaemonFiles files = DaemonFiles.of(service, workingDir);
        stop(service, progress);
        for (Path file : List.of(files.launchFile(), files.stateFile(), files.pidFile())) {
            try {
                if (file.equals(files.pidFile()) && DaemonPidFile.inspect(file) instanceof DaemonPidFile.Running) {
                    throw new ServiceManagerException(
                            service.id() + " started again while uninstalling (pid file " + file
                                    + " is locked); stop it and run uninstall again",
                            ExitCode.FAILURE);
                }
                if (Files.deleteIfExists(file)) {
                    progress.step("Removed " + file);
                }
            } catch (IOException e) {
                throw new ServiceManagerException(
                        "Cannot remove " + file + " (" + e.getMessage() + "); remove it by hand", ExitCode.FAILURE, e);
            }
        }
        if (Files.exists(files.logFile())) {
            progress.step("Kept the log " + files.logFile());
        }
        progress.step("Uninstalled " + service.id());
    }

    @Override
    public void start(ServiceRef service, Progress progress) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(progress, "progress");
        DaemonFiles files = DaemonFiles.of(service, workingDir);
        switch (DaemonPidFile.inspect(files.pidFile())) {
            case DaemonPidFile.Running running -> {
                progress.step(service.id() + " is already running" + pidText(running.pid()));
                return;
            }
            case DaemonPidFile.Stale stale ->
                progress.step("Replacing stale pid file " + files.pidFile() + ": " + stale.reason());
            case DaemonPidFile.Absent absent -> {
                // nothing to replace
            }
        }
        DaemonLaunchSpec spec = launchSpec(files);
        if (setsid.isEmpty()) {
            progress.step(
                    "Warning: setsid was not found on PATH; " + service.id()
                            + " runs as a plain background process in this session and may get its hangup signal (install util-linux)");
        }
        createLog(files);
        FileMark logBefore = FileMark.create(files.logFile());
        FileMark pidFileBefore = FileMark.create(files.pidFile());
        long began = System.nanoTime();
        progress.step("Starting " + service.id() + "… (log: " + files.logFile() + ")");
        List<String> command = spec.commandLine(setsid, files.instance());
        Process launched = launch(files, command);
        OptionalLong ready = awaitReady(
                files,
                launched,
                logBefore,
                pidFileBefore,
                spec.commandLine(Optional.empty(), files.instance()),
                service.id());
        progress.step(service.id() + " is running (" + seconds(System.nanoTime() - began) + ", pid " + ready.getAsLong()
                + ")");
    }

    /**
     * Creates the log before the launch when it is not there yet, so that what the daemon writes goes to the file
     * {@link FileMark} saw, and a log rotated or removed meanwhile can be told. The launch reports a failure here.
     */
    private static void createLog(DaemonFiles files) {
        try {
            Files.createDirectories(files.workingDirectory());
            if (!Files.exists(files.logFile())) {
                Files.createFile(files.logFile());
            }
        } catch (IOException e) {
            log().debug("Cannot create {} before the launch: {}", files.logFile(), e.getMessage());
        }
    }

    private Process launch(DaemonFiles files, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(files.workingDirectory().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(files.logFile().toFile()))
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        MANAGER_VARIABLES.forEach(env::remove);
        env.put(DIR_VARIABLE, files.dir().toString());
        env.put(NAME_VARIABLE, files.name());
        try {
            Files.createDirectories(files.workingDirectory());
            return builder.start();
        } catch (IOException e) {
            throw new ServiceManagerException(
                    "Cannot launch " + String.join(" ", command) + " (" + e.getMessage()
                            + "); check the java and jar paths in " + files.launchFile()
                            + " or run install --platform daemon again",
                    ExitCode.FAILURE,
                    e);
        }
    }

    /**
     * Polls the pid and state files until the daemon runs; fails when it exits, fails or times out.
     *
     * @param pidFileBefore the pid file as it was before the launch
     * @param byHand        the daemon's command without {@code setsid}, for a user to run when it exits without a word
     */
    private OptionalLong awaitReady(
            DaemonFiles files,
            Process launched,
            FileMark logBefore,
            FileMark pidFileBefore,
            List<String> byHand,
            String name) {
        long logOffset = logBefore.size();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (true) {
            DaemonPidFile.Observed observed = DaemonPidFile.inspect(files.pidFile());
            OptionalLong lockedPid =
                    observed instanceof DaemonPidFile.Running running ? running.pid() : OptionalLong.empty();
            Optional<DaemonStateFile> state = DaemonStateFile.read(files.stateFile());
            if (lockedPid.isPresent() && state.isPresent() && state.get().pid() == lockedPid.getAsLong()) {
                ServiceState current = state.get().state();
                if (current == ServiceState.RUNNING) {
                    return lockedPid;
                }
                if (current.isFinal() || current == ServiceState.STOPPING) {
                    awaitGone(lockedPid, KILL_WAIT);
                    if (exitsWithin(launched, Duration.ofSeconds(1))) {
                        // Gone as well: said as when the exit is seen first, whichever the poll saw first.
                        throw new ServiceManagerException(
                                name + " " + exited(launched.exitValue()) + " before it was running; "
                                        + exitReport(files, logBefore, pidFileBefore, launched.pid(), byHand),
                                ExitCode.FAILURE);
                    }
                    throw new ServiceManagerException(
                            name + " failed to start (state " + current + "); " + logTail(files.logFile(), logOffset),
                            ExitCode.FAILURE);
                }
            }
            if (!launched.isAlive() && lockedPid.isEmpty()) {
                // setsid execs the JVM in place (a ProcessBuilder child is no process-group leader), so the
                // launched process is the daemon: it is gone, and nobody holds the pid file.
                throw new ServiceManagerException(
                        name + " " + exited(launched.exitValue()) + " before it was running; "
                                + exitReport(files, logBefore, pidFileBefore, launched.pid(), byHand),
                        ExitCode.FAILURE);
            }
            if (System.nanoTime() - deadline > 0) {
                String tail = logTail(files.logFile(), logOffset);
                String stopped = terminate(
                        lockedPid.isPresent() ? lockedPid : OptionalLong.of(launched.pid()),
                        files,
                        defaultStopTimeout,
                        Progress.none());
                throw new ServiceManagerException(
                        name + " was not running within " + Durations.format(startTimeout) + " (" + stopped + "); "
                                + tail,
                        ExitCode.FAILURE);
            }
            pause();
        }
    }

    @Override
    public void stop(ServiceRef service, Progress progress) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(progress, "progress");
        DaemonFiles files = DaemonFiles.of(service, workingDir);
        switch (DaemonPidFile.inspect(files.pidFile())) {
            case DaemonPidFile.Absent absent -> progress.step(service.id() + " is not running");
            case DaemonPidFile.Stale stale ->
                progress.step(service.id() + " is not running (stale pid file " + files.pidFile() + ": "
                        + stale.reason() + ")");
            case DaemonPidFile.Running running -> {
                if (running.pid().isEmpty()) {
                    throw new ServiceManagerException(
                            service.id() + " is still starting (its pid file " + files.pidFile()
                                    + " is locked but empty); try again in a moment",
                            ExitCode.FAILURE);
                }
                Duration timeout = launchSpecIfInstalled(files)
                        .map(DaemonLaunchSpec::stopTimeout)
                        .orElse(defaultStopTimeout);
                long began = System.nanoTime();
                progress.step(
                        "Stopping " + service.id() + " (pid " + running.pid().getAsLong() + ")…");
                String how = terminate(running.pid(), files, timeout, progress);
                progress.step(service.id() + " " + how + " (" + seconds(System.nanoTime() - began) + ")");
            }
        }
    }

    /**
     * SIGTERM, wait up to {@code timeout} until the pid file's lock is released, then SIGKILL.
     *
     * @return what happened: {@code stopped} or {@code killed after …}
     */
    private String terminate(OptionalLong pid, DaemonFiles files, Duration timeout, Progress progress) {
        Optional<ProcessHandle> handle = pid.isPresent() ? ProcessHandle.of(pid.getAsLong()) : Optional.empty();
        if (handle.isEmpty()) {
            return "was already gone";
        }
        handle.get().destroy();
        if (awaitGone(pid, timeout)) {
            return "stopped";
        }
        progress.step(files.name() + " did not stop within " + Durations.format(timeout)
                + " after SIGTERM; killing it (SIGKILL)");
        handle.get().destroyForcibly();
        if (!awaitGone(pid, KILL_WAIT)) {
            throw new ServiceManagerException(
                    files.name() + " (pid " + pid.getAsLong() + ") is still running after SIGKILL; "
                            + "check it with ps and kill it by hand",
                    ExitCode.FAILURE);
        }
        return "killed after " + Durations.format(timeout);
    }

    /** Whether {@code process} has ended or ends within {@code timeout} (the JDK reaps it a moment after it died). */
    private static boolean exitsWithin(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /**
     * Waits until the process is gone. A zombie counts as gone: it released its pid-file lock and every
     * other resource, and in a container pid 1 may never reap it.
     */
    private static boolean awaitGone(OptionalLong pid, Duration timeout) {
        return pollUntil(
                timeout,
                () -> pid.stream()
                        .mapToObj(ProcessHandle::of)
                        .noneMatch(h -> h.map(DaemonServiceManager::isLive).orElse(false)));
    }

    /** Alive and not a zombie waiting for a parent (in a container, pid 1 may never reap it). */
    private static boolean isLive(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        Path stat = Path.of("/proc", Long.toString(handle.pid()), "stat");
        try {
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            int end = text.lastIndexOf(')');
            return end < 0 || end + 2 >= text.length() || text.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return handle.isAlive(); // no /proc (macOS): trust the JDK
        }
    }

    @Override
    public void reload(ServiceRef service, Progress progress) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(progress, "progress");
        DaemonFiles files = DaemonFiles.of(service, workingDir);
        if (!(DaemonPidFile.inspect(files.pidFile()) instanceof DaemonPidFile.Running running)
                || running.pid().isEmpty()) {
            throw new ServiceManagerException(
                    service.id() + " is not running; start it with start --platform daemon", ExitCode.NOT_RUNNING);
        }
        long pid = running.pid().getAsLong();
        Process kill;
        try {
            kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new ServiceManagerException(
                    "Cannot run kill -HUP " + pid + " (" + e.getMessage() + ")", ExitCode.FAILURE, e);
        }
        try {
            // Wait first, then read: kill writes at most a line, far less than a pipe holds, and a read first would
            // block past the bound for as long as kill did not end.
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                throw new ServiceManagerException(
                        "kill -HUP " + pid + " did not finish within 10 s; send SIGHUP to " + pid + " yourself",
                        ExitCode.FAILURE);
            }
            if (kill.exitValue() != 0) {
                String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                throw new ServiceManagerException("kill -HUP " + pid + " failed: " + output, ExitCode.FAILURE);
            }
        } catch (IOException e) {
            throw new ServiceManagerException(
                    "Cannot read what kill -HUP " + pid + " printed (" + e.getMessage() + ")", ExitCode.FAILURE, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceManagerException("Interrupted while sending SIGHUP to " + pid, ExitCode.FAILURE, e);
        } finally {
            if (kill.isAlive()) {
                kill.destroyForcibly(); // timed out or interrupted: no kill process is left behind
            }
        }
        progress.step(
                "Sent SIGHUP to " + service.id() + " (pid " + pid + "); see " + files.logFile() + " for the outcome");
    }

    @Override
    public ServiceStatus status(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        DaemonFiles files = DaemonFiles.of(service, workingDir);
        return switch (DaemonPidFile.inspect(files.pidFile())) {
            case DaemonPidFile.Running running ->
                new ServiceStatus(
                        true,
                        true,
                        DaemonStateFile.read(files.stateFile())
                                .map(s -> s.state().name().toLowerCase(Locale.ROOT))
                                .orElse("running"),
                        running.pid(),
                        OptionalInt.empty(),
                        OptionalInt.empty());
            case DaemonPidFile.Stale stale ->
                new ServiceStatus(
                        true,
                        false,
                        "stale pid file: " + stale.reason(),
                        OptionalLong.empty(),
                        OptionalInt.empty(),
                        OptionalInt.empty());
            case DaemonPidFile.Absent absent ->
                new ServiceStatus(
                        true,
                        false,
                        DaemonStateFile.read(files.stateFile())
                                .filter(s -> s.state() == ServiceState.FAILED)
                                .map(s -> "failed; see " + files.logFile())
                                .orElse("stopped"),
                        OptionalLong.empty(),
                        OptionalInt.empty(),
                        OptionalInt.empty());
        };
    }

    /**
     * The arguments in {@code <name>.daemon.json} (none when the daemon was started without {@code install}), the
     * directory {@code start} launches it in, and, while it runs, the environment it runs with: the one of the
     * {@code start} that launched it, read from {@code /proc/<pid>/environ} (Linux; the same user or root); not read
     * where that cannot be read or nothing runs (the next {@code start} gives its own). Empty when neither that file
     * nor a live daemon is there.
     */
    @Override
    public Optional<InstalledLaunch> installedLaunch(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        DaemonFiles files = DaemonFiles.of(service, workingDir);
        Optional<DaemonLaunchSpec> spec;
        try {
            spec = DaemonLaunchSpec.read(files.launchFile());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            return Optional.empty();
        }
        DaemonPidFile.Observed observed = DaemonPidFile.inspect(files.pidFile());
        if (spec.isEmpty() && !(observed instanceof DaemonPidFile.Running)) {
            return Optional.empty();
        }
        InstalledLaunch launch = new InstalledLaunch(
                spec.map(s -> s.launch().arguments()).orElse(List.of()), Optional.of(files.workingDirectory()));
        if (observed instanceof DaemonPidFile.Running running && running.pid().isPresent()) {
            Optional<InstalledLaunch.Environment> environment =
                    processEnvironment(running.pid().getAsLong());
            if (environment.isPresent()) {
                return Optional.of(launch.withEnvironment(environment.get()));
            }
        }
        return Optional.of(launch);
    }

    /** {@code /proc/<pid>/environ}: the environment the process started with; empty where it cannot be read. */
    static Optional<InstalledLaunch.Environment> processEnvironment(long pid) {
        Path environ = Path.of("/proc", Long.toString(pid), "environ");
        // not Linux, another user's process, gone: empty, and the caller says it was not read
        return InstalledLaunch.Environment.readEnvironBlock(environ, environ.toString());
    }

    /**
     * In a process {@code start} launched ({@code SERVICEKIT_DAEMON_DIR} set): holds the pid file, writes
     * the state file, and runs the service in the foreground. Elsewhere: empty.
     */
    @Override
    public OptionalInt runManaged(ManagedService service) {
        Objects.requireNonNull(service, "service");
        String dir = environment.get(DIR_VARIABLE);
        if (dir == null || dir.isBlank()) {
            return OptionalInt.empty();
        }
        String name = environment.getOrDefault(
                NAME_VARIABLE,
                service.name() + service.instance().map(i -> "@" + i).orElse(""));
        DaemonFiles files = new DaemonFiles(Path.of(dir), name);
        long pid = ProcessHandle.current().pid();
        Optional<DaemonPidFile> held = DaemonPidFile.acquire(files.pidFile(), pid, Duration.ofSeconds(1));
        if (held.isEmpty()) {
            log().error(
                            "{} is already running (pid file {} is locked by pid {}); not starting a second instance",
                            name,
                            files.pidFile(),
                            DaemonPidFile.readPid(files.pidFile()).stream()
                                    .mapToObj(Long::toString)
                                    .findFirst()
                                    .orElse("?"));
            return OptionalInt.of(ExitCode.FAILURE.code());
        }
        try (DaemonPidFile pidFile = held.get()) {
            log().info("{} runs as a detached daemon (pid {}, pid file {})", name, pid, pidFile.path());
            new DaemonStateFile(service.state(), pid).write(files.stateFile());
            service.addStateListener(state -> {
                try {
                    new DaemonStateFile(state, pid).write(files.stateFile());
                } catch (UncheckedIOException e) {
                    log().warn("{}; start and status may not see the state {}", e.getMessage(), state);
                }
            });
            int code = service.runInForeground();
            if (service.state() != ServiceState.FAILED) {
                try {
                    Files.deleteIfExists(files.stateFile());
                } catch (IOException e) {
                    log().debug("Cannot remove {}: {}", files.stateFile(), e.getMessage());
                }
            }
            return OptionalInt.of(code);
        }
    }

    private DaemonLaunchSpec launchSpec(DaemonFiles files) {
        return launchSpecIfInstalled(files).orElseGet(() -> {
            try {
                return DaemonLaunchSpec.current(classPath, defaultStopTimeout);
            } catch (IllegalStateException e) {
                throw new ServiceManagerException(e.getMessage(), ExitCode.FAILURE, e);
            }
        });
    }

    private static Optional<DaemonLaunchSpec> launchSpecIfInstalled(DaemonFiles files) {
        try {
            return DaemonLaunchSpec.read(files.launchFile());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new ServiceManagerException(e.getMessage(), ExitCode.FAILURE, e);
        }
    }

    /** The last lines the daemon wrote to its log since {@code offset}, for a failure message. */
    static String logTail(Path log, long offset) {
        List<String> lines;
        try {
            lines = lastLines(log, offset);
        } catch (IOException e) {
            return "its log " + log + " cannot be read (" + e.getMessage() + ")";
        }
        return lines.isEmpty() ? "it wrote nothing to " + log : tailText(log, lines);
    }

    private static String tailText(Path log, List<String> lines) {
        return "last lines of " + log + ":\n  " + String.join("\n  ", lines);
    }

    /** The last {@value #LOG_TAIL_LINES} lines of {@code log} after {@code offset} that are not blank. */
    private static List<String> lastLines(Path log, long offset) throws IOException {
        String text;
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long from = Math.min(Math.max(0, offset), length);
            byte[] bytes = new byte[(int) Math.min(length - from, 256 * 1024)];
            file.seek(length - bytes.length);
            file.readFully(bytes);
            text = new String(bytes, StandardCharsets.UTF_8);
        }
        Deque<String> lines = new ArrayDeque<>();
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                lines.addLast(line);
                if (lines.size() > LOG_TAIL_LINES) {
                    lines.removeFirst();
                }
            }
        }
        return List.copyOf(lines);
    }

    /**
     * What a daemon that exited before it was running left to explain it: the last lines of its log; when there are
     * none, whether the log was rotated, replaced or truncated meanwhile (its output went to a file that is no longer
     * there) or kept its size (the process stopped before it could print, say killed, or its writes failed: see
     * {@link #writeFailureHint}), and the command to run by hand to see why. A JVM crash report
     * ({@code hs_err_pid<pid>.log}), when there is one, either way.
     *
     * @param before        the log as it was before the launch
     * @param pidFileBefore the pid file as it was before the launch
     * @param pid           the daemon's pid ({@code setsid} runs the JVM in place)
     * @param byHand        the daemon's command line without {@code setsid}
     */
    static String exitReport(
            DaemonFiles files, FileMark before, FileMark pidFileBefore, long pid, List<String> byHand) {
        Path log = files.logFile();
        String crash = crashReport(files.workingDirectory(), pid, before.at())
                .map(report -> "; the JVM wrote a crash report, " + report)
                .orElse("");
        FileMark after = FileMark.create(log);
        String why;
        if (after.replaced(before)) {
            why = "its log " + log + " was rotated, replaced or truncated while it started (" + before.size()
                    + " bytes before the launch, " + (after.exists() ? after.size() + " bytes" : "no file") + " now), "
                    + "so what it wrote is not there (look for a rotated copy)";
        } else {
            List<String> lines;
            try {
                lines = lastLines(log, before.size());
            } catch (IOException e) {
                return "its log " + log + " cannot be read (" + e.getMessage() + ")" + crash;
            }
            if (!lines.isEmpty()) {
                return tailText(log, lines) + crash;
            }
            why = after.size() > before.size()
                    ? "it wrote only blank lines to " + log
                    : "it wrote nothing to " + log + " (still " + after.size() + " bytes)"
                            + writeFailureHint(
                                    files.pidFile(), leftEmpty(files.pidFile(), pidFileBefore), usableSpace(log));
        }
        return why + crash + "; to see why, run it by hand: cd "
                + ShellWords.quote(files.workingDirectory().toString()) + " && " + ShellWords.join(byHand);
    }

    /**
     * What tells that a daemon which wrote nothing did run, but its writes failed, as on a full file system or past a
     * quota: the JVM starts, writing its pid fails (or its store's first pages), it exits 1, and its error message
     * fails to reach the log like every other line. The tells: its pid file is left empty (the daemon created or
     * truncated it, holding its lock, and writing its pid failed), and the log's file system has less than
     * {@value #LOW_SPACE_BYTES} bytes left for this user. The space may be back by the time this looks; the empty pid
     * file stays. Empty when neither tells.
     *
     * @param pidFileLeftEmpty whether the pid file is empty now and was not an empty file before the launch
     * @param usableBytes      the space left on the log's file system, when known
     */
    static String writeFailureHint(Path pidFile, boolean pidFileLeftEmpty, OptionalLong usableBytes) {
        String free = usableBytes.isPresent() ? usableBytes.getAsLong() + " bytes free now" : "free space unknown";
        if (pidFileLeftEmpty) {
            return "; it left its pid file " + pidFile + " empty, so its writes failed, as they do on a full file "
                    + "system (" + free + ") or past a quota; make room, then start it again";
        }
        if (usableBytes.isPresent() && usableBytes.getAsLong() < LOW_SPACE_BYTES) {
            return "; its file system is full (" + free + "), so its writes may have failed; make room, then start it "
                    + "again";
        }
        return "";
    }

    /** Whether {@code pidFile} is an empty file now and was not one {@code before}. */
    private static boolean leftEmpty(Path pidFile, FileMark before) {
        FileMark now = FileMark.create(pidFile);
        return now.exists() && now.size() == 0 && !(before.exists() && before.size() == 0);
    }

    /** The space this user can still write on the file system of {@code file}, when it can be asked. */
    private static OptionalLong usableSpace(Path file) {
        try {
            return OptionalLong.of(Files.getFileStore(file).getUsableSpace());
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * How the JDK reports an exit status: {@code exited with code 3}; for a status of 129 to 159, what a shell and the
     * JDK make of a death by a signal, the signal too: {@code exited with code 137 (128 + 9: SIGKILL)}.
     */
    static String exited(int code) {
        String text = "exited with code " + code;
        int signal = code - 128;
        if (signal < 1 || signal > 31) {
            return text;
        }
        String name = switch (signal) {
            // Numbered alike on Linux, macOS and the BSDs; the others differ, and are only numbered.
            case 1 -> ": SIGHUP";
            case 2 -> ": SIGINT";
            case 3 -> ": SIGQUIT";
            case 4 -> ": SIGILL";
            case 6 -> ": SIGABRT";
            case 8 -> ": SIGFPE";
            case 9 -> ": SIGKILL";
            case 11 -> ": SIGSEGV";
            case 13 -> ": SIGPIPE";
            case 14 -> ": SIGALRM";
            case 15 -> ": SIGTERM";
            default -> ", a signal";
        };
        return text + " (128 + " + signal + name + ")";
    }

    /**
     * The crash report a JVM of {@code pid} wrote since {@code launch}: in its working directory, else the temporary
     * directory. An older one is another process's that had the same pid.
     */
    static Optional<Path> crashReport(Path workingDirectory, long pid, Instant launch) {
        String name = "hs_err_pid" + pid + ".log";
        Instant since = launch.minusSeconds(2); // file systems that keep modification times to the second or two
        return Stream.of(workingDirectory.resolve(name), Path.of(System.getProperty("java.io.tmpdir"), name))
                .filter(report -> {
                    try {
                        return Files.getLastModifiedTime(report).toInstant().isAfter(since);
                    } catch (IOException e) {
                        return false; // none there
                    }
                })
                .findFirst();
    }

    /**
     * A file's size and identity (its inode, where the file system has one) at a moment, taken before a launch: the
     * log's, to tell the lines a daemon appended from a file rotated, replaced or truncated meanwhile; the pid file's,
     * to tell a pid file the daemon left empty from one that was empty already.
     */
    record FileMark(boolean exists, long size, Optional<Object> fileKey, Instant at) {

        static FileMark create(Path file) {
            Instant now = Instant.now();
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileMark(true, attributes.size(), Optional.ofNullable(attributes.fileKey()), now);
            } catch (IOException e) {
                return new FileMark(false, 0, Optional.empty(), now);
            }
        }

        /** Whether this, read later, is another file than {@code before}, or the same one shorter. */
        boolean replaced(FileMark before) {
            if (!before.exists()) {
                return false; // the launch created it
            }
            return !exists()
                    || size < before.size()
                    || (fileKey.isPresent() && before.fileKey().isPresent() && !fileKey.equals(before.fileKey()));
        }
    }

    /** The first executable {@code name} on {@code path} (the {@code PATH} variable). */
    static Optional<Path> findOnPath(String path, String name) {
        if (path == null) {
            return Optional.empty();
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                Path candidate = Path.of(entry, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            }
        }
        return Optional.empty();
    }

    private static boolean pollUntil(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause();
        }
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceManagerException("Interrupted while waiting for the daemon", ExitCode.FAILURE, e);
        }
    }

    private static String pidText(OptionalLong pid) {
        return pid.isPresent() ? " (pid " + pid.getAsLong() + ")" : "";
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
