package dev.servicekit.core;

/**
 * Given to {@link Service#start(StartContext)}: registers what must be undone at stop (or after a failed
 * start) and reports start progress. Used only on the thread that runs {@code start}.
 */
public interface StartContext {

    /**
     * Registers a stop action. Actions run in reverse registration order at stop, and also when a later
     * step of start fails.
     *
     * @param name   what is being stopped, for logs and progress (e.g. {@code "API listener"})
     * @param action the action; it should honour the drain/stop timeouts it was configured with
     */
    void onStop(String name, StopAction action);

    /** The host running this service (read its state for readiness checks). */
    ServiceHost host();

    /** Reports what start is doing now (e.g. {@code "migrating the store"}); cheap, may be called often. */
    void progress(String message);

    /**
     * Reports that this start did work that later starts will not do again, such as applying schema migrations to a
     * new database. A start that records a training run for the JDK's AOT cache (servicekit-launcher, on the
     * README's {@code run}) then leaves its recording unbuilt, once for a jar, JDK and options, and the next start
     * records again: every class a start loads goes into the cache and is loaded at every start that maps it, so a
     * cache trained on a migrating start would carry the migration tool's classes into starts that never migrate.
     *
     * @param what the work done, for the log (e.g. {@code "2 schema migrations applied"})
     */
    void oneTimeWork(String what);

    /** An action run at stop. */
    @FunctionalInterface
    interface StopAction {
        /** Stops one resource. */
        void stop() throws Exception;
    }
}
