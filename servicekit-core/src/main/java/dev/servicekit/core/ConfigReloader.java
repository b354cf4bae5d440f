package dev.servicekit.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configuration reload, whatever triggered it (SIGHUP, SCM PARAMCHANGE, {@code POST /admin/reload}, the
 * {@code reload} verb, the file watcher, etcd), as one transaction (SPEC §17):
 * <ol>
 *   <li>load and validate the whole new configuration; if anything is wrong keep the running one and say why;</li>
 *   <li>find the changed keys: a value that differs, or for a reloadable key naming a file (a key rotated in place,
 *       such as {@code auth.hs256-secret-file}) a file whose content changed since it was last applied;</li>
 *   <li>let every {@link ReloadStep} prepare from the new configuration (logging, the service's listeners, the
 *       application's own keys); if one cannot, nothing changes and the reload is refused with its reason;</li>
 *   <li>commit every plan, then record what is in effect: the keys a step applied or found without effect here.
 *       A commit that throws (a defect: commits must not fail) refuses the reload with its reason, logged with its
 *       stack trace, and leaves the recorded configuration as it was.</li>
 * </ol>
 * A changed key that is not reloadable, or reloadable but applied by no step, is reported as needing a restart and
 * keeps its running value, so the next reload reports it again until a restart. Thread-safe: reloads run one at a
 * time.
 */
final class ConfigReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Supplier<Config> loader;
    private final List<ReloadStep> steps;
    private final Clock clock;
    /** What is in effect: the start configuration with every applied reload's keys. */
    private volatile Config current;
    /** Digests of the files named by reloadable path keys of {@link #current}, by key name. */
    private Map<String, Optional<String>> fileDigests;

    private volatile Optional<ReloadReport> last = Optional.empty();

    ConfigReloader(Config initial, Supplier<Config> loader, List<ReloadStep> steps, Clock clock) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.steps = List.copyOf(steps);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fileDigests = fileDigests(initial);
    }

    /**
     * Takes the digests of the files reloadable keys name as they are now: called once the service started, so a file
     * it created at start (a generated key) is not mistaken for a change by the first reload.
     */
    synchronized void baseline() {
        fileDigests = fileDigests(current);
    }

    /** The configuration in effect now. */
    Config current() {
        return current;
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
            return finish(ReloadReport.refused(clock.instant(), List.of(), e.getMessage()));
        } catch (RuntimeException e) {
            return finish(ReloadReport.refused(
                    clock.instant(), List.of(), "the configuration could not be read: " + e.getMessage()));
        }
        Map<String, Optional<String>> nextDigests = fileDigests(next);
        Set<String> changed = new LinkedHashSet<>();
        Set<String> restartOnly = new LinkedHashSet<>();
        for (ConfigKey<?> key : next.schema().keys()) {
            if (current.find(key).equals(next.find(key))
                    && Objects.equals(fileDigests.get(key.name()), nextDigests.get(key.name()))) {
                continue;
            }
            (key.reloadable() ? changed : restartOnly).add(key.name());
        }
        if (changed.isEmpty()) {
            return finish(new ReloadReport(
                    clock.instant(), true, List.of(), List.of(), List.copyOf(restartOnly), Optional.empty()));
        }
        Config candidate = current.withKeysOf(next, changed);
        Set<String> changedView = Collections.unmodifiableSet(changed);
        ReloadPlan plan = ReloadPlan.none();
        try {
            for (ReloadStep step : steps) {
                plan = plan.and(step.prepare(candidate, changedView));
            }
        } catch (RuntimeException e) {
            return finish(ReloadReport.refused(
                    clock.instant(),
                    List.copyOf(restartOnly),
                    "the new configuration cannot be applied (" + String.join(", ", changed) + "): " + describe(e)));
        }
        Set<String> claimed = new LinkedHashSet<>(plan.applied());
        claimed.addAll(plan.inactive());
        // Only a changed reloadable key can be applied: a step that names a restart-only key (one not marked
        // reloadable) or an unchanged one must not make the recorded configuration take a value nothing applied.
        claimed.retainAll(changed);
        try {
            plan.commit().run();
        } catch (RuntimeException e) {
            // A commit must not fail (ReloadPlan); when one does, the steps before it may have swapped already. The
            // recorded configuration is not advanced, so the next reload sees these keys as changed again.
            return finish(
                    ReloadReport.refused(
                            clock.instant(),
                            List.copyOf(restartOnly),
                            "applying the new configuration failed (" + String.join(", ", changed) + "): "
                                    + describe(e) + "; changes committed before the failure may be in effect;"
                                    + " restart the service to run on one configuration"),
                    e);
        }
        current = current.withKeysOf(next, claimed);
        Map<String, Optional<String>> digests = new HashMap<>(fileDigests);
        claimed.forEach(name -> digests.put(name, nextDigests.get(name)));
        fileDigests = digests;
        return finish(new ReloadReport(
                clock.instant(),
                true,
                inSchemaOrder(next, changed, plan.applied()),
                inSchemaOrder(next, changed, plan.inactive()),
                restart(next, changed, claimed, restartOnly),
                Optional.empty()));
    }

    /** The changed keys in {@code subset}, in schema order. */
    private static List<String> inSchemaOrder(Config config, Set<String> changed, Set<String> subset) {
        List<String> names = new ArrayList<>();
        for (ConfigKey<?> key : config.schema().keys()) {
            if (changed.contains(key.name()) && subset.contains(key.name())) {
                names.add(key.name());
            }
        }
        return names;
    }

    /** Restart-only keys that changed, and reloadable ones that no step applied, in schema order. */
    private static List<String> restart(
            Config config, Set<String> changed, Set<String> claimed, Set<String> restartOnly) {
        List<String> names = new ArrayList<>();
        for (ConfigKey<?> key : config.schema().keys()) {
            if (restartOnly.contains(key.name()) || (changed.contains(key.name()) && !claimed.contains(key.name()))) {
                names.add(key.name());
            }
        }
        return names;
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
            return Optional.of(HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.debug("Cannot read {} now: {}", file, e.toString());
            return Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static String describe(RuntimeException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
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

    /** {@link #finish} for a reload refused by an exception that is a defect: logged with its stack trace. */
    private ReloadReport finish(ReloadReport refused, RuntimeException defect) {
        last = Optional.of(refused);
        LOG.warn("Configuration reload: {}", refused.summary(), defect);
        return refused;
    }
}
