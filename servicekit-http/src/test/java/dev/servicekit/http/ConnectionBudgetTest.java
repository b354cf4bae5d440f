package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionBudgetTest {

    @TempDir
    Path dir;

    private Path limits(String openFiles) throws IOException {
        return Files.writeString(dir.resolve("limits"), """
                Limit                     Soft Limit           Hard Limit           Units
                Max cpu time              unlimited            unlimited            seconds
                Max open files            %s            files
                Max locked memory         8388608              8388608              bytes
                """.formatted(openFiles));
    }

    @Test
    void theSoftLimitIsRead() throws IOException {
        assertThat(ConnectionBudget.openFilesLimit(limits("1024                 524288")))
                .hasValue(1024);
    }

    @Test
    void anUnlimitedOrMissingLimitIsNoBound() throws IOException {
        assertThat(ConnectionBudget.openFilesLimit(limits("unlimited            unlimited")))
                .isEmpty();
        assertThat(ConnectionBudget.openFilesLimit(dir.resolve("absent"))).isEmpty();
        assertThat(ConnectionBudget.perListener(OptionalLong.empty())).isEqualTo(ConnectionBudget.UNBOUNDED);
    }

    @Test
    void eachListenerGetsHalfOfWhatTheReserveLeaves() {
        assertThat(ConnectionBudget.perListener(OptionalLong.of(1024))).isEqualTo((1024 - 64) / 2);
        assertThat(ConnectionBudget.perListener(OptionalLong.of(160))).isEqualTo(48);
        assertThat(ConnectionBudget.perListener(OptionalLong.of(50))).isEqualTo(ConnectionBudget.MINIMUM);
        assertThat(ConnectionBudget.perListener(OptionalLong.of(Long.MAX_VALUE)))
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void thisProcessHasABoundOnLinux() {
        assumeTrue(
                Files.isReadable(Path.of("/proc/self/limits")),
                "/proc/self/limits is not readable (not Linux, or no /proc): this process's bound cannot be read");

        assertThat(ConnectionBudget.perListener()).isGreaterThanOrEqualTo(ConnectionBudget.MINIMUM);
    }
}
