package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.NotifySocketReceiver;
import dev.servicekit.testing.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** users-service.jar in a child JVM launched the way systemd launches a Type=notify unit. */
@RunsAlone
class SystemdNotifyIT {

    @TempDir
    Path dir;

    @Test
    void tellsSystemdWhenReadyReloadingAndStoppingAndPingsTheWatchdog() throws Exception {
        try (NotifySocketReceiver systemd = NotifySocketReceiver.atPath(dir.resolve("notify"));
                ServiceProcess service = ServiceProcess.builder(UsersServiceProcessIT.JAR, dir)
                        .environment("NOTIFY_SOCKET", systemd.notifySocket())
                        .environment("WATCHDOG_USEC", "400000")
                        .args("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + dir)
                        .start()) {
            List<NotifySocketReceiver.Message> startup = systemd.until("READY=1", Duration.ofSeconds(60));
            assertThat(startup.getLast().text()).contains("STATUS=");
            service.awaitOutput(UsersServiceProcessIT.API, Duration.ofSeconds(10));

            // Watchdog pings at about half of WATCHDOG_USEC (200 ms) while running: counted over a fixed 1.5 s window
            // (a measurement, not a wait; each receive blocks on the socket).
            long windowEnd = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            int pings = 0;
            while (System.nanoTime() < windowEnd) {
                Optional<NotifySocketReceiver.Message> m =
                        systemd.next(Duration.ofNanos(Math.max(1, windowEnd - System.nanoTime())));
                if (m.isPresent() && m.get().text().lines().anyMatch("WATCHDOG=1"::equals)) {
                    pings++;
                }
            }
            assertThat(pings).as("watchdog pings in 1.5 s at a 200 ms interval").isBetween(4, 12);

            service.signal("HUP");
            List<NotifySocketReceiver.Message> reload = systemd.until("RELOADING=1", Duration.ofSeconds(10));
            assertThat(reload.getLast().text()).contains("MONOTONIC_USEC=");
            systemd.until("READY=1", Duration.ofSeconds(10));

            service.signal("TERM");
            systemd.until("STOPPING=1", Duration.ofSeconds(10));
            assertThat(service.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(systemd.drain()).noneMatch(m -> m.text().contains("WATCHDOG=1"));
        }
    }
}
