package dev.servicekit.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The service manager's view of an installed service, for {@code status}.
 *
 * @param installed     whether the service is installed at all
 * @param running       whether it is running (active, or RUNNING on Windows)
 * @param managerState  the manager's own words, e.g. {@code active (running)}, {@code STOP_PENDING}
 * @param pid           the main process id when running
 * @param lastExitCode  the last exit code the manager recorded
 * @param restarts      how often the manager restarted it, where it counts
 * @param since         when the manager last changed the service's state (started, stopped, failed), where it says
 * @param configuration how the manager has the service configured, read back from it, where it says
 */
public record ServiceStatus(
        boolean installed,
        boolean running,
        String managerState,
        OptionalLong pid,
        OptionalInt lastExitCode,
        OptionalInt restarts,
        Optional<Instant> since,
        Optional<ServiceConfiguration> configuration) {

    /** Checks for nulls. */
    public ServiceStatus {
        Objects.requireNonNull(managerState, "managerState");
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(lastExitCode, "lastExitCode");
        Objects.requireNonNull(restarts, "restarts");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(configuration, "configuration");
    }

    /** A status from a manager that does not report the configuration. */
    public ServiceStatus(
            boolean installed,
            boolean running,
            String managerState,
            OptionalLong pid,
            OptionalInt lastExitCode,
            OptionalInt restarts,
            Optional<Instant> since) {
        this(installed, running, managerState, pid, lastExitCode, restarts, since, Optional.empty());
    }

    /** This status with the configuration the manager reported. */
    public ServiceStatus withConfiguration(ServiceConfiguration configuration) {
        Objects.requireNonNull(configuration, "configuration");
        return new ServiceStatus(
                installed, running, managerState, pid, lastExitCode, restarts, since, Optional.of(configuration));
    }

    /** A status from a manager that does not say since when. */
    public ServiceStatus(
            boolean installed,
            boolean running,
            String managerState,
            OptionalLong pid,
            OptionalInt lastExitCode,
            OptionalInt restarts) {
        this(installed, running, managerState, pid, lastExitCode, restarts, Optional.empty(), Optional.empty());
    }

    /** The status of a service that is not installed. */
    public static ServiceStatus notInstalled() {
        return new ServiceStatus(
                false, false, "not installed", OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty());
    }

    /** The {@code status} exit code (SPEC §4): 0 running, 3 not running, 4 not installed. */
    public int exitCode() {
        return !installed ? 4 : running ? 0 : 3;
    }

    /** A one-line summary such as {@code running (pid 4242)}. */
    public String summary() {
        if (!installed) {
            return "not installed";
        }
        return (running ? "running" : "not running") + " (" + managerState
                + pid.stream().mapToObj(p -> ", pid " + p).findFirst().orElse("")
                + lastExitCode.stream()
                        .mapToObj(c -> ", last exit code " + c)
                        .findFirst()
                        .orElse("")
                + restarts.stream()
                        .mapToObj(r -> ", " + r + " restarts")
                        .findFirst()
                        .orElse("") + ")";
    }
}
