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

    /**
     * systemd's {@code ExecMainStatus} is the exit code only when {@code ExecMainCode} says the process exited (1); for
     * a process killed by a signal (2, or 3 with a core dump) it is the signal's number, and while the main process
     * runs it is 0, which is no exit code at all.
     */
    @Test
    void theLastExitCodeIsOneOnlyWhenTheProcessExitedAndASignalIsNamed() {
        Instant now = Instant.parse("2026-12-04T16:30:00Z");
        String running = ACTIVE.replace("ExecMainStatus=0", "ExecMainCode=0\nExecMainStatus=0");
        String killed = """
                LoadState=loaded
                ActiveState=failed
                SubState=failed
                MainPID=0
                NRestarts=2
                ExecMainCode=2
                ExecMainStatus=9
                """;
        String exited = killed.replace("ExecMainCode=2\nExecMainStatus=9", "ExecMainCode=1\nExecMainStatus=78");

        assertThat(UnitStatus.parse(running).toServiceStatus(now, 1).summary())
                .isEqualTo("running (active (running), pid 4242, 2 restarts)");
        ServiceStatus byKill = UnitStatus.parse(killed).toServiceStatus(now, 1);
        assertThat(byKill.summary())
                .isEqualTo("not running (failed (failed), killed by SIGKILL, last exit code 137, 2 restarts)");
        assertThat(byKill.lastExitCode()).hasValue(137);
        assertThat(UnitStatus.parse(exited).toServiceStatus(now, 1).summary())
                .isEqualTo("not running (failed (failed), last exit code 78, 2 restarts)");
        assertThat(UnitStatus.parse(killed.replace("ExecMainCode=2", "ExecMainCode=3")
                                .replace("ExecMainStatus=9", "ExecMainStatus=6"))
                        .describe())
                .isEqualTo("failed (failed), killed by SIGABRT");
    }
}
