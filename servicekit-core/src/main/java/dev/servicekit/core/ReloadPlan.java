package dev.servicekit.core;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a {@link ReloadStep} prepared: the keys it will apply, the changed keys it owns that have no effect in this
 * configuration (e.g. {@code auth.issuer} while {@code auth.enabled} is false), and the swap that applies them.
 * The swap runs only when every step prepared; it must be quick and must not fail (build and check in
 * {@link ReloadStep#prepare}, not here).
 *
 * @param applied  keys whose new values are in effect once {@code commit} ran
 * @param inactive changed keys this step owns that nothing uses now; they are recorded, not applied
 * @param commit   the swap
 */
public record ReloadPlan(Set<String> applied, Set<String> inactive, Runnable commit) {

    private static final ReloadPlan NONE = new ReloadPlan(Set.of(), Set.of(), () -> {});

    /** Copies the sets. */
    public ReloadPlan {
        applied = Set.copyOf(applied);
        inactive = Set.copyOf(inactive);
        Objects.requireNonNull(commit, "commit");
    }

    /** Nothing to do. */
    public static ReloadPlan none() {
        return NONE;
    }

    /** Applies {@code keys} by running {@code commit}. */
    public static ReloadPlan applying(Set<String> keys, Runnable commit) {
        return new ReloadPlan(keys, Set.of(), commit);
    }

    /** Records {@code keys} as changed but without effect here. */
    public static ReloadPlan inactive(Set<String> keys) {
        return new ReloadPlan(Set.of(), keys, () -> {});
    }

    /** This plan and {@code other}: both sets of keys, and this commit before the other's. */
    public ReloadPlan and(ReloadPlan other) {
        Set<String> allApplied = new HashSet<>(applied);
        allApplied.addAll(other.applied);
        Set<String> allInactive = new HashSet<>(inactive);
        allInactive.addAll(other.inactive);
        Runnable first = commit;
        Runnable second = other.commit;
        return new ReloadPlan(allApplied, allInactive, () -> {
            first.run();
            second.run();
        });
    }
}
