package dev.servicekit.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.WineFault;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The real SCM end to end, under Wine: the Java 17 fixture service (built on this module) installs itself with
 * {@code java.exe -jar fixture.jar install}, is started with {@code sc start}, answers HTTP from Linux, takes
 * PARAMCHANGE/PAUSE/CONTINUE through the SCM, stops with {@code sc stop} and uninstalls itself.
 *
 * <p>Needs {@code wine} on the PATH and the Windows JRE: {@code -Dservicekit.windowsJre=<dir with bin/java.exe>} or
 * {@code SERVICEKIT_WINDOWS_JRE} (CI: the npm package {@code @node-plantuml-2/jre-win32-x64@1.1.8}, {@code package/jre}).
 * Skips with the reason when either is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// the kill runs last: it leaves Wine's SCM a service marked RUNNING whose process is dead
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WineScmIT {

    private static final Duration CMD = Duration.ofSeconds(90);
    private static final Duration STATE = Duration.ofSeconds(30);
    /**
     * Each fixture verb is a short JVM under Wine: C1 alone and the serial collector cost it less CPU (the whole test,
     * measured in a cgroup: 201 s of CPU before, 184 s after). The service's own JVM keeps the defaults.
     */
    private static final List<String> SHORT_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private WineSession wine;
    private Path work;
    private Path javaExe;

    private Path fixtureJar;

    @BeforeAll
    void openSession() throws Exception {
        String jre = Optional.ofNullable(System.getProperty("servicekit.windowsJre"))
                .orElse(System.getenv("SERVICEKIT_WINDOWS_JRE"));
        String skip = WineSession.wineExecutable().isEmpty()
                ? "no `wine` on the PATH (apt-get install wine wine64 libwine)"
                : jre == null || !Files.exists(Path.of(jre, "bin", "java.exe"))
                        ? "no Windows JRE; set -Dservicekit.windowsJre or SERVICEKIT_WINDOWS_JRE to the jre directory of npm "
                                + "@node-plantuml-2/jre-win32-x64@1.1.8 (was: " + jre + ")"
                        : null;
        if (skip != null && "true".equals(System.getenv("CI"))) {
            // .ci/run installs Wine and the JRE: on CI a missing one is a broken build, not a reason to skip.
            throw new AssertionError("WineScmIT cannot run on CI: " + skip);
        }
        if (skip != null) {
            System.out.println("WineScmIT skipped: " + skip); // JUnit reports a class-level skip as 0 tests; say why
        }
        assumeTrue(skip == null, "Wine E2E skipped: " + skip);
        javaExe = Path.of(jre, "bin", "java.exe");
        work = Path.of("target", "wine-e2e").toAbsolutePath();
        fixtureJar = FixtureJar.build(work.resolve("fixture"));
        wine = WineSession.open(work);
    }

    @AfterAll
    void closeSession() throws Exception {
        if (wine != null) {
            wine.close();
        }
    }

    private WineSession.Result fixture(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(windowsPath(javaExe)));
        command.addAll(SHORT_JVM);
        command.addAll(List.of("-jar", windowsPath(fixtureJar)));
        command.addAll(List.of(args));
        return wine.wine(CMD, command.toArray(new String[0]));
    }

    private static String windowsPath(Path p) {
        return "Z:" + p.toAbsolutePath().toString().replace('/', '\\');
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A one-shot HTTP GET from Linux: the status line and body, or empty when nothing listens. */
    private static Optional<String> http(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String awaitHttp(int port, String expected) {
        return Poll.until(
                        STATE,
                        "HTTP on port " + port + " to contain \"" + expected + "\"",
                        () -> http(port),
                        answer -> answer.isPresent() && answer.get().contains(expected))
                .orElseThrow();
    }

    private String logOf(String name) throws IOException {
        Path log = wine.driveC().resolve("servicekit-e2e-" + name + ".log");
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    private String fixtureLogArg(String name) {
        return "C:\\servicekit-e2e-" + name + ".log";
    }

    @Test
    void installStartServeControlStopAndUninstallThroughTheRealScm() throws Exception {
        String name = "skE2E" + ProcessHandle.current().pid();
        int port = freePort();

        WineSession.Result install = fixture("install", name, String.valueOf(port), fixtureLogArg(name));
        assertThat(install.exitCode()).as("install output: %s", install.all()).isZero();
        assertThat(install.stdout()).contains("installed " + name);
        assertThat(wine.scState(name)).contains("STOPPED");

        assertThat(wine.wine(CMD, "sc", "start", name).exitCode()).isZero();
        wine.awaitScState(name, s -> s.equals(Optional.of("RUNNING")), STATE);
        assertThat(awaitHttp(port, "state=RUNNING")).startsWith("HTTP/1.0 200").contains("reloads=0");

        WineSession.Result reload = fixture("reload", name);
        assertThat(reload.exitCode()).as("reload: %s", reload.all()).isZero();
        awaitHttp(port, "reloads=1");

        assertThat(fixture("pause", name).exitCode()).isZero();
        wine.awaitScState(name, s -> s.equals(Optional.of("PAUSED")), STATE);
        assertThat(awaitHttp(port, "state=PAUSED")).startsWith("HTTP/1.0 503");
        assertThat(fixture("continue", name).exitCode()).isZero();
        wine.awaitScState(name, s -> s.equals(Optional.of("RUNNING")), STATE);
        assertThat(awaitHttp(port, "state=RUNNING")).startsWith("HTTP/1.0 200");

        WineSession.Result status = fixture("status", name);
        assertThat(status.exitCode()).as("status: %s", status.all()).isZero();
        assertThat(status.stdout()).contains("running (RUNNING, pid");

        assertThat(wine.wine(CMD, "sc", "stop", name).exitCode()).isZero();
        wine.awaitScState(name, s -> s.equals(Optional.of("STOPPED")), STATE);
        awaitPortClosed(port);
        assertThat(fixture("status", name).exitCode())
                .as("status of a stopped service")
                .isEqualTo(3);

        WineSession.Result start = fixture("start", name);
        assertThat(start.exitCode()).as("start: %s", start.all()).isZero();
        assertThat(start.stdout()).contains("running (");
        awaitHttp(port, "state=RUNNING");
        WineSession.Result stop = fixture("stop", name);
        assertThat(stop.exitCode()).as("stop: %s", stop.all()).isZero();
        assertThat(stop.stdout()).contains("stopped (");
        awaitPortClosed(port);

        WineSession.Result uninstall = fixture("uninstall", name);
        assertThat(uninstall.exitCode()).as("uninstall: %s", uninstall.all()).isZero();
        assertThat(wine.scState(name)).as("sc query after uninstall").isEmpty();
        assertThat(fixture("status", name).exitCode())
                .as("status of an uninstalled service")
                .isEqualTo(4);

        assertThat(logOf(name))
                .contains("started on port " + port, "reload 1", "pause", "resume", "stopped", "runManaged returned 0");
        assertThat(wine.sessionLog())
                .as("Event Log calls in the Wine trace")
                .contains(
                        "ReportEventW L\"" + name + " started",
                        "ReportEventW L\"" + name + " reloaded its configuration",
                        "ReportEventW L\"" + name + " stopped");
    }

    @Test
    void aStartFailureEndsStoppedWithTheServiceSpecificExitCode() throws Exception {
        String name = "skE2EFail" + ProcessHandle.current().pid();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            assertThat(fixture("install", name, String.valueOf(port), fixtureLogArg(name))
                            .exitCode())
                    .isZero();
            try {
                wine.wine(CMD, "sc", "start", name);
                wine.awaitScState(name, s -> s.equals(Optional.of("STOPPED")), STATE);
                awaitLog(name, "runManaged returned 75");

                WineSession.Result start = fixture("start", name);
                assertThat(start.exitCode())
                        .as("our start command on a failing service: %s", start.all())
                        .isEqualTo(1);
                assertThat(start.stderr()).contains("did not start");
            } finally {
                assertThat(fixture("uninstall", name).exitCode()).isZero();
            }
        }
        assertThat(logOf(name)).contains("start failed: port");
        assertThat(wine.sessionLog())
                .as("the failed start as an Event Log error in the Wine trace")
                .contains("err:eventlog:ReportEventW L\"" + name + " failed to start: Port");
    }

    /**
     * The "log on as a service" check through the real advapi32 LSA calls of {@link JnaLsa} under Wine
     * ({@link LsaProbe}): LocalSystem and a virtual account are ok without asking the LSA; the current Wine user is
     * answered by the LSA (a list of its rights, or Wine's STATUS_OBJECT_NAME_NOT_FOUND for none: a warning), never
     * "not checked"; an account that does not exist is "not checked" with the lookup's Windows error.
     */
    @Test
    void theLogonRightCheckCallsTheRealLsaAndMapsItsAnswer() throws Exception {
        Path probe = FixtureJar.build(
                work.resolve("fixture"),
                "lsa-probe.jar",
                "dev.servicekit.windows.LsaProbe",
                path -> path.startsWith("dev/servicekit/windows/LsaProbe"));
        String missing = "skNoSuchAccount" + ProcessHandle.current().pid();

        WineSession.Result r = wine.wine(
                CMD,
                windowsPath(javaExe),
                "-jar",
                windowsPath(probe),
                "LocalSystem",
                "NT SERVICE\\skProbe",
                "--current-user",
                missing);

        System.out.println("LsaProbe under Wine:\n" + r.all());
        assertThat(r.exitCode()).as("LsaProbe: %s", r.all()).isZero();
        List<String> lines = r.stdout().replace("\r", "").lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("account=LocalSystem | lsa=not asked | verdict=OK");
        assertThat(lines.get(1)).startsWith("account=NT SERVICE\\skProbe | lsa=not asked | verdict=OK");
        assertThat(lines.get(2))
                .as("the current user's rights, answered by the LSA")
                .doesNotContain("lsa=not asked")
                .containsAnyOf(
                        "lsa=Listed[",
                        "lsa=LsaEnumerateAccountRights 0xC0000034 ") // STATUS_OBJECT_NAME_NOT_FOUND: no rights
                .containsAnyOf("verdict=OK", "verdict=WARNING");
        assertThat(lines.get(3))
                .startsWith("account=" + missing + " | lsa=LookupAccountName(\"" + missing + "\")")
                .contains("verdict=NOT_CHECKED", "could not read the rights of \"" + missing + "\"");
    }

    /**
     * Every {@code install} option, read back twice: through the SCM API (the fixture's {@code status-json}, the
     * {@code manager} section of {@code status --json}: {@code QueryServiceConfig}/{@code QueryServiceConfig2}) and
     * from Wine's registry ({@code reg query}). Wine's SCM answers error 124 for delayed auto-start, the non-crash flag
     * and the SID type, and keeps nothing of the failure actions it accepts: the installer writes those four registry
     * values itself and {@code status} reads them from there, saying so. Then the dependencies: Wine starts a service
     * without its dependencies and would stop a dependency under a running dependent; the product's {@code stop}
     * refuses that as Windows does (error 1051), naming the dependent. The launch arguments, {@code --config} and the
     * {@code --set data-dir=} that {@code install} adds among them, read back from the image path
     * ({@code installedLaunch}).
     */
    @Test
    void everyInstallOptionReadsBackThroughTheScmApiAndFromTheRegistry() throws Exception {
        long me = ProcessHandle.current().pid();
        String dep = "skE2EDep" + me;
        String name = "skE2EAll" + me;
        int depPort = freePort();
        int port = freePort();
        String configFile = "C:\\Program Files\\servicekit e2e\\" + name + ".yaml";
        assertThat(fixture("install", dep, String.valueOf(depPort), fixtureLogArg(dep))
                        .exitCode())
                .isZero();
        boolean uninstalled = false;
        try {
            WineSession.Result install = fixture(
                    "install",
                    name,
                    String.valueOf(port),
                    fixtureLogArg(name),
                    "--start-type",
                    "delayed",
                    "--display-name",
                    "Servicekit all options " + me,
                    "--description",
                    "Every install option, read back.",
                    "--depends-on",
                    dep,
                    "--depends-on",
                    "eventlog",
                    "--on-failure",
                    "restart:2s,restart:30s,none",
                    "--reset-after",
                    "2h",
                    "--stop-timeout",
                    "45s",
                    "--config",
                    configFile,
                    "--set",
                    "motto=say \"hi\"");
            assertThat(install.exitCode()).as("install: %s", install.all()).isZero();
            assertThat(install.stdout().replace("\r", "").lines().filter(l -> l.contains("Win32 error 124")))
                    .as("the settings Wine's SCM does not keep, each written to the registry by the installer")
                    .containsExactly(
                            registryNote("delayed auto-start", "DelayedAutostart"),
                            registryNote("failure actions", "FailureActions"),
                            registryNote("failure actions flag", "FailureActionsOnNonCrashFailures"),
                            registryNote("service SID type", "ServiceSidType"));

            // (a) through the SCM API, as status --json reports it
            JsonNode status = statusJson(name);
            JsonNode config = status.path("configuration");
            assertThat(status.path("installed").asBoolean()).isTrue();
            assertThat(config.path("startType").asText()).isEqualTo("delayed");
            assertThat(config.path("delayedAutoStart").asBoolean()).isTrue();
            assertThat(config.path("account").asText()).isEqualTo("NT SERVICE\\" + name);
            assertThat(config.path("displayName").asText()).isEqualTo("Servicekit all options " + me);
            assertThat(config.path("description").asText()).isEqualTo("Every install option, read back.");
            assertThat(texts(config.path("dependencies"))).containsExactly(dep, "eventlog");
            assertThat(config.path("failureActions").toString())
                    .isEqualTo(
                            "[{\"action\":\"restart\",\"delayMillis\":2000},"
                                    + "{\"action\":\"restart\",\"delayMillis\":30000},{\"action\":\"none\",\"delayMillis\":0}]");
            assertThat(config.path("resetAfterSeconds").asLong()).isEqualTo(7200);
            assertThat(config.path("failureActionsOnNonCrashFailures").asBoolean())
                    .isTrue();
            assertThat(config.path("serviceSidType").asText()).isEqualTo("unrestricted");
            assertThat(config.path("preshutdownTimeoutMillis").asLong()).isEqualTo(45_000);
            assertThat(config.path("command").asText())
                    .startsWith("\"" + windowsPath(javaExe) + "\" -Xmx64m -jar \"" + windowsPath(fixtureJar)
                            + "\" service " + name + " " + port);
            assertThat(texts(config.path("notes")))
                    .as("what Wine's SCM API cannot answer, read from the registry instead (Windows answers all of it)")
                    .hasSize(5)
                    .anySatisfy(n -> assertThat(n).startsWith("delayed auto-start: this SCM does not know the setting"))
                    .anySatisfy(n -> assertThat(n).startsWith("failure actions: this SCM does not know the setting"))
                    .anySatisfy(n -> assertThat(n)
                            .startsWith("failure actions on non-crash failures: this SCM does not know the setting"))
                    .anySatisfy(n -> assertThat(n).startsWith("service SID type: this SCM does not know the setting"))
                    .anySatisfy(n -> assertThat(n)
                            .isEqualTo("dependencies: QueryServiceConfig returned none but the registry value "
                                    + "DependOnService lists " + dep + ", eventlog; read from the registry"));

            // (b) from Wine's registry
            Map<String, String> reg = registry(name);
            assertThat(reg)
                    .containsEntry("Start", "REG_DWORD 0x2")
                    .containsEntry("DelayedAutostart", "REG_DWORD 0x1")
                    .containsEntry("DisplayName", "REG_SZ Servicekit all options " + me)
                    .containsEntry("Description", "REG_SZ Every install option, read back.")
                    .containsEntry("DependOnService", "REG_MULTI_SZ " + dep + "\\0eventlog")
                    .containsEntry("ObjectName", "REG_SZ NT SERVICE\\" + name)
                    .containsEntry(
                            "FailureActions",
                            "REG_BINARY 201C0000" + "00000000" + "00000000" + "03000000"
                                    + "14000000" // 7200 s, 3 actions
                                    + "01000000D0070000" + "0100000030750000"
                                    + "0000000000000000") // restart 2 s, 30 s, none
                    .containsEntry("FailureActionsOnNonCrashFailures", "REG_DWORD 0x1")
                    .containsEntry("ServiceSidType", "REG_DWORD 0x1")
                    .containsEntry("PreshutdownTimeout", "REG_DWORD 0xafc8") // 45000 ms
                    .containsEntry("Type", "REG_DWORD 0x10");
            assertThat(reg.get("ImagePath"))
                    .isEqualTo("REG_SZ " + config.path("command").asText());

            // (c) how the SCM starts it, read back from the image path for status, reload and doctor
            JsonNode launches = installedLaunch(name);
            assertThat(texts(launches.path(name).path("arguments")))
                    .as("installedLaunch: the launch arguments, the data directory install added last")
                    .containsExactly(
                            name,
                            String.valueOf(port),
                            fixtureLogArg(name),
                            "--config",
                            configFile,
                            "--set",
                            "motto=say \"hi\"",
                            "--set",
                            "data-dir=C:\\ProgramData\\" + name);
            assertThat(launches.path(name).path("workingDirectory").isNull())
                    .as("no working directory: the SCM has none")
                    .isTrue();
            assertThat(launches.path(name + "Missing").isNull())
                    .as("a service that is not installed")
                    .isTrue();

            // (d) the environment the SCM gives the process: the service key's Environment value (REG_MULTI_SZ)
            assertThat(launches.path(name).path("environment").path("variables").size())
                    .as("installedLaunch without an Environment value: read, none set: %s", launches)
                    .isZero();
            WineSession.Result added = wine.wine(
                    CMD,
                    "reg",
                    "add",
                    "HKLM\\System\\CurrentControlSet\\Services\\" + name,
                    "/v",
                    "Environment",
                    "/t",
                    "REG_MULTI_SZ",
                    "/d",
                    "USERS_SERVICE_MANAGEMENT_PORT=9123\\0GREETING=two words\\0not a variable",
                    "/f");
            assertThat(added.exitCode())
                    .as("reg add Environment: %s", added.all())
                    .isZero();
            JsonNode environment = installedLaunch(name).path(name).path("environment");
            assertThat(environment
                            .path("variables")
                            .path("USERS_SERVICE_MANAGEMENT_PORT")
                            .asText())
                    .as("installedLaunch's environment: %s", environment)
                    .isEqualTo("9123");
            assertThat(environment.path("variables").path("GREETING").asText()).isEqualTo("two words");
            assertThat(environment.path("variables").size()).isEqualTo(2);
            assertThat(texts(environment.path("unread")))
                    .containsExactly("string 3 of the Environment value is not NAME=value");

            // dependencies: Wine starts a service without starting what it depends on (Windows starts those first)
            WineSession.Result started = fixture("start", name);
            assertThat(started.exitCode()).as("start: %s", started.all()).isZero();
            assertThat(wine.scState(dep))
                    .as("the dependency after starting its dependent under Wine")
                    .contains("STOPPED");
            WineSession.Result startedDependency = fixture("start", dep);
            assertThat(startedDependency.exitCode())
                    .as("start of the dependency: %s", startedDependency.all())
                    .isZero();
            awaitHttp(depPort, "state=RUNNING");
            WineSession.Result refused = fixture("stop", dep);
            assertThat(refused.exitCode())
                    .as("stop of a dependency under a running dependent: %s", refused.all())
                    .isEqualTo(1);
            assertThat(refused.stderr())
                    .contains("error: Could not stop service \"" + dep + "\": services that depend on it are running: "
                            + name + " (Win32 error 1051); stop it first, then stop \"" + dep + "\" again");
            assertThat(wine.scState(dep)).contains("RUNNING");
            assertThat(http(depPort)).as("the dependency still serves").isPresent();

            assertThat(fixture("stop", name).exitCode()).isZero();
            assertThat(fixture("stop", dep).exitCode())
                    .as("the dependency stops once its dependent has")
                    .isZero();
            assertThat(fixture("uninstall", name).exitCode()).isZero();
            assertThat(fixture("uninstall", dep).exitCode()).isZero();
            assertThat(registry(name)).as("the service key after uninstall").isEmpty();
            uninstalled = true;
        } finally {
            if (!uninstalled) {
                // a delayed-start leftover would start two minutes into the next session and hold Wine's start lock
                fixture("uninstall", name);
                fixture("uninstall", dep);
            }
        }
    }

    /**
     * A killed service process under Wine's SCM: Windows' SCM would see the process end (STOPPED, error 1067) and
     * apply the failure actions; Wine's keeps reporting RUNNING with the dead pid and never restarts it. The product's
     * part: {@code status} asks the process itself and says it is gone (exit 3, not running), and {@code uninstall}
     * deletes the service without the stop that cannot reach it.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aKilledServiceIsNotRestartedByWinesScmAndStatusSaysItsProcessIsGone() throws Exception {
        String name = "skE2EKill" + ProcessHandle.current().pid();
        int port = freePort();
        assertThat(fixture(
                                "install",
                                name,
                                String.valueOf(port),
                                fixtureLogArg(name),
                                "--on-failure",
                                "restart:1s,restart:1s,none")
                        .exitCode())
                .isZero();
        WineSession.Result started = fixture("start", name);
        assertThat(started.exitCode()).as("start: %s", started.all()).isZero();
        awaitHttp(port, "state=RUNNING");
        JsonNode running = statusJson(name);
        long pid = running.path("pid").asLong();
        assertThat(pid).isPositive();

        WineSession.Result kill = wine.wine(CMD, "taskkill", "/F", "/PID", String.valueOf(pid));
        assertThat(kill.exitCode()).as("taskkill: %s", kill.all()).isZero();
        awaitPortClosed(port);
        Poll.during(
                Duration.ofSeconds(5), // five times the 1 s restart delay
                "Wine's SCM to leave the killed service as it was (no failure actions, no STOPPED)",
                () -> {
                    try {
                        return wine.scState(name).equals(Optional.of("RUNNING"))
                                && http(port).isEmpty();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                });

        WineSession.Result status = fixture("status", name);
        assertThat(status.exitCode())
                .as("status of the killed service: %s", status.all())
                .isEqualTo(3);
        assertThat(status.stdout())
                .contains("not running (RUNNING, but its process " + pid + " ")
                .contains(" and the SCM has not noticed");
        JsonNode after = statusJson(name);
        assertThat(after.path("running").asBoolean()).isFalse();
        assertThat(after.path("state").asText()).startsWith("RUNNING, but its process " + pid + " ");
        assertThat(after.path("pid").isNull()).isTrue();

        WineSession.Result uninstall = fixture("uninstall", name);
        assertThat(uninstall.exitCode()).as("uninstall: %s", uninstall.all()).isZero();
        assertThat(uninstall.stdout()).contains("deleting it without a stop");
        assertThat(logOf(name)).contains("started on port " + port).doesNotContain("stopped");
    }

    private static String registryNote(String what, String value) {
        return "progress: note: this Service Control Manager does not keep the " + what
                + " setting (Win32 error 124); wrote the registry value " + value + " that Windows keeps it in";
    }

    private JsonNode statusJson(String name) throws Exception {
        // status only reads, so it may run twice.
        WineSession.Result r =
                WineFault.runAgainOnce("status-json", () -> fixture("status-json", name), WineSession.Result::all);
        assertThat(r.stderr()).as("status-json: %s", r.all()).isEmpty();
        return new ObjectMapper().readTree(r.stdout());
    }

    private JsonNode installedLaunch(String name) throws Exception {
        WineSession.Result r = WineFault.runAgainOnce(
                "installed-launch", () -> fixture("installed-launch", name), WineSession.Result::all);
        assertThat(r.exitCode()).as("installed-launch: %s", r.all()).isZero();
        assertThat(r.stderr()).as("installed-launch: %s", r.all()).isEmpty();
        return new ObjectMapper().readTree(r.stdout());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** {@code reg query} of the service's key: value name to "TYPE data"; empty when the key does not exist. */
    private Map<String, String> registry(String name) throws Exception {
        WineSession.Result r = wine.wine(CMD, "reg", "query", "HKLM\\System\\CurrentControlSet\\Services\\" + name);
        Map<String, String> values = new LinkedHashMap<>();
        if (r.exitCode() != 0) {
            return values;
        }
        for (String line : r.stdout().replace("\r", "").split("\n")) {
            if (!line.startsWith("    ")) {
                continue; // the key's own line, blank lines
            }
            String[] parts = line.strip().split(" {4}", 3);
            if (parts.length >= 2) {
                values.put(parts[0], parts[1] + " " + (parts.length == 3 ? parts[2] : ""));
            }
        }
        return values;
    }

    private void awaitLog(String name, String expected) throws Exception {
        try {
            Poll.until(STATE, "the fixture log to contain \"" + expected + "\"", () -> {
                try {
                    return logOf(name).contains(expected);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "; fixture log:\n" + logOf(name) + "\nsession:\n" + wine.sessionLog(), e);
        }
    }

    private static void awaitPortClosed(int port) {
        Poll.until(
                STATE,
                "port " + port + " to stop answering after the stop",
                () -> http(port).isEmpty());
    }

    /** Builds fixture.jar (the fixture classes, Class-Path to lib/) and lib/ from this test's class path. */
    static final class FixtureJar {
        private static final List<String> RUNTIME = List.of(
                "servicekit-spi",
                "servicekit-scm-api",
                "servicekit-windows",
                "jna-5",
                "jna-platform-",
                "slf4j-api-",
                "logback-classic-",
                "logback-core-",
                "jackson-databind-",
                "jackson-core-",
                "jackson-annotations-");

        static Path build(Path dir) throws IOException {
            return build(
                    dir,
                    "fixture.jar",
                    "dev.servicekit.windows.fixture.WineFixtureService",
                    path -> path.startsWith("dev/servicekit/windows/fixture/"));
        }

        /** A jar in {@code dir} of the test classes {@code include} takes, run with {@code mainClass}, lib/ as above. */
        static Path build(Path dir, String jarFile, String mainClass, java.util.function.Predicate<String> include)
                throws IOException {
            Path lib = dir.resolve("lib");
            Files.createDirectories(lib);
            List<String> classPath = new ArrayList<>();
            Path testClasses = null;
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path p = Path.of(entry);
                String s = p.toString();
                if (s.endsWith("test-classes")) {
                    testClasses = p;
                    continue;
                }
                Optional<String> kind = RUNTIME.stream().filter(s::contains).findFirst();
                if (kind.isEmpty()) {
                    continue;
                }
                String jarName = Files.isDirectory(p)
                        ? kind.get().replaceAll("[-.]$", "") + "-classes.jar"
                        : p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    jarDirectory(p, lib.resolve(jarName), null, path -> true);
                } else {
                    Files.copy(p, lib.resolve(jarName), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                classPath.add("lib/" + jarName);
            }
            if (testClasses == null) {
                throw new IllegalStateException(
                        "test-classes not on the class path: " + System.getProperty("java.class.path"));
            }
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
            manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
            Path jar = dir.resolve(jarFile);
            jarDirectory(testClasses, jar, manifest, include);
            return jar;
        }

        private static void jarDirectory(
                Path root, Path jar, Manifest manifest, java.util.function.Predicate<String> include)
                throws IOException {
            try (JarOutputStream out = manifest == null
                            ? new JarOutputStream(Files.newOutputStream(jar))
                            : new JarOutputStream(Files.newOutputStream(jar), manifest);
                    Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String name = root.relativize(f).toString().replace('\\', '/');
                    if (!include.test(name)) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(name));
                    Files.copy(f, out);
                    out.closeEntry();
                }
            }
        }
    }
}
