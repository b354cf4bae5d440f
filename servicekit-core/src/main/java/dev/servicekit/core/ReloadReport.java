package dev.servicekit.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the last configuration reload did, shown by {@code /admin/status} as {@code lastReload}.
 *
 * @param at              when it finished
 * @param ok              whether the new configuration passed every check and every change was applied (if not,
 *                        nothing changed and the old configuration stays; only a step whose commit failed, a defect
 *                        the error names, may leave part of a change in effect)
 * @param applied         reloadable keys whose new values are now in effect
 * @param inactive        changed keys that nothing uses in this configuration (e.g. {@code auth.*} while
 *                        {@code auth.enabled} is false); recorded, without effect
 * @param requiresRestart changed keys that take effect only after a restart (not applied)
 * @param error           why the reload was refused, when it was
 */
public record ReloadReport(
        Instant at,
        boolean ok,
        List<String> applied,
        List<String> inactive,
        List<String> requiresRestart,
        Optional<String> error) {

    /** Copies lists and checks for nulls. */
    public ReloadReport {
        Objects.requireNonNull(at, "at");
        applied = List.copyOf(applied);
        inactive = List.copyOf(inactive);
        requiresRestart = List.copyOf(requiresRestart);
        Objects.requireNonNull(error, "error");
    }

    /** A refused reload: nothing changed. */
    static ReloadReport refused(Instant at, List<String> requiresRestart, String why) {
        return new ReloadReport(at, false, List.of(), List.of(), requiresRestart, Optional.of(why));
    }

    /** One line for logs and the reload verb. */
    public String summary() {
        if (!ok) {
            return "reload refused, the running configuration stays: " + error.orElse("");
        }
        if (applied.isEmpty() && inactive.isEmpty() && requiresRestart.isEmpty()) {
            return dev.servicekit.spi.ReloadOutcome.UNCHANGED;
        }
        List<String> parts = new ArrayList<>();
        parts.add(applied.isEmpty() ? "nothing applied" : "applied " + String.join(", ", applied));
        if (!inactive.isEmpty()) {
            parts.add("not in use: " + String.join(", ", inactive));
        }
        if (!requiresRestart.isEmpty()) {
            parts.add("requires restart: " + String.join(", ", requiresRestart));
        }
        return String.join("; ", parts);
    }
}
