package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@DisabledOnOs(value = OS.WINDOWS, disabledReason = "the children are POSIX sh scripts")
class BoundedProcessTest {

    @TempDir
    Path dir;

    @Test
    void aProcessThatExitsInTimeGivesItsExitValue() throws Exception {
        Path output = dir.resolve("output.txt");
        Process process = new ProcessBuilder("sh", "-c", "echo done; exit 3")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();

        assertThat(BoundedProcess.awaitExit(process, Duration.ofSeconds(30), "the script", output))
                .isEqualTo(3);
        assertThat(Files.readString(output)).isEqualTo("done\n");
    }

    @Test
    void aProcessThatOverrunsFailsWithBothOutputsAndLeavesNoChildBehind() throws Exception {
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        Path childPid = dir.resolve("child.pid");
        Process process = new ProcessBuilder(
                        "sh", "-c", "echo out; echo err >&2; sleep 120 & echo $! > " + childPid + "; wait")
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        long child = Poll.until(Duration.ofSeconds(10), "the script's child to start", () -> pid(childPid));

        AssertionError failure = catchThrowableOfType(
                AssertionError.class,
                () -> BoundedProcess.awaitExit(process, Duration.ofSeconds(1), "the sleeper", stdout, stderr));

        assertThat(failure)
                .hasMessage("the sleeper did not finish within 1 s; its standard output so far:\nout\n\n"
                        + "its standard error so far:\nerr\n");
        assertThat(process.isAlive()).isFalse();
        Poll.until(
                Duration.ofSeconds(10),
                "the script's child to be killed",
                () -> ProcessHandle.of(child).map(handle -> !handle.isAlive()).orElse(true));
    }

    private static Optional<Long> pid(Path file) {
        try {
            String text = Files.readString(file).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (IOException e) {
            return Optional.empty(); // not written yet
        }
    }
}
