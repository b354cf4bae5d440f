package dev.servicekit.spi;

/**
 * The states of a service host:
 * {@code NEW → STARTING → RUNNING → (PAUSED ↔ RUNNING) → STOPPING → STOPPED}, and {@code FAILED} when
 * start or stop failed. {@code STOPPED} and {@code FAILED} are final.
 */
public enum ServiceState {
    /** Built, not started yet. */
    NEW,
    /** Opening the store and listeners; readiness is false. */
    STARTING,
    /** Serving; readiness is true when the service's own checks pass. */
    RUNNING,
    /** Alive but not accepting work (Windows PAUSE); readiness is false. */
    PAUSED,
    /** Draining and releasing resources; readiness is false. */
    STOPPING,
    /** Stopped cleanly. Final. */
    STOPPED,
    /** Start or stop failed; see the host's failure. Final. */
    FAILED;

    /** Whether the state is final: the host cannot leave it. */
    public boolean isFinal() {
        return this == STOPPED || this == FAILED;
    }
}
