package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.LaunchCommand;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceState;
import dev.servicekit.spi.ServiceStatus;
import dev.servicekit.spi.StartType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // some resources are pid-file locks, held for the block and released by close
class DaemonServiceManagerTest {

    @TempDir
    Path dir;

    final List<String> progress = new CopyOnWriteArrayList<>();
    final List<Process> children = new ArrayList<>();

    ServiceRef ref() {
        return new ServiceRef("svc", false, Optional.of(dir));
    }

    DaemonFiles files() {
        return new DaemonFiles(dir, "svc");
    }

    DaemonServiceManager manager(Map<String, String> environment, Duration startTimeout, Duration stopTimeout) {
        return new DaemonServiceManager(
                environment, dir.resolve("elsewhere"), "", startTimeout, stopTimeout, Optional.empty());
    }

    DaemonServiceManager manager() {
        return manager(Map.of(), Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
        // What a start launched through a fake java script: "sleep 600", or a command under the temp dir.
        ProcessHandle.current()
                .descendants()
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> line.contains(dir.toString()) || line.startsWith("sleep 600"))
                        .orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void itIsTheLastResortPlatformOnPosixSystems() {
        DaemonServiceManager manager = manager();
        assertThat(manager.platform()).isEqualTo("daemon");
        assertThat(manager.order()).isEqualTo(90);
        assertThat(manager.isAvailable()).isTrue(); // these tests run on Linux and macOS only
    }

    @Test
    void dryRunShowsTheLaunchFileAndHowStartAndStopWork() {
        DaemonServiceManager manager = new DaemonServiceManager(
                Map.of(),
                dir,
                "",
                Duration.ofSeconds(60),
                Duration.ofSeconds(30),
                Optional.of(Path.of("/usr/bin/setsid")));

        String text = manager.describeInstall(request(true)).replace(dir.toString(), "<root>");

        assertThat(text).isEqualTo("""
                # Detached daemon "svc" in <root>
                # write <root>/svc.daemon.json:
                {
                  "java" : "/opt/java/bin/java",
                  "jvmOptions" : [ "-Xmx256m" ],
                  "jar" : "/opt/svc/svc.jar",
                  "arguments" : [ "--config", "/etc/svc/config.yaml" ],
                  "stopTimeout" : "35s"
                }
                # start: /usr/bin/setsid /opt/java/bin/java -Xmx256m -jar /opt/svc/svc.jar run --config /etc/svc/config.yaml
                #   in <root>, stdin </dev/null, stdout and stderr >><root>/svc.log, SERVICEKIT_DAEMON_DIR=<root>
                #   pid file <root>/svc.pid (locked while running), readiness via <root>/svc.state
                # stop: SIGTERM, SIGKILL after 35s
                # reload: SIGHUP
                # not applied by the daemon: start at boot, account, dependencies, recovery actions
                """);
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void installedLaunchIsTheLaunchFilesArgumentsInTheDirectoryStartRunsItIn() {
        DaemonServiceManager manager = manager();
        assertThat(manager.installedLaunch(ref()))
                .as("nothing installed, nothing running")
                .isEmpty();

        manager.install(request(false), progress::add);

        assertThat(manager.installedLaunch(ref()))
                .hasValue(new InstalledLaunch(List.of("--config", "/etc/svc/config.yaml"), Optional.of(dir)));
        ServiceRef instance = new ServiceRef("svc", false, Optional.of(dir), Optional.of("a"));
        assertThat(manager.installedLaunch(instance))
                .as("another instance, not installed")
                .isEmpty();
    }

    @Test
    void aRunningDaemonsEnvironmentIsTheOneItsProcessStartedWithNotThisProcesss() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux /proc");
        DaemonServiceManager manager = manager();
        manager.install(request(false), progress::add);
        assertThat(manager.installedLaunch(ref()).orElseThrow().environment())
                .as("not running: the next start gives its own")
                .isEmpty();

        ProcessBuilder sleeper = new ProcessBuilder("sleep", "60");
        sleeper.environment().put("SVC_MANAGEMENT_PORT", "9100");
        Process daemon = sleeper.start();
        children.add(daemon);
        try (DaemonPidFile held = DaemonPidFile.acquire(files().pidFile(), daemon.pid(), Duration.ofSeconds(1))
                .orElseThrow()) {
            InstalledLaunch.Environment environment =
                    manager.installedLaunch(ref()).orElseThrow().environment().orElseThrow();

            assertThat(environment.variables()).containsEntry("SVC_MANAGEMENT_PORT", "9100");
            assertThat(environment.source()).isEqualTo("/proc/" + daemon.pid() + "/environ");
            assertThat(environment.unread()).isEmpty();
            assertThat(System.getenv()).doesNotContainKey("SVC_MANAGEMENT_PORT");
        }
    }

    @Test
    void installWritesTheLaunchFileAndUninstallRemovesItButKeepsTheLog() throws Exception {
        DaemonServiceManager manager = manager();

        manager.install(request(false), progress::add);

        assertThat(DaemonLaunchSpec.read(files().launchFile()))
                .hasValue(new DaemonLaunchSpec(request(false).launch(), Duration.ofSeconds(35)));
        assertThat(progress).contains("Wrote " + files().launchFile());

        Files.writeString(files().logFile(), "old log\n");
        manager.uninstall(ref(), progress::add);

        assertThat(files().launchFile()).doesNotExist();
        assertThat(files().logFile()).exists();
        assertThat(progress)
                .contains(
                        "svc is not running",
                        "Removed " + files().launchFile(),
                        "Kept the log " + files().logFile(),
                        "Uninstalled svc");
    }

    @Test
    void systemdOnlyCapabilityAndDropInAreRefusedBeforeAnythingIsWrittenWhileTheWatchdogIsIgnored() {
        DaemonServiceManager manager = manager();
        InstallRequest systemdOnly =
                request(false).withBindPrivilegedPorts(true).withDropIn(Optional.of("[Service]\nMemoryMax=1G\n"));

        for (Runnable attempt : List.<Runnable>of(
                () -> manager.install(systemdOnly, progress::add), () -> manager.describeInstall(systemdOnly))) {
            assertThatThrownBy(attempt::run)
                    .isInstanceOfSatisfying(
                            ServiceManagerException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(2))
                    .hasMessageStartingWith("Cannot install \"svc\" as a detached daemon:")
                    .hasMessageContaining("--bind-privileged-ports is systemd only")
                    .hasMessageContaining("start it as root, listen on a port of 1024 or above")
                    .hasMessageContaining("--drop-in is systemd only");
        }
        assertThat(dir).isEmptyDirectory();
        assertThat(manager.describeInstall(request(true).withWatchdog(Optional.of(Duration.ofSeconds(10)))))
                .isEqualTo(manager.describeInstall(request(true)));
    }

    @Test
    void statusFollowsThePidFileLock() throws Exception {
        DaemonServiceManager manager = manager();
        assertThat(manager.status(ref())).satisfies(status -> {
            assertThat(status.exitCode()).isEqualTo(3);
            assertThat(status.managerState()).isEqualTo("stopped");
        });

        long dead = DaemonPidFileTest.deadPid();
        Files.writeString(files().pidFile(), dead + "\n");
        ServiceStatus stale = manager.status(ref());
        assertThat(stale.exitCode()).isEqualTo(3);
        assertThat(stale.summary()).isEqualTo("not running (stale pid file: pid " + dead + " is not running)");

        try (DaemonPidFile held =
                DaemonPidFile.acquire(files().pidFile(), 4242, Duration.ZERO).orElseThrow()) {
            new DaemonStateFile(ServiceState.RUNNING, 4242).write(files().stateFile());
            ServiceStatus running = manager.status(ref());
            assertThat(running.exitCode()).isZero();
            assertThat(running.summary()).isEqualTo("running (running, pid 4242)");
        }
    }

    @Test
    void startIsANoOpWhenTheDaemonAlreadyRuns() {
        try (DaemonPidFile held =
                DaemonPidFile.acquire(files().pidFile(), 4242, Duration.ZERO).orElseThrow()) {
            // Nothing to launch: the class path is empty, so a launch would fail.
            manager().start(ref(), progress::add);
        }
        assertThat(progress).containsExactly("svc is already running (pid 4242)");
    }

    @Test
    void stopAndReloadOfADaemonThatDoesNotRun() {
        manager().stop(ref(), progress::add);
        assertThat(progress).containsExactly("svc is not running");
        assertThatThrownBy(() -> manager().reload(ref(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessage("svc is not running; start it with start --platform daemon")
                .extracting(e -> ((ServiceManagerException) e).exitCode())
                .isEqualTo(3);
    }

    @Test
    void startFailsWithTheExitCodeWhenTheDaemonExitsBeforeItRuns() throws Exception {
        Path fakeJava = script("fake-java", "echo \"Error: cannot open the store\"\nexit 3\n");
        installWith(fakeJava);

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageStartingWith(
                        "svc exited with code 3 before it was running; last lines of " + files().logFile() + ":")
                .hasMessageContaining("Error: cannot open the store")
                .extracting(e -> ((ServiceManagerException) e).exitCode())
                .isEqualTo(1);
        assertThat(progress).anyMatch(line -> line.startsWith("Warning: setsid was not found on PATH"));
    }

    @Test
    void aDaemonThatWroteFailedAndThenExitedIsReportedByItsExitAsWhenTheExitIsSeenFirst() throws Exception {
        // A real JVM, as a failing daemon does it: holds the pid-file lock, writes FAILED with its pid, lingers so
        // that start's poll sees FAILED before the exit, then exits 3.
        Path source = dir.resolve("FailingDaemon.java");
        Files.writeString(source, """
                import java.nio.ByteBuffer;
                import java.nio.channels.FileChannel;
                import java.nio.file.Files;
                import java.nio.file.Path;
                import static java.nio.file.StandardOpenOption.*;

                public class FailingDaemon {
                    public static void main(String[] args) throws Exception {
                        FileChannel channel = FileChannel.open(Path.of(args[0]), CREATE, READ, WRITE);
                        channel.lock();
                        long pid = ProcessHandle.current().pid();
                        channel.write(ByteBuffer.wrap((pid + "\\n").getBytes()));
                        System.out.println("Error: cannot open the store");
                        Files.writeString(Path.of(args[1]), "FAILED " + pid + "\\n");
                        Thread.sleep(700);
                        System.exit(3);
                    }
                }
                """);
        installWith(script(
                "fake-java",
                "exec '" + InstallCommand.javaExecutable() + "' -XX:TieredStopAtLevel=1 '" + source + "' '"
                        + files().pidFile() + "' '" + files().stateFile() + "'\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageStartingWith(
                        "svc exited with code 3 before it was running; last lines of " + files().logFile() + ":")
                .hasMessageContaining("Error: cannot open the store");
    }

    @Test
    void aDaemonThatExitsWithoutAWordGetsTheLogSizeAndTheCommandToRunByHand() throws Exception {
        Files.writeString(files().logFile(), "from an earlier run\n");
        Path fakeJava = script("fake java", "exit 1\n");
        installWith(fakeJava);

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessage("svc exited with code 1 before it was running; it wrote nothing to " + files().logFile()
                        + " (still 20 bytes); to see why, run it by hand: cd " + dir + " && '" + fakeJava + "' -jar "
                        + dir.resolve("svc.jar") + " run");
    }

    @Test
    void aDaemonThatLeftItsPidFileEmptyIsToldItsWritesFailedAsOnAFullFileSystem() throws Exception {
        // What a daemon on a full file system leaves: the pid file it created and locked, empty because writing its
        // pid failed, and not a line in the log (its error message failed to be written too), then exit 1.
        installWith(script("fake-java", ": > svc.pid\nexit 1\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .hasMessageStartingWith("svc exited with code 1 before it was running; it wrote nothing to "
                        + files().logFile() + " (still 0 bytes); it left its pid file " + files().pidFile()
                        + " empty, so its writes failed, as they do on a full file system (")
                .hasMessageContaining(" bytes free now) or past a quota; make room, then start it again; "
                        + "to see why, run it by hand: ");
    }

    @Test
    void aPidFileThatWasEmptyBeforeTheLaunchTellsNothing() throws Exception {
        Files.createFile(files().pidFile());
        installWith(script("fake-java", "exit 1\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .hasMessageStartingWith("svc exited with code 1 before it was running; it wrote nothing to "
                        + files().logFile() + " (still 0 bytes); to see why, run it by hand: ");
    }

    @Test
    void aFullFileSystemIsNamedWhenTheDaemonWroteNothing() {
        Path pidFile = files().pidFile();
        long low = DaemonServiceManager.LOW_SPACE_BYTES - 1;

        assertThat(DaemonServiceManager.writeFailureHint(pidFile, false, OptionalLong.of(4096)))
                .isEqualTo("; its file system is full (4096 bytes free now), so its writes may have failed; make "
                        + "room, then start it again");
        assertThat(DaemonServiceManager.writeFailureHint(pidFile, false, OptionalLong.of(low)))
                .startsWith("; its file system is full (");
        assertThat(DaemonServiceManager.writeFailureHint(pidFile, false, OptionalLong.of(low + 1)))
                .isEmpty();
        assertThat(DaemonServiceManager.writeFailureHint(pidFile, false, OptionalLong.empty()))
                .isEmpty();
        assertThat(DaemonServiceManager.writeFailureHint(pidFile, true, OptionalLong.empty()))
                .isEqualTo("; it left its pid file " + pidFile + " empty, so its writes failed, as they do on a "
                        + "full file system (free space unknown) or past a quota; make room, then start it again");
    }

    @Test
    void aDaemonThatPrintsOnlyBlankLinesIsToldApartFromOneThatPrintsNothing() throws Exception {
        installWith(script("fake-java", "echo\necho '   '\nexit 1\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .hasMessageStartingWith("svc exited with code 1 before it was running; it wrote only blank lines to "
                        + files().logFile() + "; to see why, run it by hand: cd ");
    }

    @Test
    void aDaemonKilledByASignalIsReportedWithTheSignal() throws Exception {
        installWith(script("fake-java", "echo \"about to be killed\"\nkill -KILL $$\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .hasMessageStartingWith(
                        "svc exited with code 137 (128 + 9: SIGKILL) before it was running; last lines of "
                                + files().logFile() + ":\n  about to be killed");
    }

    @Test
    void aCrashReportOfTheDaemonsJvmIsNamed() throws Exception {
        // A JVM that crashes writes hs_err_pid<pid>.log in its working directory and aborts.
        installWith(
                script("fake-java", "echo \"# A fatal error has been detected\" > hs_err_pid$$.log\nkill -ABRT $$\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .hasMessageStartingWith("svc exited with code 134 (128 + 6: SIGABRT) before it was running; it wrote "
                        + "nothing to " + files().logFile() + " (still 0 bytes); the JVM wrote a crash report, "
                        + dir.resolve("hs_err_pid"))
                .hasMessageContaining(".log; to see why, run it by hand: cd " + dir + " && ");
    }

    @Test
    void aCrashReportOlderThanTheLaunchIsAnotherProcesssWithTheSamePid() throws Exception {
        Path report = Files.writeString(dir.resolve("hs_err_pid4242.log"), "# A fatal error has been detected\n");
        Instant launch = Instant.now();
        Files.setLastModifiedTime(report, FileTime.from(launch.minus(Duration.ofHours(1))));

        assertThat(DaemonServiceManager.crashReport(dir, 4242, launch)).isEmpty();

        Files.setLastModifiedTime(report, FileTime.from(launch.plusMillis(300)));
        assertThat(DaemonServiceManager.crashReport(dir, 4242, launch)).contains(report);
    }

    @Test
    void aLogRotatedWhileTheDaemonStartedIsReportedInsteadOfNothing() throws Exception {
        Files.writeString(files().logFile(), "from an earlier run\n");
        // Rotated away (as logrotate without copytruncate would) before the daemon says why it stops.
        installWith(script("fake-java", "mv svc.log svc.log.1\necho \"Error: the store is locked\"\nexit 1\n"));

        assertThatThrownBy(() -> manager().start(ref(), progress::add))
                .hasMessageStartingWith("svc exited with code 1 before it was running; its log " + files().logFile()
                        + " was rotated, replaced or truncated while it started (20 bytes before the launch, no file "
                        + "now), so what it wrote is not there (look for a rotated copy); to see why, run it by hand:");
        assertThat(dir.resolve("svc.log.1")).content().endsWith("Error: the store is locked\n");
    }

    @Test
    void exitCodesAbove128NameTheSignalAShellWouldSee() {
        assertThat(DaemonServiceManager.exited(1)).isEqualTo("exited with code 1");
        assertThat(DaemonServiceManager.exited(128)).isEqualTo("exited with code 128");
        assertThat(DaemonServiceManager.exited(143)).isEqualTo("exited with code 143 (128 + 15: SIGTERM)");
        assertThat(DaemonServiceManager.exited(135)).isEqualTo("exited with code 135 (128 + 7, a signal)");
        assertThat(DaemonServiceManager.exited(160)).isEqualTo("exited with code 160");
    }

    @Test
    void anInstanceHasItsOwnFilesAndRunsAsItselfInItsOwnDirectory() throws Exception {
        ServiceRef a = ref().withInstance("a");
        DaemonFiles files = DaemonFiles.of(a, dir);
        // The "JVM" says where it runs and with what, then exits before it runs, as a JVM with a bad config would.
        Path fakeJava = script("fake-java", "echo \"cwd=$(pwd) args=$*\"\nexit 3\n");
        Files.writeString(
                files.launchFile(),
                new DaemonLaunchSpec(
                                new LaunchCommand(
                                        fakeJava, List.of(), dir.resolve("svc.jar"), List.of("--config", "a.yaml")),
                                Duration.ofSeconds(5))
                        .toJson());

        assertThatThrownBy(() -> manager().start(a, progress::add))
                .hasMessageStartingWith("svc@a exited with code 3 before it was running; last lines of "
                        + dir.resolve("svc@a.log") + ":")
                .hasMessageContaining("cwd=" + dir.resolve("a").toRealPath() + " args=-jar " + dir.resolve("svc.jar")
                        + " run --instance a --config a.yaml");
        assertThat(files.pidFile()).isEqualTo(dir.resolve("svc@a.pid"));
        assertThat(files.stateFile()).isEqualTo(dir.resolve("svc@a.state"));
        assertThat(files.launchFile()).isEqualTo(dir.resolve("svc@a.daemon.json"));
        assertThat(files.workingDirectory()).isEqualTo(dir.resolve("a"));
        assertThat(files().logFile()).doesNotExist(); // the service's own files are untouched
        assertThat(manager().status(ref().withInstance("b")).running()).isFalse();
    }

    @Test
    void dryRunOfAnInstanceShowsItsFilesAndItsDirectory() {
        InstallRequest base = request(true);
        InstallRequest instance = new InstallRequest(
                ref().withInstance("a"),
                base.displayName(),
                base.description(),
                base.startType(),
                base.account(),
                base.password(),
                base.dependsOn(),
                base.onFailure(),
                base.resetAfter(),
                base.stopTimeout(),
                base.launch(),
                true);

        String text = manager().describeInstall(instance).replace(dir.toString(), "<root>");

        assertThat(text)
                .contains(
                        "# Detached daemon \"svc@a\" in <root>\n",
                        "# write <root>/svc@a.daemon.json:",
                        " -jar /opt/svc/svc.jar run --instance a --config /etc/svc/config.yaml\n",
                        "#   in <root>/a, stdin </dev/null, stdout and stderr >><root>/svc@a.log,",
                        "#   pid file <root>/svc@a.pid (locked while running), readiness via <root>/svc@a.state");
    }

    @Test
    void startGivesUpAfterTheStartTimeoutAndStopsWhatItLaunched() throws Exception {
        Path fakeJava = script("fake-java", "echo booting\nexec sleep 600\n");
        installWith(fakeJava);

        assertThatThrownBy(() -> manager(Map.of(), Duration.ofMillis(700), Duration.ofSeconds(10))
                        .start(ref(), progress::add))
                .isInstanceOf(ServiceManagerException.class)
                .hasMessageStartingWith("svc was not running within 700ms (stopped); last lines of")
                .hasMessageContaining("booting");
        assertThat(ProcessHandle.current()
                        .children()
                        .filter(ProcessHandle::isAlive)
                        .filter(child -> child.info().command().orElse("").endsWith("sleep")))
                .isEmpty();
    }

    @Test
    void stopSendsSigtermAndReportsTheStop() throws Exception {
        Process daemon = lockHolder(false);

        manager(Map.of(), Duration.ofSeconds(60), Duration.ofSeconds(30)).stop(ref(), progress::add);

        assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(progress).first().isEqualTo("Stopping svc (pid " + daemon.pid() + ")…");
        assertThat(progress).last().asString().matches("svc stopped \\(\\d+\\.\\d s\\)");
    }

    @Test
    void stopKillsADaemonThatIgnoresSigtermAfterTheStopTimeout() throws Exception {
        Process daemon = lockHolder(true);

        manager(Map.of(), Duration.ofSeconds(60), Duration.ofMillis(500)).stop(ref(), progress::add);

        assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(progress).contains("svc did not stop within 500ms after SIGTERM; killing it (SIGKILL)");
        assertThat(progress).last().asString().startsWith("svc killed after 500ms");
        assertThat(manager().status(ref()).managerState()).startsWith("stale pid file");
    }

    @Test
    void runManagedDoesNothingOutsideADaemon() {
        FakeService service = new FakeService(ServiceState.STOPPED, () -> {});
        assertThat(manager().runManaged(service)).isEmpty();
        assertThat(service.ran).isFalse();
    }

    @Test
    void runManagedHoldsThePidFileAndWritesEveryStateThenCleansUp() {
        long pid = ProcessHandle.current().pid();
        List<String> seenWhileRunning = new ArrayList<>();
        FakeService service = new FakeService(ServiceState.STOPPED, () -> {
            seenWhileRunning.add(DaemonPidFile.inspect(files().pidFile()).toString());
            seenWhileRunning.add(
                    DaemonStateFile.read(files().stateFile()).orElseThrow().toString());
        });
        Map<String, String> env =
                Map.of(DaemonServiceManager.DIR_VARIABLE, dir.toString(), DaemonServiceManager.NAME_VARIABLE, "svc");

        OptionalInt code =
                manager(env, Duration.ofSeconds(60), Duration.ofSeconds(30)).runManaged(service);

        assertThat(code).hasValue(0);
        assertThat(seenWhileRunning)
                .containsExactly(
                        "Running[pid=OptionalLong[" + pid + "]]", "DaemonStateFile[state=RUNNING, pid=" + pid + "]");
        assertThat(files().pidFile()).doesNotExist();
        assertThat(files().stateFile()).doesNotExist();
    }

    @Test
    void aFailedDaemonLeavesItsStateForStatus() {
        Map<String, String> env =
                Map.of(DaemonServiceManager.DIR_VARIABLE, dir.toString(), DaemonServiceManager.NAME_VARIABLE, "svc");

        OptionalInt code = manager(env, Duration.ofSeconds(60), Duration.ofSeconds(30))
                .runManaged(new FakeService(ServiceState.FAILED, () -> {}));

        assertThat(code).hasValue(1);
        assertThat(files().pidFile()).doesNotExist();
        assertThat(manager().status(ref()).summary()).isEqualTo("not running (failed; see " + files().logFile() + ")");
    }

    @Test
    void aSecondDaemonExitsWithOneWhileTheFirstHoldsThePidFile() {
        Map<String, String> env =
                Map.of(DaemonServiceManager.DIR_VARIABLE, dir.toString(), DaemonServiceManager.NAME_VARIABLE, "svc");
        FakeService second = new FakeService(ServiceState.STOPPED, () -> {});
        try (DaemonPidFile first =
                DaemonPidFile.acquire(files().pidFile(), 4242, Duration.ZERO).orElseThrow()) {
            assertThat(manager(env, Duration.ofSeconds(60), Duration.ofSeconds(30))
                            .runManaged(second))
                    .hasValue(1);
        }
        assertThat(second.ran).isFalse();
    }

    @Test
    void theLogTailIsTheLastTwentyLinesSinceTheLaunch() throws Exception {
        Path log = dir.resolve("svc.log");
        StringBuilder text = new StringBuilder("from an earlier run\n");
        long offset = text.length();
        for (int i = 1; i <= 25; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(log, text);

        String tail = DaemonServiceManager.logTail(log, offset);

        assertThat(tail)
                .startsWith("last lines of " + log + ":\n  line 6\n")
                .endsWith("  line 25")
                .doesNotContain("earlier");
        assertThat(DaemonServiceManager.logTail(log, Files.size(log))).isEqualTo("it wrote nothing to " + log);
    }

    private InstallRequest request(boolean dryRun) {
        return new InstallRequest(
                ref(),
                "Svc",
                "A service",
                StartType.AUTO,
                Optional.empty(),
                Optional.empty(),
                List.of(),
                List.of(),
                Duration.ofDays(1),
                Duration.ofSeconds(35),
                new LaunchCommand(
                        Path.of("/opt/java/bin/java"),
                        List.of("-Xmx256m"),
                        Path.of("/opt/svc/svc.jar"),
                        List.of("--config", "/etc/svc/config.yaml")),
                dryRun);
    }

    private void installWith(Path java) throws Exception {
        Files.writeString(
                files().launchFile(),
                new DaemonLaunchSpec(
                                new LaunchCommand(java, List.of(), dir.resolve("svc.jar"), List.of()),
                                Duration.ofSeconds(5))
                        .toJson());
    }

    private Path script(String name, String body) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body);
        assertThat(file.toFile().setExecutable(true)).isTrue();
        return file;
    }

    /** A real child JVM that holds the pid-file lock, as a daemon does; it may ignore SIGTERM. */
    private Process lockHolder(boolean ignoreTerm) throws Exception {
        Path source = dir.resolve("LockHolder.java");
        Files.writeString(source, """
                import java.nio.ByteBuffer;
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import static java.nio.file.StandardOpenOption.*;

                public class LockHolder {
                    public static void main(String[] args) throws Exception {
                        if (args[1].equals("ignore-term")) {
                            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> { });
                        }
                        FileChannel channel = FileChannel.open(Path.of(args[0]), CREATE, READ, WRITE);
                        channel.lock();
                        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\\n").getBytes()));
                        System.out.println("locked");
                        Thread.sleep(600_000);
                    }
                }
                """);
        Process process = new ProcessBuilder(
                        InstallCommand.javaExecutable().toString(),
                        "-XX:TieredStopAtLevel=1",
                        source.toString(),
                        files().pidFile().toString(),
                        ignoreTerm ? "ignore-term" : "honour-term")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        children.add(process);
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("the lock holder locked the pid file").isEqualTo("locked");
        return process;
    }

    /** Goes STARTING, RUNNING (then runs {@code whileRunning}), then {@code end}, like a host run in the foreground. */
    private static final class FakeService implements ManagedService {
        private final ServiceState end;
        private final Runnable whileRunning;
        private final List<Consumer<ServiceState>> listeners = new CopyOnWriteArrayList<>();
        private volatile ServiceState state = ServiceState.NEW;
        volatile boolean ran;

        FakeService(ServiceState end, Runnable whileRunning) {
            this.end = end;
            this.whileRunning = whileRunning;
        }

        private void moveTo(ServiceState next) {
            state = next;
            listeners.forEach(listener -> listener.accept(next));
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public void start() {
            throw new UnsupportedOperationException();
        }

        @Override
        public ServiceState stop() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pause() {}

        @Override
        public void resume() {}

        @Override
        public ReloadOutcome reload() {
            return new ReloadOutcome(true, "reloaded");
        }

        @Override
        public ServiceState state() {
            return state;
        }

        @Override
        public String progress() {
            return "";
        }

        @Override
        public Duration startTimeout() {
            return Duration.ofSeconds(60);
        }

        @Override
        public Duration stopTimeout() {
            return Duration.ofSeconds(30);
        }

        @Override
        public void addStateListener(Consumer<ServiceState> listener) {
            listeners.add(listener);
        }

        @Override
        public int runInForeground() {
            ran = true;
            moveTo(ServiceState.STARTING);
            if (end == ServiceState.FAILED) {
                moveTo(ServiceState.FAILED);
                return 1;
            }
            moveTo(ServiceState.RUNNING);
            whileRunning.run();
            moveTo(ServiceState.STOPPING);
            moveTo(end);
            return 0;
        }
    }
}
