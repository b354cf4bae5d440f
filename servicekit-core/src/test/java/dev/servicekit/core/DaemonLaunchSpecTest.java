package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.LaunchCommand;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DaemonLaunchSpecTest {

    static final DaemonLaunchSpec SPEC = new DaemonLaunchSpec(
            new LaunchCommand(
                    Path.of("/opt/java/bin/java"),
                    List.of("-Xmx256m"),
                    Path.of("/opt/users service/users-service.jar"),
                    List.of("--config", "/etc/users/config.yaml")),
            Duration.ofSeconds(35));

    @Test
    void jsonRoundTrips() {
        String json = SPEC.toJson();

        assertThat(json).isEqualTo("""
                {
                  "java" : "/opt/java/bin/java",
                  "jvmOptions" : [ "-Xmx256m" ],
                  "jar" : "/opt/users service/users-service.jar",
                  "arguments" : [ "--config", "/etc/users/config.yaml" ],
                  "stopTimeout" : "35s"
                }
                """);
        assertThat(DaemonLaunchSpec.fromJson(json)).isEqualTo(SPEC);
    }

    @Test
    void theCommandLineRunsTheJarBehindSetsidWhenThereIsOne() {
        assertThat(SPEC.commandLine(Optional.of(Path.of("/usr/bin/setsid"))))
                .containsExactly(
                        "/usr/bin/setsid",
                        "/opt/java/bin/java",
                        "-Xmx256m",
                        "-jar",
                        "/opt/users service/users-service.jar",
                        "run",
                        "--config",
                        "/etc/users/config.yaml");
        assertThat(SPEC.commandLine(Optional.empty())).startsWith("/opt/java/bin/java");
    }

    @Test
    void aLaunchFileWithoutAJarNamesTheField() {
        assertThatThrownBy(() -> DaemonLaunchSpec.fromJson("{\"java\":\"/bin/java\",\"stopTimeout\":\"5s\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("has no \"jar\" text field");
        assertThatThrownBy(() -> DaemonLaunchSpec.fromJson("[1]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("is not a JSON object");
    }

    @Test
    void withoutAnInstallTheCurrentJarIsLaunched() {
        DaemonLaunchSpec current = DaemonLaunchSpec.current("app.jar", Duration.ofSeconds(30));

        assertThat(current.launch().jar()).isEqualTo(Path.of("app.jar").toAbsolutePath());
        assertThat(current.launch().java()).isEqualTo(InstallCommand.javaExecutable());
        assertThat(current.commandLine(Optional.empty()))
                .endsWith("-jar", Path.of("app.jar").toAbsolutePath().toString(), "run");
    }

    @Test
    void aClassPathThatIsNoSingleJarAsksForInstall() {
        assertThatThrownBy(
                        () -> DaemonLaunchSpec.current("a.jar" + File.pathSeparator + "b.jar", Duration.ofSeconds(30)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a single jar")
                .hasMessageContaining("install --platform daemon");
    }
}
