package dev.servicekit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real systemd service manager for tests: {@code systemd --user} with its own journald, confined to its own cgroup
 * and mount namespace by the script {@code systemd-user-manager} (read its header), on a machine whose PID 1 is not
 * systemd. {@code systemctl --user} with {@link #environment()} drives it; units go to {@link #unitDirectory()};
 * {@link #journal} reads what they logged; {@link #close()} stops the manager and every unit it runs.
 *
 * <p>The manager gets its own {@code XDG_CONFIG_HOME}, {@code XDG_STATE_HOME}, {@code XDG_CACHE_HOME} and
 * {@code XDG_RUNTIME_DIR} under the directory it is started in, so a {@code --user} unit and its
 * {@code StateDirectory=}, {@code CacheDirectory=} and {@code LogsDirectory=} stay in that directory. Units run as
 * root, like the test.
 *
 * <p>The script is the one bundled in this module (a copy of the project machine's
 * {@code /work/shared/tools/systemd-user-manager}, unchanged), or the one named by the system property
 * {@value #SCRIPT_PROPERTY} or the environment variable {@value #SCRIPT_ENV}. Where PID 1 is systemd (hosted CI
 * runners) the script refuses to run; there this helper uses the calling user's own manager ({@code systemctl
 * --user}, with {@code XDG_RUNTIME_DIR} defaulting to {@code /run/user/<uid>}; as root it starts
 * {@code user@0.service} if needed), its {@code ~/.config/systemd/user} and {@code journalctl --user}, and
 * {@link #close()} leaves that manager running. That path is not exercised on the project's own machine.
 *
 * {@snippet :
 * try (SystemdUserManager systemd = SystemdUserManager.start(tempDir)) {
 *     Files.writeString(systemd.unitDirectory().resolve("hello.service"), unit);
 *     systemd.systemctl("daemon-reload");
 *     systemd.systemctl("start", "hello.service");
 *     String active = systemd.show("hello.service", "ActiveState").get("ActiveState");
 *     String lines = systemd.journal("-u", "hello.service", "-o", "cat");
 * }
 * }
 */
public final class SystemdUserManager implements AutoCloseable {

    /** The system property naming another {@code systemd-user-manager} script. */
    public static final String SCRIPT_PROPERTY = "servicekit.systemd.userManager";

    /** The environment variable naming another {@code systemd-user-manager} script. */
    public static final String SCRIPT_ENV = "SERVICEKIT_SYSTEMD_USER_MANAGER";

    private static final String RESOURCE = "systemd-user-manager";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final Optional<Path> script;
    private final Map<String, String> environment;
    private final Path unitDirectory;
    private boolean closed;

    private SystemdUserManager(Path dir, Optional<Path> script, Map<String, String> environment, Path unitDirectory) {
        this.dir = dir;
        this.script = script;
        this.environment = Map.copyOf(environment);
        this.unitDirectory = unitDirectory;
    }

    /**
     * Why no manager can run here, or empty when one can: not Linux; no {@code systemd} package
     * ({@code /lib/systemd/systemd}, {@code systemctl}, {@code journalctl}); not root (the script mounts and creates a
     * cgroup); or, where PID 1 is systemd, no user manager answering {@code systemctl --user}. Tests skip on a reason
     * locally and fail on CI ({@code CI=true}), where {@code .ci/run} installs systemd.
     */
    public static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("linux")) {
            return Optional.of("systemd runs on Linux only, this is " + System.getProperty("os.name"));
        }
        if (!onPath("systemctl") || !onPath("journalctl")) {
            return Optional.of("no `systemctl` and `journalctl` on the PATH (apt-get install systemd)");
        }
        if (pid1IsSystemd()) {
            Result state = hostManager();
            return state.ok()
                    ? Optional.empty()
                    : Optional.of(
                            "PID 1 is systemd but `systemctl --user` reaches no user manager (as root, this helper"
                                    + " starts user@0.service; otherwise run `loginctl enable-linger $USER`): "
                                    + state.output().strip());
        }
        if (Files.notExists(Path.of("/lib/systemd/systemd")) && Files.notExists(Path.of("/usr/lib/systemd/systemd"))) {
            return Optional.of("no /lib/systemd/systemd (apt-get install systemd)");
        }
        String uid = uid();
        if (!uid.equals("0")) {
            return Optional.of(
                    "systemd-user-manager needs root (it mounts and creates a cgroup); running as uid \"" + uid + "\"");
        }
        return Optional.empty();
    }

    /**
     * Starts a confined manager with its state under {@code dir} and waits until it runs (the script waits for
     * {@code SystemState=running}); where PID 1 is systemd, uses the user's own manager instead.
     *
     * @throws IllegalStateException when the script fails, with its output
     */
    public static SystemdUserManager start(Path dir) {
        Objects.requireNonNull(dir, "dir");
        Path absolute = dir.toAbsolutePath().normalize();
        if (pid1IsSystemd()) {
            Result state = hostManager();
            if (!state.ok()) {
                throw new IllegalStateException(
                        "PID 1 is systemd but `systemctl --user` reaches no user manager: " + state.output());
            }
            String config = System.getenv().getOrDefault("XDG_CONFIG_HOME", "");
            Path configHome = config.isEmpty() ? Path.of(System.getProperty("user.home"), ".config") : Path.of(config);
            return new SystemdUserManager(
                    absolute,
                    Optional.empty(),
                    Map.of("XDG_RUNTIME_DIR", hostRuntimeDirectory()),
                    configHome.resolve("systemd").resolve("user"));
        }
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + absolute + ": " + e.getMessage(), e);
        }
        Path script = script(absolute);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("XDG_RUNTIME_DIR", absolute.resolve("run").toString());
        env.put("XDG_CONFIG_HOME", absolute.resolve("config").toString());
        env.put("XDG_STATE_HOME", absolute.resolve("state").toString());
        env.put("XDG_CACHE_HOME", absolute.resolve("cache").toString());
        SystemdUserManager manager =
                new SystemdUserManager(absolute, Optional.of(script), env, absolute.resolve("config/systemd/user"));
        Result started = run(List.of(script.toString(), "start", absolute.toString()), env);
        if (!started.ok()) {
            manager.close();
            throw new IllegalStateException("systemd-user-manager start " + absolute + " failed (exit "
                    + started.exitCode() + "):\n" + started.output());
        }
        return manager;
    }

    /**
     * What a process needs in its environment to reach this manager with {@code systemctl --user}
     * ({@code XDG_RUNTIME_DIR}) and to put {@code --user} units where it reads them ({@code XDG_CONFIG_HOME}), plus
     * the manager's {@code XDG_STATE_HOME} and {@code XDG_CACHE_HOME}; only {@code XDG_RUNTIME_DIR} for the user's own
     * manager.
     */
    public Map<String, String> environment() {
        return environment;
    }

    /** Where the manager reads {@code --user} units: {@code $XDG_CONFIG_HOME/systemd/user}. */
    public Path unitDirectory() {
        return unitDirectory;
    }

    /** The directory the manager keeps its state in (the one given to {@link #start}). */
    public Path directory() {
        return dir;
    }

    /** Runs {@code systemctl --user ARGS} against this manager and waits for it (at most a minute). */
    public Result systemctl(String... arguments) {
        List<String> command = new ArrayList<>(List.of("systemctl", "--user", "--no-pager"));
        command.addAll(List.of(arguments));
        return run(command, environment);
    }

    /**
     * {@code systemctl --user show -p P1,P2 UNIT} as a map (a property systemd does not know is absent).
     *
     * @throws IllegalStateException when systemctl fails
     */
    public Map<String, String> show(String unit, String... properties) {
        Result shown = systemctl("show", "-p", String.join(",", properties), unit);
        if (!shown.ok()) {
            throw new IllegalStateException(
                    "systemctl --user show " + unit + " failed (exit " + shown.exitCode() + "): " + shown.output());
        }
        Map<String, String> values = new LinkedHashMap<>();
        shown.output().lines().forEach(line -> {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        });
        return values;
    }

    /**
     * The manager's journal through {@code journalctl} with these arguments, e.g. {@code -u users-service.service -o
     * json} (the script's {@code journal} command; {@code journalctl --user} for the user's own manager).
     *
     * @throws IllegalStateException when journalctl fails
     */
    public String journal(String... arguments) {
        List<String> command = new ArrayList<>();
        if (script.isPresent()) {
            command.addAll(List.of(script.get().toString(), "journal", dir.toString()));
        } else {
            command.addAll(List.of("journalctl", "--user", "--no-pager"));
        }
        command.addAll(List.of(arguments));
        Result read = run(command, environment);
        if (!read.ok()) {
            throw new IllegalStateException(
                    "journal " + command + " failed (exit " + read.exitCode() + "): " + read.output());
        }
        return read.output();
    }

    /**
     * Stops the manager and every unit it runs, and removes its cgroup ({@code systemd-user-manager stop}); nothing
     * for the user's own manager. Idempotent.
     *
     * @throws IllegalStateException when the script fails
     */
    @Override
    public synchronized void close() {
        if (closed || script.isEmpty()) {
            closed = true;
            return;
        }
        closed = true;
        Result stopped = run(List.of(script.get().toString(), "stop", dir.toString()), environment);
        if (!stopped.ok()) {
            throw new IllegalStateException("systemd-user-manager stop " + dir + " failed (exit " + stopped.exitCode()
                    + "): " + stopped.output());
        }
    }

    /**
     * How a command ended.
     *
     * @param exitCode its exit code
     * @param output   its standard output and error, interleaved
     */
    public record Result(int exitCode, String output) {
        /** Whether it exited 0. */
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private static Path script(Path dir) {
        String named = System.getProperty(SCRIPT_PROPERTY, System.getenv().getOrDefault(SCRIPT_ENV, ""));
        if (!named.isEmpty()) {
            Path path = Path.of(named);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException(SCRIPT_PROPERTY + "/" + SCRIPT_ENV + " names \"" + named
                        + "\", which is not an executable file; point it at systemd-user-manager or unset it");
            }
            return path;
        }
        Path copy = dir.resolve("systemd-user-manager");
        try (InputStream in = SystemdUserManager.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("servicekit-testing has no resource " + RESOURCE + "; rebuild it");
            }
            Files.write(copy, in.readAllBytes());
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + copy + ": " + e.getMessage(), e);
        }
        return copy;
    }

    /**
     * Where PID 1 is systemd: asks the caller's own user manager for its state, with {@code XDG_RUNTIME_DIR} defaulting
     * to {@code /run/user/<uid>} (CI jobs often run without a login session that sets it); as root, starts
     * {@code user@0.service} first if that manager is not running.
     */
    private static Result hostManager() {
        Map<String, String> env = Map.of("XDG_RUNTIME_DIR", hostRuntimeDirectory());
        List<String> ask = List.of("systemctl", "--user", "show", "-p", "SystemState", "--value");
        Result state = run(ask, env);
        if (!state.ok() && uid().equals("0")) {
            Result started = run(List.of("systemctl", "start", "user@0.service"), Map.of());
            if (!started.ok()) {
                return started;
            }
            state = run(ask, env);
        }
        return state;
    }

    private static String hostRuntimeDirectory() {
        String runtime = System.getenv().getOrDefault("XDG_RUNTIME_DIR", "");
        return runtime.isEmpty() ? "/run/user/" + uid() : runtime;
    }

    private static String uid() {
        Result id = run(List.of("id", "-u"), Map.of());
        return id.ok() ? id.output().strip() : "";
    }

    private static boolean pid1IsSystemd() {
        try {
            return Files.readString(Path.of("/proc/1/comm")).strip().equals("systemd");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String executable) {
        for (String entry :
                System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, executable))) {
                return true;
            }
        }
        return false;
    }

    private static Result run(List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("SYSTEMD_PAGER", "");
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process process = builder.start();
            // Output is read on a thread of its own (not a pool's, which a caller's own tasks may hold): a chatty
            // command must not block on a full pipe.
            var output = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofPlatform().daemon().name("systemd-user-manager-output").start(() -> {
                try {
                    output.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    output.complete("(output unreadable: " + e.getMessage() + ")");
                }
            });
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + COMMAND_TIMEOUT.toSeconds() + " s: " + command);
            }
            return new Result(process.exitValue(), output.join());
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted: " + command);
        }
    }
}
