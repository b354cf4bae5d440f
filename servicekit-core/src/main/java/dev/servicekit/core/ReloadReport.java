package dev.servicekit.core;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the last configuration reload did, shown by {@code /admin/status} as {@code lastReload}.
 *
 * @param at              when it finished
 * @param ok              whether the new configuration passed every check (if not, the old one stays)
 * @param applied         reloadable keys whose new values are now in effect
 * @param requiresRestart changed keys that take effect only after a restart (not applied)
 * @param error           why the reload was refused, when it was
 */
public record ReloadReport(Instant at, boolean ok, List<String> applied, List<String> requiresRestart, Optional<String> error) {

    /** Copies lists and checks for nulls. */
    public ReloadReport {
        Objects.requireNonNull(at, "at");
        applied = List.copyOf(applied);
        requiresRestart = List.copyOf(requiresRestart);
        Objects.requireNonNull(error, "error");
    }

    /** One line for logs and the reload verb. */
    public String summary() {
        if (!ok) {
            return "reload refused, the running configuration stays: " + error.orElse("");
        }
        if (applied.isEmpty() && requiresRestart.isEmpty()) {
            return "configuration unchanged";
        }
        return (applied.isEmpty() ? "nothing applied" : "applied " + String.join(", ", applied))
                + (requiresRestart.isEmpty() ? "" : "; requires restart: " + String.join(", ", requiresRestart));
    }
}
