package dev.servicekit.spi;

import java.util.OptionalInt;

/**
 * One platform's service manager: the Windows Service Control Manager, systemd, launchd, or the
 * detached daemon. Implementations live in platform modules and are found with
 * {@link java.util.ServiceLoader}; {@link ServiceManagers} picks one by {@link #platform()} (the
 * {@code --platform} option) or by {@link #order()} among those {@link #isAvailable() available}.
 * Core never asks which operating system it runs on.
 *
 * <p>Commands block until the target state is reached or their timeout passes, reporting steps to
 * {@link Progress}; they fail with {@link ServiceManagerException} carrying the exit code.
 */
public interface ServiceManager {

    /** The {@code --platform} name: {@code windows}, {@code systemd}, {@code launchd} or {@code daemon}. */
    String platform();

    /** Preference among available managers; lower first (Windows and systemd before the daemon fallback). */
    int order();

    /** Whether this manager can manage services on this machine right now (e.g. systemd is PID 1). */
    boolean isAvailable();

    /**
     * What {@code install} would do, exactly, without doing it ({@code --dry-run}): Windows prints the
     * equivalent {@code sc.exe} commands and registry values; systemd the unit file and the commands.
     * Pure: touches nothing.
     */
    String describeInstall(InstallRequest request);

    /** Installs (and, where the platform does that at install, starts) the service. */
    void install(InstallRequest request, Progress progress);

    /** Stops the service if it runs, then removes everything {@code install} created. */
    void uninstall(ServiceRef service, Progress progress);

    /** Starts the service and waits until it runs. */
    void start(ServiceRef service, Progress progress);

    /** Stops the service and waits until it stopped. */
    void stop(ServiceRef service, Progress progress);

    /**
     * Restarts the service: by default stops it if it runs, then starts it; managers with a native restart
     * ({@code systemctl restart}, {@code launchctl kickstart -k}) override this.
     */
    default void restart(ServiceRef service, Progress progress) {
        if (status(service).running()) {
            stop(service, progress);
        }
        start(service, progress);
    }

    /** Asks the running service to reload its configuration. */
    void reload(ServiceRef service, Progress progress);

    /** The manager's view of the service. */
    ServiceStatus status(ServiceRef service);

    /**
     * How the manager starts the installed service ({@link InstalledLaunch}): the arguments and working directory
     * it gives the process, read back from where the manager keeps them, for {@code status}, {@code reload} and
     * {@code doctor} to read the configuration the service reads. Empty when the service is not installed here, the
     * manager does not keep them, or they cannot be read (never throws). The default: empty.
     */
    default java.util.Optional<InstalledLaunch> installedLaunch(ServiceRef service) {
        return java.util.Optional.empty();
    }

    /**
     * What {@code doctor} should know about the service as this manager would run it (systemd: the unit's
     * {@code systemd-analyze verify} and {@code security} exposure; Windows: the image path's quoting, the account's
     * "log on as a service" right, the Event Log source). Called for every registered manager, available or not:
     * return an empty list when nothing of this manager concerns the service here (not its platform, nothing
     * installed), and {@link Diagnosis.Verdict#NOT_CHECKED} for a check that applies but is not implemented. Never
     * throws: a check that cannot run is a finding. May run external tools; bounded to about a minute.
     *
     * @return the findings, in the order to print them; the default: none
     */
    default java.util.List<Diagnosis> diagnose(ServiceRef service) {
        return java.util.List.of();
    }

    /**
     * Runs the service under this manager if this manager launched the current process, and blocks until
     * it stopped (Windows: the SCM dispatcher; systemd: {@code sd_notify} around a foreground run; daemon:
     * the pid file and readiness handshake).
     *
     * <p>Called for every registered manager, whether {@link #isAvailable()} or not, on any operating
     * system: an implementation must return empty promptly, without native calls that may not exist
     * here, unless it recognises its own launch marker.
     *
     * @return the process exit code, or empty when this manager did not launch the process
     */
    OptionalInt runManaged(ManagedService service);
}
