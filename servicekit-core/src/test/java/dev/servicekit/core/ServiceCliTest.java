package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ServiceState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServiceCliTest {

    static final ConfigKey<Integer> PORT = ConfigKey.builder("http.port", ConfigType.port())
            .defaultValue(8080)
            .description("port")
            .build();
    static final ConfigKey<String> PASSWORD = ConfigKey.builder("store.password", ConfigType.string())
            .secret()
            .description("password")
            .build();

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final CountDownLatch started = new CountDownLatch(1);
    final AtomicInteger stops = new AtomicInteger();

    final ServiceApplication app = new ServiceApplication() {
        @Override
        public String name() {
            return "demo-service";
        }

        @Override
        public String version() {
            return "1.2.3";
        }

        @Override
        public ConfigSchema configSchema() {
            return ConfigSchema.builder()
                    .add(CoreConfigKeys.all())
                    .add(PORT, PASSWORD)
                    .check(CoreConfigKeys::check)
                    .build();
        }

        @Override
        public Service createService(Config config) {
            return ctx -> {
                ctx.onStop("thing", stops::incrementAndGet);
                started.countDown();
            };
        }
    };

    private int run(Map<String, String> env, String... args) {
        return ServiceCli.builder(app)
                .environment(env)
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Any application, not only one hosted by servicekit-http, whose name or version would break only later. */
    @Test
    void anApplicationNamedOtherThanLowerCaseWordsJoinedByDashesOrWithABlankVersionIsRefusedByTheBuilder() {
        assertThatThrownBy(() -> ServiceCli.builder(identified("Notes Lite", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("The service name \"Notes Lite\" must be lower-case letters and digits");
        assertThatThrownBy(() -> ServiceCli.builder(identified("notes", " ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("The version of \"notes\" is blank");
    }

    private ServiceApplication identified(String name, String version) {
        return new ServiceApplication() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String version() {
                return version;
            }

            @Override
            public ConfigSchema configSchema() {
                return app.configSchema();
            }

            @Override
            public Service createService(Config config) {
                return app.createService(config);
            }
        };
    }

    @Test
    void configValidateExits78AndListsEveryProblem() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "http:\n  prot: 1\nlog:\n  level: loud\n");

        int code = run(Map.of(), "config", "validate", "--config", file.toString(), "--set", "http.port=abc");

        assertThat(code).isEqualTo(78);
        assertThat(err())
                .contains("3 problems")
                .contains("http.prot")
                .contains("did you mean \"http.port\"?")
                .contains("log.level")
                .contains("\"loud\"")
                .contains("one of trace, debug, info, warn, error")
                .contains("http.port (from --set): \"abc\" is not valid");
        assertThat(out()).isEmpty();
    }

    @Test
    void configValidateSucceedsOnAGoodFile() throws Exception {
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, "http:\n  port: 9000\n");

        assertThat(run(Map.of(), "config", "validate", "--config", file.toString()))
                .isZero();
        assertThat(out()).startsWith("Configuration is valid");
    }

    @Test
    void configShowPrintsEffectiveYamlWithSecretsMasked() {
        int code = run(
                Map.of("DEMO_SERVICE_STORE_PASSWORD", "s3cret-value", "DEMO_SERVICE_HTTP_PORT", "9191"),
                "config",
                "show",
                "--set",
                "data-dir=" + dir);

        assertThat(code).isZero();
        assertThat(out())
                .contains("port: 9191")
                .contains("drain-timeout: 20s")
                .contains("password: '******'")
                .doesNotContain("s3cret");
    }

    @Test
    void configShowJsonIsJson() throws Exception {
        int code = run(Map.of(), "config", "show", "--json", "--set", "data-dir=" + dir);

        assertThat(code).isZero();
        Map<?, ?> parsed = new com.fasterxml.jackson.databind.ObjectMapper().readValue(out(), Map.class);
        assertThat(((Map<?, ?>) parsed.get("http")).get("port")).isEqualTo(8080);
    }

    @Test
    void theDefaultConfigFileLivesInTheDataDir() throws Exception {
        Files.writeString(dir.resolve("config.yaml"), "http:\n  port: 7007\n");

        assertThat(run(Map.of("DEMO_SERVICE_DATA_DIR", dir.toString()), "config", "show"))
                .isZero();
        assertThat(out()).contains("port: 7007");
    }

    @Test
    void versionPrintsNameAndVersion() {
        assertThat(run(Map.of(), "version")).isZero();
        assertThat(out()).startsWith("demo-service 1.2.3 (Java ");
    }

    @Test
    void aPlainVersionAnsweredWithoutPicocliPrintsWhatTheVersionCommandPrints() {
        assertThat(run(Map.of(), "version")).isZero();
        String shortcut = out();
        out.reset();

        int code = ServiceCli.builder(app)
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .commandLine("version")
                .execute("version");

        assertThat(code).isZero();
        assertThat(shortcut)
                .isEqualTo(out())
                .startsWith(app.name() + " " + app.version() + " (Java " + Runtime.version() + ", ");
        assertThat(err()).isEmpty();
    }

    @Test
    void dashDashVersionAndDashVPrintTheVersionLineWithOrWithoutPicocli() {
        assertThat(run(Map.of(), "version")).isZero();
        String version = out();
        for (String option : List.of("--version", "-V")) {
            out.reset();
            assertThat(run(Map.of(), option)).as(option).isZero();
            assertThat(out()).as(option).isEqualTo(version);

            out.reset();
            int code = ServiceCli.builder(app)
                    .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                    .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                    .build()
                    .commandLine(option)
                    .execute(option);
            assertThat(code).as(option).isZero();
            assertThat(out()).as("%s through picocli", option).isEqualTo(version);
        }
        assertThat(err()).isEmpty();
    }

    @Test
    void installMarksGivenJvmOptionsSoThatTheLauncherNeverRestartsTheService() {
        assertThat(app.defaultJvmOptions()).contains("-D" + ServiceApplication.JVM_OPTIONS_PROPERTY + "=shipped");
        assertThat(InstallCommand.markedAsGiven(List.of("-Xmx64m")))
                .containsExactly("-Dservicekit.jvm-options=given", "-Xmx64m");
        assertThat(InstallCommand.markedAsGiven(List.of("-Dservicekit.jvm-options=mine", "-Xmx64m")))
                .containsExactly("-Dservicekit.jvm-options=mine", "-Xmx64m");
    }

    @Test
    void installWatchdogTakesADurationOrZeroOrOffAndRefusesAnythingElseWithTheFix() {
        assertThat(InstallCommand.watchdog(null)).isEmpty();
        assertThat(InstallCommand.watchdog("10s")).contains(java.time.Duration.ofSeconds(10));
        assertThat(InstallCommand.watchdog("0")).contains(java.time.Duration.ZERO);
        assertThat(InstallCommand.watchdog("off")).contains(java.time.Duration.ZERO);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> InstallCommand.watchdog("soon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--watchdog \"soon\" is not a duration")
                .hasMessageContaining("--watchdog 30s, or 0 (or off)");
    }

    @Test
    void versionPrintsTheJvmOptionsInstallUsesOnePerLine() throws Exception {
        assertThat(run(Map.of(), "version", "--jvm-options")).isZero();
        assertThat(out().lines())
                .containsExactlyElementsOf(app.defaultJvmOptions())
                .contains("-XX:+UseSerialGC");

        out.reset();
        assertThat(run(Map.of(), "version", "--json")).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(out())
                        .path("jvmOptions"))
                .extracting(com.fasterxml.jackson.databind.JsonNode::asText)
                .contains("-XX:+ExitOnOutOfMemoryError");
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertThat(run(Map.of(), "run", "--bogus")).isEqualTo(2);
        assertThat(err()).contains("--bogus");
    }

    @Test
    void runStopsGracefullyOnTheFirstSignalAndForcesExitOnTheSecond() throws Exception {
        AtomicInteger forced = new AtomicInteger();
        // Exercises the stopper directly: a real signal would also hit the test JVM. Real signals to a
        // child JVM are covered in users-service.
        ServiceHost host = ServiceHost.builder("demo", ctx -> ctx.onStop("x", stops::incrementAndGet))
                .build();
        host.start();
        SignalStopper stopper = new SignalStopper(host, forced::incrementAndGet, () -> {});

        stopper.onSignal("SIGTERM");
        assertThat(host.awaitTermination(java.time.Duration.ofSeconds(5))).isTrue();
        stopper.onSignal("SIGTERM");

        assertThat(host.state()).isEqualTo(ServiceState.STOPPED);
        assertThat(stops.get()).isEqualTo(1);
        assertThat(forced.get()).isEqualTo(1);
    }

    @Test
    void aPlainRunCommandLineIsParsedWithoutPicocliExactlyAsPicocliParsesIt() {
        List<List<String>> lines = List.of(
                List.of("run"),
                List.of("service"),
                List.of("run", "--set", "http.port=8081"),
                List.of("run", "--set=http.port=8081", "--set", "a.b=c=d", "--set", "log.level=debug"),
                List.of("service", "--config", "/etc/demo/config.yaml", "--set", "data-dir=/var/lib/demo"),
                List.of("run", "--config=conf.yaml", "--instance", "blue", "--set", "x=1"),
                List.of("run", "--instance=green-2", "--set", "path=C:\\data dir\\x"));
        for (List<String> line : lines) {
            Optional<ServiceCli.ConfigOptions> plain = RunCommand.plainArguments(line.toArray(String[]::new));
            ServiceCli.ConfigOptions picocli = new ServiceCli.ConfigOptions();
            new CommandLine(picocli).parseArgs(line.subList(1, line.size()).toArray(String[]::new));

            assertThat(plain).as("%s", line).isPresent();
            assertThat(plain.get().overrides).as("%s", line).isEqualTo(picocli.overrides);
            assertThat(plain.get().configFile).as("%s", line).isEqualTo(picocli.configFile);
            assertThat(plain.get().instance.value()).as("%s", line).isEqualTo(picocli.instance.value());
        }
    }

    @Test
    void everyOtherCommandLineIsLeftToPicocli() {
        List<String[]> lines = List.of(
                new String[] {},
                new String[] {"version"},
                new String[] {"runx"},
                new String[] {"run", "--help"},
                new String[] {"run", "-h"},
                new String[] {"run", "--version"},
                new String[] {"run", "--bogus"},
                new String[] {"run", "--set"},
                new String[] {"run", "--set", "--config", "x"},
                new String[] {"run", "--set="},
                new String[] {"run", "--set", "@args.txt"},
                new String[] {"run", "@args.txt"},
                new String[] {"run", "--", "--set", "a=b"},
                new String[] {"run", "http.port=1"},
                new String[] {"run", "--config", "a.yaml", "--config", "b.yaml"},
                new String[] {"run", "--instance", "Bad Name"},
                new String[] {"run", "--instance", "a", "--instance", "b"},
                new String[] {"run", "--config", "nul\0.yaml"},
                new String[] {"run", "--SET", "a=b"});
        for (String[] line : lines) {
            assertThat(RunCommand.plainArguments(line))
                    .as(Arrays.toString(line))
                    .isEmpty();
        }
    }

    @Test
    void aPlainStatusCommandLineIsParsedWithoutPicocliExactlyAsPicocliParsesIt() {
        List<List<String>> lines = List.of(
                List.of("status"),
                List.of("status", "--json"),
                List.of("status", "--set", "data-dir=/var/lib/demo", "--json"),
                List.of("status", "--config=conf.yaml", "--instance", "blue", "--set", "x=1", "--set=y=2"),
                List.of("status", "--user", "--name", "other", "--platform=daemon"),
                List.of("status", "--root", "/tmp/staged", "--platform", "systemd", "--user", "--json"),
                List.of("status", "--name=demo", "--instance=green-2"));
        for (List<String> line : lines) {
            Optional<StatusCommand> plain = StatusCommand.plain(null, line.toArray(String[]::new));
            StatusCommand picocli = new StatusCommand(null);
            new CommandLine(picocli).parseArgs(line.subList(1, line.size()).toArray(String[]::new));

            assertThat(plain).as("%s", line).isPresent();
            assertThat(plain.get().json).as("%s", line).isEqualTo(picocli.json);
            assertThat(plain.get().options.overrides).as("%s", line).isEqualTo(picocli.options.overrides);
            assertThat(plain.get().options.configFile).as("%s", line).isEqualTo(picocli.options.configFile);
            assertThat(plain.get().options.instance.value()).as("%s", line).isEqualTo(picocli.options.instance.value());
            assertThat(plain.get().target.name).as("%s", line).isEqualTo(picocli.target.name);
            assertThat(plain.get().target.platform).as("%s", line).isEqualTo(picocli.target.platform);
            assertThat(plain.get().target.user).as("%s", line).isEqualTo(picocli.target.user);
            assertThat(plain.get().target.root).as("%s", line).isEqualTo(picocli.target.root);
        }
    }

    @Test
    void everyOtherStatusCommandLineIsLeftToPicocli() {
        List<String[]> lines = List.of(
                new String[] {"stat"},
                new String[] {"status", "--help"},
                new String[] {"status", "-h"},
                new String[] {"status", "-V"},
                new String[] {"status", "--json", "--json"},
                new String[] {"status", "--json=true"},
                new String[] {"status", "--user", "--user"},
                new String[] {"status", "--name", "a", "--name", "b"},
                new String[] {"status", "--platform"},
                new String[] {"status", "--root", "nul\0dir"},
                new String[] {"status", "--instance", "Bad Name"},
                new String[] {"status", "--bogus"},
                new String[] {"status", "@args.txt"},
                new String[] {"status", "--", "--json"});
        for (String[] line : lines) {
            assertThat(StatusCommand.plain(null, line))
                    .as(Arrays.toString(line))
                    .isEmpty();
        }
        assertThat(RunCommand.plainArguments("run", "--json")).isEmpty();
        assertThat(RunCommand.plainArguments("run", "--name", "x")).isEmpty();
    }

    @Test
    void statusHelpStillComesFromPicocli() {
        assertThat(run(Map.of(), "status", "--help")).isZero();
        assertThat(out()).contains("Usage: demo-service status").contains("--json");
    }

    @Test
    void aMistakeAfterAPlainPrefixIsStillPicocliUsageError() {
        assertThat(run(Map.of(), "run", "--set", "http.port=8081", "--bogus")).isEqualTo(2);
        assertThat(err()).contains("--bogus");
    }

    @Test
    void runWithInvalidConfigExits78BeforeStartingAnything() {
        int code = run(Map.of(), "run", "--set", "http.port=-1");

        assertThat(code).isEqualTo(78);
        assertThat(started.getCount()).isEqualTo(1);
        assertThat(err()).contains("http.port");
    }

    @Test
    void helpListsEveryExitCodeFromTheOneTable() {
        run(Map.of(), "--help");

        assertThat(out()).contains("78  configuration error").contains("run").contains("config");
        for (ExitCode code : ExitCode.values()) {
            assertThat(out()).contains(code.code() + " ").contains(code.meaning());
        }
    }

    @Test
    void theExitCodeTableInTheDocsIsTheOneInTheCode() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "cli.md"));
        assertThat(doc).as("docs/cli.md shows ExitCode.markdownTable()").contains(ExitCode.markdownTable());
    }

    @Test
    void startRunsTheServiceInThisJvmAsRunWouldAndReloadsFromTheSameSources() throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "log:\n  level: info\n");
        ServiceHost host = ServiceCli.builder(app)
                .environment(Map.of("DEMO_SERVICE_DATA_DIR", dir.toString()))
                .build()
                .start("reload.watch=false");
        try {
            assertThat(host.state()).isEqualTo(ServiceState.RUNNING);
            assertThat(started.getCount()).isZero();
            Files.writeString(file, "log:\n  level: warn\n");

            ReloadReport report = host.reload();

            assertThat(report.applied()).containsExactly("log.level");
            assertThat(host.configuration().orElseThrow().get(CoreConfigKeys.LOG_LEVEL))
                    .isEqualTo("warn");
        } finally {
            host.stop();
            LoggingConfigurator.configureBootstrap();
        }
    }
}
