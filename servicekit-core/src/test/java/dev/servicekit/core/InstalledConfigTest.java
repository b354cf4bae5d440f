package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.testing.FakeServiceManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstalledConfigTest {

    @TempDir
    Path dir;

    final ServiceRef service = new ServiceRef("demo", false, Optional.empty());

    private static ServiceCli.ConfigOptions typed(String... overrides) {
        ServiceCli.ConfigOptions options = new ServiceCli.ConfigOptions();
        options.overrides = new java.util.ArrayList<>(List.of(overrides));
        return options;
    }

    @Test
    void theLaunchsConfigAndSetsComeFirstInBothSpellingsAndTheOperatorsSetsAfter() {
        InstalledLaunch launch = new InstalledLaunch(
                List.of("--instance", "a", "--config=conf/a.yaml", "--set", "x=1", "--set=y=a=b", "--verbose", "--set"),
                Optional.of(dir));

        ServiceCli.ConfigOptions options = InstalledConfig.merged(typed("x=2"), launch);

        assertThat(options.configFile)
                .as("relative: under the working directory")
                .isEqualTo(dir.resolve("conf/a.yaml"));
        assertThat(options.overrides).containsExactly("x=1", "y=a=b", "x=2");
        assertThat(options.workingDirectory).isEqualTo(dir);
    }

    @Test
    void aConfigTypedHereOrNoLaunchLeavesTheOperatorsOptionsAlone() {
        FakeServiceManager manager = FakeServiceManager.named("fake", true);
        ServiceCli.ConfigOptions typed = typed("x=2");
        assertThat(InstalledConfig.of(typed, manager, service, "DEMO").options())
                .isSameAs(typed);
        assertThat(InstalledConfig.of(typed, manager, service, "DEMO").launch()).isEmpty();

        manager.launches(new InstalledLaunch(List.of("--config", "/etc/demo.yaml"), Optional.empty()));
        typed.configFile = dir.resolve("mine.yaml");
        assertThat(InstalledConfig.of(typed, manager, service, "DEMO").options())
                .isSameAs(typed);
    }

    @Test
    void withoutAConfigArgumentTheFileAndARelativeDataDirAreUnderTheWorkingDirectory() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.writeString(home.resolve("config.yaml"), "log:\n  format: json\n");
        ServiceCli.ConfigOptions options =
                InstalledConfig.merged(typed(), new InstalledLaunch(List.of(), Optional.of(home)));
        Config config = bootstrap().read(options);
        assertThat(config.get(CoreConfigKeys.LOG_FORMAT))
                .as("<working directory>/config.yaml")
                .isEqualTo("json");
        assertThat(config.get(CoreConfigKeys.DATA_DIR)).isEqualTo(home);

        Files.writeString(home.resolve("config.yaml"), "data-dir: data\n");
        assertThat(bootstrap().read(options).get(CoreConfigKeys.DATA_DIR)).isEqualTo(home.resolve("data"));

        Files.writeString(home.resolve("config.yaml"), "data-dir: " + dir.resolve("elsewhere") + "\n");
        assertThat(bootstrap().read(options).get(CoreConfigKeys.DATA_DIR)).isEqualTo(dir.resolve("elsewhere"));
    }

    @Test
    void theServicesPrefixedVariablesReplaceThisProcesssOwnAndTheOthersStay() {
        InstalledLaunch launch = new InstalledLaunch(List.of(), Optional.of(dir))
                .withEnvironment(InstalledLaunch.Environment.of(
                        Map.of("DEMO_LOG_LEVEL", "warn", "DEMO_DATA_DIR", "data", "HOME", "/home/svc"), "the unit"));
        ServiceCli.ConfigOptions options = InstalledConfig.merged(typed(), launch);
        ConfigBootstrap bootstrap = bootstrap(Map.of("DEMO_LOG_FORMAT", "json", "HOME", "/root", "TERM", "xterm"));

        assertThat(bootstrap.environment(options))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("DEMO_LOG_LEVEL", "warn", "DEMO_DATA_DIR", "data", "HOME", "/root", "TERM", "xterm"));
        Config config = bootstrap.read(options);
        assertThat(config.get(CoreConfigKeys.LOG_LEVEL)).isEqualTo("warn");
        assertThat(config.get(CoreConfigKeys.LOG_FORMAT))
                .as("this process's own does not apply")
                .isEqualTo("text");
        assertThat(config.get(CoreConfigKeys.DATA_DIR))
                .as("a relative data-dir from the environment is under the working directory")
                .isEqualTo(dir.resolve("data"));
        assertThat(bootstrap.configFile(options)).isEqualTo(dir.resolve("data/config.yaml"));

        ServiceCli.ConfigOptions unread =
                InstalledConfig.merged(typed(), new InstalledLaunch(List.of(), Optional.of(dir)));
        assertThat(bootstrap.read(unread).get(CoreConfigKeys.LOG_FORMAT))
                .as("no environment read: this process's own, as before")
                .isEqualTo("json");
    }

    @Test
    void theSummaryNamesThePrefixedVariablesAndWhatWasNotReadNeverTheValues() {
        InstalledLaunch launch = new InstalledLaunch(List.of("--config", "/etc/demo.yaml"), Optional.empty())
                .withEnvironment(new InstalledLaunch.Environment(
                        Map.of("DEMO_LOG_LEVEL", "s3cr3t", "PATH", "/usr/bin"),
                        "the unit's Environment=",
                        List.of("/etc/demo.env is not readable by this user")));

        String summary = new InstalledConfig.Described("systemd", launch, "DEMO").summary();

        assertThat(summary)
                .isEqualTo("--config /etc/demo.yaml (systemd); environment: DEMO_LOG_LEVEL (the unit's Environment=);"
                        + " not read: /etc/demo.env is not readable by this user")
                .doesNotContain("s3cr3t");
    }

    private ConfigBootstrap bootstrap() {
        return bootstrap(Map.of());
    }

    private ConfigBootstrap bootstrap(Map<String, String> environment) {
        ServiceApplication app = new ServiceApplication() {
            @Override
            public String name() {
                return "demo";
            }

            @Override
            public String version() {
                return "1.0.0";
            }

            @Override
            public ConfigSchema configSchema() {
                return ConfigSchema.builder()
                        .add(CoreConfigKeys.all())
                        .check(CoreConfigKeys::check)
                        .build();
            }

            @Override
            public Service createService(Config config) {
                return ctx -> {};
            }
        };
        return new ConfigBootstrap(
                app, environment, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }
}
