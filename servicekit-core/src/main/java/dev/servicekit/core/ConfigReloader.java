package dev.servicekit.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
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
 * A reloadable key naming a file (a key rotated in place, such as {@code auth.hs256-secret-file}) counts as
 * changed when the file's content changed since the last applied configuration, even if its path did not.
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
    /** Digests of the files named by reloadable path keys of {@link #current}, by key name. */
    private Map<String, Optional<String>> fileDigests;
    private volatile Optional<ReloadReport> last = Optional.empty();

    ConfigReloader(Config initial, Supplier<Config> loader, Consumer<Config> applyLogging, Service service, Clock clock) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.applyLogging = Objects.requireNonNull(applyLogging, "applyLogging");
        this.service = service instanceof ReloadableService reloadable ? Optional.of(reloadable) : Optional.empty();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fileDigests = fileDigests(initial);
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
        Map<String, Optional<String>> nextDigests = fileDigests(next);
        for (ConfigKey<?> key : next.schema().keys()) {
            if (current.find(key).equals(next.find(key))
                    && Objects.equals(fileDigests.get(key.name()), nextDigests.get(key.name()))) {
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
            fileDigests = nextDigests;
        }
        return finish(new ReloadReport(clock.instant(), true, applied, restart, Optional.empty()));
    }

    /** SHA-256 of each file a reloadable key names (empty when unreadable: the checks report that). */
    private static Map<String, Optional<String>> fileDigests(Config config) {
        Map<String, Optional<String>> digests = new HashMap<>();
        for (ConfigKey<?> key : config.schema().keys()) {
            if (key.reloadable() && config.find(key).orElse(null) instanceof Path file) {
                digests.put(key.name(), digest(file));
            }
        }
        return digests;
    }

    /** The file's SHA-256, or empty when it does not exist or cannot be read now. Also what {@link ConfigFileWatcher} compares. */
    static Optional<String> digest(Path file) {
        try {
            return Optional.of(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.debug("Cannot read {} now: {}", file, e.toString());
            return Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
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
