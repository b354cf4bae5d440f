package dev.servicekit.spi;

/**
 * Told around every reload of a {@link ManagedService}, whatever triggered it (SIGHUP, the {@code reload} verb,
 * SCM {@code PARAMCHANGE}, {@code POST /admin/reload}, a config file change), so a manager can report it:
 * systemd gets {@code RELOADING=1} before and {@code READY=1} after.
 *
 * <p>Called on the thread that reloads; implementations return promptly and do not throw.
 */
public interface ReloadListener {

    /** A reload begins. */
    void reloadStarting();

    /** The reload ended, applied or refused. */
    void reloadFinished(ReloadOutcome outcome);
}
