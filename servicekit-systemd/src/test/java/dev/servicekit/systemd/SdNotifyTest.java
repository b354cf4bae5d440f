package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.NotifySocketReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void withoutNotifySocketEverythingIsANoOp() {
        SdNotify notify = SdNotify.fromEnvironment(Map.of());

        assertThat(notify.enabled()).isFalse();
        assertThat(notify.ready("up")).isFalse();
        assertThat(notify.watchdogInterval()).isEmpty();
    }

    @Test
    void sendsReadyWithStatusToAPathSocket(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"))) {
            SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.notifySocket()));

            assertThat(notify.ready("listening on 8080\nand more")).isTrue();

            assertThat(socket.next(WAIT))
                    .get()
                    .extracting(NotifySocketReceiver.Message::text)
                    .isEqualTo("READY=1\nSTATUS=listening on 8080 and more");
        }
    }

    @Test
    void sendsToAnAbstractNamespaceSocket() throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.abstractNamed("servicekit-test-" + UUID.randomUUID())) {
            SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.notifySocket()));

            assertThat(notify.stopping()).isTrue();

            assertThat(socket.next(WAIT))
                    .get()
                    .extracting(NotifySocketReceiver.Message::text)
                    .isEqualTo("STOPPING=1");
        }
    }

    @Test
    void reloadingCarriesTheMonotonicClockInMicroseconds(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"))) {
            SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.notifySocket()));
            long before = SdNotify.monotonicMicros();

            notify.reloading();

            String text = socket.next(WAIT).orElseThrow().text();
            long after = SdNotify.monotonicMicros();
            assertThat(text).startsWith("RELOADING=1\nMONOTONIC_USEC=");
            long usec = Long.parseLong(text.substring(text.indexOf("MONOTONIC_USEC=") + "MONOTONIC_USEC=".length()));
            assertThat(usec).isBetween(before, after);
        }
    }

    @Test
    void monotonicClockIsCLOCK_MONOTONICLikeTheJvmsNanoTimeOnLinux() {
        long jvm = System.nanoTime() / 1000;
        long libc = SdNotify.monotonicMicros();

        assertThat(libc).isCloseTo(jvm, org.assertj.core.data.Offset.offset(1_000_000L));
    }

    @Test
    void watchdogAndExtendTimeoutMessages(@TempDir Path dir) throws Exception {
        try (NotifySocketReceiver socket = NotifySocketReceiver.atPath(dir.resolve("notify.sock"))) {
            SdNotify notify = SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.notifySocket()));

            notify.watchdog();
            notify.extendTimeout(Duration.ofSeconds(10));

            assertThat(socket.next(WAIT).orElseThrow().text()).isEqualTo("WATCHDOG=1");
            assertThat(socket.next(WAIT).orElseThrow().text()).isEqualTo("EXTEND_TIMEOUT_USEC=10000000");
        }
    }

    @Test
    void aMissingSocketIsReportedAsFalseNotThrown(@TempDir Path dir) {
        SdNotify notify = SdNotify.fromEnvironment(
                Map.of("NOTIFY_SOCKET", dir.resolve("nobody-listens.sock").toString()));

        assertThat(notify.enabled()).isTrue();
        assertThat(notify.ready("up")).isFalse();
    }

    @Test
    void watchdogIntervalHonoursWatchdogPid() {
        String ours = Long.toString(ProcessHandle.current().pid());

        assertThat(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "400000"))
                        .watchdogInterval())
                .contains(Duration.ofMillis(400));
        assertThat(SdNotify.fromEnvironment(
                                Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "400000", "WATCHDOG_PID", ours))
                        .watchdogInterval())
                .contains(Duration.ofMillis(400));
        assertThat(SdNotify.fromEnvironment(
                                Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "400000", "WATCHDOG_PID", "1"))
                        .watchdogInterval())
                .isEmpty();
        assertThat(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "soon"))
                        .watchdogInterval())
                .isEmpty();
    }

    @Test
    void aWatchdogIntervalTooLargeForNanosecondsTurnsThePingsOffInsteadOfOverflowing() {
        // 10^16 µs: as nanoseconds it overflowed into a negative interval, which the notifier ran as a 1 ns ping loop.
        assertThat(SdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "10000000000000000"))
                        .watchdogInterval())
                .isEmpty();
        assertThat(SdNotify.fromEnvironment(Map.of(
                                "NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", Long.toString(Long.MAX_VALUE / 1000)))
                        .watchdogInterval())
                .hasValueSatisfying(interval -> assertThat(interval).isPositive());
    }

    @Test
    void socketAddressIsASockaddrUnWithNulTerminatorOrLeadingNulForAbstractNames() {
        assertThat(SdNotify.socketAddress("/run/n")).get().isEqualTo(new byte[] {1, 0, '/', 'r', 'u', 'n', '/', 'n', 0
        });
        assertThat(SdNotify.socketAddress("@n")).get().isEqualTo(new byte[] {1, 0, 0, 'n'});
        assertThat(SdNotify.socketAddress("relative")).isEmpty();
        assertThat(SdNotify.socketAddress("/" + "x".repeat(200))).isEmpty();
    }
}
