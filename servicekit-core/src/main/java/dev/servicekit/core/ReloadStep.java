package dev.servicekit.core;

import java.util.Set;

/**
 * One part of a configuration reload, which is a transaction (SPEC §17): every step first <em>prepares</em> from
 * the new, fully validated configuration — builds what it needs, checks what only it can check — without changing
 * anything; only when every step prepared does the host run each plan's {@link ReloadPlan#commit() commit}. So a
 * reload applies every change or none.
 *
 * {@snippet :
 * ReloadStep greeting = (next, changed) -> {
 *     if (!changed.contains(GREETING.name())) {
 *         return ReloadPlan.none();
 *     }
 *     String value = next.get(GREETING);                 // build and check here
 *     return ReloadPlan.applying(Set.of(GREETING.name()), () -> this.greeting = value); // swap here
 * };
 * }
 */
@FunctionalInterface
public interface ReloadStep {

    /**
     * Prepares to apply the changed keys this step owns. Called on the reloading thread, never concurrently with
     * itself; must not change anything visible.
     *
     * @param next        the configuration as it will be if the reload succeeds (restart-only keys keep their running
     *                    values)
     * @param changedKeys every reloadable key whose value, or the content of the file it names, changed
     * @return what this step will apply and the swap that applies it
     * @throws RuntimeException when the new values cannot be applied; the message says which key and why, and the
     *                          reload then changes nothing
     */
    ReloadPlan prepare(Config next, Set<String> changedKeys);
}
