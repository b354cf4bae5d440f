package dev.servicekit.windows;

import com.sun.jna.platform.win32.Advapi32Util;
import com.sun.jna.platform.win32.WinReg;
import dev.servicekit.scm.ScmApi;
import dev.servicekit.spi.Diagnosis;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The Windows Service Control Manager, in process through JNA: no wrapper exe, no XML. {@code install} registers
 * the running JVM's {@code java.exe} with {@code -jar <jar> service …} through {@code CreateService} and
 * {@code ChangeServiceConfig2}; {@link #runManaged} connects the process to the SCM's dispatcher when the SCM
 * started it. Found by {@link java.util.ServiceLoader} as platform {@code windows}, available on Windows.
 *
 * <pre>{@code
 * ServiceManager scm = new WindowsServiceManager();
 * OptionalInt exit = scm.runManaged(service);   // empty: not started by the SCM, run in the console instead
 * }</pre>
 *
 * <p>An instance ({@code --instance a}) is the service {@code users-service$a}, as SQL Server names its instances
 * ({@code MSSQL$SQLEXPRESS}): display name {@code "Users Service (a)"}, virtual account
 * <code>NT SERVICE&#92;users-service$a</code>, Event Log source {@code users-service$a}, data directory
 * <code>%ProgramData%&#92;users-service&#92;a</code>, started with {@code service --instance a}.
 *
 * <p>Everything here compiles for Java 17 so that it runs on the Java 17 Windows JVM used for the real-SCM tests.
 */
public final class WindowsServiceManager implements ServiceManager {

    private final Supplier<ScmApi> scmApi;
    private final Duration checkpointTick;
    private final boolean realScm;

    /** The manager on the real SCM (what {@link java.util.ServiceLoader} creates). */
    public WindowsServiceManager() {
        this(JnaScmApi::new, Duration.ofSeconds(1), true);
    }

    private WindowsServiceManager(Supplier<ScmApi> scmApi, Duration checkpointTick, boolean realScm) {
        this.scmApi = scmApi;
        this.checkpointTick = checkpointTick;
        this.realScm = realScm;
    }

    /**
     * A manager whose {@link #runManaged} talks to the given SCM, e.g. a simulated one in tests; the installer
     * and controls still use the real SCM API.
     *
     * @param scm            the dispatcher, handler registration and status calls
     * @param checkpointTick how often checkpoints advance while a state is pending (1 s on the real SCM)
     */
    public static WindowsServiceManager withScm(ScmApi scm, Duration checkpointTick) {
        Objects.requireNonNull(scm, "scm");
        Objects.requireNonNull(checkpointTick, "checkpointTick");
        return new WindowsServiceManager(() -> scm, checkpointTick, false);
    }

    @Override
    public String platform() {
        return "windows";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public boolean isAvailable() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /**
     * On Windows: the installed service's {@code ImagePath} quoting and Event Log source, read from the registry, and
     * the account's "log on as a service" right, read from the LSA policy ({@link WindowsServiceChecks}, {@link JnaLsa}).
     * Elsewhere: none.
     */
    @Override
    public List<Diagnosis> diagnose(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        if (!isAvailable()) {
            return List.of();
        }
        return WindowsServiceChecks.diagnose(
                service,
                new WindowsServiceChecks.Registry() {
                    @Override
                    public Optional<String> value(String key, String name) {
                        try {
                            return Advapi32Util.registryValueExists(WinReg.HKEY_LOCAL_MACHINE, key, name)
                                    ? Optional.of(Advapi32Util.registryGetValue(WinReg.HKEY_LOCAL_MACHINE, key, name)
                                            .toString())
                                    : Optional.empty();
                        } catch (RuntimeException e) {
                            return Optional.empty();
                        }
                    }

                    @Override
                    public boolean exists(String key) {
                        try {
                            return Advapi32Util.registryKeyExists(WinReg.HKEY_LOCAL_MACHINE, key);
                        } catch (RuntimeException e) {
                            return false;
                        }
                    }
                },
                new JnaLsa());
    }

    /** The equivalent {@code sc.exe} commands and the registry values; pure, works on any OS; never prints the password. */
    @Override
    public String describeInstall(InstallRequest request) {
        return ScmInstallPlanRenderer.render(ScmInstallPlan.from(Objects.requireNonNull(request, "request")));
    }

    /**
     * Creates the service, configures description, delayed start, failure actions (and the non-crash flag), SID
     * type and pre-shutdown timeout, registers the Event Log source and creates {@code %ProgramData%\<name>}. On a
     * dry run it only reports the plan to {@code progress}.
     */
    @Override
    public void install(InstallRequest request, Progress progress) {
        ScmInstallPlan plan = ScmInstallPlan.from(Objects.requireNonNull(request, "request"));
        if (request.dryRun()) {
            progress.step(ScmInstallPlanRenderer.render(plan));
            return;
        }
        new ScmInstaller().install(plan, progress);
    }

    /** Stops the service (waiting), deletes it and removes its Event Log source; keeps the data directory. */
    @Override
    public void uninstall(ServiceRef service, Progress progress) {
        new ScmInstaller()
                .uninstall(ScmInstallPlan.serviceName(service), ScmInstallPlan.dataSubdirectory(service), progress);
    }

    @Override
    public void start(ServiceRef service, Progress progress) {
        new ScmInstaller().start(ScmInstallPlan.serviceName(service), progress);
    }

    /** Stops the service and waits; refuses (exit 1, naming them) while services that depend on it run. */
    @Override
    public void stop(ServiceRef service, Progress progress) {
        new ScmInstaller().stop(ScmInstallPlan.serviceName(service), progress);
    }

    /** Sends {@code SERVICE_CONTROL_PARAMCHANGE}; the service reloads on its own thread and logs the outcome. */
    @Override
    public void reload(ServiceRef service, Progress progress) {
        new ScmInstaller().reload(ScmInstallPlan.serviceName(service), progress);
    }

    /**
     * The SCM's status with the configuration read back ({@code QueryServiceConfig}/{@code QueryServiceConfig2}, the
     * registry only where the SCM answers error 124); a service the SCM calls running whose process has ended is
     * reported not running.
     */
    @Override
    public ServiceStatus status(ServiceRef service) {
        return new ScmInstaller().status(ScmInstallPlan.serviceName(service));
    }

    /**
     * On Windows: the arguments after {@code service} in the image path the SCM starts the service with
     * ({@code QueryServiceConfig}), split as {@code java.exe} splits them; among them the {@code --set data-dir=} that
     * {@code install} adds. No working directory: the SCM has none to give (a service starts in {@code System32}).
     * Empty when the service is not installed, its image path is not one {@code install} writes, or it cannot be read;
     * elsewhere empty at once, without native calls. Never throws.
     */
    @Override
    public Optional<InstalledLaunch> installedLaunch(ServiceRef service) {
        Objects.requireNonNull(service, "service");
        if (!isAvailable()) {
            return Optional.empty(); // no SCM off Windows, nor its DLLs to call
        }
        try {
            return new ScmInstaller().installedLaunch(ScmInstallPlan.serviceName(service));
        } catch (RuntimeException e) {
            return Optional.empty(); // the SPI promises no exception: the callers fall back to their defaults
        }
    }

    /**
     * Calls {@code StartServiceCtrlDispatcherW} on the calling thread (call it from {@code main}, early: the SCM
     * waits only 30 s) and blocks until the service reported STOPPED.
     *
     * @return the exit code (0 after a clean stop, the service-specific code after a failed start), or empty
     *         when the SCM did not start this process (error 1063): run in the console instead
     */
    @Override
    public OptionalInt runManaged(ManagedService service) {
        Objects.requireNonNull(service, "service");
        if (realScm && !isAvailable()) {
            return OptionalInt.empty(); // no SCM off Windows: certainly not started by one
        }
        // The Event Log source install registered: the SCM's name, users-service$a for instance a.
        String source = ScmServiceRunner.scmName(service);
        Runnable attachEventLog = realScm ? () -> EventLogAppender.attachToRoot(source) : () -> {};
        return new ScmServiceRunner(scmApi.get(), checkpointTick, attachEventLog).run(service);
    }
}
