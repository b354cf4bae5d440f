package dev.servicekit.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code install} was asked to do (SPEC §4), independent of the platform. A manager turns it
 * into its own plan: SCM calls and registry values on Windows, a unit file on systemd, a plist on macOS.
 *
 * @param service          which service: name, user or system, staging root
 * @param displayName      the name shown in service lists
 * @param description      one sentence for service lists
 * @param startType        when the service starts
 * @param account          the account to run as; empty means the platform's least-privilege default
 *                         (Windows: virtual account {@code NT SERVICE\<name>}; systemd: {@code DynamicUser=yes})
 * @param password         the account's password (Windows user accounts only), read from stdin; masked in {@link #toString()}
 * @param dependsOn        services that must run first
 * @param onFailure        recovery actions, in order
 * @param resetAfter       after how long without failure the failure count resets
 * @param stopTimeout      how long the manager waits for a stop before it kills the process
 * @param launch           how to launch the service process
 * @param dryRun           print the plan without changing anything
 * @param writableDirectories directories besides the data directory that the configuration has the service write
 *                         (e.g. a backup directory), as configured; a relative one is under the working directory,
 *                         the data directory. A manager gives the others the data directory's access where it
 *                         restricts it (Windows: the same ACL). Empty for most services.
 * @param watchdog         how long the service may go without telling the manager it is alive before the manager
 *                         restarts it ({@code install --watchdog}); empty: the manager's default (systemd: 30 s,
 *                         {@code WatchdogSec=}); {@link Duration#ZERO}: no watchdog. Managers without a watchdog
 *                         (Windows, launchd, the detached daemon) ignore it.
 * @param bindPrivilegedPorts whether the service may listen on a port below 1024 without running as root
 *                         ({@code install --bind-privileged-ports}; systemd: {@code CAP_NET_BIND_SERVICE}, on top of
 *                         what the application's own unit options grant). A manager that cannot grant it refuses the
 *                         request (exit 2) rather than ignore it.
 * @param dropIn           the settings the service manager applies on top of what it generates
 *                         ({@code install --drop-in FILE}, the file's contents; systemd: the unit's
 *                         {@code override.conf}, replacing one the application's own unit options set); empty: none
 *                         from the command line. A manager without drop-ins refuses the request (exit 2) rather than
 *                         ignore it.
 */
public record InstallRequest(
        ServiceRef service,
        String displayName,
        String description,
        StartType startType,
        Optional<String> account,
        Optional<String> password,
        List<String> dependsOn,
        List<FailureAction> onFailure,
        Duration resetAfter,
        Duration stopTimeout,
        LaunchCommand launch,
        boolean dryRun,
        List<String> writableDirectories,
        Optional<Duration> watchdog,
        boolean bindPrivilegedPorts,
        Optional<String> dropIn) {

    /** A request without privileged ports or a drop-in of its own. */
    public InstallRequest(
            ServiceRef service,
            String displayName,
            String description,
            StartType startType,
            Optional<String> account,
            Optional<String> password,
            List<String> dependsOn,
            List<FailureAction> onFailure,
            Duration resetAfter,
            Duration stopTimeout,
            LaunchCommand launch,
            boolean dryRun,
            List<String> writableDirectories,
            Optional<Duration> watchdog) {
        this(
                service,
                displayName,
                description,
                startType,
                account,
                password,
                dependsOn,
                onFailure,
                resetAfter,
                stopTimeout,
                launch,
                dryRun,
                writableDirectories,
                watchdog,
                false,
                Optional.empty());
    }

    /** A request with the manager's default watchdog. */
    public InstallRequest(
            ServiceRef service,
            String displayName,
            String description,
            StartType startType,
            Optional<String> account,
            Optional<String> password,
            List<String> dependsOn,
            List<FailureAction> onFailure,
            Duration resetAfter,
            Duration stopTimeout,
            LaunchCommand launch,
            boolean dryRun,
            List<String> writableDirectories) {
        this(
                service,
                displayName,
                description,
                startType,
                account,
                password,
                dependsOn,
                onFailure,
                resetAfter,
                stopTimeout,
                launch,
                dryRun,
                writableDirectories,
                Optional.empty());
    }

    /** A request whose service writes only its data directory. */
    public InstallRequest(
            ServiceRef service,
            String displayName,
            String description,
            StartType startType,
            Optional<String> account,
            Optional<String> password,
            List<String> dependsOn,
            List<FailureAction> onFailure,
            Duration resetAfter,
            Duration stopTimeout,
            LaunchCommand launch,
            boolean dryRun) {
        this(
                service,
                displayName,
                description,
                startType,
                account,
                password,
                dependsOn,
                onFailure,
                resetAfter,
                stopTimeout,
                launch,
                dryRun,
                List.of());
    }

    /** Copies lists and checks for nulls. */
    public InstallRequest {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(startType, "startType");
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(resetAfter, "resetAfter");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        Objects.requireNonNull(launch, "launch");
        Objects.requireNonNull(watchdog, "watchdog");
        Objects.requireNonNull(dropIn, "dropIn");
        dependsOn = List.copyOf(dependsOn);
        onFailure = List.copyOf(onFailure);
        writableDirectories = List.copyOf(writableDirectories);
    }

    /** The same request with {@code directories} as its {@link #writableDirectories()}. */
    public InstallRequest withWritableDirectories(List<String> directories) {
        return copy(directories, watchdog, bindPrivilegedPorts, dropIn);
    }

    /** The same request with this {@link #watchdog()}: empty for the manager's default, zero for none. */
    public InstallRequest withWatchdog(Optional<Duration> interval) {
        return copy(writableDirectories, interval, bindPrivilegedPorts, dropIn);
    }

    /** The same request with this {@link #bindPrivilegedPorts()}. */
    public InstallRequest withBindPrivilegedPorts(boolean bind) {
        return copy(writableDirectories, watchdog, bind, dropIn);
    }

    /** The same request with this {@link #dropIn()}: empty for none of its own. */
    public InstallRequest withDropIn(Optional<String> content) {
        return copy(writableDirectories, watchdog, bindPrivilegedPorts, content);
    }

    /** This request with the fields the {@code with…} methods change. */
    private InstallRequest copy(
            List<String> directories, Optional<Duration> interval, boolean bind, Optional<String> content) {
        return new InstallRequest(
                service,
                displayName,
                description,
                startType,
                account,
                password,
                dependsOn,
                onFailure,
                resetAfter,
                stopTimeout,
                launch,
                dryRun,
                directories,
                interval,
                bind,
                content);
    }

    /** The service name. */
    public String name() {
        return service.name();
    }

    /** Never shows the password, nor the drop-in's contents (which may set secrets in the environment): its size. */
    @Override
    public String toString() {
        return "InstallRequest[service=" + service + ", displayName=" + displayName + ", startType=" + startType
                + ", account=" + account + ", password=" + (password.isPresent() ? "******" : "none")
                + ", dependsOn=" + dependsOn + ", onFailure=" + onFailure + ", resetAfter=" + resetAfter
                + ", stopTimeout=" + stopTimeout + ", launch=" + launch + ", dryRun=" + dryRun
                + ", writableDirectories=" + writableDirectories + ", watchdog=" + watchdog
                + ", bindPrivilegedPorts=" + bindPrivilegedPorts + ", dropIn="
                + dropIn.map(d -> d.length() + " characters").orElse("none") + "]";
    }
}
