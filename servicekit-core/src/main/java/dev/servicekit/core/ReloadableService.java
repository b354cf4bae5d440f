package dev.servicekit.core;

/**
 * A {@link Service} that can apply a new configuration while it runs. Servicekit calls
 * {@link #applyConfig(Config)} only with a configuration that passed every check, and only when a key marked
 * {@linkplain ConfigKey#reloadable() reloadable} changed; keys that need a restart are reported, never applied.
 */
public interface ReloadableService extends Service {

    /**
     * Applies the reloadable keys of {@code config}. Called on the reloading thread, never concurrently with
     * itself; must not block for long.
     *
     * @throws RuntimeException when the new values cannot be applied; the reload is then reported as failed
     */
    void applyConfig(Config config);
}
