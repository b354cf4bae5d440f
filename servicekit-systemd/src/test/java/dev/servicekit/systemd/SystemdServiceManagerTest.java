package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.StartType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdServiceManagerTest {

    private static final ServiceRef SYSTEM = ServiceRef.system("users-service");
    private static final ServiceRef USER = new ServiceRef("users-service", true, Optional.empty());

    @TempDir
    Path dir;

    private Path etc;
    private Path home;
    private final List<String> progress = new CopyOnWriteArrayList<>();

    @BeforeEach
    void directories() throws IOException {
        etc = Files.createDirectories(dir.resolve("etc/systemd/system"));
        home = Files.createDirectories(dir.resolve("home/alice"));
    }

    private SystemdServiceManager manager(FakeSystemctl systemctl, long uid) {
        return new SystemdServiceManager(
                systemctl,
                () -> uid,
                Map.of(),
                etc,
                home,
                () -> true,
                SystemdUnitOptions.defaults(),
                Duration.ofSeconds(5),
                Duration.ofMillis(5),
                Duration.ofSeconds(5));
    }

    @Test
    void installWritesTheUnitReloadsEnablesAndWaitsUntilActive() throws IOException {
        FakeSystemctl systemctl =
                new FakeSystemctl().showing(FakeSystemctl.ACTIVATING, FakeSystemctl.ACTIVATING, FakeSystemctl.ACTIVE);

        manager(systemctl, 0).install(Requests.defaults(), progress::add);

        assertThat(etc.resolve("users-service.service"))
                .content()
                .isEqualTo(SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        assertThat(systemctl.changes())
                .as("a unit that does not run has its start limit counter cleared before its start")
                .containsExactly(
                        "systemctl daemon-reload",
                        "systemctl reset-failed users-service.service",
                        "systemctl enable --now users-service.service");
        assertThat(systemctl.commands())
                .filteredOn(c -> c.startsWith("systemctl show"))
                .hasSize(3)
                .allMatch(
                        c -> c.equals("systemctl show -p LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainCode,"
                                + "ExecMainStatus,StateChangeTimestampMonotonic users-service.service"));
        assertThat(progress)
                .contains("Wrote " + etc.resolve("users-service.service"), "Starting users-service…")
                .anyMatch(p -> p.startsWith("running ("));
    }

    @Test
    void userInstallGoesToTheUsersConfigDirectoryAndTalksToTheUserManager() {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);

        manager(systemctl, 1000).install(Requests.user(), progress::add);

        assertThat(home.resolve(".config/systemd/user/users-service.service")).exists();
        assertThat(systemctl.changes())
                .containsExactly(
                        "systemctl --user daemon-reload", "systemctl --user enable --now users-service.service");
    }

    @Test
    void systemInstallAsARegularUserFailsWith77AndSaysToUseSudoOrUser() {
        FakeSystemctl systemctl = new FakeSystemctl();

        assertThatThrownBy(() -> manager(systemctl, 1000).install(Requests.defaults(), progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(77))
                .hasMessageContaining("sudo")
                .hasMessageContaining("--user");
        assertThat(systemctl.commands()).isEmpty();
        assertThat(etc.resolve("users-service.service")).doesNotExist();
    }

    @Test
    void installUnderRootWritesTheUnitAndNothingElseEvenForARegularUser() {
        Path staging = dir.resolve("staging");
        FakeSystemctl systemctl = new FakeSystemctl();
        InstallRequest staged =
                Requests.withService(Requests.defaults(), new ServiceRef("users-service", false, Optional.of(staging)));

        manager(systemctl, 1000).install(staged, progress::add);

        Path unit = staging.resolve("etc/systemd/system/users-service.service");
        assertThat(unit).exists();
        assertThat(systemctl.commands()).isEmpty();
        assertThat(etc.resolve("users-service.service")).doesNotExist();
        assertThat(progress)
                .contains("Wrote " + unit)
                .anyMatch(p -> p.contains("systemctl not called")
                        && p.contains("systemctl enable --now users-service.service"));
    }

    @Test
    void uninstallUnderRootRemovesTheUnitAndDropInAndNothingElse() {
        Path staging = dir.resolve("staging");
        ServiceRef ref = new ServiceRef("users-service", false, Optional.of(staging));
        FakeSystemctl systemctl = new FakeSystemctl();
        SystemdServiceManager manager = manager(systemctl, 1000)
                .withUnitOptions(SystemdUnitOptions.builder()
                        .dropIn("[Service]\nMemoryMax=1G")
                        .build());
        manager.install(Requests.withService(Requests.defaults(), ref), progress::add);
        assertThat(staging.resolve("etc/systemd/system/users-service.service.d/override.conf"))
                .content()
                .isEqualTo("[Service]\nMemoryMax=1G\n");

        manager.uninstall(ref, progress::add);

        assertThat(staging.resolve("etc/systemd/system/users-service.service")).doesNotExist();
        assertThat(staging.resolve("etc/systemd/system/users-service.service.d"))
                .doesNotExist();
        assertThat(systemctl.commands()).isEmpty();
        assertThat(progress).contains("Removed " + staging.resolve("etc/systemd/system/users-service.service"));
    }

    @Test
    void installWritesTheRequestsDropInInsteadOfTheOneSetInCodeAndUninstallRemovesIt() {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);
        SystemdServiceManager manager = manager(systemctl, 0)
                .withUnitOptions(SystemdUnitOptions.builder()
                        .dropIn("[Service]\nMemoryMax=1G\n")
                        .build());
        InstallRequest request = Requests.defaults()
                .withBindPrivilegedPorts(true)
                .withDropIn(Optional.of("[Service]\nEnvironment=SERVICEKIT_DROPIN_TEST=yes"));
        Path dropIn = etc.resolve("users-service.service.d/override.conf");

        manager.install(request, progress::add);

        assertThat(dropIn).content().isEqualTo("[Service]\nEnvironment=SERVICEKIT_DROPIN_TEST=yes\n");
        assertThat(etc.resolve("users-service.service"))
                .content()
                .contains("\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        assertThat(progress).containsSubsequence("Wrote " + etc.resolve("users-service.service"), "Wrote " + dropIn);
        assertThat(systemctl.changes())
                .containsExactly("systemctl daemon-reload", "systemctl enable --now users-service.service");

        manager.uninstall(SYSTEM, progress::add);

        assertThat(dropIn).doesNotExist();
        assertThat(dropIn.getParent()).doesNotExist();
    }

    @Test
    void aRefusedDropInOrCapabilityWritesNothingAndRunsNothing() {
        FakeSystemctl systemctl = new FakeSystemctl();

        assertThatThrownBy(() -> manager(systemctl, 0)
                        .install(
                                Requests.user().withBindPrivilegedPorts(true).withDropIn(Optional.of("MemoryMax=1G\n")),
                                progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(2))
                .hasMessageContaining("--bind-privileged-ports needs the system manager")
                .hasMessageContaining("\"MemoryMax=1G\" comes before any section");
        assertThat(systemctl.commands()).isEmpty();
        assertThat(home.resolve(".config/systemd/user")).doesNotExist();
    }

    @Test
    void uninstallOfAServiceThatIsNotInstalledFailsWith4() {
        assertThatThrownBy(() -> manager(new FakeSystemctl(), 0).uninstall(SYSTEM, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(4))
                .hasMessageContaining("not installed");
    }

    @Test
    void uninstallStopsDisablesRemovesAndReloads() {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);
        SystemdServiceManager manager = manager(systemctl, 0);
        manager.install(Requests.defaults(), progress::add);

        manager.uninstall(SYSTEM, progress::add);

        assertThat(etc.resolve("users-service.service")).doesNotExist();
        assertThat(systemctl.changes())
                .containsExactly(
                        "systemctl daemon-reload",
                        "systemctl enable --now users-service.service",
                        "systemctl stop users-service.service",
                        "systemctl disable users-service.service",
                        "systemctl daemon-reload",
                        "systemctl reset-failed users-service.service");
    }

    /**
     * A reinstall over a running unit: {@code enable --now} does not restart it, so the process keeps the unit it was
     * started with (its JVM options, its arguments). install says so and how to apply the new unit, instead of
     * "running (0.0 s)".
     */
    @Test
    void reinstallOverARunningUnitSaysTheRunningProcessKeepsThePreviousUnitUntilRestarted() {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);

        manager(systemctl, 1000).install(Requests.user(), progress::add);

        assertThat(systemctl.changes())
                .containsExactly(
                        "systemctl --user daemon-reload", "systemctl --user enable --now users-service.service");
        assertThat(progress)
                .doesNotContain("Starting users-service…")
                .last()
                .isEqualTo("users-service was already running (pid 4242) and runs the unit it was started with until it"
                        + " restarts; apply the new unit with: systemctl --user restart users-service.service");
    }

    /**
     * uninstall keeps the service's data, logs and configuration, and says so with where they are: the directories
     * systemd created for the unit that exist (a {@code --user} unit's under {@code $XDG_CONFIG_HOME} with systemd
     * 252, {@code $XDG_STATE_HOME} with newer ones).
     */
    @Test
    void uninstallSaysWhichDirectoriesOfTheServiceItKeeps() throws IOException {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);
        SystemdServiceManager system = manager(systemctl, 0);
        system.install(Requests.defaults(), progress::add);
        Files.createDirectories(dir.resolve("var/lib/users-service"));
        Files.createDirectories(dir.resolve("etc/users-service"));
        Path config = Files.createDirectories(home.resolve(".config/users-service"));
        Path cache = Files.createDirectories(home.resolve(".cache/users-service"));

        system.uninstall(SYSTEM, progress::add);
        List<String> systemLines = List.copyOf(progress);
        progress.clear();
        Path userUnit =
                Files.createDirectories(home.resolve(".config/systemd/user")).resolve("users-service.service");
        Files.writeString(userUnit, "[Service]\n");
        manager(systemctl, 1000).uninstall(USER, progress::add);

        assertThat(systemLines)
                .last()
                .isEqualTo("Kept /var/lib/users-service, /etc/users-service (data, logs and configuration); remove them"
                        + " yourself if you no longer need them");
        assertThat(progress)
                .last()
                .isEqualTo("Kept " + config + ", " + cache
                        + " (data, logs and configuration); remove them yourself if you no longer need them");
    }

    @Test
    void twoInstancesShareTheTemplateAndAreEnabledEachByItsName() throws IOException {
        Files.createDirectories(dir.resolve("etc/users-service"));
        Files.writeString(dir.resolve("etc/users-service/a.yaml"), "http:\n  port: 8081\n");
        Files.writeString(dir.resolve("etc/users-service/b.yaml"), "http:\n  port: 8082\n");
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(FakeSystemctl.NOT_FOUND, FakeSystemctl.ACTIVE, FakeSystemctl.NOT_FOUND, FakeSystemctl.ACTIVE);
        SystemdServiceManager manager = manager(systemctl, 0);

        manager.install(Requests.instance("a", true), progress::add);
        String afterA = Files.readString(etc.resolve("users-service@.service"));
        manager.install(Requests.instance("b", false), progress::add);

        assertThat(etc.resolve("users-service@.service"))
                .content()
                .isEqualTo(afterA)
                .isEqualTo(SystemdUnitRenderer.render(Requests.instance("b", false), SystemdUnitOptions.defaults()));
        assertThat(etc.resolve("users-service.service")).doesNotExist();
        assertThat(systemctl.changes())
                .containsExactly(
                        "systemctl daemon-reload",
                        "systemctl reset-failed users-service@a.service",
                        "systemctl enable --now users-service@a.service",
                        "systemctl daemon-reload",
                        "systemctl reset-failed users-service@b.service",
                        "systemctl enable --now users-service@b.service");
        assertThat(systemctl.commands())
                .contains(
                        "systemctl show -p LoadState,ActiveState,SubState,MainPID,NRestarts,ExecMainCode,ExecMainStatus,StateChangeTimestampMonotonic"
                                + " users-service@b.service");
        assertThat(progress).contains("Starting users-service@a…", "Starting users-service@b…");
    }

    @Test
    void installOfAnInstanceWithoutItsConfigurationFileFailsWith78AndWritesNothing() {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);

        assertThatThrownBy(() -> manager(systemctl, 0).install(Requests.instance("a", false), progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(78))
                .hasMessageContaining("users-service@a reads its configuration from /etc/users-service/a.yaml")
                .hasMessageContaining("http.port and management.port");
        assertThat(etc.resolve("users-service@.service")).doesNotExist();
        assertThat(systemctl.commands()).isEmpty();
    }

    @Test
    void uninstallOfOneInstanceKeepsTheTemplateWhileAnotherIsEnabled() throws IOException {
        Path staging = dir.resolve("staging");
        ServiceRef a = new ServiceRef("users-service", false, Optional.of(staging), Optional.of("a"));
        ServiceRef b = new ServiceRef("users-service", false, Optional.of(staging), Optional.of("b"));
        SystemdServiceManager manager = manager(new FakeSystemctl(), 1000);
        manager.install(Requests.withService(Requests.instance("a", false), a), progress::add);
        Path units = staging.resolve("etc/systemd/system");
        // What systemctl enable users-service@b.service leaves behind.
        Path wants = Files.createDirectories(units.resolve("multi-user.target.wants"));
        Files.createSymbolicLink(wants.resolve("users-service@b.service"), units.resolve("users-service@.service"));

        manager.uninstall(a, progress::add);

        assertThat(units.resolve("users-service@.service")).exists();
        assertThat(progress)
                .contains("Kept " + units.resolve("users-service@.service") + ": users-service@b.service still use it");

        Files.delete(wants.resolve("users-service@b.service"));
        manager.uninstall(b, progress::add);

        assertThat(units.resolve("users-service@.service")).doesNotExist();
        assertThat(progress).contains("Removed " + units.resolve("users-service@.service"));
    }

    @Test
    void uninstallStartAndStopOfAnInstanceActOnItsUnit() throws IOException {
        Files.createDirectories(dir.resolve("etc/users-service"));
        Files.writeString(dir.resolve("etc/users-service/a.yaml"), "");
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);
        SystemdServiceManager manager = manager(systemctl, 0);
        ServiceRef a = SYSTEM.withInstance("a");
        manager.install(Requests.instance("a", false), progress::add);

        manager.restart(a, progress::add);
        manager.reload(a, progress::add);
        manager.uninstall(a, progress::add);

        assertThat(systemctl.changes())
                .containsExactly(
                        "systemctl daemon-reload",
                        "systemctl enable --now users-service@a.service",
                        "systemctl reset-failed users-service@a.service",
                        "systemctl restart users-service@a.service",
                        "systemctl reload users-service@a.service",
                        "systemctl stop users-service@a.service",
                        "systemctl disable users-service@a.service",
                        "systemctl daemon-reload",
                        "systemctl reset-failed users-service@a.service");
        assertThat(etc.resolve("users-service@.service")).doesNotExist();
    }

    @Test
    void installThatDoesNotBecomeActiveFailsWithTheJournalLines() {
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(FakeSystemctl.ACTIVATING, FakeSystemctl.FAILED_78)
                .journal("users-service[4242]: config: http.port \"80800\" is not a port; set 1-65535");

        assertThatThrownBy(() -> manager(systemctl, 0).install(Requests.defaults(), progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(1))
                .hasMessageContaining("users-service did not start: failed (failed), last exit status 78")
                .hasMessageContaining("http.port \"80800\" is not a port")
                .hasMessageContaining("journalctl -u users-service.service");
    }

    @Test
    void installThatStaysActivatingTimesOut() {
        FakeSystemctl systemctl = new FakeSystemctl().showing(FakeSystemctl.ACTIVATING);
        SystemdServiceManager manager = new SystemdServiceManager(
                systemctl,
                () -> 0,
                Map.of(),
                etc,
                home,
                () -> true,
                SystemdUnitOptions.defaults(),
                Duration.ofMillis(200),
                Duration.ofMillis(10),
                Duration.ofSeconds(5));

        assertThatThrownBy(() -> manager.install(Requests.defaults(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining("did not start within");
    }

    @Test
    void systemctlRefusalIsPermissionDenied() {
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(FakeSystemctl.INACTIVE)
                .failing("start", 4, "Failed to start users-service.service: Access denied");

        assertThatThrownBy(() -> manager(systemctl, 1000).start(SYSTEM, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(77))
                .hasMessageContaining("sudo");
    }

    @Test
    void manualStartTypeStartsWithoutEnablingAndDisabledNeitherStartsNorEnables() {
        FakeSystemctl manual = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);
        manager(manual, 0).install(Requests.withStartType(Requests.defaults(), StartType.MANUAL), progress::add);
        FakeSystemctl disabled = new FakeSystemctl();
        manager(disabled, 0).install(Requests.withStartType(Requests.defaults(), StartType.DISABLED), progress::add);

        assertThat(manual.changes())
                .containsExactly("systemctl daemon-reload", "systemctl start users-service.service");
        assertThat(disabled.commands()).containsExactly("systemctl daemon-reload");
    }

    @Test
    void startStopRestartAndReloadGoThroughSystemctl() {
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(
                        FakeSystemctl.INACTIVE,
                        FakeSystemctl.ACTIVE, // start
                        FakeSystemctl.ACTIVE,
                        FakeSystemctl.INACTIVE, // stop
                        FakeSystemctl.ACTIVE,
                        FakeSystemctl.ACTIVE, // restart
                        FakeSystemctl.ACTIVE); // reload
        SystemdServiceManager manager = manager(systemctl, 0);

        manager.start(SYSTEM, progress::add);
        manager.stop(SYSTEM, progress::add);
        manager.restart(SYSTEM, progress::add);
        manager.reload(SYSTEM, progress::add);

        assertThat(systemctl.changes())
                .containsExactly(
                        "systemctl reset-failed users-service.service",
                        "systemctl start users-service.service",
                        "systemctl stop users-service.service",
                        "systemctl reset-failed users-service.service",
                        "systemctl restart users-service.service",
                        "systemctl reload users-service.service");
    }

    /**
     * systemd counts an operator's starts against the {@code StartLimitBurst=} meant for automatic restarts, so start
     * and restart clear the counter first; a start of a running unit changes nothing, keeps its counters and says
     * "already running".
     * ({@code SystemdManagerIT.restartsAnOperatorAsksForDoNotUseUpTheAutomaticRestarts} shows it under systemd.)
     */
    @Test
    void startOfAStoppedUnitAndRestartClearTheStartLimitCounterButStartOfARunningOneDoesNot() {
        FakeSystemctl failed = new FakeSystemctl().showing(FakeSystemctl.FAILED_78, FakeSystemctl.ACTIVE);
        FakeSystemctl running = new FakeSystemctl().showing(FakeSystemctl.ACTIVE);

        manager(failed, 0).start(USER, progress::add);
        manager(running, 0).start(USER, progress::add);

        assertThat(failed.changes())
                .containsExactly(
                        "systemctl --user reset-failed users-service.service",
                        "systemctl --user start users-service.service");
        assertThat(running.changes())
                .as("a start of a running unit changes nothing")
                .isEmpty();
        assertThat(progress).last().isEqualTo("users-service is already running (pid 4242, active (running))");
    }

    /**
     * {@code systemctl start} of a {@code Type=notify} unit returns only after {@code READY=1}: the time start and
     * restart show is the whole start, and "Starting users-service…" is said once.
     */
    @Test
    void startAndRestartSayStartingOnceAndShowTheTimeOfTheWholeStart() {
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(FakeSystemctl.INACTIVE, FakeSystemctl.ACTIVE)
                .taking("start", Duration.ofMillis(400))
                .taking("restart", Duration.ofMillis(400));
        SystemdServiceManager manager = manager(systemctl, 0);

        manager.start(SYSTEM, progress::add);
        manager.restart(SYSTEM, progress::add);

        assertThat(progress).hasSize(4);
        assertThat(progress.get(0)).isEqualTo("Starting users-service…");
        assertThat(progress.get(2)).isEqualTo("Restarting users-service…");
        for (String running : List.of(progress.get(1), progress.get(3))) {
            assertThat(running).matches("running \\(\\d+\\.\\d s\\)");
            assertThat(Double.parseDouble(running.substring("running (".length(), running.indexOf(' ', 9))))
                    .as(running)
                    .isGreaterThanOrEqualTo(0.4);
        }
    }

    @Test
    void reloadOfAStoppedServiceFailsWith3AndStartOfAnUnknownOneWith4() {
        assertThatThrownBy(() -> manager(new FakeSystemctl().showing(FakeSystemctl.INACTIVE), 0)
                        .reload(SYSTEM, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(3));
        assertThatThrownBy(() -> manager(new FakeSystemctl(), 0).start(USER, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(4))
                .hasMessageContaining("with --user");
    }

    @Test
    void statusMapsSystemctlShowToTheExitCodeTable() {
        ServiceStatus running =
                manager(new FakeSystemctl().showing(FakeSystemctl.ACTIVE), 1000).status(SYSTEM);
        ServiceStatus failed = manager(new FakeSystemctl().showing(FakeSystemctl.FAILED_78), 1000)
                .status(SYSTEM);
        ServiceStatus missing = manager(new FakeSystemctl(), 1000).status(USER);

        assertThat(running.exitCode()).isZero();
        assertThat(running.summary()).isEqualTo("running (active (running), pid 4242, last exit code 0, 1 restarts)");
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.summary()).isEqualTo("not running (failed (failed), last exit code 78, 2 restarts)");
        assertThat(missing.exitCode()).isEqualTo(4);
    }

    @Test
    void statusUnderRootReportsTheStagedFileWithoutSystemctl() {
        ServiceRef staged = new ServiceRef("users-service", false, Optional.of(dir.resolve("staging")));
        FakeSystemctl systemctl = new FakeSystemctl();
        SystemdServiceManager manager = manager(systemctl, 1000);

        assertThat(manager.status(staged).exitCode()).isEqualTo(4);
        manager.install(Requests.withService(Requests.defaults(), staged), progress::add);
        assertThat(manager.status(staged).exitCode()).isEqualTo(3);
        assertThat(systemctl.commands()).isEmpty();
    }

    /** A manager for describeInstall's golden files: nothing runs, the machine's paths are fixed. */
    private static SystemdServiceManager describingManager() {
        return new SystemdServiceManager(
                new FakeSystemctl(),
                () -> 0,
                Map.of(),
                Path.of("/etc/systemd/system"),
                Path.of("/home/alice"),
                () -> true,
                SystemdUnitOptions.defaults(),
                Duration.ofSeconds(5),
                Duration.ofMillis(5),
                Duration.ofSeconds(5));
    }

    @Test
    void describeInstallMatchesGoldenFiles() throws IOException {
        SystemdServiceManager manager = describingManager();

        Golden.assertMatches("describe-install-system.txt", manager.describeInstall(Requests.defaults()));
        Golden.assertMatches("describe-install-user.txt", manager.describeInstall(Requests.user()));
        Golden.assertMatches("describe-install-instance.txt", manager.describeInstall(Requests.instance("a", true)));
        Golden.assertMatches(
                "describe-install-root.txt",
                manager.withUnitOptions(SystemdUnitOptions.builder()
                                .dropIn("[Service]\nEnvironment=JAVA_TOOL_OPTIONS=-Xss512k\n")
                                .build())
                        .describeInstall(Requests.withService(
                                Requests.defaults(),
                                new ServiceRef("users-service", false, Optional.of(Path.of("/srv/image"))))));
    }

    @Test
    void describeInstallShowsTheCapabilityAndTheDropInOfTheCommandLine() throws IOException {
        SystemdServiceManager manager = describingManager();

        Golden.assertMatches(
                "describe-install-options.txt",
                manager.describeInstall(Requests.defaults()
                        .withBindPrivilegedPorts(true)
                        .withDropIn(Optional.of("[Service]\nEnvironment=SERVICEKIT_DROPIN_TEST=yes\nMemoryMax=1G\n"))));
    }

    @Test
    void userUnitsHonourXdgConfigHome() {
        UnitLocation location = UnitLocation.of(USER, etc, home, Map.of("XDG_CONFIG_HOME", "/cfg"));

        assertThat(location.unitFile()).isEqualTo(Path.of("/cfg/systemd/user/users-service.service"));
        assertThat(location.dropInFile()).isEqualTo(Path.of("/cfg/systemd/user/users-service.service.d/override.conf"));
    }

    @Test
    void dryRunInstallChangesNothing() {
        FakeSystemctl systemctl = new FakeSystemctl();
        InstallRequest r = Requests.defaults();
        InstallRequest dry = new InstallRequest(
                r.service(),
                r.displayName(),
                r.description(),
                r.startType(),
                r.account(),
                r.password(),
                r.dependsOn(),
                r.onFailure(),
                r.resetAfter(),
                r.stopTimeout(),
                r.launch(),
                true);

        manager(systemctl, 1000).install(dry, progress::add);

        assertThat(systemctl.commands()).isEmpty();
        assertThat(etc.resolve("users-service.service")).doesNotExist();
        assertThat(progress)
                .singleElement()
                .asString()
                .contains("Type=notify", "systemctl enable --now users-service.service");
    }

    @Test
    void isRegisteredForServiceLoaderAsPlatformSystemdWithOrder20() {
        List<ServiceManager> managers = ServiceManagers.load().all();

        assertThat(managers)
                .filteredOn(m -> m.platform().equals("systemd"))
                .singleElement()
                .isInstanceOf(SystemdServiceManager.class)
                .extracting(ServiceManager::order)
                .isEqualTo(20);
    }

    @Test
    void isAvailableOnlyWhenSystemdIsPid1() {
        assertThat(new SystemdServiceManager(
                                new FakeSystemctl(),
                                () -> 0,
                                Map.of(),
                                etc,
                                home,
                                () -> false,
                                SystemdUnitOptions.defaults(),
                                Duration.ofSeconds(1),
                                Duration.ofMillis(5),
                                Duration.ofSeconds(5))
                        .isAvailable())
                .isFalse();
        assertThat(new SystemdServiceManager().isAvailable())
                .isEqualTo(Files.isDirectory(Path.of("/run/systemd/system")));
    }

    private static final String SHOW_LAUNCH = "systemctl show -p " + SystemdServiceManager.LAUNCH_PROPERTIES + " ";

    /** The manager's own environment block, asked for when the unit's process cannot be read. */
    private static final String SHOW_MANAGER_ENVIRONMENT = "systemctl show -p Environment";

    /** The launch's arguments and working directory alone. */
    private static InstalledLaunch withoutEnvironment(InstalledLaunch launch) {
        return new InstalledLaunch(launch.arguments(), launch.workingDirectory());
    }

    private static String shownLaunch(String workingDirectory, String dropInPaths) {
        return "LoadState=loaded\nFragmentPath=\nDropInPaths=" + dropInPaths + "\nWorkingDirectory=" + workingDirectory
                + "\n";
    }

    @Test
    void installedLaunchIsTheUnitsArgumentsAfterRunUnquotedAndTheWorkingDirectorySystemdShows() throws IOException {
        InstallRequest request = Requests.withService(Requests.pathsWithSpaces(), SYSTEM);
        List<String> arguments = List.of(
                "--config",
                "/etc/users service/a b.yaml",
                "--set",
                "banner=it's $HOME ${USER} 100% \"quoted\" \\ %i",
                "--set",
                "empty=");
        request = new InstallRequest(
                request.service(),
                request.displayName(),
                request.description(),
                request.startType(),
                request.account(),
                request.password(),
                request.dependsOn(),
                request.onFailure(),
                request.resetAfter(),
                request.stopTimeout(),
                new dev.servicekit.spi.LaunchCommand(
                        request.launch().java(),
                        request.launch().jvmOptions(),
                        request.launch().jar(),
                        arguments),
                false);
        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(request, SystemdUnitOptions.defaults()));
        FakeSystemctl systemctl = new FakeSystemctl().showing(shownLaunch("/var/lib/users-service", ""));

        Optional<InstalledLaunch> launch = manager(systemctl, 1000).installedLaunch(SYSTEM);

        assertThat(launch.map(SystemdServiceManagerTest::withoutEnvironment))
                .contains(new InstalledLaunch(arguments, Optional.of(Path.of("/var/lib/users-service"))));
        assertThat(systemctl.commands())
                .containsExactly(SHOW_LAUNCH + "users-service.service", SHOW_MANAGER_ENVIRONMENT);
    }

    @Test
    void installedLaunchOfATemplateInstanceHasItsOwnConfigurationFileAndDirectory() throws IOException {
        Files.writeString(
                etc.resolve("users-service@.service"),
                SystemdUnitRenderer.render(Requests.instance("a", true), SystemdUnitOptions.defaults()));
        FakeSystemctl systemctl = new FakeSystemctl().showing(shownLaunch("/var/lib/users-service/a", ""));

        Optional<InstalledLaunch> launch = manager(systemctl, 0).installedLaunch(SYSTEM.withInstance("a"));

        assertThat(launch.map(SystemdServiceManagerTest::withoutEnvironment))
                .contains(new InstalledLaunch(
                        List.of("--instance", "a", "--config", "/etc/users-service/a.yaml"),
                        Optional.of(Path.of("/var/lib/users-service/a"))));
        assertThat(systemctl.commands())
                .containsExactly(SHOW_LAUNCH + "users-service@a.service", SHOW_MANAGER_ENVIRONMENT);
    }

    @Test
    void installedLaunchOfAUserTemplateInstanceResolvesTheConfigurationHome() throws IOException {
        ServiceRef b = USER.withInstance("b");
        Path template =
                Files.createDirectories(home.resolve(".config/systemd/user")).resolve("users-service@.service");
        Files.writeString(
                template,
                SystemdUnitRenderer.render(Requests.userInstance("b"), SystemdUnitOptions.defaults(), home, Map.of()));
        assertThat(template).content().contains("--config %E/users-service/%i.yaml");
        Path workingDirectory = home.resolve(".config/users-service/b");
        // A directory that may be missing: systemd marks it with "!" (WorkingDirectory=-…, or the default).
        FakeSystemctl systemctl = new FakeSystemctl().showing(shownLaunch("!" + workingDirectory, ""));

        Optional<InstalledLaunch> launch = manager(systemctl, 1000).installedLaunch(b);

        assertThat(launch.map(SystemdServiceManagerTest::withoutEnvironment))
                .contains(new InstalledLaunch(
                        List.of(
                                "--instance",
                                "b",
                                "--config",
                                UnitLocation.instanceConfigFile(b, "b", home, Map.of())
                                        .toString()),
                        Optional.of(workingDirectory)));
        assertThat(launch.get().arguments().get(3)).isEqualTo(home + "/.config/users-service/b.yaml");
        assertThat(systemctl.commands())
                .containsExactly(
                        "systemctl --user " + SHOW_LAUNCH.substring(10) + "users-service@b.service",
                        "systemctl --user show -p Environment");
    }

    @Test
    void installedLaunchTakesTheExecStartOfADropInThatReplacesIt() throws IOException {
        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        Path dropIn =
                Files.createDirectories(etc.resolve("users-service.service.d")).resolve("override.conf");
        Files.writeString(dropIn, """
                # systemctl edit users-service
                [Service]
                ExecStart=
                ExecStart=/usr/bin/java -Xmx1g -jar /opt/users-service/users-service.jar run \\
                    --config "/etc/users-service/other config.yaml"
                """);
        FakeSystemctl systemctl = new FakeSystemctl().showing(shownLaunch("/var/lib/users-service", dropIn.toString()));

        assertThat(manager(systemctl, 0).installedLaunch(SYSTEM).map(SystemdServiceManagerTest::withoutEnvironment))
                .contains(new InstalledLaunch(
                        List.of("--config", "/etc/users-service/other config.yaml"),
                        Optional.of(Path.of("/var/lib/users-service"))));
    }

    @Test
    void installedLaunchIsEmptyWhenNothingIsInstalledSystemdDoesNotKnowTheUnitOrItIsOnlyStaged() throws IOException {
        FakeSystemctl none = new FakeSystemctl();
        assertThat(manager(none, 0).installedLaunch(SYSTEM)).isEmpty();
        assertThat(manager(none, 0).installedLaunch(SYSTEM.withInstance("a"))).isEmpty();
        assertThat(none.commands()).as("no unit file: systemctl is not asked").isEmpty();

        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        FakeSystemctl notFound = new FakeSystemctl().showing(FakeSystemctl.NOT_FOUND);
        assertThat(manager(notFound, 0).installedLaunch(SYSTEM)).isEmpty();

        Path staging = dir.resolve("staging");
        ServiceRef staged = new ServiceRef("users-service", false, Optional.of(staging));
        FakeSystemctl stagedSystemctl = new FakeSystemctl();
        manager(stagedSystemctl, 0).install(Requests.withService(Requests.defaults(), staged), progress::add);
        assertThat(manager(stagedSystemctl, 0).installedLaunch(staged)).isEmpty();
        assertThat(stagedSystemctl.commands()).isEmpty();
    }

    @Test
    void installedLaunchIsEmptyForACommandLineItCannotReadBack() throws IOException {
        Path unit = etc.resolve("users-service.service");
        FakeSystemctl systemctl = new FakeSystemctl().showing(shownLaunch("/var/lib/users-service", ""));
        for (String execStart : List.of(
                "/usr/bin/java $JAVA_OPTS -jar /opt/u.jar run --config /etc/u.yaml", // the unit's environment
                "/usr/bin/java -jar /opt/u.jar run --config %S/u.yaml", // a specifier it does not resolve
                "/usr/bin/java -cp /opt/u.jar Main run --config /etc/u.yaml", // not -jar <jar> run
                "/usr/bin/java -jar /opt/u.jar")) {
            Files.writeString(unit, "[Service]\nType=notify\nExecStart=" + execStart + "\n");

            assertThat(manager(systemctl, 0).installedLaunch(SYSTEM))
                    .as(execStart)
                    .isEmpty();
        }
        Files.writeString(unit, "[Service]\nExecStart=-/usr/bin/java -jar /opt/u.jar run --set \"a=$$b\"\n");
        assertThat(manager(systemctl, 0).installedLaunch(SYSTEM))
                .as("a prefix (-) on the command, and $$")
                .map(InstalledLaunch::arguments)
                .contains(List.of("--set", "a=$b"));
    }

    @Test
    void theEnvironmentOfARunningUnitIsItsProcesssOwn() throws IOException {
        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        Path environ = Files.createDirectories(dir.resolve("proc/4242")).resolve("environ");
        Files.write(environ, "PATH=/usr/bin\0USERS_SERVICE_MANAGEMENT_PORT=9100\0".getBytes(StandardCharsets.UTF_8));
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(shownLaunch("/var/lib/users-service", "")
                        + "MainPID=4242\nEnvironment=USERS_SERVICE_MANAGEMENT_PORT=9200\n");

        InstalledLaunch.Environment environment = manager(systemctl, 0)
                .installedLaunch(SYSTEM)
                .orElseThrow()
                .environment()
                .orElseThrow();

        assertThat(environment.variables())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("PATH", "/usr/bin", "USERS_SERVICE_MANAGEMENT_PORT", "9100"));
        assertThat(environment.source()).isEqualTo("/proc/4242/environ");
        assertThat(systemctl.commands()).containsExactly(SHOW_LAUNCH + "users-service.service");
    }

    @Test
    void withoutTheProcessTheEnvironmentIsTheUnitsSettingsOverTheManagersInSystemdsOrder() throws IOException {
        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        Path env = Files.createDirectories(dir.resolve("etc/users-service")).resolve("env");
        Files.writeString(env, "USERS_SERVICE_DATA_DIR=/srv/users\nUSERS_SERVICE_LOG_LEVEL='from file'\n");
        Files.createDirectories(dir.resolve("etc/users-service/dir.env"));
        String unit = shownLaunch("/var/lib/users-service", "")
                + "MainPID=4242\n" // running, but its /proc/4242/environ is not there to read
                + "Environment=\"USERS_SERVICE_MANAGEMENT_PORT=9100\" \"USERS_SERVICE_LOG_LEVEL=a b\" GONE=x\n"
                + "EnvironmentFiles=/etc/users-service/env (ignore_errors=no)\n"
                + "EnvironmentFiles=/etc/users-service/missing (ignore_errors=yes)\n"
                + "EnvironmentFiles=/etc/users-service/required (ignore_errors=no)\n"
                + "EnvironmentFiles=/etc/users-service/dir.env (ignore_errors=no)\n"
                + "EnvironmentFiles=/etc/users-service/*.env (ignore_errors=yes)\n"
                + "UnsetEnvironment=GONE\n"
                + "PassEnvironment=USERS_SERVICE_SECRET\n";
        String managerBlock = "Environment=PATH=/usr/bin USERS_SERVICE_DATA_DIR=/var/lib/x \"LANG=C.UTF-8\"\n";
        FakeSystemctl systemctl = new FakeSystemctl().showing(unit, managerBlock);

        InstalledLaunch.Environment environment = manager(systemctl, 0)
                .installedLaunch(SYSTEM)
                .orElseThrow()
                .environment()
                .orElseThrow();

        assertThat(environment.variables())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "PATH", "/usr/bin",
                        "LANG", "C.UTF-8",
                        "USERS_SERVICE_DATA_DIR", "/srv/users",
                        "USERS_SERVICE_MANAGEMENT_PORT", "9100",
                        "USERS_SERVICE_LOG_LEVEL", "from file"));
        assertThat(environment.source())
                .startsWith("the unit's Environment= and EnvironmentFile= over systemd's environment block")
                .contains("/proc/4242/environ is not readable by this user");
        assertThat(environment.unread())
                .containsExactly(
                        "EnvironmentFile=/etc/users-service/required does not exist (without it the unit does not"
                                + " start)",
                        "EnvironmentFile=/etc/users-service/dir.env cannot be read (Is a directory)",
                        "EnvironmentFile=/etc/users-service/*.env is a pattern, which is not expanded here",
                        "PassEnvironment=USERS_SERVICE_SECRET (from systemd's own process environment)");
        assertThat(systemctl.commands())
                .containsExactly(SHOW_LAUNCH + "users-service.service", SHOW_MANAGER_ENVIRONMENT);
    }

    @Test
    void anEnvironmentSystemdShowsThatCannotBeReadBackExactlyIsNotRead() throws IOException {
        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        FakeSystemctl systemctl = new FakeSystemctl()
                .showing(shownLaunch("/var/lib/users-service", "") + "Environment=A=b c\n", "Environment=\n");

        Optional<InstalledLaunch> launch = manager(systemctl, 0).installedLaunch(SYSTEM);

        assertThat(launch).isPresent();
        assertThat(launch.get().environment())
                .as("an older systemd's unquoted value with a space")
                .isEmpty();
    }

    @Test
    void installedLaunchWithoutSystemdReadsTheUnitFileAndFindsTheStateDirectory() throws IOException {
        Files.writeString(
                etc.resolve("users-service.service"),
                SystemdUnitRenderer.render(Requests.defaults(), SystemdUnitOptions.defaults()));
        FakeSystemctl systemctl =
                new FakeSystemctl().failing("show", 1, "Failed to connect to bus: No such file or directory");
        SystemdServiceManager manager = manager(systemctl, 0);

        assertThat(manager.installedLaunch(SYSTEM))
                .contains(new InstalledLaunch(List.of("--config", "/etc/users-service/config.yaml"), Optional.empty()));

        Files.createDirectories(dir.resolve("var/lib/users-service"));
        assertThat(manager.installedLaunch(SYSTEM).flatMap(InstalledLaunch::workingDirectory))
                .contains(Path.of("/var/lib/users-service"));
    }
}
