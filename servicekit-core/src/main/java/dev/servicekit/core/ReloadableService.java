package dev.servicekit.core;

/**
 * A {@link Service} that can apply a new configuration while it runs: its part of every reload transaction (see
 * {@link ReloadStep}). Servicekit calls {@link #prepare} only with a configuration that passed every check and only
 * when a key marked {@linkplain ConfigKey#reloadable() reloadable} changed; a changed reloadable key that no step
 * applies is reported as needing a restart, never as applied.
 */
public interface ReloadableService extends Service, ReloadStep {}
