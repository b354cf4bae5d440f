package dev.servicekit.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstalledLaunchTest {

    @Test
    void anEnvironBlockIsNulEndedEntriesSplitAtTheFirstEqualsTheFirstOfANameCounting() {
        byte[] environ =
                ("A=1\0B=x=y\0EMPTY=\0NOEQUALS\0A=2\0SPACED=a b\nc\0CAFÉ=é\0").getBytes(StandardCharsets.UTF_8);

        InstalledLaunch.Environment environment =
                InstalledLaunch.Environment.ofEnvironBlock(environ, "/proc/7/environ");

        assertThat(environment.variables())
                .containsExactlyEntriesOf(new java.util.TreeMap<>(
                        Map.of("A", "1", "B", "x=y", "CAFÉ", "é", "EMPTY", "", "SPACED", "a b\nc")));
        assertThat(environment.source()).isEqualTo("/proc/7/environ");
        assertThat(environment.unread()).isEmpty();
        assertThat(InstalledLaunch.Environment.ofEnvironBlock(new byte[0], "x").variables())
                .isEmpty();
    }

    @Test
    void aLaunchOfTheOlderShapeHasNoEnvironmentAndOneCanBeAdded() {
        InstalledLaunch launch =
                new InstalledLaunch(List.of("--config", "/etc/a.yaml"), Optional.of(Path.of("/var/a")));
        assertThat(launch.environment()).isEmpty();

        InstalledLaunch.Environment environment = InstalledLaunch.Environment.of(Map.of("A", "1"), "the unit");
        assertThat(launch.withEnvironment(environment))
                .isEqualTo(
                        new InstalledLaunch(launch.arguments(), launch.workingDirectory(), Optional.of(environment)));
    }
}
