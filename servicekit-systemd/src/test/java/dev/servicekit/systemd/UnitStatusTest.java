package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.ServiceStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code systemctl show} output to the manager's view that {@code status} prints. */
class UnitStatusTest {

    private static final String ACTIVE = """
            LoadState=loaded
            ActiveState=active
            SubState=running
            MainPID=4242
            NRestarts=2
            ExecMainStatus=0
            StateChangeTimestampMonotonic=5000000000
            """;

    @Test
    void sinceIsTheStateChangeOnTheMonotonicClockTurnedIntoWallClockTime() {
        Instant now = Instant.parse("2026-12-04T16:30:00.700Z");
        // 90.5 s after the state change, on the same monotonic clock
        ServiceStatus status = UnitStatus.parse(ACTIVE).toServiceStatus(now, 5_090_500_000L);

        assertThat(status.running()).isTrue();
        assertThat(status.pid()).hasValue(4242);
        assertThat(status.restarts()).hasValue(2);
        assertThat(status.since()).contains(Instant.parse("2026-12-04T16:28:30Z"));
    }

    @Test
    void noSinceWhenSystemdHasNoneOrItWouldLieInTheFuture() {
        Instant now = Instant.parse("2026-12-04T16:30:00Z");
        String never = ACTIVE.replace("StateChangeTimestampMonotonic=5000000000", "StateChangeTimestampMonotonic=0");

        assertThat(UnitStatus.parse(never).toServiceStatus(now, 5_090_500_000L).since())
                .isEmpty();
        assertThat(UnitStatus.parse(ACTIVE).toServiceStatus(now, 4_000_000_000L).since())
                .as("another clock (a time namespace): nothing rather than a wrong time")
                .isEmpty();
        assertThat(UnitStatus.parse("LoadState=not-found\n")
                        .toServiceStatus(now, 1)
                        .installed())
                .isFalse();
    }
}
