package dev.servicekit.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceState;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.StartType;
import dev.servicekit.testing.FakeManagedService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LaunchdServiceManagerTest {

    private static final ServiceRef SYSTEM = ServiceRef.system("users-service");
    private static final ServiceRef USER = new ServiceRef("users-service", true, Optional.empty());
    private static final String DAEMON = "system/dev.servicekit.users-service";
    private static final String AGENT = "gui/501/dev.servicekit.users-service";
    private static final String DAEMON_PLIST = "/Library/LaunchDaemons/dev.servicekit.users-service.plist";
    private static final String AGENT_PLIST = "/Users/alice/Library/LaunchAgents/dev.servicekit.users-service.plist";

    @TempDir
    Path live;

    private final List<String> progress = new CopyOnWriteArrayList<>();
    private final List<String> chowns = new CopyOnWriteArrayList<>();

    private LaunchdServiceManager manager(Launchctl launchctl, long uid) {
        return new LaunchdServiceManager(
                launchctl,
                () -> uid,
                live,
                LaunchdRequests.HOME,
                () -> true,
                (dir, account) -> chowns.add(live.relativize(dir) + " " + account),
                Duration.ofSeconds(5),
                Duration.ofMillis(5));
    }

    private Path onDisk(String livePath) {
        return live.resolve(livePath.substring(1));
    }

    @Test
    void installWritesThePlistWithMode644BootstrapsItAndWaitsUntilRunning() throws IOException {
        FakeLaunchd launchd = new FakeLaunchd(live).spawnDelay(2);

        manager(launchd, 0).install(LaunchdRequests.defaults(), progress::add);

        Path plist = onDisk(DAEMON_PLIST);
        assertThat(plist)
                .content()
                .isEqualTo(LaunchdPlistRenderer.render(
                        LaunchdRequests.defaults(), LaunchdLocation.of(SYSTEM, LaunchdRequests.HOME, live)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(plist)))
                .isEqualTo("rw-r--r--");
        assertThat(onDisk("/usr/local/var/users-service")).isDirectory();
        assertThat(onDisk("/usr/local/var/log/users-service")).isDirectory();
        assertThat(launchd.changes()).containsExactly("launchctl bootstrap system " + DAEMON_PLIST);
        assertThat(launchd.commands())
                .filteredOn(c -> c.equals("launchctl print " + DAEMON))
                .hasSizeGreaterThanOrEqualTo(3);
        assertThat(progress)
                .contains("Wrote " + plist, "launchctl bootstrap system " + DAEMON_PLIST, "Starting users-service…")
                .anyMatch(p -> p.startsWith("running ("))
                .anyMatch(p -> p.contains("will run as root"));
    }

    @Test
    void userInstallGoesToLaunchAgentsAndTheGuiDomainOfTheUser() {
        FakeLaunchd launchd = new FakeLaunchd(live);

        manager(launchd, 501).install(LaunchdRequests.user(), progress::add);

        assertThat(onDisk(AGENT_PLIST)).exists();
        assertThat(onDisk("/Users/alice/Library/Application Support/users-service"))
                .isDirectory();
        assertThat(onDisk("/Users/alice/Library/Logs/users-service")).isDirectory();
        assertThat(launchd.changes()).containsExactly("launchctl bootstrap gui/501 " + AGENT_PLIST);
        assertThat(launchd.isLoaded(AGENT)).isTrue();
        assertThat(chowns).isEmpty();
    }

    @Test
    void installWithAnAccountGivesTheDirectoriesToIt() {
        manager(new FakeLaunchd(live), 0).install(LaunchdRequests.account(), progress::add);

        assertThat(chowns)
                .containsExactly(
                        "usr/local/var/users-service _users:staff", "usr/local/var/log/users-service _users:staff");
        assertThat(progress).noneMatch(p -> p.contains("will run as root"));
    }

    @Test
    void systemInstallAsARegularUserFailsWith77AndSaysToUseSudoOrUser() {
        FakeLaunchd launchd = new FakeLaunchd(live);

        assertThatThrownBy(() -> manager(launchd, 501).install(LaunchdRequests.defaults(), progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(77))
                .hasMessageContaining("sudo")
                .hasMessageContaining("--user");
        assertThat(launchd.commands()).isEmpty();
        assertThat(onDisk(DAEMON_PLIST)).doesNotExist();
    }

    @Test
    void installUnderRootWritesThePlistAndNothingElseEvenForARegularUser() {
        Path staging = live.resolve("staging");
        FakeLaunchd launchd = new FakeLaunchd(live);
        InstallRequest staged = Requests.withService(
                LaunchdRequests.account(), new ServiceRef("users-service", false, Optional.of(staging)));

        manager(launchd, 501).install(staged, progress::add);

        Path plist = staging.resolve(DAEMON_PLIST.substring(1));
        assertThat(plist).exists();
        assertThat(launchd.commands()).isEmpty();
        assertThat(chowns).isEmpty();
        assertThat(onDisk(DAEMON_PLIST)).doesNotExist();
        assertThat(progress)
                .contains("Wrote " + plist)
                .anyMatch(p ->
                        p.contains("launchctl not called") && p.contains("launchctl bootstrap system " + DAEMON_PLIST));
    }

    @Test
    void uninstallUnderRootRemovesThePlistAndCallsNothing() {
        ServiceRef ref = new ServiceRef("users-service", false, Optional.of(live.resolve("staging")));
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 501);
        manager.install(Requests.withService(LaunchdRequests.defaults(), ref), progress::add);

        manager.uninstall(ref, progress::add);

        assertThat(live.resolve("staging").resolve(DAEMON_PLIST.substring(1))).doesNotExist();
        assertThat(launchd.commands()).isEmpty();
    }

    @Test
    void uninstallBootsTheJobOutThenRemovesThePlistAndKeepsTheLogs() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(LaunchdRequests.defaults(), progress::add);

        manager.uninstall(SYSTEM, progress::add);

        assertThat(launchd.isLoaded(DAEMON)).isFalse();
        assertThat(onDisk(DAEMON_PLIST)).doesNotExist();
        assertThat(onDisk("/usr/local/var/log/users-service")).isDirectory();
        assertThat(launchd.changes())
                .containsExactly("launchctl bootstrap system " + DAEMON_PLIST, "launchctl bootout " + DAEMON);
    }

    @Test
    void uninstallOfAServiceThatIsNotInstalledFailsWith4() {
        assertThatThrownBy(() -> manager(new FakeLaunchd(live), 0).uninstall(SYSTEM, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(4))
                .hasMessageContaining("not installed");
    }

    @Test
    void reinstallBootsTheLoadedJobOutSoTheNewPlistApplies() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(LaunchdRequests.defaults(), progress::add);

        manager.install(LaunchdRequests.account(), progress::add);

        assertThat(launchd.changes())
                .containsExactly(
                        "launchctl bootstrap system " + DAEMON_PLIST,
                        "launchctl bootout " + DAEMON,
                        "launchctl bootstrap system " + DAEMON_PLIST);
        assertThat(onDisk(DAEMON_PLIST)).content().contains("<key>UserName</key>");
    }

    @Test
    void installThatCrashesFailsWithTheExitCodeAndTheLastLogLines() throws IOException {
        FakeLaunchd launchd = new FakeLaunchd(live).spawnDelay(1).crashOnStart(78);
        Path log = Files.createDirectories(onDisk("/usr/local/var/log/users-service"))
                .resolve("users-service.log");
        Files.writeString(log, "starting\nconfig: http.port \"80800\" is not a port; set 1-65535\n");

        assertThatThrownBy(() -> manager(launchd, 0).install(LaunchdRequests.defaults(), progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(1))
                .hasMessageContaining("users-service did not start: state = not running, last exit code 78")
                .hasMessageContaining("http.port \"80800\" is not a port")
                .hasMessageContaining("launchctl print " + DAEMON);
    }

    @Test
    void installThatStaysScheduledTimesOut() {
        FakeLaunchd launchd = new FakeLaunchd(live).spawnDelay(Integer.MAX_VALUE);
        LaunchdServiceManager manager = new LaunchdServiceManager(
                launchd,
                () -> 0,
                live,
                LaunchdRequests.HOME,
                () -> true,
                (d, a) -> {},
                Duration.ofMillis(200),
                Duration.ofMillis(10));

        assertThatThrownBy(() -> manager.install(LaunchdRequests.defaults(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageContaining("did not start within");
    }

    @Test
    void manualStartTypeKickstartsAfterBootstrapAndDisabledLoadsNothing() {
        FakeLaunchd manual = new FakeLaunchd(live);
        manager(manual, 0).install(Requests.withStartType(LaunchdRequests.defaults(), StartType.MANUAL), progress::add);
        FakeLaunchd disabled = new FakeLaunchd(live);
        manager(disabled, 0).install(Requests.withStartType(LaunchdRequests.user(), StartType.DISABLED), progress::add);

        assertThat(manual.changes())
                .containsExactly("launchctl bootstrap system " + DAEMON_PLIST, "launchctl kickstart " + DAEMON);
        assertThat(manual.isLoaded(DAEMON)).isTrue();
        assertThat(disabled.commands()).isEmpty();
        assertThat(progress)
                .anyMatch(p -> p.contains("disabled") && p.contains("launchctl bootstrap gui/0 " + AGENT_PLIST));
    }

    @Test
    void stopSendsSigtermAndWaitsThenStartKickstartsAgain() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(LaunchdRequests.defaults(), progress::add);

        manager.stop(SYSTEM, progress::add);
        ServiceStatus stopped = manager.status(SYSTEM);
        manager.start(SYSTEM, progress::add);

        assertThat(stopped.running()).isFalse();
        assertThat(stopped.lastExitCode()).hasValue(0);
        assertThat(manager.status(SYSTEM).running()).isTrue();
        assertThat(launchd.changes())
                .containsExactly(
                        "launchctl bootstrap system " + DAEMON_PLIST,
                        "launchctl kill SIGTERM " + DAEMON,
                        "launchctl kickstart " + DAEMON);
        assertThat(progress).anyMatch(p -> p.startsWith("stopped (")).noneMatch(p -> p.contains("KeepAlive"));
    }

    @Test
    void stopOfAJobThatExitsNonZeroWarnsThatKeepAliveStartsItAgain() {
        FakeLaunchd launchd = new FakeLaunchd(live).exitOnStop(143);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(LaunchdRequests.defaults(), progress::add);

        manager.stop(SYSTEM, progress::add);

        assertThat(progress)
                .anyMatch(p -> p.contains("exited with code 143") && p.contains("launchctl bootout " + DAEMON));
    }

    @Test
    void stopOfAStoppedJobChangesNothing() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(Requests.withStartType(LaunchdRequests.defaults(), StartType.DISABLED), progress::add);

        manager.stop(SYSTEM, progress::add);

        assertThat(launchd.changes()).isEmpty();
        assertThat(progress).contains("users-service is not running (not loaded)");
    }

    @Test
    void startOfAnInstalledButUnloadedJobBootstrapsThenKickstarts() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 501);
        manager.install(Requests.withStartType(LaunchdRequests.user(), StartType.DISABLED), progress::add);

        manager.start(USER, progress::add);

        assertThat(launchd.changes())
                .containsExactly("launchctl bootstrap gui/501 " + AGENT_PLIST, "launchctl kickstart " + AGENT);
        assertThat(manager.status(USER).running()).isTrue();
    }

    @Test
    void restartKickstartsWithKill() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(LaunchdRequests.defaults(), progress::add);
        long before = manager.status(SYSTEM).pid().orElseThrow();

        manager.restart(SYSTEM, progress::add);

        assertThat(launchd.changes()).endsWith("launchctl kickstart -k " + DAEMON);
        assertThat(manager.status(SYSTEM).pid().orElseThrow()).isNotEqualTo(before);
        assertThat(manager.status(SYSTEM).restarts()).hasValue(1);
    }

    @Test
    void reloadSendsSighupToARunningJobAndFailsWith3WhenItIsNotRunning() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(LaunchdRequests.defaults(), progress::add);

        manager.reload(SYSTEM, progress::add);
        manager.stop(SYSTEM, progress::add);

        assertThat(launchd.signals(DAEMON)).containsExactly("SIGHUP");
        assertThatThrownBy(() -> manager.reload(SYSTEM, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(3))
                .hasMessageContaining("launchctl kickstart " + DAEMON);
    }

    @Test
    void startOfAServiceThatIsNotInstalledFailsWith4() {
        assertThatThrownBy(() -> manager(new FakeLaunchd(live), 501).start(USER, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(4))
                .hasMessageContaining("with --user");
    }

    @Test
    void statusMapsLaunchctlPrintToTheExitCodeTable() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        ServiceStatus missing = manager.status(SYSTEM);
        manager.install(LaunchdRequests.defaults(), progress::add);
        ServiceStatus running = manager.status(SYSTEM);
        manager.stop(SYSTEM, progress::add);
        ServiceStatus stopped = manager.status(SYSTEM);

        assertThat(missing.exitCode()).isEqualTo(4);
        assertThat(running.exitCode()).isZero();
        assertThat(running.summary()).isEqualTo("running (state = running, pid 4242, 0 restarts)");
        assertThat(stopped.exitCode()).isEqualTo(3);
        assertThat(stopped.summary()).isEqualTo("not running (state = not running, last exit code 0, 0 restarts)");
    }

    @Test
    void statusOfAPlistThatIsNotLoadedIsInstalledButNotRunning() {
        LaunchdServiceManager manager = manager(new FakeLaunchd(live), 0);
        manager.install(Requests.withStartType(LaunchdRequests.defaults(), StartType.DISABLED), progress::add);

        assertThat(manager.status(SYSTEM).exitCode()).isEqualTo(3);
        assertThat(manager.status(SYSTEM).managerState()).isEqualTo("not loaded");
    }

    @Test
    void statusUnderRootReportsTheStagedFileWithoutLaunchctl() {
        ServiceRef staged = new ServiceRef("users-service", false, Optional.of(live.resolve("staging")));
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 501);

        assertThat(manager.status(staged).exitCode()).isEqualTo(4);
        manager.install(Requests.withService(LaunchdRequests.defaults(), staged), progress::add);
        assertThat(manager.status(staged).exitCode()).isEqualTo(3);
        assertThat(launchd.commands()).isEmpty();
    }

    @Test
    void launchctlRefusalIsPermissionDenied() {
        FakeLaunchd launchd =
                new FakeLaunchd(live).failing("bootstrap", 1, "Bootstrap failed: 1: Operation not permitted");

        assertThatThrownBy(() -> manager(launchd, 0).install(LaunchdRequests.defaults(), progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(77))
                .hasMessageContaining("sudo");
    }

    @Test
    void aRejectedPlistNamesTheLikelyCauses() throws IOException {
        // A plist others can write: launchd refuses it with its famously vague "5: Input/output error".
        FakeLaunchd launchd = new FakeLaunchd(live);
        LaunchdServiceManager manager = manager(launchd, 0);
        manager.install(Requests.withStartType(LaunchdRequests.defaults(), StartType.DISABLED), progress::add);
        Files.setPosixFilePermissions(onDisk(DAEMON_PLIST), PosixFilePermissions.fromString("rw-rw-rw-"));

        assertThatThrownBy(() -> manager.start(SYSTEM, progress::add))
                .isInstanceOfSatisfying(
                        ServiceManagerException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(1))
                .hasMessageContaining("Input/output error")
                .hasMessageContaining("plutil -lint")
                .hasMessageContaining("mode 644");
    }

    @Test
    void describeInstallMatchesGoldenFiles() throws IOException {
        LaunchdServiceManager manager = new LaunchdServiceManager(
                new FakeLaunchd(live),
                () -> 501,
                Path.of("/"),
                LaunchdRequests.HOME,
                () -> true,
                (d, a) -> {},
                Duration.ofSeconds(5),
                Duration.ofMillis(5));

        Golden.assertMatches("launchd/describe-install-system.txt", manager.describeInstall(LaunchdRequests.account()));
        Golden.assertMatches("launchd/describe-install-user.txt", manager.describeInstall(LaunchdRequests.user()));
        Golden.assertMatches(
                "launchd/describe-install-root.txt",
                manager.describeInstall(Requests.withService(
                        LaunchdRequests.user(),
                        new ServiceRef("users-service", true, Optional.of(Path.of("/srv/image"))))));
    }

    @Test
    void dryRunInstallChangesNothing() {
        FakeLaunchd launchd = new FakeLaunchd(live);
        InstallRequest r = LaunchdRequests.defaults();
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

        manager(launchd, 501).install(dry, progress::add);

        assertThat(launchd.commands()).isEmpty();
        assertThat(onDisk(DAEMON_PLIST)).doesNotExist();
        assertThat(progress)
                .singleElement()
                .asString()
                .contains("<key>KeepAlive</key>", "launchctl bootstrap system " + DAEMON_PLIST);
    }

    @Test
    @Timeout(value = 2, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void runManagedReturnsEmptyPromptlyWithoutTouchingTheService() {
        FakeManagedService service = FakeManagedService.named("users-service")
                .startTimeout(Duration.ofSeconds(5))
                .stopTimeout(Duration.ofSeconds(30))
                .startsAtOnce()
                .stopsAtOnce();
        LaunchdServiceManager manager = new LaunchdServiceManager(
                arguments -> {
                    throw new AssertionError("launchctl called: " + arguments);
                },
                () -> {
                    throw new AssertionError("uid asked");
                },
                live,
                LaunchdRequests.HOME,
                () -> {
                    throw new AssertionError("availability asked");
                },
                (d, a) -> {},
                Duration.ofSeconds(5),
                Duration.ofMillis(5));

        OptionalInt result = manager.runManaged(service);

        assertThat(result).isEmpty();
        assertThat(service.state()).isEqualTo(ServiceState.NEW);
    }

    @Test
    void theDefaultManagerRunsManagedReturnsEmptyOnAnyOperatingSystem() {
        assertThat(new LaunchdServiceManager()
                        .runManaged(FakeManagedService.named("users-service")
                                .startTimeout(Duration.ofSeconds(5))
                                .stopTimeout(Duration.ofSeconds(30))
                                .startsAtOnce()
                                .stopsAtOnce()))
                .isEmpty();
    }

    @Test
    void isRegisteredForServiceLoaderAsPlatformLaunchdWithOrder30() {
        List<ServiceManager> managers = ServiceManagers.load().all();

        assertThat(managers)
                .filteredOn(m -> m.platform().equals("launchd"))
                .singleElement()
                .isInstanceOf(LaunchdServiceManager.class)
                .extracting(ServiceManager::order)
                .isEqualTo(30);
        assertThat(ServiceManagers.load().select(Optional.of("launchd"))).isInstanceOf(LaunchdServiceManager.class);
    }

    @Test
    void isAvailableOnlyWhereLaunchctlExists() {
        assertThat(new LaunchdServiceManager(
                                new FakeLaunchd(live),
                                () -> 0,
                                live,
                                LaunchdRequests.HOME,
                                () -> false,
                                (d, a) -> {},
                                Duration.ofSeconds(1),
                                Duration.ofMillis(5))
                        .isAvailable())
                .isFalse();
        assertThat(new LaunchdServiceManager().isAvailable()).isEqualTo(Files.isExecutable(Path.of("/bin/launchctl")));
    }

    @Test
    void printParsingReadsTopLevelFieldsOnlyAndToleratesNewerFormats() {
        String print = """
                system/dev.servicekit.users-service = {
                \tactive count = 1
                \tpath = /Library/LaunchDaemons/dev.servicekit.users-service.plist
                \tstate = running

                \tendpoints = {
                \t\t"x" = {
                \t\t\tstate = active
                \t\t\tpid = 1
                \t\t}
                \t}
                \truns = 3
                \tpid = 812
                \tlast exit code = 78: EX_CONFIG
                }
                """;

        LaunchdJobStatus status = LaunchdJobStatus.parse(print);

        assertThat(status)
                .isEqualTo(new LaunchdJobStatus(
                        "running", java.util.OptionalLong.of(812), OptionalInt.of(78), OptionalInt.of(3)));
        assertThat(LaunchdJobStatus.parse("x = {\n\tstate = waiting\n\tlast exit code = (never exited)\n}\n")
                        .lastExitCode())
                .isEmpty();
        assertThat(Map.of("restarts", status.toServiceStatus().restarts()))
                .containsEntry("restarts", OptionalInt.of(2));
    }

    /** What a plist {@code install} wrote gives the job: no variables of its own. */
    private static final InstalledLaunch.Environment NO_VARIABLES =
            InstalledLaunch.Environment.of(Map.of(), "the plist's EnvironmentVariables");

    private static byte[] plistWith(String environmentVariables) {
        return ("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                <plist version="1.0">
                <dict>
                	<key>ProgramArguments</key>
                	<array><string>/usr/bin/java</string><string>-jar</string><string>/opt/u.jar</string>\
                <string>run</string></array>
                """ + environmentVariables + """
                </dict>
                </plist>
                """).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void thePlistsEnvironmentVariablesAreTheJobsEnvironment() {
        byte[] plist = plistWith("""
                	<key>EnvironmentVariables</key>
                	<dict>
                		<key>USERS_SERVICE_MANAGEMENT_PORT</key><string>9100</string>
                		<key>USERS_SERVICE_LOG_LEVEL</key><string>a &amp; b</string>
                		<key>NUMBER</key><integer>3</integer>
                	</dict>
                """);

        InstalledLaunch.Environment environment =
                LaunchdPlistReader.launch(plist).orElseThrow().environment().orElseThrow();

        assertThat(environment.variables())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("USERS_SERVICE_MANAGEMENT_PORT", "9100", "USERS_SERVICE_LOG_LEVEL", "a & b"));
        assertThat(environment.source()).isEqualTo("the plist's EnvironmentVariables");
        assertThat(environment.unread()).containsExactly("EnvironmentVariables NUMBER is a <integer>, not a <string>");

        assertThat(LaunchdPlistReader.launch(plistWith("")).orElseThrow().environment())
                .contains(NO_VARIABLES);
        assertThat(LaunchdPlistReader.launch(plistWith("<key>EnvironmentVariables</key><array/>"))
                        .orElseThrow()
                        .environment())
                .as("not a dict: not read")
                .isEmpty();
    }

    @Test
    void installedLaunchReadsProgramArgumentsAfterRunAndTheWorkingDirectoryFromThePlist() {
        LaunchdServiceManager manager = manager(new FakeLaunchd(live), 0);
        manager.install(LaunchdRequests.specialCharacters(), progress::add);

        assertThat(manager.installedLaunch(SYSTEM))
                .contains(new InstalledLaunch(
                                LaunchdRequests.specialCharacters().launch().arguments(),
                                Optional.of(Path.of("/usr/local/var/users-service")))
                        .withEnvironment(NO_VARIABLES));
        assertThat(LaunchdRequests.specialCharacters().launch().arguments())
                .contains("/Users/Shared/R&D apps/config.yaml", "banner=it's ${USER} & <friends>", "");
    }

    @Test
    void installedLaunchOfAnInstanceAndOfAnAgent() {
        LaunchdServiceManager manager = manager(new FakeLaunchd(live), 0);
        manager.install(LaunchdRequests.instance(), progress::add);

        assertThat(manager.installedLaunch(SYSTEM.withInstance("a")))
                .contains(new InstalledLaunch(
                                List.of("--instance", "a", "--config", "/usr/local/etc/users-service/a.yaml"),
                                Optional.of(Path.of("/usr/local/var/users-service/a")))
                        .withEnvironment(NO_VARIABLES));
        assertThat(manager.installedLaunch(SYSTEM)).isEmpty();

        LaunchdServiceManager agents = manager(new FakeLaunchd(live), 501);
        agents.install(LaunchdRequests.user(), progress::add);
        assertThat(agents.installedLaunch(USER))
                .contains(new InstalledLaunch(
                                List.of("--config", "/usr/local/etc/users-service/config.yaml"),
                                Optional.of(Path.of("/Users/alice/Library/Application Support/users-service")))
                        .withEnvironment(NO_VARIABLES));
    }

    @Test
    void installedLaunchIsEmptyWhenNotInstalledStagedOrUnreadable() throws IOException {
        LaunchdServiceManager manager = manager(new FakeLaunchd(live), 0);
        assertThat(manager.installedLaunch(SYSTEM)).isEmpty();

        ServiceRef staged = new ServiceRef("users-service", false, Optional.of(live.resolve("staging")));
        manager.install(Requests.withService(LaunchdRequests.defaults(), staged), progress::add);
        assertThat(manager.installedLaunch(staged)).isEmpty();

        Path plist = onDisk(DAEMON_PLIST);
        Files.createDirectories(plist.getParent());
        Files.writeString(plist, "<plist version=\"1.0\"><dict><key>ProgramArguments</key><array>");
        assertThat(manager.installedLaunch(SYSTEM)).as("not well-formed").isEmpty();
        // An external entity is not loaded: the file would otherwise become an argument.
        Path secret = Files.writeString(live.resolve("secret.txt"), "secret");
        Files.writeString(plist, """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist [<!ENTITY secret SYSTEM "%s">]>
                <plist version="1.0"><dict><key>ProgramArguments</key><array>
                <string>/usr/bin/java</string><string>-jar</string><string>/opt/u.jar</string><string>run</string>
                <string>&secret;</string></array></dict></plist>
                """.formatted(secret.toUri()));
        assertThat(manager.installedLaunch(SYSTEM))
                .hasValueSatisfying(launch -> assertThat(launch.arguments()).doesNotContain("secret"));
    }
}
