package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.servicekit.spi.ServiceState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ServiceHostTest {

    private final List<String> events = new CopyOnWriteArrayList<>();

    @Test
    void startReachesRunningAndStopRunsStopActionsInReverseOrder() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> {
                    events.add("open store");
                    ctx.onStop("store", () -> events.add("close store"));
                    events.add("open listener");
                    ctx.onStop("listener", () -> events.add("close listener"));
                })
                .build();
        List<ServiceState> states = new CopyOnWriteArrayList<>();
        host.addListener(change -> states.add(change.to()));

        host.start();
        assertThat(host.state()).isEqualTo(ServiceState.RUNNING);
        assertThat(host.isReady()).isTrue();
        assertThat(host.stop()).isEqualTo(ServiceState.STOPPED);

        assertThat(events).containsExactly("open store", "open listener", "close listener", "close store");
        assertThat(states)
                .containsExactly(
                        ServiceState.STARTING, ServiceState.RUNNING, ServiceState.STOPPING, ServiceState.STOPPED);
    }

    @Test
    void readinessIsFalseWhileStopActionsRun() throws Exception {
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceHost host = ServiceHost.builder(
                        "svc",
                        ctx -> ctx.onStop("listener", () -> {
                            stopping.countDown();
                            release.await(5, TimeUnit.SECONDS);
                        }))
                .build();
        host.start();

        Thread stopper = Thread.ofPlatform().start(host::stop);
        assertThat(stopping.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(host.state()).isEqualTo(ServiceState.STOPPING);
        assertThat(host.isReady()).isFalse();
        release.countDown();
        stopper.join(5000);

        assertThat(host.state()).isEqualTo(ServiceState.STOPPED);
    }

    @Test
    void failedStartCleansUpWhatStartedAndKeepsTheFirstFailure() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> {
                    ctx.onStop("store", () -> events.add("close store"));
                    ctx.onStop("metrics", () -> {
                        throw new IOException("metrics would not close");
                    });
                    throw new IllegalStateException("Port 8080 is already in use");
                })
                .build();

        ServiceStartException e = catchThrowableOfType(ServiceStartException.class, host::start);

        assertThat(e.getMessage()).isEqualTo("svc failed to start: Port 8080 is already in use");
        assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
        assertThat(e.getSuppressed())
                .singleElement()
                .satisfies(s -> assertThat(s).hasMessage("metrics would not close"));
        assertThat(events).containsExactly("close store");
        assertThat(host.state()).isEqualTo(ServiceState.FAILED);
        assertThat(host.failure()).containsSame(e);
    }

    @Test
    void aStopRequestedDuringStartStopsRightAfterStart() {
        ServiceHost[] self = new ServiceHost[1];
        self[0] = ServiceHost.builder("svc", ctx -> {
                    ctx.onStop("listener", () -> events.add("closed"));
                    assertThat(self[0].stop()).isEqualTo(ServiceState.STARTING);
                })
                .build();

        self[0].start();

        assertThat(self[0].state()).isEqualTo(ServiceState.STOPPED);
        assertThat(events).containsExactly("closed");
    }

    @Test
    void stopIsBoundedByTheShutdownTimeout() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ServiceHost host = ServiceHost.builder("svc", ctx -> ctx.onStop("wedged", never::await))
                .shutdownTimeout(Duration.ofMillis(200))
                .build();
        host.start();

        long begin = System.nanoTime();
        ServiceState end = host.stop();

        assertThat(end).isEqualTo(ServiceState.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(5));
        assertThat(host.failure())
                .hasValueSatisfying(f -> assertThat(f.getMessage())
                        .contains("did not stop within shutdown.timeout (200ms)")
                        .contains("stopping wedged"));
        never.countDown();
    }

    @Test
    void pauseAndResumeToggleReadiness() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> {}).build();
        host.start();

        host.pause();
        assertThat(host.state()).isEqualTo(ServiceState.PAUSED);
        assertThat(host.isReady()).isFalse();
        host.resume();
        assertThat(host.isReady()).isTrue();
        host.stop();
    }

    @Test
    void aStoppedHostCannotBeRestarted() {
        ServiceHost host = ServiceHost.builder("svc", ctx -> {}).build();
        host.start();
        host.stop();

        assertThatThrownBy(host::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("build a new one");
    }

    @Test
    void secondStopWaitsForTheFirst() throws Exception {
        CountDownLatch inStop = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ServiceHost host = ServiceHost.builder(
                        "svc",
                        ctx -> ctx.onStop("slow", () -> {
                            inStop.countDown();
                            release.await(5, TimeUnit.SECONDS);
                        }))
                .build();
        host.start();
        Thread first = Thread.ofPlatform().start(host::stop);
        assertThat(inStop.await(5, TimeUnit.SECONDS)).isTrue();

        Thread second = Thread.ofPlatform().start(() -> events.add("second saw " + host.stop()));
        release.countDown();
        first.join(5000);
        second.join(5000);

        assertThat(events).containsExactly("second saw STOPPED");
    }
}
