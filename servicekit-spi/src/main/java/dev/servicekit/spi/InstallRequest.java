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
        boolean dryRun) {

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
        dependsOn = List.copyOf(dependsOn);
        onFailure = List.copyOf(onFailure);
    }

    /** The service name. */
    public String name() {
        return service.name();
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "InstallRequest[service=" + service + ", displayName=" + displayName + ", startType=" + startType
                + ", account=" + account + ", password=" + (password.isPresent() ? "******" : "none")
                + ", dependsOn=" + dependsOn + ", onFailure=" + onFailure + ", resetAfter=" + resetAfter
                + ", stopTimeout=" + stopTimeout + ", launch=" + launch + ", dryRun=" + dryRun + "]";
    }
}
