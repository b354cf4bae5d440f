package dev.servicekit.systemd;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a systemd unit needs beyond the platform-neutral {@link dev.servicekit.spi.InstallRequest}: the
 * watchdog, the capability to bind ports below 1024, and the user's own overrides.
 *
 * <p>Immutable; build with {@link #builder()}. The defaults render the hardened unit of SPEC §10: a
 * {@value #DEFAULT_WATCHDOG_SECONDS} s watchdog, an empty capability bounding set, no drop-in. What the request
 * gives wins: its {@link dev.servicekit.spi.InstallRequest#watchdog()} ({@code install --watchdog}) overrides the
 * watchdog here, its {@link dev.servicekit.spi.InstallRequest#dropIn()} ({@code install --drop-in FILE}) the drop-in,
 * and its {@link dev.servicekit.spi.InstallRequest#bindPrivilegedPorts()} ({@code install --bind-privileged-ports})
 * grants the capability whether or not these options do.
 *
 * <pre>{@code
 * SystemdUnitOptions options = SystemdUnitOptions.builder()
 *         .watchdog(Duration.ofSeconds(30))
 *         .bindPrivilegedPorts(true)      // the API listens on port 443
 *         .dropIn("[Service]\nEnvironment=JAVA_TOOL_OPTIONS=-Xss512k\n")
 *         .build();
 * }</pre>
 *
 * @param watchdog            {@code WatchdogSec=}: systemd restarts the service when it misses pings for this long;
 *                            empty means no watchdog; {@value #DEFAULT_WATCHDOG_SECONDS} s by default
 * @param bindPrivilegedPorts grant {@code CAP_NET_BIND_SERVICE} (bounding and ambient set) so a non-root service
 *                            can listen on a port below 1024; otherwise the bounding set is empty
 * @param dropIn              the content of {@code <name>.service.d/override.conf}, written next to the unit at
 *                            install and removed at uninstall; systemd applies it on top of the generated unit,
 *                            exactly as {@code systemctl edit <name>} would
 */
public record SystemdUnitOptions(Optional<Duration> watchdog, boolean bindPrivilegedPorts, Optional<String> dropIn) {

    /**
     * {@code WatchdogSec=} unless told otherwise: pings every 15 s, so a wedged service is restarted within half a
     * minute, while a full GC pause or a loaded machine (seconds) is far from missing one.
     */
    public static final int DEFAULT_WATCHDOG_SECONDS = 30;

    /** Checks values. */
    public SystemdUnitOptions {
        Objects.requireNonNull(watchdog, "watchdog");
        Objects.requireNonNull(dropIn, "dropIn");
        watchdog.ifPresent(w -> {
            if (w.isNegative() || w.isZero()) {
                throw new IllegalArgumentException("watchdog interval must be positive, was \"" + w
                        + "\"; leave it unset to turn the watchdog off");
            }
        });
    }

    /** The defaults: a {@value #DEFAULT_WATCHDOG_SECONDS} s watchdog, no privileged ports, no drop-in. */
    public static SystemdUnitOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link SystemdUnitOptions}. Not thread-safe. */
    public static final class Builder {
        private Optional<Duration> watchdog = Optional.of(Duration.ofSeconds(DEFAULT_WATCHDOG_SECONDS));
        private boolean bindPrivilegedPorts;
        private Optional<String> dropIn = Optional.empty();

        private Builder() {}

        /** Turns the systemd watchdog on with this {@code WatchdogSec=}; the service pings at half of it. */
        public Builder watchdog(Duration interval) {
            this.watchdog = Optional.of(Objects.requireNonNull(interval, "interval"));
            return this;
        }

        /** Turns the systemd watchdog off: no {@code WatchdogSec=}. */
        public Builder noWatchdog() {
            this.watchdog = Optional.empty();
            return this;
        }

        /** Whether the service may bind ports below 1024 ({@code CAP_NET_BIND_SERVICE}). */
        public Builder bindPrivilegedPorts(boolean bind) {
            this.bindPrivilegedPorts = bind;
            return this;
        }

        /** The content of the {@code override.conf} drop-in, e.g. {@code "[Service]\nMemoryMax=1G\n"}. */
        public Builder dropIn(String content) {
            this.dropIn = Optional.of(Objects.requireNonNull(content, "content"));
            return this;
        }

        /** The options. */
        public SystemdUnitOptions build() {
            return new SystemdUnitOptions(watchdog, bindPrivilegedPorts, dropIn);
        }
    }
}
