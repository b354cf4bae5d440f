package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceConfiguration;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.StartType;
import dev.servicekit.testing.FakeServiceManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service-manager verbs of the command line, against a recording manager. */
class ServiceManagerCommandsTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final FakeServiceManager manager = FakeServiceManager.named("fake", true);
    final List<String> events = new CopyOnWriteArrayList<>();
    /** The application's management listener as reload sees it; null: none. */
    volatile LocalAdminAccess admin;
    /** The configurations the CLI asked the application's management listener for. */
    final List<Config> adminConfigs = new CopyOnWriteArrayList<>();

    /** A management listener's port, as an application declares one (the HTTP host's {@code management.port}). */
    static final ConfigKey<Integer> MANAGEMENT_PORT = ConfigKey.builder("management.port", ConfigType.port())
            .defaultValue(9090)
            .description("The management listener's port.")
            .build();

    /** This CLI's own environment. */
    volatile Map<String, String> cliEnvironment = Map.of();

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
                    .add(MANAGEMENT_PORT)
                    .check(CoreConfigKeys::check)
                    .build();
        }

        @Override
        public Optional<LocalAdminAccess> localAdminAccess(Config config) {
            adminConfigs.add(config);
            return Optional.ofNullable(admin);
        }

        @Override
        public Service createService(Config config) {
            return ctx -> {
                events.add("started");
                ctx.onStop("thing", () -> events.add("stopped"));
            };
        }
    };

    private int runWithInput(String stdin, String... args) {
        return ServiceCli.builder(app)
                .environment(cliEnvironment)
                .managers(ServiceManagers.of(List.of(manager, FakeServiceManager.named("other", false))))
                .in(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)))
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(args);
    }

    @Test
    void reloadGoesThroughTheManagerThatRunsTheService() {
        manager.reports(new ServiceStatus(
                true, true, "active (running)", OptionalLong.of(42), OptionalInt.empty(), OptionalInt.empty()));

        assertThat(run("reload")).isZero();

        assertThat(manager.calls()).containsExactly("reload demo-service");
        assertThat(err())
                .as("exit 0 means delivered: the manager returns before the service checked the new configuration")
                .contains("demo-service: fake delivered the reload request (the service itself was not asked: neither"
                        + " --config nor the configuration fake starts it with is known here); the service applies the"
                        + " new configuration only if all of it is valid, else keeps the running one");
    }

    /** A management listener whose process is {@code pid} and which answers a reload with {@code report}. */
    private LocalAdminAccess listener(long pid, ReloadReport report) {
        return listener(Map.of("pid", pid), List.of(), report);
    }

    /** A management listener whose {@code /admin/status} is {@code status} (with {@code notes}). */
    private LocalAdminAccess listener(Map<String, Object> status, List<String> notes, ReloadReport report) {
        return new LocalAdminAccess() {
            @Override
            public URI managementUri() {
                return URI.create("http://127.0.0.1:9090");
            }

            @Override
            public ReloadReport reload() {
                events.add("POST /admin/reload");
                return report;
            }

            @Override
            public Optional<ApplicationView> view() {
                return Optional.of(new ApplicationView(managementUri(), Optional.of(true), status, notes));
            }
        };
    }

    private static ServiceStatus runningAs(long pid) {
        return new ServiceStatus(
                true, true, "active (running)", OptionalLong.of(pid), OptionalInt.empty(), OptionalInt.empty());
    }

    /** What {@link #installedIn} has the manager answer. */
    InstalledLaunch installed;

    /** The service as the manager starts it: {@code --config <dir>/etc/demo.yaml --set log.level=error} in a home. */
    private Path installedIn(String yaml) throws Exception {
        Path home = Files.createDirectories(dir.resolve("var/demo"));
        Path config = Files.createDirectories(dir.resolve("etc")).resolve("demo.yaml");
        Files.writeString(config, yaml);
        installed = new InstalledLaunch(
                List.of("--config", config.toString(), "--set", "log.level=error"), Optional.of(home));
        manager.launches(installed);
        return home;
    }

    @Test
    void reloadUnderAManagerAsksTheServiceItselfWithTheConfigurationTheManagerStartsItWith() throws Exception {
        Path home = installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(
                42,
                new ReloadReport(Instant.now(), true, List.of("log.level"), List.of(), List.of(), Optional.empty()));

        assertThat(run("reload", "--set", "log.level=debug")).as(err()).isZero();

        assertThat(events).containsExactly("POST /admin/reload");
        assertThat(manager.calls()).as("the manager only delivers: not used").doesNotContain("reload demo-service");
        assertThat(out()).contains("demo-service reloaded its configuration:").contains("applied:          log.level");
        Config read = adminConfigs.get(adminConfigs.size() - 1);
        assertThat(read.get(CoreConfigKeys.DATA_DIR))
                .as("the directory the manager starts it in")
                .isEqualTo(home);
        assertThat(read.get(CoreConfigKeys.LOG_FORMAT)).as("its --config file").isEqualTo("json");
        assertThat(read.get(CoreConfigKeys.LOG_LEVEL))
                .as("its --set, then the one typed here")
                .isEqualTo("debug");
    }

    @Test
    void aReloadTheServiceRefusesUnderAManagerExits78WithItsReason() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(
                42,
                new ReloadReport(
                        Instant.now(), false, List.of(), List.of(), List.of(), Optional.of("http.port: not a port")));

        assertThat(run("reload")).isEqualTo(ExitCode.CONFIG_ERROR.code());

        assertThat(out())
                .contains("demo-service refused the new configuration and keeps running with the old one:")
                .contains("error: http.port: not a port");
        assertThat(manager.calls()).doesNotContain("reload demo-service");
    }

    @Test
    void anInvalidConfigurationTheManagerStartsItWithIsNotDeliveredAndExits78WithItsProblems() throws Exception {
        installedIn("log:\n  format: loud\n");
        manager.reports(runningAs(42));
        admin = listener(42, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));

        assertThat(run("reload")).isEqualTo(ExitCode.CONFIG_ERROR.code());

        assertThat(manager.calls()).doesNotContain("reload demo-service");
        assertThat(events).doesNotContain("POST /admin/reload");
        assertThat(err())
                .contains("demo-service: invalid configuration, 1 problem:")
                .contains("log.format")
                .contains("demo-service: not reloaded: the configuration fake starts it with is invalid, which the"
                        + " service would refuse; it keeps running with the one it has");
    }

    @Test
    void aListenerOfAnotherProcessIsNotAskedTheManagerDeliversAndSaysWhy() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(7, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));

        assertThat(run("reload")).isZero();

        assertThat(events).doesNotContain("POST /admin/reload");
        assertThat(manager.calls()).contains("reload demo-service");
        assertThat(err())
                .contains("fake delivered the reload request (the service itself was not asked: the management"
                        + " listener at http://127.0.0.1:9090 belongs to pid 7, not to the pid 42 fake runs)");
    }

    @Test
    void aListenerThatDoesNotSayItsPidIsNotAskedTheManagerDeliversAndSaysWhatItAnswered() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(
                Map.of(),
                List.of("/admin/status refused: 401"),
                new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));

        assertThat(run("reload")).isZero();

        assertThat(events).doesNotContain("POST /admin/reload");
        assertThat(manager.calls()).contains("reload demo-service");
        assertThat(err())
                .contains("(the service itself was not asked: the management listener at http://127.0.0.1:9090 did"
                        + " not say which process it is (/admin/status refused: 401))");
    }

    @Test
    void statusUnderAManagerFindsTheProcessInTheDataDirectoryTheManagerStartsItIn() throws Exception {
        Path home = installedIn("log:\n  format: json\n");
        long pid = ProcessHandle.current().pid();
        manager.reports(runningAs(pid));
        String start = ProcessHandle.current()
                .info()
                .startInstant()
                .map(i -> "\"" + i + "\"")
                .orElse("null");
        Files.writeString(
                RunningInstanceFile.in(home, "demo-service").file(),
                "{\"pid\":" + pid + ",\"processStart\":" + start + ",\"state\":\"RUNNING\",\"endpoints\":{}}");

        assertThat(run("status", "--json")).as(err()).isZero();

        JsonNode status = new ObjectMapper().readTree(out());
        assertThat(status.path("process").path("file").asText())
                .isEqualTo(RunningInstanceFile.in(home, "demo-service").file().toString());
        assertThat(status.path("manager")
                        .path("launch")
                        .path("workingDirectory")
                        .asText())
                .isEqualTo(home.toString());
        assertThat(status.path("manager").path("launch").path("arguments").toString())
                .contains("--config", "log.level=error");
        assertThat(status.path("notes").toString()).doesNotContain("another copy");

        out.reset();
        assertThat(run("status")).isZero();
        assertThat(out())
                .contains("  started with:    --config " + dir.resolve("etc/demo.yaml")
                        + " --set log.level=error (fake," + " in " + home + "); environment: not read")
                .contains("  process:         pid " + pid);
    }

    /** The installed launch of {@link #installedIn} with {@code environment} as what the manager gives the process. */
    private void withServiceEnvironment(Map<String, String> environment) {
        manager.launches(installed.withEnvironment(new InstalledLaunch.Environment(
                environment, "/proc/42/environ", List.of("/etc/demo.env: not readable"))));
    }

    @Test
    void statusReadsTheManagementPortFromTheServicesEnvironmentNotFromThisCommandsOwn() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(42, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));
        cliEnvironment = Map.of("DEMO_SERVICE_MANAGEMENT_PORT", "9300", "DEMO_SERVICE_LOG_FORMAT", "text");
        withServiceEnvironment(Map.of("DEMO_SERVICE_MANAGEMENT_PORT", "9100", "PATH", "/usr/bin"));

        assertThat(run("status", "--json")).as(err()).isZero();

        Config read = adminConfigs.get(adminConfigs.size() - 1);
        assertThat(read.get(MANAGEMENT_PORT)).as("the service's environment").isEqualTo(9100);
        assertThat(read.get(CoreConfigKeys.LOG_FORMAT))
                .as("this command's DEMO_SERVICE_LOG_FORMAT does not reach the service: its file's value")
                .isEqualTo("json");
        JsonNode environment = new ObjectMapper()
                .readTree(out())
                .path("manager")
                .path("launch")
                .path("environment");
        assertThat(environment.path("source").asText()).isEqualTo("/proc/42/environ");
        assertThat(environment.path("variables").toString()).isEqualTo("[\"DEMO_SERVICE_MANAGEMENT_PORT\"]");
        assertThat(environment.path("unread").toString()).contains("/etc/demo.env: not readable");
        assertThat(out()).as("names, never values").doesNotContain("9100");

        out.reset();
        assertThat(run("status")).isZero();
        assertThat(out())
                .contains("; environment: DEMO_SERVICE_MANAGEMENT_PORT (/proc/42/environ); not read: /etc/demo.env:"
                        + " not readable")
                .doesNotContain("9100");
    }

    @Test
    void aSetTypedHereWinsOverTheServicesEnvironment() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(42, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));
        withServiceEnvironment(Map.of("DEMO_SERVICE_MANAGEMENT_PORT", "9100", "DEMO_SERVICE_LOG_LEVEL", "warn"));

        assertThat(run("reload", "--set", "management.port=9200")).as(err()).isZero();

        Config read = adminConfigs.get(adminConfigs.size() - 1);
        assertThat(read.get(MANAGEMENT_PORT)).isEqualTo(9200);
        assertThat(read.get(CoreConfigKeys.LOG_LEVEL))
                .as("the installed --set log.level=error wins over the environment, as in the service")
                .isEqualTo("error");
    }

    @Test
    void thisCommandsOwnInvalidVariableDoesNotMakeReloadRefuseButTheServicesOwnDoes() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(42, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));
        cliEnvironment = Map.of("DEMO_SERVICE_LOG_FORMAT", "loud");
        withServiceEnvironment(Map.of("PATH", "/usr/bin"));

        assertThat(run("reload"))
                .as("this command's own invalid variable reaches nothing")
                .isZero();
        assertThat(events).containsExactly("POST /admin/reload");

        withServiceEnvironment(Map.of("DEMO_SERVICE_LOG_FORMAT", "loud"));
        assertThat(run("reload")).as("the service's own is invalid").isEqualTo(ExitCode.CONFIG_ERROR.code());
        assertThat(err()).contains("environment DEMO_SERVICE_LOG_FORMAT");
    }

    @Test
    void whereTheManagerDoesNotSayTheEnvironmentThisCommandsOwnAppliesAndStatusSaysSo() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        admin = listener(42, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));
        cliEnvironment = Map.of("DEMO_SERVICE_MANAGEMENT_PORT", "9300");

        assertThat(run("status")).as(err()).isZero();

        assertThat(adminConfigs.get(adminConfigs.size() - 1).get(MANAGEMENT_PORT))
                .isEqualTo(9300);
        assertThat(out())
                .contains("; environment: not read from fake, so this command's own DEMO_SERVICE_* variables apply");
    }

    @Test
    void aConfigGivenHereWinsOverTheOneTheManagerStartsTheServiceWith() throws Exception {
        installedIn("log:\n  format: json\n");
        manager.reports(runningAs(42));
        Path mine = dir.resolve("mine.yaml");
        Files.writeString(mine, "log:\n  format: text\n");
        admin = listener(42, new ReloadReport(Instant.now(), true, List.of(), List.of(), List.of(), Optional.empty()));

        assertThat(run("reload", "--config", mine.toString())).isZero();

        Config read = adminConfigs.get(adminConfigs.size() - 1);
        assertThat(read.get(CoreConfigKeys.LOG_FORMAT)).isEqualTo("text");
        assertThat(read.get(CoreConfigKeys.LOG_LEVEL))
                .as("not the installed --set")
                .isEqualTo("info");
    }

    @Test
    void reloadWithNoManagerRunningItAndNoManagementListenerSaysNotRunning() {
        manager.reports(new ServiceStatus(
                true, false, "inactive (dead)", OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty()));

        assertThat(run("reload")).isEqualTo(ExitCode.NOT_RUNNING.code());

        assertThat(manager.calls()).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("demo-service is not running")
                .contains("fake: not running (inactive (dead))")
                .contains("has no management listener to ask");
    }

    @Test
    void statusJsonReportsTheConfigurationTheManagerReadBack() throws Exception {
        manager.reports(
                new ServiceStatus(true, false, "STOPPED", OptionalLong.empty(), OptionalInt.of(0), OptionalInt.empty())
                        .withConfiguration(new ServiceConfiguration(
                                Optional.of(StartType.DELAYED),
                                Optional.of("NT SERVICE\\demo-service"),
                                Optional.of("Demo Service"),
                                Optional.of("A demo."),
                                List.of("Tcpip", "other"),
                                FailureAction.parseList("restart:5s,none"),
                                Optional.of(Duration.ofDays(1)),
                                Optional.of(true),
                                Optional.of("unrestricted"),
                                Optional.of(Duration.ofSeconds(35)),
                                Optional.of("java.exe -jar demo.jar service"),
                                List.of("failure actions: read from the registry"))));

        assertThat(run("status", "--json", "--set", "data-dir=" + dir)).isEqualTo(3);

        JsonNode configuration =
                new ObjectMapper().readTree(out()).path("manager").path("configuration");
        assertThat(new ObjectMapper().convertValue(configuration, new TypeReference<Map<String, Object>>() {}))
                .containsEntry("startType", "delayed")
                .containsEntry("delayedAutoStart", true)
                .containsEntry("account", "NT SERVICE\\demo-service")
                .containsEntry("displayName", "Demo Service")
                .containsEntry("description", "A demo.")
                .containsEntry("dependencies", List.of("Tcpip", "other"))
                .containsEntry(
                        "failureActions",
                        List.of(
                                Map.of("action", "restart", "delayMillis", 5000),
                                Map.of("action", "none", "delayMillis", 0)))
                .containsEntry("resetAfterSeconds", 86400)
                .containsEntry("failureActionsOnNonCrashFailures", true)
                .containsEntry("serviceSidType", "unrestricted")
                .containsEntry("preshutdownTimeoutMillis", 35000)
                .containsEntry("command", "java.exe -jar demo.jar service")
                .containsEntry("notes", List.of("failure actions: read from the registry"));
    }

    @Test
    void statusJsonHasNoConfigurationWhenTheManagerReportsNone() throws Exception {
        manager.reports(new ServiceStatus(
                true, false, "inactive (dead)", OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty()));

        assertThat(run("status", "--json", "--set", "data-dir=" + dir)).isEqualTo(3);

        JsonNode manager = new ObjectMapper().readTree(out()).path("manager");
        assertThat(manager.has("configuration")).isTrue();
        assertThat(manager.path("configuration").isNull()).isTrue();
    }

    private int run(String... args) {
        return runWithInput("", args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void installBuildsTheRequestFromOptionsAndDefaults() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "log:\n  level: info\n");

        int code = run(
                "install",
                "--config",
                config.toString(),
                "--start-type",
                "DELAYED",
                "--depends-on",
                "postgresql",
                "--on-failure",
                "restart:10s,none",
                "--account",
                "svc-user");

        assertThat(code).isZero();
        InstallRequest request = manager.installed().getFirst();
        assertThat(request.name()).isEqualTo("demo-service");
        assertThat(request.displayName()).isEqualTo("demo-service");
        assertThat(request.startType()).isEqualTo(StartType.DELAYED);
        assertThat(request.dependsOn()).containsExactly("postgresql");
        assertThat(request.onFailure())
                .containsExactly(
                        new FailureAction(FailureAction.Kind.RESTART, Duration.ofSeconds(10)),
                        new FailureAction(FailureAction.Kind.NONE, Duration.ZERO));
        assertThat(request.resetAfter()).isEqualTo(Duration.ofDays(1));
        assertThat(request.stopTimeout()).isEqualTo(Duration.ofSeconds(35)); // shutdown.timeout + 5 s
        assertThat(request.account()).contains("svc-user");
        assertThat(request.launch().jvmOptions()).isEqualTo(app.defaultJvmOptions());
        assertThat(request.launch().arguments())
                .containsExactly("--config", config.toAbsolutePath().toString());
        assertThat(request.launch().java()).isAbsolute();
        assertThat(err()).contains("fake: installed demo-service");
    }

    @Test
    void everyManagerVerbActsOnTheInstanceNamedByInstance() throws Exception {
        manager.reports(new ServiceStatus(
                true, true, "active (running)", OptionalLong.of(42), OptionalInt.empty(), OptionalInt.empty()));

        assertThat(run("install", "--instance", "a")).isZero();
        for (String verb : List.of("start", "stop", "restart", "reload", "uninstall")) {
            assertThat(run(verb, "--instance", "a")).as(verb).isZero();
        }
        assertThat(run("status", "--instance", "a")).isZero();
        assertThat(run("status", "--json", "--instance", "a")).isZero();

        InstallRequest request = manager.installed().getFirst();
        assertThat(request.service().instance()).contains("a");
        assertThat(request.name()).isEqualTo("demo-service");
        assertThat(request.displayName()).isEqualTo("demo-service"); // each manager adds the instance its own way
        assertThat(request.launch().arguments()).isEmpty(); // each manager passes --instance its own way
        assertThat(manager.calls())
                .containsExactly(
                        "start demo-service@a",
                        "stop demo-service@a",
                        "stop demo-service@a", // restart: the default stop then start
                        "start demo-service@a",
                        "reload demo-service@a",
                        "uninstall demo-service@a");
        assertThat(out()).contains("demo-service@a: running (active (running), pid 42)");
        JsonNode json = new ObjectMapper().readTree(out().lines().toList().getLast());
        assertThat(json.path("name").asText()).isEqualTo("demo-service");
        assertThat(json.path("instance").asText()).isEqualTo("a");
    }

    @Test
    void aBadInstanceNameIsAUsageErrorThatQuotesItAndStatesTheRule() {
        for (List<String> args : List.of(
                List.of("run", "--instance", "Bad_Name"),
                List.of("install", "--instance", "Bad_Name"),
                List.of("start", "--instance", "Bad_Name"),
                List.of("status", "--instance", "Bad_Name"),
                List.of("reload", "--instance", "Bad_Name"),
                List.of("version", "--instance", "Bad_Name"),
                List.of("config", "show", "--instance", "Bad_Name"),
                List.of("start", "--instance", "a-very-long-instance-name-of-33-ch"),
                List.of("start", "--instance", "-a"))) {
            err.reset();

            assertThat(run(args.toArray(String[]::new))).as("%s", args).isEqualTo(ExitCode.USAGE.code());
            assertThat(err())
                    .as("%s", args)
                    .contains("instance name \"" + args.getLast() + "\" is not valid; use 1 to 32 lower-case letters,"
                            + " digits and '-', starting with a letter or digit (e.g. a, eu-1)");
        }
        assertThat(manager.calls()).isEmpty();
        assertThat(manager.installed()).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void anInstanceNameFromTheConfigurationIsCheckedWithEveryOtherProblem() {
        assertThat(run("config", "validate", "--set", "instance=A!", "--set", "shutdown.timeout=soon"))
                .isEqualTo(ExitCode.CONFIG_ERROR.code());

        assertThat(err())
                .contains("2 problems")
                .contains("instance")
                .contains("\"A!\"")
                .contains("1 to 32 lower-case letters");
    }

    @Test
    void installRefusesAnInstanceThatOnlyTheConfigurationNames() {
        assertThat(run("install", "--set", "instance=a")).isEqualTo(ExitCode.USAGE.code());

        assertThat(err())
                .contains("the configuration names instance \"a\"")
                .contains("install was given no --instance")
                .contains("--instance a");
        assertThat(manager.installed()).isEmpty();
    }

    @Test
    void configShowAndVersionNameTheInstance() throws Exception {
        assertThat(run("config", "show", "--instance", "eu-1")).isZero();
        assertThat(out()).contains("instance: eu-1");

        out.reset();
        assertThat(run("version", "--instance", "eu-1")).isZero();
        assertThat(out()).startsWith("demo-service@eu-1 1.2.3 (Java ");

        out.reset();
        assertThat(run("version", "--json", "--instance", "eu-1")).isZero();
        assertThat(new ObjectMapper().readTree(out()).path("instance").asText()).isEqualTo("eu-1");
    }

    @Test
    void installDryRunPrintsThePlanAndChangesNothing() {
        assertThat(run("install", "--dry-run", "--name", "other-name")).isZero();

        assertThat(out()).isEqualTo("plan for other-name\n");
        assertThat(manager.installed()).isEmpty();
    }

    @Test
    void installRefusesAnInvalidConfigurationWith78() {
        assertThat(run("install", "--set", "shutdown.timeout=soon")).isEqualTo(78);
        assertThat(manager.installed()).isEmpty();
    }

    @Test
    void installBindPrivilegedPortsAndDropInGoIntoTheRequestWithTheFilesContents() throws Exception {
        Path dropIn = dir.resolve("override.conf");
        Files.writeString(dropIn, "[Service]\nEnvironment=GREETING=grüezi\n");

        assertThat(run("install")).isZero();
        assertThat(run("install", "--bind-privileged-ports", "--drop-in", dropIn.toString()))
                .isZero();

        InstallRequest plain = manager.installed().getFirst();
        assertThat(plain.bindPrivilegedPorts()).isFalse();
        assertThat(plain.dropIn()).isEmpty();
        InstallRequest given = manager.installed().getLast();
        assertThat(given.bindPrivilegedPorts()).isTrue();
        assertThat(given.dropIn()).contains("[Service]\nEnvironment=GREETING=grüezi\n");
        assertThat(given.toString()).contains("dropIn=").doesNotContain("GREETING");
    }

    @Test
    void aDropInFileInstallCannotUseIsAUsageErrorOfOneLineNamingTheFileAndNothingIsInstalled() throws Exception {
        Path missing = dir.resolve("missing.conf");
        Path empty = Files.writeString(dir.resolve("empty.conf"), " \n\n");
        Path latin1 = Files.write(
                dir.resolve("latin1.conf"),
                "[Service]\nEnvironment=A=gr\u00fcezi\n".getBytes(StandardCharsets.ISO_8859_1));
        record Case(Path file, String problem) {}

        for (Case c : List.of(
                new Case(missing, "does not exist; give the path of a drop-in file"),
                new Case(empty, "is empty; write the settings to apply on top of the unit"),
                new Case(latin1, "is not UTF-8 text, which systemd reads; save it as UTF-8"),
                new Case(dir, "is not a file"))) {
            err.reset();
            assertThat(run("install", "--drop-in", c.file().toString()))
                    .as(c.problem())
                    .isEqualTo(ExitCode.USAGE.code());
            assertThat(err().lines())
                    .as(c.problem())
                    .singleElement()
                    .asString()
                    .startsWith("demo-service: --drop-in \"" + c.file() + "\" " + c.problem());
        }
        assertThat(run("install", "--dry-run", "--drop-in", missing.toString())).isEqualTo(ExitCode.USAGE.code());
        assertThat(manager.installed()).isEmpty();
        assertThat(out()).isEmpty();
    }

    @Test
    void badFailureActionsAreAUsageError() {
        assertThat(run("install", "--on-failure", "reboot")).isEqualTo(2);
        assertThat(err()).contains("\"reboot\" is not a failure action");
    }

    @Test
    void aDurationTooLargeToHoldIsAUsageError() {
        assertThat(run("install", "--reset-after", "999999999999999d")).isEqualTo(ExitCode.USAGE.code());
        assertThat(err())
                .startsWith("demo-service: \"999999999999999d\" is not a duration: the most that can be written in d"
                        + " is 106751991167d;");
        assertThat(run("install", "--stop-timeout", "99999999999999999999s")).isEqualTo(ExitCode.USAGE.code());
        assertThat(manager.installed()).isEmpty();
    }

    @Test
    void passwordComesFromStdinAndIsNeverPrinted() {
        assertThat(runWithInput("hunter2hunter2\n", "install", "--account", ".\\svc", "--password-stdin"))
                .isZero();

        assertThat(manager.installed().getFirst().password()).contains("hunter2hunter2");
        assertThat(manager.installed().getFirst().toString()).doesNotContain("hunter2");
        assertThat(out() + err()).doesNotContain("hunter2");
    }

    @Test
    void statusMarksTheAotTrainingRunTheLauncherAskedForOnceItAnsweredWithTheSameOutputRunningOrNot() {
        Path marker = dir.resolve("status-abc-0123.42.aotconf.running");
        for (boolean running : new boolean[] {true, false}) {
            manager.reports(new ServiceStatus(
                    true,
                    running,
                    running ? "active (running)" : "inactive (dead)",
                    running ? OptionalLong.of(42) : OptionalLong.empty(),
                    OptionalInt.empty(),
                    OptionalInt.empty()));
            for (List<String> args : List.of(
                    List.of("status", "--set", "data-dir=" + dir),
                    List.of("status", "--json", "--set", "data-dir=" + dir))) {
                out.reset();
                int plainCode = run(args.toArray(String[]::new));
                String plainOut = out();
                out.reset();
                int code;
                Path ran = marker.resolveSibling("status-x.ran");
                System.setProperty(AotTrainingMarker.PROPERTY, marker.toString());
                System.setProperty(AotTrainingMarker.RAN_PROPERTY, ran.toString());
                try {
                    code = run(args.toArray(String[]::new));
                } finally {
                    System.clearProperty(AotTrainingMarker.PROPERTY);
                    System.clearProperty(AotTrainingMarker.RAN_PROPERTY);
                }

                assertThat(marker).as("%s, running %s", args, running).exists().isEmptyFile();
                assertThat(ran)
                        .as("the note a status that records nothing leaves for the next one")
                        .exists()
                        .isEmptyFile();
                assertThat(ran.toFile().delete()).isTrue();
                assertThat(code).isEqualTo(plainCode).isEqualTo(running ? 0 : 3);
                assertThat(out()).as("the same output").isEqualTo(plainOut);
                assertThat(err()).as("nothing said about it").isEmpty();
                assertThat(marker.toFile().delete()).isTrue();
            }
        }
        run("status", "--set", "data-dir=" + dir);
        assertThat(marker).as("no marker without the launcher's property").doesNotExist();
    }

    @Test
    void statusExitCodesFollowTheSpec() throws Exception {
        manager.reports(new ServiceStatus(
                true, true, "active (running)", OptionalLong.of(42), OptionalInt.empty(), OptionalInt.of(2)));
        assertThat(run("status")).isZero();
        assertThat(out()).contains("demo-service: running (active (running), pid 42, 2 restarts)");

        manager.reports(new ServiceStatus(
                true, false, "inactive (dead)", OptionalLong.empty(), OptionalInt.of(1), OptionalInt.empty()));
        assertThat(run("status")).isEqualTo(3);

        manager.reports(ServiceStatus.notInstalled());
        out.reset();
        assertThat(run("status", "--json")).isEqualTo(4);
        JsonNode json = new ObjectMapper().readTree(out());
        assertThat(json.path("installed").asBoolean()).isFalse();
        assertThat(json.path("platform").asText()).isEqualTo("fake");
    }

    @Test
    void managerFailuresExitWithTheirCodeAndMessage() {
        manager.failsWith(
                new ServiceManagerException("Access denied; run from an elevated prompt", ExitCode.PERMISSION_DENIED));

        assertThat(run("start")).isEqualTo(77);
        assertThat(err()).isEqualTo("demo-service: Access denied; run from an elevated prompt\n");
    }

    @Test
    void aFailureThatNamesTheServiceFirstIsNotPrefixedWithItsNameAgain() {
        manager.failsWith(new ServiceManagerException(
                "demo-service is not installed: there is no unit file", ExitCode.NOT_INSTALLED));
        assertThat(run("stop")).isEqualTo(4);
        assertThat(err()).isEqualTo("demo-service is not installed: there is no unit file\n");

        err.reset();
        manager.failsWith(new ServiceManagerException("demo-service@a exited with 1", ExitCode.FAILURE));
        assertThat(run("stop")).isEqualTo(1);
        assertThat(err()).isEqualTo("demo-service@a exited with 1\n");

        err.reset();
        manager.failsWith(new ServiceManagerException("demo-services are many", ExitCode.FAILURE));
        assertThat(run("stop")).isEqualTo(1);
        assertThat(err()).as("another word that merely begins the same").startsWith("demo-service: demo-services");
    }

    @Test
    void anUnknownPlatformIsAUsageErrorListingTheChoices() {
        assertThat(run("status", "--platform", "solaris")).isEqualTo(2);
        assertThat(err()).contains("solaris").contains("fake, other");
    }

    @Test
    void theFirstAvailableManagerIsChosenUnlessOneIsNamed() {
        run("stop");
        run("stop", "--platform", "other");

        assertThat(manager.calls()).containsExactly("stop demo-service");
    }

    @Test
    void restartStopsARunningServiceThenStartsIt() {
        manager.reports(new ServiceStatus(
                true, true, "running", OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty()));

        assertThat(run("restart", "--user")).isZero();
        assertThat(manager.calls()).containsExactly("stop demo-service", "start demo-service");
        assertThat(manager.lastRef().orElseThrow().user()).isTrue();
    }

    @Test
    void runHandsTheServiceToTheManagerThatLaunchedTheProcess() {
        manager.runsManaged(service -> {
            service.start();
            events.add("state " + service.state());
            events.add("stop -> " + service.stop());
            return OptionalInt.of(42);
        });

        assertThat(run("run", "--set", "log.level=error")).isEqualTo(42);
        assertThat(events).containsExactly("started", "state RUNNING", "stopped", "stop -> STOPPED");
    }
}
