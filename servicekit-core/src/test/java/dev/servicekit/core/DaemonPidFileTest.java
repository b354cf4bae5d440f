package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // the resources are pid-file locks, held for the block and released by close
class DaemonPidFileTest {

    @TempDir
    Path dir;

    static long deadPid() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return gone.pid();
    }

    @Test
    void aMissingPidFileIsAbsent() {
        assertThat(DaemonPidFile.inspect(dir.resolve("svc.pid"))).isEqualTo(new DaemonPidFile.Absent());
    }

    @Test
    void aHeldPidFileIsRunningWithItsPidAndDisappearsWhenReleased() throws Exception {
        Path file = dir.resolve("svc.pid");
        try (DaemonPidFile held =
                DaemonPidFile.acquire(file, 4242, Duration.ZERO).orElseThrow()) {
            assertThat(file).content().isEqualTo("4242\n");
            assertThat(DaemonPidFile.inspect(file)).isEqualTo(new DaemonPidFile.Running(OptionalLong.of(4242)));
        }
        assertThat(file).doesNotExist();
        assertThat(DaemonPidFile.inspect(file)).isEqualTo(new DaemonPidFile.Absent());
    }

    @Test
    void aSecondAcquireFailsWhileTheLockIsHeld() {
        Path file = dir.resolve("svc.pid");
        try (DaemonPidFile held =
                DaemonPidFile.acquire(file, 4242, Duration.ZERO).orElseThrow()) {
            Optional<DaemonPidFile> second = DaemonPidFile.acquire(file, 4343, Duration.ofMillis(200));
            assertThat(second).isEmpty();
            assertThat(DaemonPidFile.readPid(file)).hasValue(4242);
        }
    }

    @Test
    void anUnlockedFileWithADeadPidIsStaleAndAcquireReplacesIt() throws Exception {
        Path file = dir.resolve("svc.pid");
        long dead = deadPid();
        Files.writeString(file, dead + "\n");

        DaemonPidFile.Observed observed = DaemonPidFile.inspect(file);
        assertThat(observed).isInstanceOf(DaemonPidFile.Stale.class);
        assertThat(((DaemonPidFile.Stale) observed).pid()).hasValue(dead);
        assertThat(((DaemonPidFile.Stale) observed).reason()).isEqualTo("pid " + dead + " is not running");

        try (DaemonPidFile held = DaemonPidFile.acquire(file, 77, Duration.ZERO).orElseThrow()) {
            assertThat(file).content().isEqualTo("77\n");
        }
    }

    @Test
    void anUnlockedFileWithALivePidIsStaleToo() throws Exception {
        Path file = dir.resolve("svc.pid");
        long live = ProcessHandle.current().pid();
        Files.writeString(file, live + "\n");

        DaemonPidFile.Observed observed = DaemonPidFile.inspect(file);

        assertThat(observed).isInstanceOf(DaemonPidFile.Stale.class);
        assertThat(((DaemonPidFile.Stale) observed).reason())
                .contains("pid " + live + " belongs to another process now");
    }

    @Test
    void aGarbledUnlockedFileIsStaleWithoutAPid() throws Exception {
        Path file = dir.resolve("svc.pid");
        Files.writeString(file, "not a pid");

        assertThat(DaemonPidFile.inspect(file))
                .isEqualTo(new DaemonPidFile.Stale(
                        OptionalLong.empty(), "the pid file is empty or garbled and nobody holds its lock"));
    }
}
