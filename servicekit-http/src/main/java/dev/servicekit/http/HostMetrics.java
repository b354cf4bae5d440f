package dev.servicekit.http;

import dev.servicekit.core.ServiceHost;
import dev.servicekit.spi.ServiceState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The meters of a {@link ServiceHost} (Prometheus names):
 * <ul>
 *   <li>{@code servicekit_reloads_total{result="ok"|"failed"}}: configuration reloads by outcome, whatever
 *       triggered them, from {@link ServiceHost#reloadSuccesses()} and {@link ServiceHost#reloadFailures()};</li>
 *   <li>{@code servicekit_service_state{state="NEW"|…|"FAILED"}}: 1 for the host's current
 *       {@link ServiceState}, 0 for every other (all states are always present, so alerts can match on 0);</li>
 *   <li>{@code service_running}: 1 while the host is RUNNING (serving), 0 while starting, paused or stopping.</li>
 * </ul>
 * The meters read the host when scraped; binding costs nothing per request. Thread-safe.
 *
 * {@snippet :
 * HttpMetrics metrics = HttpMetrics.create();
 * HostMetrics.of(context.host()).bindTo(metrics.registry());
 * }
 */
public final class HostMetrics implements MeterBinder {

    /** Reloads by {@code result}. */
    public static final String RELOADS = "servicekit.reloads";
    /** The host's state, one gauge per {@code state}. */
    public static final String SERVICE_STATE = "servicekit.service.state";
    /** 1 while RUNNING. */
    public static final String SERVICE_RUNNING = "service.running";

    private final ServiceHost host;

    private HostMetrics(ServiceHost host) {
        this.host = host;
    }

    /** The meters of {@code host}; call {@link #bindTo(MeterRegistry)} to register them. */
    public static HostMetrics of(ServiceHost host) {
        return new HostMetrics(Objects.requireNonNull(host, "host"));
    }

    /** Registers the meters in {@code registry}. Binding the same host twice to one registry is harmless. */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        FunctionCounter.builder(RELOADS, host, ServiceHost::reloadSuccesses)
                .tag("result", "ok")
                .description("Configuration reloads by result; a failed one kept the running configuration")
                .register(registry);
        FunctionCounter.builder(RELOADS, host, ServiceHost::reloadFailures)
                .tag("result", "failed")
                .description("Configuration reloads by result; a failed one kept the running configuration")
                .register(registry);
        for (ServiceState state : ServiceState.values()) {
            Gauge.builder(SERVICE_STATE, host, h -> h.state() == state ? 1 : 0)
                    .tag("state", state.name())
                    .description("1 for the service's current lifecycle state, 0 for the others")
                    .register(registry);
        }
        Gauge.builder(SERVICE_RUNNING, host, h -> h.state() == ServiceState.RUNNING ? 1 : 0)
                .description("1 while the service is RUNNING (serving), 0 while starting, paused or stopping")
                .register(registry);
    }
}
