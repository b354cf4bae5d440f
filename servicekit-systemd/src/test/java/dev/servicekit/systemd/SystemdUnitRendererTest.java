package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.FailureAction;
import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdUnitRendererTest {

    private static final SystemdUnitOptions DEFAULTS = SystemdUnitOptions.defaults();

    @Test
    void defaultUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches("default.service", SystemdUnitRenderer.render(Requests.defaults(), DEFAULTS));
    }

    @Test
    void userUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches("user.service", SystemdUnitRenderer.render(Requests.user(), DEFAULTS));
    }

    @Test
    void customAccountUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches("account.service", SystemdUnitRenderer.render(Requests.account(), DEFAULTS));
    }

    @Test
    void dependenciesUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches("dependencies.service", SystemdUnitRenderer.render(Requests.dependencies(), DEFAULTS));
    }

    @Test
    void restartForeverUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches(
                "restart-forever.service", SystemdUnitRenderer.render(Requests.restartForever(), DEFAULTS));
    }

    @Test
    void pathsWithSpacesUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches(
                "paths-with-spaces.service", SystemdUnitRenderer.render(Requests.pathsWithSpaces(), DEFAULTS));
    }

    @Test
    void optionsUnitMatchesGoldenFile() throws IOException {
        SystemdUnitOptions options = SystemdUnitOptions.builder()
                .watchdog(Duration.ofSeconds(30))
                .bindPrivilegedPorts(true)
                .build();
        Golden.assertMatches("options.service", SystemdUnitRenderer.render(Requests.defaults(), options));
    }

    @Test
    void templateUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches("template.service", SystemdUnitRenderer.render(Requests.instance("a", false), DEFAULTS));
    }

    @Test
    void userTemplateUnitMatchesGoldenFile() throws IOException {
        Golden.assertMatches(
                "template-user.service",
                SystemdUnitRenderer.render(Requests.userInstance("a"), DEFAULTS, Path.of("/home/alice"), Map.of()));
    }

    @Test
    void templatePassesTheInstanceAndItsOwnConfigurationFileAndDirectoriesThroughSpecifiers() {
        String unit = SystemdUnitRenderer.render(Requests.instance("a", true), DEFAULTS);

        assertThat(unit.lines())
                .contains(
                        "Description=Users Service (%i)",
                        "ExecStart=/usr/lib/jvm/temurin-21-jre/bin/java -Xmx256m -jar /opt/users-service/users-service.jar"
                                + " run --instance %i --config /etc/users-service/%i.yaml",
                        "StateDirectory=users-service/%i",
                        "LogsDirectory=users-service/%i",
                        "ConfigurationDirectory=users-service",
                        "WorkingDirectory=%S/users-service/%i",
                        "SyslogIdentifier=users-service@%i",
                        "DynamicUser=yes",
                        "WantedBy=multi-user.target");
        assertThat(unit).doesNotContain("instance a", "/a.yaml", "--instance a");
    }

    @Test
    void everyInstanceRendersTheSameTemplate() {
        assertThat(SystemdUnitRenderer.render(Requests.instance("b", true), DEFAULTS))
                .isEqualTo(SystemdUnitRenderer.render(Requests.instance("a", false), DEFAULTS))
                .isEqualTo(SystemdUnitRenderer.render(Requests.instance("eu-1", true), DEFAULTS));
    }

    @Test
    void userTemplateReadsEachInstancesFileUnderTheUsersConfigurationDirectory() {
        InstallRequest base = Requests.userInstance("a");
        InstallRequest withConfig = Requests.withService(
                new InstallRequest(
                        base.service(),
                        base.displayName(),
                        base.description(),
                        base.startType(),
                        base.account(),
                        base.password(),
                        base.dependsOn(),
                        base.onFailure(),
                        base.resetAfter(),
                        base.stopTimeout(),
                        new LaunchCommand(
                                Requests.JAVA,
                                List.of(),
                                Requests.JAR,
                                List.of("--config", "/cfg/users-service/a.yaml")),
                        false),
                base.service());

        String unit = SystemdUnitRenderer.render(
                withConfig, DEFAULTS, Path.of("/home/alice"), Map.of("XDG_CONFIG_HOME", "/cfg"));

        assertThat(unit.lines())
                .anyMatch(l -> l.startsWith("ExecStart=")
                        && l.endsWith(" run --instance %i --config %E/users-service/%i.yaml"));
    }

    @Test
    void instanceArgumentsOtherThanItsOwnConfigurationFileAreRefusedWithWhereTheyGo() {
        InstallRequest base = Requests.instance("a", false);
        InstallRequest r = new InstallRequest(
                base.service(),
                base.displayName(),
                base.description(),
                base.startType(),
                base.account(),
                base.password(),
                base.dependsOn(),
                base.onFailure(),
                base.resetAfter(),
                base.stopTimeout(),
                new LaunchCommand(
                        Requests.JAVA,
                        List.of(),
                        Requests.JAR,
                        List.of("--config", "/srv/a.yaml", "--set", "http.port=8081")),
                false);

        assertThatThrownBy(() -> SystemdUnitRenderer.render(r, DEFAULTS))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("[--config, /srv/a.yaml, --set, http.port=8081]")
                .hasMessageContaining("users-service@.service, which every instance shares")
                .hasMessageContaining("instance \"a\" reads /etc/users-service/a.yaml")
                .hasMessageContaining("--config /etc/users-service/a.yaml or without --config");
    }

    @Test
    void defaultUnitIsANotifyServiceWithHardeningAndADynamicUser() {
        String unit = SystemdUnitRenderer.render(Requests.defaults(), DEFAULTS);

        assertThat(unit.lines())
                .contains(
                        "Type=notify",
                        "NotifyAccess=main",
                        "ExecReload=/bin/kill -HUP $MAINPID",
                        "Restart=on-failure",
                        "RestartSec=5s",
                        "StartLimitIntervalSec=1d",
                        "StartLimitBurst=3",
                        "TimeoutStopSec=30s",
                        "DynamicUser=yes",
                        "StateDirectory=users-service",
                        "LogsDirectory=users-service",
                        "ConfigurationDirectory=users-service",
                        "NoNewPrivileges=yes",
                        "ProtectSystem=strict",
                        "ProtectHome=yes",
                        "PrivateTmp=yes",
                        "PrivateDevices=yes",
                        "ProtectKernelTunables=yes",
                        "ProtectKernelModules=yes",
                        "ProtectControlGroups=yes",
                        "RestrictSUIDSGID=yes",
                        "LockPersonality=yes",
                        "RestrictRealtime=yes",
                        "SystemCallArchitectures=native",
                        "CapabilityBoundingSet=",
                        "WantedBy=multi-user.target",
                        "ExecStart=/usr/lib/jvm/temurin-21-jre/bin/java -Xmx256m -jar /opt/users-service/users-service.jar run "
                                + "--config /etc/users-service/config.yaml");
        assertThat(unit.lines()).contains("WatchdogSec=30s");
        assertThat(unit).doesNotContain("AmbientCapabilities");
        assertThat(unit.lines()).noneMatch(l -> l.startsWith("User=") || l.startsWith("Group="));
    }

    @Test
    void userUnitOmitsDirectivesAUserManagerRejects() {
        String unit = SystemdUnitRenderer.render(Requests.user(), DEFAULTS);

        assertThat(unit.lines()).contains("WantedBy=default.target", "NoNewPrivileges=yes", "Type=notify");
        assertThat(unit)
                .doesNotContain(
                        "User=",
                        "DynamicUser",
                        "ProtectSystem",
                        "ProtectHome",
                        "PrivateTmp",
                        "PrivateDevices",
                        "ProtectKernel",
                        "CapabilityBoundingSet",
                        "multi-user.target",
                        "network.target");
    }

    @Test
    void accountBecomesUserAndGroup() {
        String unit = SystemdUnitRenderer.render(Requests.account(), DEFAULTS);

        assertThat(unit.lines()).contains("User=svc-users", "Group=svc-users").doesNotContain("DynamicUser=yes");
    }

    @Test
    void dependenciesBecomeAfterAndWantsWithServiceSuffixWhenMissing() {
        String unit = SystemdUnitRenderer.render(Requests.dependencies(), DEFAULTS);

        assertThat(unit.lines())
                .contains(
                        "After=postgresql.service",
                        "Wants=postgresql.service",
                        "After=network-online.target",
                        "Wants=network-online.target",
                        "After=etcd.service",
                        "Wants=etcd.service");
    }

    @Test
    void restartThatRepeatsForeverHasNoStartLimitAndUsesTheFirstDelay() {
        String unit = SystemdUnitRenderer.render(Requests.restartForever(), DEFAULTS);

        assertThat(unit.lines())
                .contains("Restart=on-failure", "RestartSec=10s", "StartLimitIntervalSec=0")
                .noneMatch(l -> l.startsWith("StartLimitBurst"));
    }

    @Test
    void noneAsFirstFailureActionMeansNoRestart() {
        InstallRequest r = Requests.request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of(),
                FailureAction.parseList("none"),
                Requests.defaults().launch());

        String unit = SystemdUnitRenderer.render(r, DEFAULTS);

        assertThat(unit.lines())
                .contains("Restart=no")
                .noneMatch(l -> l.startsWith("RestartSec") || l.startsWith("StartLimit"));
    }

    @Test
    void privilegedPortsGrantOnlyNetBindService() {
        String unit = SystemdUnitRenderer.render(
                Requests.defaults(),
                SystemdUnitOptions.builder().bindPrivilegedPorts(true).build());

        assertThat(unit.lines())
                .contains("CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "AmbientCapabilities=CAP_NET_BIND_SERVICE")
                .doesNotContain("CapabilityBoundingSet=");
    }

    @Test
    void installBindPrivilegedPortsRendersWhatTheOptionsInCodeRender() throws IOException {
        // options.service is the defaults (a 30 s watchdog) with bindPrivilegedPorts(true) set in code.
        Golden.assertMatches(
                "options.service",
                SystemdUnitRenderer.render(Requests.defaults().withBindPrivilegedPorts(true), DEFAULTS));
    }

    @Test
    void privilegedPortsAreGrantedWhenTheRequestOrTheOptionsAskAndOnlyThen() {
        SystemdUnitOptions inCode =
                SystemdUnitOptions.builder().bindPrivilegedPorts(true).build();

        assertThat(SystemdUnitRenderer.render(Requests.defaults().withBindPrivilegedPorts(true), inCode)
                        .lines())
                .containsOnlyOnce("AmbientCapabilities=CAP_NET_BIND_SERVICE");
        assertThat(SystemdUnitRenderer.render(Requests.defaults(), inCode).lines())
                .as("not given on the command line: the options set in code still grant it")
                .contains("AmbientCapabilities=CAP_NET_BIND_SERVICE");
        assertThat(SystemdUnitRenderer.render(Requests.defaults(), DEFAULTS).lines())
                .contains("CapabilityBoundingSet=")
                .noneMatch(l -> l.startsWith("AmbientCapabilities"));
    }

    @Test
    void installBindPrivilegedPortsForAUserUnitIsRefusedWithTheFix() {
        assertThatThrownBy(() -> SystemdUnitRenderer.render(Requests.user().withBindPrivilegedPorts(true), DEFAULTS))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--bind-privileged-ports needs the system manager")
                .hasMessageContaining("install without --user (with sudo), or listen on a port of 1024 or above");
    }

    @Test
    void theRequestsDropInWinsOverTheOptionsAndEndsInANewline() {
        SystemdUnitOptions inCode =
                SystemdUnitOptions.builder().dropIn("[Service]\nMemoryMax=1G").build();

        assertThat(SystemdUnitRenderer.dropIn(Requests.defaults(), inCode)).contains("[Service]\nMemoryMax=1G\n");
        assertThat(SystemdUnitRenderer.dropIn(
                        Requests.defaults().withDropIn(Optional.of("[Service]\nEnvironment=A=b\n")), inCode))
                .contains("[Service]\nEnvironment=A=b\n");
        assertThat(SystemdUnitRenderer.dropIn(
                        Requests.defaults().withDropIn(Optional.of("[Service]\nEnvironment=A=b")), DEFAULTS))
                .contains("[Service]\nEnvironment=A=b\n");
        assertThat(SystemdUnitRenderer.dropIn(Requests.defaults(), DEFAULTS)).isEmpty();
    }

    @Test
    void aDropInWhoseFirstSettingIsOutsideASectionIsRefusedWithTheFix() {
        InstallRequest noSection = Requests.defaults().withDropIn(Optional.of("# limits\n\nMemoryMax=1G\n"));

        assertThatThrownBy(() -> SystemdUnitRenderer.render(noSection, DEFAULTS))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("the drop-in's setting \"MemoryMax=1G\" comes before any section")
                .hasMessageContaining("start the file with the section it belongs to, e.g. [Service]");
        assertThat(SystemdUnitRenderer.settingOutsideSection("# limits\n[Service]\nMemoryMax=1G\n"))
                .isEmpty();
    }

    @Test
    void watchdogIsOnByDefaultAndTheOptionsChangeIt() {
        assertThat(SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults())
                        .lines())
                .contains("WatchdogSec=" + SystemdUnitOptions.DEFAULT_WATCHDOG_SECONDS + "s");
        assertThat(SystemdUnitRenderer.render(
                                Requests.defaults(),
                                SystemdUnitOptions.builder()
                                        .watchdog(Duration.ofSeconds(20))
                                        .build())
                        .lines())
                .contains("WatchdogSec=20s");
        assertThat(SystemdUnitRenderer.render(
                        Requests.defaults(),
                        SystemdUnitOptions.builder().noWatchdog().build()))
                .doesNotContain("WatchdogSec");
    }

    @Test
    void theRequestsWatchdogWinsAndZeroTurnsItOff() {
        SystemdUnitOptions twenty =
                SystemdUnitOptions.builder().watchdog(Duration.ofSeconds(20)).build();

        assertThat(SystemdUnitRenderer.render(
                                Requests.defaults().withWatchdog(Optional.of(Duration.ofSeconds(4))), twenty)
                        .lines())
                .contains("WatchdogSec=4s")
                .doesNotContain("WatchdogSec=20s");
        assertThat(SystemdUnitRenderer.render(Requests.defaults().withWatchdog(Optional.of(Duration.ZERO)), twenty))
                .doesNotContain("WatchdogSec");
    }

    @Test
    void aWatchdogUnderASecondIsRefusedWithTheFix() {
        assertThatThrownBy(() -> SystemdUnitRenderer.render(
                        Requests.defaults().withWatchdog(Optional.of(Duration.ofMillis(500))), DEFAULTS))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--watchdog \"500ms\" must be at least 1s")
                .hasMessageContaining("or 0 to turn the watchdog off");
    }

    @Test
    void jarUnderAHomeDirectoryKeepsHomesReadable() {
        InstallRequest r = Requests.request(
                ServiceRef.system("users-service"),
                Optional.empty(),
                List.of(),
                List.of(),
                Requests.launch(Requests.JAVA, Path.of("/home/alice/apps/users-service.jar"), List.of()));

        assertThat(SystemdUnitRenderer.render(r, DEFAULTS).lines()).contains("ProtectHome=read-only");
    }

    @Test
    void aFileUnderAHomeDirectoryNamedInTheArgumentsOrJvmOptionsKeepsHomesReadable() {
        // With ProtectHome=yes the service could not read them and failed at start.
        for (LaunchCommand launch : List.of(
                new LaunchCommand(
                        Requests.JAVA,
                        List.of(),
                        Path.of("/opt/users-service.jar"),
                        List.of("--config", "/home/alice/users-service/config.yaml")),
                new LaunchCommand(
                        Requests.JAVA,
                        List.of("-javaagent:/root/agents/agent.jar"),
                        Path.of("/opt/users-service.jar"),
                        List.of()),
                new LaunchCommand(
                        Requests.JAVA,
                        List.of("-Dkeys=/run/user/1000/keys"),
                        Path.of("/opt/users-service.jar"),
                        List.of()))) {
            InstallRequest r = Requests.request(
                    ServiceRef.system("users-service"), Optional.empty(), List.of(), List.of(), launch);

            assertThat(SystemdUnitRenderer.render(r, DEFAULTS).lines())
                    .as(launch.toString())
                    .contains("ProtectHome=read-only")
                    .doesNotContain("ProtectHome=yes");
        }
    }

    @Test
    void execStartQuotesSpacesQuotesBackslashesAndEscapesSpecifiersAndVariables() {
        String execStart =
                SystemdUnitRenderer.execStart(Requests.pathsWithSpaces().launch());

        assertThat(execStart)
                .isEqualTo("\"/opt/Java Runtimes/jdk 21/bin/java\" -Xmx256m "
                        + "\"-Dgreeting=Hello \\\"world\\\" 100%% $$HOME\" \"-Dwin=C:\\\\temp\\\\x\" -jar \"/srv/my apps/users service.jar\" run "
                        + "--config \"/etc/users service/config.yaml\" --set \"banner=it's $${USER}\" \\; \"\"");
    }

    @Test
    void execStartReadsBackAsTheOriginalWordsUnderSystemdRules() {
        LaunchCommand launch = Requests.pathsWithSpaces().launch();
        List<String> expected = new ArrayList<>();
        expected.add(launch.java().toString());
        expected.addAll(launch.jvmOptions());
        expected.add("-jar");
        expected.add(launch.jar().toString());
        expected.add("run");
        expected.addAll(launch.arguments());

        assertThat(SystemdCommandLine.split(SystemdUnitRenderer.execStart(launch)))
                .isEqualTo(expected);
    }

    @Test
    void controlCharactersAreEscapedNotWrittenRaw() {
        assertThat(SystemdUnitRenderer.execArgument("a\nb\tc")).isEqualTo("\"a\\nb\\tc\"");
        assertThat(SystemdCommandLine.split(SystemdUnitRenderer.execArgument("a\nb\u0001")))
                .containsExactly("a\nb\u0001");
    }

    @Test
    void descriptionWithPercentAndNewlinesStaysOneEscapedLine() {
        InstallRequest base = Requests.defaults();
        InstallRequest r = new InstallRequest(
                base.service(),
                "Users 100% Service\nsecond line",
                base.description(),
                base.startType(),
                base.account(),
                base.password(),
                base.dependsOn(),
                base.onFailure(),
                base.resetAfter(),
                base.stopTimeout(),
                base.launch(),
                false);

        assertThat(SystemdUnitRenderer.render(r, DEFAULTS).lines())
                .contains("Description=Users 100%% Service second line");
    }

    @Test
    void invalidValuesAreAllReportedAtOnceWithTheFix() {
        InstallRequest r = new InstallRequest(
                new ServiceRef("users service", false, Optional.empty()),
                "x",
                "",
                dev.servicekit.spi.StartType.AUTO,
                Optional.of("NT AUTHORITY\\LocalService"),
                Optional.empty(),
                List.of("bad dep"),
                List.of(),
                Duration.ofDays(1),
                Duration.ZERO,
                new LaunchCommand(Path.of("java"), List.of(), Path.of("app.jar"), List.of()),
                false);

        assertThatThrownBy(() -> SystemdUnitRenderer.render(r, DEFAULTS))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("service name \"users service\"")
                .hasMessageContaining("java executable \"java\" is not an absolute path")
                .hasMessageContaining("jar \"app.jar\"")
                .hasMessageContaining("--depends-on \"bad dep\"")
                .hasMessageContaining("--account \"NT AUTHORITY\\LocalService\"")
                .hasMessageContaining("--stop-timeout \"0s\"");
    }

    @Test
    void systemdAnalyzeVerifyAcceptsEveryRenderedUnit(@TempDir Path dir) throws Exception {
        SystemdAnalyze.assumeInstalled();
        Path realJava =
                Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
        // verify checks that the executable exists; a wrapper script stands in for a JVM installed under a spaced path.
        Path spacedJava =
                Files.createDirectories(dir.resolve("Java Runtimes/jdk 21/bin")).resolve("java");
        Files.writeString(spacedJava, "#!/bin/sh\nexec '" + realJava + "' \"$@\"\n");
        Files.setPosixFilePermissions(spacedJava, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        record Case(String name, InstallRequest request, SystemdUnitOptions options) {}
        List<Case> cases = List.of(
                new Case("default", Requests.withJava(Requests.defaults(), realJava), DEFAULTS),
                new Case("user", Requests.withJava(Requests.user(), realJava), DEFAULTS),
                new Case("account", Requests.withJava(Requests.account(), realJava), DEFAULTS),
                new Case("dependencies", Requests.withJava(Requests.dependencies(), realJava), DEFAULTS),
                new Case("restart-forever", Requests.withJava(Requests.restartForever(), realJava), DEFAULTS),
                new Case("paths-with-spaces", Requests.withJava(Requests.pathsWithSpaces(), spacedJava), DEFAULTS),
                new Case("template", Requests.withJava(Requests.instance("a", true), realJava), DEFAULTS),
                new Case("user-template", Requests.withJava(Requests.userInstance("a"), realJava), DEFAULTS),
                new Case(
                        "options",
                        Requests.withJava(Requests.defaults(), realJava),
                        SystemdUnitOptions.builder()
                                .watchdog(Duration.ofSeconds(30))
                                .bindPrivilegedPorts(true)
                                .build()));

        for (Case c : cases) {
            Path unitDir = Files.createDirectories(dir.resolve(c.name()));
            ServiceRef service = c.request().service();
            Files.writeString(
                    unitDir.resolve(UnitLocation.unitFileName(service)),
                    SystemdUnitRenderer.render(c.request(), c.options(), dir, Map.of()));
            // A template is verified as one of its instances, users-service@a.service, with the template beside it.
            Path unit = unitDir.resolve(UnitLocation.unitName(service));

            SystemdAnalyze.Result result = SystemdAnalyze.verify(unit, service.user(), dir);

            assertThat(result.stderr())
                    .as("systemd-analyze verify stderr for the %s unit", c.name())
                    .isEmpty();
            assertThat(result.exitCode())
                    .as("systemd-analyze verify exit code for the %s unit", c.name())
                    .isZero();
        }
    }

    @Test
    void systemdAnalyzeVerifyOfAnInstanceWouldCatchAMistakeInTheTemplate(@TempDir Path dir) throws Exception {
        SystemdAnalyze.assumeInstalled();
        Path realJava =
                Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
        Files.writeString(
                dir.resolve("users-service@.service"),
                SystemdUnitRenderer.render(Requests.withJava(Requests.instance("a", false), realJava), DEFAULTS)
                        .replace("Type=notify", "Type=notifyy"));

        assertThat(SystemdAnalyze.verify(dir.resolve("users-service@a.service"), false, dir)
                        .stderr())
                .contains("notifyy");
    }

    @Test
    void systemdAnalyzeVerifyWouldCatchAMistake(@TempDir Path dir) throws Exception {
        SystemdAnalyze.assumeInstalled();
        Path realJava =
                Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
        Path unit = dir.resolve("users-service.service");
        Files.writeString(
                unit,
                SystemdUnitRenderer.render(Requests.withJava(Requests.defaults(), realJava), DEFAULTS)
                        .replace("Type=notify", "Type=notifyy"));

        assertThat(SystemdAnalyze.verify(unit, false, dir).stderr()).contains("notifyy");
    }
}
