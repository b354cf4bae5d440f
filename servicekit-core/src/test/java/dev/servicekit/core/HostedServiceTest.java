package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.ManagedServiceException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a failed start becomes the process exit code under every service manager and in the console. */
class HostedServiceTest {

    private static HostedService hosted(Service service) {
        return new HostedService(ServiceHost.builder("demo", service).build(), Duration.ofSeconds(5), () -> {});
    }

    @Test
    void aStartThatFailsOnTheConfigurationExitsWith78() {
        HostedService service = hosted(ctx -> {
            throw new ConfigException(List.of(new ConfigProblem(
                    "store.url", "--set", "the database has schema version '3', newer than this version knows")));
        });

        assertThatThrownBy(service::start)
                .isInstanceOfSatisfying(
                        ManagedServiceException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(78))
                .hasMessageContaining("store.url (from --set): the database has schema version '3'");
    }

    @Test
    void anyOtherStartFailureExitsWith1() {
        HostedService service = hosted(ctx -> {
            throw new IllegalStateException("Cannot open the store: disk full");
        });

        assertThatThrownBy(service::start)
                .isInstanceOfSatisfying(
                        ManagedServiceException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(1))
                .hasMessageContaining("disk full");
    }
}
