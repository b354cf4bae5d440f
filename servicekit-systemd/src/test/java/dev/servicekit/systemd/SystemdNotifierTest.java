package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;
import dev.servicekit.testing.FakeManagedService;
import dev.servicekit.testing.NotifySocketReceiver;
import dev.servicekit.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdNotifierTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void reportsReadyReloadAndStoppingInOrder(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier notifier = new SystemdNotifier(notify(socket, Map.of()), Duration.ofSeconds(5))) {
            FakeManagedService service = FakeManagedService.named("users-service")
                    .startTimeout(Duration.ofSeconds(30))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce();
            notifier.attach(service);

            service.start();
            List<String> upToReady = texts(socket.until("READY=1", WAIT));
            service.reload();
            List<String> reload = texts(socket.until("READY=1", WAIT));
            service.stop();
            List<String> stop = texts(socket.until("STATUS=Stopped", WAIT));

            assertThat(upToReady).containsExactly("STATUS=Starting users-service", "READY=1\nSTATUS=Running");
            assertThat(reload).hasSize(2);
            assertThat(reload.get(0)).matches("RELOADING=1\nMONOTONIC_USEC=\\d+");
            assertThat(reload.get(1)).isEqualTo("READY=1\nSTATUS=Reloaded: log level changed");
            assertThat(stop).containsExactly("STOPPING=1", "STATUS=Stopped");
        }
    }

    /**
     * systemctl status shows the status text: a refused reload says "refused" once, not "Reload refused: reload
     * refused".
     */
    @Test
    void theStatusAfterARefusedReloadSaysRefusedOnce() {
        assertThat(SystemdNotifier.statusText(new ReloadOutcome(
                        false, "reload refused, the running configuration stays: log.level \"loud\" is not valid")))
                .isEqualTo("Reload refused, the running configuration stays: log.level \"loud\" is not valid");
        assertThat(SystemdNotifier.statusText(new ReloadOutcome(false, "reload failed: boom")))
                .isEqualTo("Reload refused: reload failed: boom");
        assertThat(SystemdNotifier.statusText(new ReloadOutcome(true, "applied log.level")))
                .isEqualTo("Reloaded: applied log.level");
    }

    /**
     * One file edit under systemd with the watcher on makes two reloads (the watcher's, then systemctl reload's): the
     * second, unchanged, keeps what the first did in the status text.
     */
    @Test
    void anUnchangedReloadKeepsTheLastChangeInTheStatusText() {
        ReloadOutcome applied = new ReloadOutcome(true, "applied log.level");
        ReloadOutcome unchanged = new ReloadOutcome(true, ReloadOutcome.UNCHANGED);
        assertThat(unchanged.unchanged()).isTrue();
        assertThat(SystemdNotifier.statusText(unchanged, Optional.of(applied)))
                .isEqualTo("Reloaded: configuration unchanged; last change: applied log.level");
        assertThat(SystemdNotifier.statusText(unchanged, Optional.empty()))
                .isEqualTo("Reloaded: configuration unchanged");
        assertThat(SystemdNotifier.statusText(applied, Optional.of(new ReloadOutcome(true, "applied http.cors"))))
                .isEqualTo("Reloaded: applied log.level");
        assertThat(SystemdNotifier.statusText(
                        unchanged,
                        Optional.of(new ReloadOutcome(
                                false,
                                "reload refused, the running configuration"
                                        + " stays: log.level \"loud\" is not valid"))))
                .isEqualTo("Reloaded: configuration unchanged; last change: reload refused, the running"
                        + " configuration stays: log.level \"loud\" is not valid");
    }

    @Test
    void pingsTheWatchdogAtHalfTheIntervalWhileRunningAndNotAfterStop() throws Exception {
        try (NotifySocketReceiver socket =
                        NotifySocketReceiver.abstractNamed("servicekit-watchdog-" + UUID.randomUUID());
                SystemdNotifier notifier =
                        new SystemdNotifier(notify(socket, Map.of("WATCHDOG_USEC", "400000")), Duration.ofSeconds(5))) {
            FakeManagedService service = FakeManagedService.named("users-service")
                    .startTimeout(Duration.ofSeconds(30))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce();
            notifier.attach(service);
            service.start();
            socket.until("READY=1", WAIT);

            // Counts the pings of a fixed 1.5 s window (a measurement, not a wait): each receive blocks on the socket.
            long begun = System.nanoTime();
            List<NotifySocketReceiver.Message> pings = new java.util.ArrayList<>();
            while (System.nanoTime() - begun < Duration.ofMillis(1500).toNanos()) {
                socket.next(Duration.ofMillis(100))
                        .filter(m -> m.text().equals("WATCHDOG=1"))
                        .ifPresent(pings::add);
            }
            service.stop();
            socket.until("STOPPING=1", WAIT);
            List<NotifySocketReceiver.Message> afterStop = new java.util.ArrayList<>();
            socket.next(Duration.ofMillis(600)).ifPresent(afterStop::add);
            afterStop.addAll(socket.drain());

            assertThat(pings).hasSizeBetween(4, 10); // ~7 in 1.5 s at 200 ms (the first at once)
            for (int i = 1; i < pings.size(); i++) {
                long gapMillis =
                        (pings.get(i).receivedNanos() - pings.get(i - 1).receivedNanos()) / 1_000_000;
                assertThat(gapMillis).as("gap between watchdog pings").isBetween(100L, 400L);
            }
            assertThat(texts(afterStop)).doesNotContain("WATCHDOG=1");
        }
    }

    @Test
    void keepsPingingWhilePausedButNotWhileStopping(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier notifier =
                        new SystemdNotifier(notify(socket, Map.of("WATCHDOG_USEC", "100000")), Duration.ofSeconds(5))) {
            FakeManagedService service = FakeManagedService.named("users-service")
                    .startTimeout(Duration.ofSeconds(30))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce();
            notifier.attach(service);
            service.start();
            service.pause();
            socket.until("STATUS=Paused: not accepting work", WAIT);

            assertThat(socket.until("WATCHDOG=1", WAIT)).isNotEmpty();
            service.transition(ServiceState.STOPPING);
            socket.until("STOPPING=1", WAIT);
            assertThat(socket.next(Duration.ofMillis(300))).isEmpty();
        }
    }

    @Test
    void aWedgedServiceStopsPingingTheWatchdogUntilItRecovers(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier notifier =
                        new SystemdNotifier(notify(socket, Map.of("WATCHDOG_USEC", "100000")), Duration.ofSeconds(5))) {
            FakeManagedService service = FakeManagedService.named("users-service")
                    .startTimeout(Duration.ofSeconds(30))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce();
            notifier.attach(service);
            service.start();
            assertThat(socket.until("WATCHDOG=1", WAIT)).isNotEmpty();

            service.live(false);
            socket.next(Duration.ofMillis(100)); // a ping already under way may still arrive
            socket.drain();
            assertThat(socket.next(Duration.ofMillis(400))).isEmpty();

            service.live(true);
            assertThat(socket.until("WATCHDOG=1", WAIT)).isNotEmpty();
        }
    }

    @Test
    void extendsTheStartTimeoutWithProgressWhileStartingWithinTheServicesOwnBound(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier notifier = new SystemdNotifier(notify(socket, Map.of()), Duration.ofMillis(100))) {
            FakeManagedService service = FakeManagedService.named("users-service")
                    .startTimeout(Duration.ofSeconds(30))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce();
            notifier.attach(service);
            service.progress("running migrations");
            service.transition(ServiceState.STARTING);

            List<String> first = texts(socket.until("EXTEND_TIMEOUT_USEC=200000", WAIT));
            List<String> second = texts(socket.until("EXTEND_TIMEOUT_USEC=200000", WAIT));
            service.transition(ServiceState.RUNNING);
            List<String> ready = texts(socket.until("READY=1", WAIT));

            assertThat(first).last().isEqualTo("EXTEND_TIMEOUT_USEC=200000\nSTATUS=running migrations");
            assertThat(second).containsExactly("EXTEND_TIMEOUT_USEC=200000\nSTATUS=running migrations");
            assertThat(ready).last().isEqualTo("READY=1\nSTATUS=Running");
            assertThat(socket.next(Duration.ofMillis(300))).isEmpty();
        }
    }

    @Test
    void stopsExtendingOnceTheServicesOwnStartBoundHasPassed(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"));
                SystemdNotifier notifier = new SystemdNotifier(notify(socket, Map.of()), Duration.ofMillis(50))) {
            FakeManagedService service = FakeManagedService.named("users-service")
                    // Long against the 50 ms interval, so a loaded machine still sees extensions before it ends.
                    .startTimeout(Duration.ofMillis(1500))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce();
            notifier.attach(service);
            service.transition(ServiceState.STARTING);
            socket.until("STATUS=Starting users-service", WAIT);
            socket.until("EXTEND_TIMEOUT_USEC=100000", WAIT);

            // The start hangs: after its 1.5 s bound the extensions stop, leaving it to systemd's TimeoutStartSec.
            Poll.until(Duration.ofSeconds(10), "the extensions to stop (300 ms without a datagram)", () -> {
                try {
                    return socket.next(Duration.ofMillis(300)).isEmpty();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Test
    void runManagedRunsInTheForegroundUnderNotifySocketAndReportsTheLifecycle(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"))) {
            SystemdServiceManager manager = new SystemdServiceManager(
                    new FakeSystemctl(),
                    () -> 0,
                    Map.of("NOTIFY_SOCKET", socket.notifySocket()),
                    dir,
                    dir,
                    () -> true,
                    SystemdUnitOptions.defaults(),
                    Duration.ofSeconds(5),
                    Duration.ofMillis(10),
                    Duration.ofSeconds(5));

            OptionalInt exit = manager.runManaged(FakeManagedService.named("users-service")
                    .startTimeout(Duration.ofSeconds(30))
                    .stopTimeout(Duration.ofSeconds(30))
                    .startsAtOnce()
                    .stopsAtOnce());

            assertThat(exit).hasValue(0);
            assertThat(texts(socket.until("STATUS=Stopped", WAIT)))
                    .containsExactly(
                            "STATUS=Starting users-service", "READY=1\nSTATUS=Running", "STOPPING=1", "STATUS=Stopped");
        }
    }

    @Test
    void runManagedDoesNothingWithoutNotifySocket(@TempDir Path dir) {
        SystemdServiceManager manager = new SystemdServiceManager(
                new FakeSystemctl(),
                () -> 0,
                Map.of(),
                dir,
                dir,
                () -> true,
                SystemdUnitOptions.defaults(),
                Duration.ofSeconds(5),
                Duration.ofMillis(10),
                Duration.ofSeconds(5));
        FakeManagedService service = FakeManagedService.named("users-service")
                .startTimeout(Duration.ofSeconds(30))
                .stopTimeout(Duration.ofSeconds(30))
                .startsAtOnce()
                .stopsAtOnce();

        assertThat(manager.runManaged(service)).isEmpty();
        assertThat(service.state()).isEqualTo(ServiceState.NEW);
    }

    private static SdNotify notify(NotifySocketReceiver socket, Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(more);
        env.put("NOTIFY_SOCKET", socket.notifySocket());
        return SdNotify.fromEnvironment(env);
    }

    private static List<String> texts(List<NotifySocketReceiver.Message> messages) {
        return messages.stream().map(NotifySocketReceiver.Message::text).toList();
    }
}
