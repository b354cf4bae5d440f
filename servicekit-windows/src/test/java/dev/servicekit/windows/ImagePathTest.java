package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.LaunchCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
        assertThat(WindowsCommandLine.split(imagePath))
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

        assertThat(WindowsCommandLine.split(ImagePath.of(launch))).endsWith("--data-dir", "C:\\Users Data\\svc\\");
    }

    @Test
    void aRelativeClassDataArchiveGoesToTheDataDirectoryNotSystem32() {
        LaunchCommand launch = new LaunchCommand(
                Path.of("C:\\java\\bin\\java.exe"),
                List.of("-XX:SharedArchiveFile=users-service.jsa", "-XX:+AutoCreateSharedArchive"),
                Path.of("C:\\apps\\app.jar"),
                List.of());

        assertThat(WindowsCommandLine.split(ImagePath.of(launch, "%ProgramData%\\users-service")))
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

    @Test
    void launchArgumentsReadBackWhatOfWroteWithTheDataDirectoryItAdded() {
        List<String> arguments = List.of(
                "--instance",
                "a",
                "--config",
                "C:\\Program Files\\Users Service\\a \"b\".yaml",
                "--set",
                "motto=100% \\\"quoted\\\" \\",
                "--set",
                "",
                "trailing\\");
        LaunchCommand launch = new LaunchCommand(
                Path.of("C:\\Program Files\\Java\\jdk-21\\bin\\java.exe"),
                List.of("-Xmx256m", "-Dapp.title=Users Service", "-XX:SharedArchiveFile=u.jsa"),
                Path.of("C:\\Program Files\\Users\\users-service.jar"),
                arguments);

        String imagePath = ImagePath.of(launch, "C:\\ProgramData\\users-service\\a");

        assertThat(ImagePath.launchArguments(imagePath))
                .hasValueSatisfying(read -> assertThat(read)
                        .startsWith(arguments.toArray(new String[0]))
                        .endsWith("--set", "data-dir=C:\\ProgramData\\users-service\\a")
                        .hasSize(arguments.size() + 2));
        assertThat(ImagePath.launchArguments(ImagePath.of(
                        new LaunchCommand(Path.of("C:\\java.exe"), List.of(), Path.of("C:\\a.jar"), List.of()))))
                .contains(List.of());
    }

    @Test
    void launchArgumentsAreEmptyForAnImagePathInstallDidNotWrite() {
        assertThat(ImagePath.launchArguments("C:\\Windows\\system32\\svchost.exe -k netsvcs -p"))
                .isEmpty();
        assertThat(ImagePath.launchArguments("\"C:\\java.exe\" -jar \"C:\\a.jar\" run --config a.yaml"))
                .as("another verb")
                .isEmpty();
        assertThat(ImagePath.launchArguments("\"C:\\java.exe\" -jar \"C:\\a.jar\""))
                .isEmpty();
        assertThat(ImagePath.launchArguments("\"C:\\java.exe\" -jar")).isEmpty();
        assertThat(ImagePath.launchArguments("-jar a.jar service"))
                .as("-jar as the program")
                .isEmpty();
        assertThat(ImagePath.launchArguments("")).isEmpty();
    }

    @Test
    void launchArgumentsFollowTheFirstJarAsJavaDoes() {
        assertThat(ImagePath.launchArguments("java.exe -Xmx1g -jar \"C:\\a.jar\" service -jar x service --config c"))
                .isEqualTo(Optional.of(List.of("-jar", "x", "service", "--config", "c")));
    }
}
