package dev.servicekit.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A service as a service manager drives it: the host side of the contract between Servicekit's
 * lifecycle and a platform (Windows SCM, systemd, launchd, the detached daemon). Implemented by
 * servicekit-core on top of its service host; implemented by small fixtures in tests.
 *
 * <p>Threading: every method may be called from any thread. {@link #start()} and {@link #stop()} block;
 * the other methods return promptly. Managers report progress to their platform from their own threads
 * (SCM checkpoints, {@code EXTEND_TIMEOUT_USEC}) while those calls block.
 */
public interface ManagedService {

    /** The service name, e.g. {@code users-service}. */
    String name();

    /**
     * The instance this process runs as, when several instances of the service share the host (the
     * {@code --instance} it was started with); empty for the service itself. Managers name what the process
     * reports to by it, e.g. the Windows Event Log source {@code users-service$a}. The default is empty.
     */
    default Optional<String> instance() {
        return Optional.empty();
    }

    /**
     * Starts the service and blocks until it serves.
     *
     * @throws ManagedServiceException when start failed; whatever had started was stopped again, and
     *                                 {@link ManagedServiceException#exitCode()} is the service-specific
     *                                 exit code to report to the platform
     */
    void start();

    /**
     * Stops gracefully (drain, then release resources) and blocks until stopped, at most
     * {@link #stopTimeout()}. Idempotent.
     *
     * @return the final state: {@link ServiceState#STOPPED}, or {@link ServiceState#FAILED}
     */
    ServiceState stop();

    /** Stops taking work (readiness off, the API answers 503); the process stays up. */
    void pause();

    /** Takes work again after {@link #pause()}. */
    void resume();

    /** Re-reads the configuration and applies what it can; never throws for an invalid configuration. */
    ReloadOutcome reload();

    /** The current state. */
    ServiceState state();

    /** What start or stop is doing right now, for status text (e.g. {@code "stopping API listener"}). */
    String progress();

    /** An upper bound for start, for wait hints and start timeouts. */
    Duration startTimeout();

    /** The bound on {@link #stop()} ({@code shutdown.timeout}). */
    Duration stopTimeout();

    /**
     * Whether the service is alive enough to do work (not wedged): answers within about a second. Managers
     * with a watchdog (systemd {@code WATCHDOG=1}) stop pinging when it says no, so the platform restarts the
     * process. The default says yes.
     */
    default boolean isLive() {
        return true;
    }

    /** Adds a listener called with the new state after every transition, on the thread that made it. */
    void addStateListener(Consumer<ServiceState> listener);

    /**
     * Adds a listener told before and after every reload, on the reloading thread. The default ignores it:
     * hosts that can reload override this, so managers can report reloads (systemd {@code RELOADING=1}).
     */
    default void addReloadListener(ReloadListener listener) {}

    /**
     * Runs in the foreground: installs the console stop signals (SIGTERM, SIGINT; a second one exits at
     * once), starts, and blocks until stopped.
     *
     * @return the process exit code: 0 after a clean stop, non-zero after a failed start or stop
     */
    int runInForeground();
}
