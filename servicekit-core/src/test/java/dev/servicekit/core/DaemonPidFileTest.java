package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
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
    void aPidFileThatCannotBeWrittenAfterTheLockWasTakenIsNotLeftLocked() {
        // Linux's /dev/full can be opened and locked, and fails every write with ENOSPC.
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "no /dev/full here (not Linux)");

        assertThatThrownBy(() -> DaemonPidFile.acquire(full, 4242, Duration.ofSeconds(10)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("No space left on device");

        // A lock this JVM still held would make tryLock throw; one another process holds for a moment returns null.
        assertThatCode(() -> {
                    try (FileChannel other = FileChannel.open(full, StandardOpenOption.WRITE);
                            FileLock lock = other.tryLock()) {
                        // taken and released, or held elsewhere: either way not by a channel leaked here
                    }
                })
                .as("the failed acquire closed its channel and so released its lock")
                .doesNotThrowAnyException();
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
