package dev.servicekit.core;

import dev.servicekit.spi.ServiceState;

/**
 * The application's part of a long-running service: what it opens at start. A {@link ServiceHost} runs
 * it the same way in the foreground ({@code run}) and under a service manager.
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>The host loads and validates all configuration before anything starts (exit code 78 on any
 *       problem), then builds the {@code Service}.</li>
 *   <li>The host enters {@link ServiceState#STARTING} and calls {@link #start(StartContext)} on the
 *       calling thread. {@code start} opens resources in dependency order (store, then listeners) and
 *       registers each one's stop action with {@link StartContext#onStop} right after opening it. It
 *       returns as soon as the service is serving; long-running work belongs on its own threads.
 *       {@link StartContext#progress} reports what it is doing (service managers see it as
 *       checkpoints / status text).</li>
 *   <li>If {@code start} throws, the host runs the stop actions registered so far, in reverse order,
 *       keeps the first failure and adds later ones as suppressed, and ends in {@link ServiceState#FAILED}.</li>
 *   <li>Otherwise the host enters {@link ServiceState#RUNNING}; readiness turns true.</li>
 *   <li>On a stop request (SIGTERM, SIGINT, a service-manager stop, {@link ServiceHost#stop()}) the host
 *       enters {@link ServiceState#STOPPING} first, so readiness reports 503, then runs the stop actions in
 *       reverse registration order: listeners drain in-flight requests (bounded by
 *       {@code shutdown.drain-timeout}), background work stops, the store closes last. The whole stop is
 *       bounded by {@code shutdown.timeout}; past it, or on a second signal, the process exits at once.</li>
 *   <li>The host ends in {@link ServiceState#STOPPED}. A stopped host cannot be restarted: build a new one.</li>
 * </ol>
 *
 * {@snippet :
 * Service service = ctx -> {
 *     UserStore store = UserStores.open(storeConfig, clock);
 *     ctx.onStop("store", store::close);
 *     ApiServer api = ApiServer.create(apiConfig, routes);
 *     api.start();
 *     ctx.onStop("API listener", api::stop);
 * };
 * }
 */
@FunctionalInterface
public interface Service {

    /**
     * Opens everything the service needs and returns once it serves.
     *
     * @param context registers stop actions and reports progress
     * @throws Exception any failure; the host cleans up what was registered and reports it
     */
    void start(StartContext context) throws Exception;
}
