package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.LaunchCommand;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImagePathTest {

    @Test
    void imagePathIsQuotedJavaThenJvmOptionsThenQuotedJarThenServiceVerbThenArguments() {
        LaunchCommand launch = new LaunchCommand(
                Path.of("C:\\Program Files\\Java\\jdk-21\\bin\\java.exe"),
                List.of("-Xmx256m", "-Dapp.title=Users Service"),
                Path.of("C:\\Program Files\\Users\\users-service.jar"),
                List.of("--config", "C:\\ProgramData\\users-service\\config.yml"));

        String imagePath = ImagePath.of(launch);

        assertThat(imagePath)
                .isEqualTo(
                        "\"C:\\Program Files\\Java\\jdk-21\\bin\\java.exe\" -Xmx256m \"-Dapp.title=Users Service\" "
                                + "-jar \"C:\\Program Files\\Users\\users-service.jar\" service --config C:\\ProgramData\\users-service\\config.yml");
        assertThat(CommandLineToArgv.parse(imagePath))
                .containsExactly(
                        "C:\\Program Files\\Java\\jdk-21\\bin\\java.exe",
                        "-Xmx256m",
                        "-Dapp.title=Users Service",
                        "-jar",
                        "C:\\Program Files\\Users\\users-service.jar",
                        "service",
                        "--config",
                        "C:\\ProgramData\\users-service\\config.yml");
    }

    @Test
    void imagePathWithoutOptionsOrArgumentsHasNoStraySpaces() {
        LaunchCommand launch = new LaunchCommand(
                Path.of("C:\\java\\bin\\java.exe"), List.of(), Path.of("C:\\apps\\app.jar"), List.of());

        assertThat(ImagePath.of(launch)).isEqualTo("\"C:\\java\\bin\\java.exe\" -jar \"C:\\apps\\app.jar\" service");
    }

    @Test
    void configPathWithSpacesAndTrailingBackslashSurvivesTheWindowsParser() {
        LaunchCommand launch = new LaunchCommand(
                Path.of("C:\\java\\bin\\java.exe"),
                List.of(),
                Path.of("C:\\apps\\app.jar"),
                List.of("--data-dir", "C:\\Users Data\\svc\\"));

        assertThat(CommandLineToArgv.parse(ImagePath.of(launch))).endsWith("--data-dir", "C:\\Users Data\\svc\\");
    }

    @Test
    void aRelativeClassDataArchiveGoesToTheDataDirectoryNotSystem32() {
        LaunchCommand launch = new LaunchCommand(
                Path.of("C:\\java\\bin\\java.exe"),
                List.of("-XX:SharedArchiveFile=users-service.jsa", "-XX:+AutoCreateSharedArchive"),
                Path.of("C:\\apps\\app.jar"),
                List.of());

        assertThat(CommandLineToArgv.parse(ImagePath.of(launch, "%ProgramData%\\users-service")))
                .contains(
                        "-XX:SharedArchiveFile=%ProgramData%\\users-service\\users-service.jsa",
                        "-XX:+AutoCreateSharedArchive")
                .endsWith("--set", "data-dir=%ProgramData%\\users-service");
    }

    @Test
    void anAbsoluteClassDataArchiveIsLeftAlone() {
        assertThat(ImagePath.archiveInDataDirectory(
                        List.of("-XX:SharedArchiveFile=D:\\cds\\app.jsa", "-Xmx64m"), "%ProgramData%\\svc"))
                .containsExactly("-XX:SharedArchiveFile=D:\\cds\\app.jsa", "-Xmx64m");
    }
}
