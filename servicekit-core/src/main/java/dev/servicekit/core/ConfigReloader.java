package dev.servicekit.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One configuration reload, whatever triggered it (SIGHUP, SCM PARAMCHANGE, {@code POST /admin/reload}, the
 * {@code reload} verb): load and validate the whole new configuration first; if anything is wrong keep the
 * running one and say why; otherwise apply the changed reloadable keys (log settings here, the rest through
 * {@link ReloadableService}) and report changed keys that need a restart — never half-apply them.
 * Thread-safe: reloads run one at a time.
 */
final class ConfigReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Supplier<Config> loader;
    private final Consumer<Config> applyLogging;
    private final Optional<ReloadableService> service;
    private final Clock clock;
    /** What is in effect: the start configuration with every applied reload's reloadable keys. */
    private Config current;
    private volatile Optional<ReloadReport> last = Optional.empty();

    ConfigReloader(Config initial, Supplier<Config> loader, Consumer<Config> applyLogging, Service service, Clock clock) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.applyLogging = Objects.requireNonNull(applyLogging, "applyLogging");
        this.service = service instanceof ReloadableService reloadable ? Optional.of(reloadable) : Optional.empty();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The report of the last reload, if there was one. */
    Optional<ReloadReport> last() {
        return last;
    }

    synchronized ReloadReport reload() {
        Config next;
        try {
            next = loader.get();
        } catch (ConfigException e) {
            return finish(new ReloadReport(clock.instant(), false, List.of(), List.of(), Optional.of(e.getMessage())));
        } catch (RuntimeException e) {
            return finish(new ReloadReport(clock.instant(), false, List.of(), List.of(),
                    Optional.of("the configuration could not be read: " + e.getMessage())));
        }
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        boolean loggingChanged = false;
        for (ConfigKey<?> key : next.schema().keys()) {
            if (current.find(key).equals(next.find(key))) {
                continue;
            }
            if (key.reloadable()) {
                applied.add(key.name());
                loggingChanged |= key.name().startsWith("log.");
            } else {
                restart.add(key.name());
            }
        }
        if (!applied.isEmpty()) {
            // Only the reloadable keys move; restart-only keys keep their running values, so the service never
            // sees a value that is not in effect, and the next reload still reports them until a restart.
            Config effective = current.withReloadableKeysOf(next);
            try {
                if (loggingChanged) {
                    applyLogging.accept(effective);
                }
                if (service.isPresent()) {
                    service.get().applyConfig(effective);
                }
            } catch (RuntimeException e) {
                return finish(new ReloadReport(clock.instant(), false, List.of(), restart,
                        Optional.of("applying " + String.join(", ", applied) + " failed: " + e.getMessage())));
            }
            current = effective;
        }
        return finish(new ReloadReport(clock.instant(), true, applied, restart, Optional.empty()));
    }

    private ReloadReport finish(ReloadReport report) {
        last = Optional.of(report);
        if (report.ok()) {
            LOG.info("Configuration reload: {}", report.summary());
        } else {
            LOG.warn("Configuration reload: {}", report.summary());
        }
        return report;
    }
}
