package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.ServiceHost;
import dev.servicekit.spi.ServiceState;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host's meters, read through a real scrape of a management listener on port 0. */
class HostMetricsTest {

    private HttpMetrics metrics;
    private ManagementServer management;
    private ServiceHost host;

    @BeforeEach
    void start() {
        metrics = HttpMetrics.create();
        host = ServiceHost.builder("svc", context -> {}).build();
        HostMetrics.of(host).bindTo(metrics.registry());
        management = HttpTestSupport.startedMetricsServer(metrics);
    }

    @AfterEach
    void stop() {
        host.stop();
        management.stop();
        metrics.close();
    }

    private PrometheusSamples scrape() {
        return PrometheusSamples.parse(
                HttpTestSupport.get(management.port(), "/metrics").body());
    }

    @Test
    void everyStateIsPresentAndOnlyTheCurrentOneIsOne() {
        assertStates(scrape(), ServiceState.NEW);
        assertThat(scrape().value("service_running", Map.of())).isZero();

        host.start();
        PrometheusSamples running = scrape();
        assertStates(running, ServiceState.RUNNING);
        assertThat(running.value("service_running", Map.of())).isEqualTo(1);

        host.stop();
        assertStates(scrape(), ServiceState.STOPPED);
        assertThat(scrape().value("service_running", Map.of())).isZero();
    }

    @Test
    void reloadsAreCountedByResult() {
        PrometheusSamples before = scrape();
        assertThat(before.value("servicekit_reloads_total", Map.of("result", "ok")))
                .isZero();
        assertThat(before.value("servicekit_reloads_total", Map.of("result", "failed")))
                .isZero();

        host.start();
        assertThat(host.reload().ok())
                .as("a host built in code has no configuration to reload")
                .isFalse();
        host.reload();

        PrometheusSamples after = scrape();
        assertThat(after.value("servicekit_reloads_total", Map.of("result", "failed")))
                .isEqualTo(2);
        assertThat(after.value("servicekit_reloads_total", Map.of("result", "ok")))
                .isZero();
    }

    private static void assertStates(PrometheusSamples samples, ServiceState current) {
        for (ServiceState state : ServiceState.values()) {
            assertThat(samples.value("servicekit_service_state", Map.of("state", state.name())))
                    .as("servicekit_service_state{state=\"%s\"}", state)
                    .isEqualTo(state == current ? 1 : 0);
        }
        assertThat(samples.find("servicekit_service_state", Map.of()))
                .hasSize(Arrays.asList(ServiceState.values()).size());
    }
}
