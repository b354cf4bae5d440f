package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} and {@code doctor} of the real jar, in child JVMs, against a foreground {@code run} in another
 * process, a detached daemon, and nothing at all: the answer, the merged JSON and the exit code of each; doctor
 * ({@code --config FILE}) reads the running store's schema version. (Under a
 * real systemd manager: SystemdManagerIT.)
 */
class StatusProcessIT {

    static final Path JAR = UsersServiceProcessIT.JAR.toAbsolutePath();
    static final Duration COMMAND = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private int commands;
    private final List<Long> started = new ArrayList<>();

    /** Exit code of {@code status} when nothing runs: 4 where systemd registers services, else 3 (the daemon's). */
    private static int nothingThere() {
        return Files.isDirectory(Path.of("/run/systemd/system")) ? 4 : 3;
    }

    private ServiceProcess command(Path workingDir, String... args) {
        ServiceProcess process = ServiceProcess.builder(JAR, workingDir)
                .outputName("cmd" + (++commands))
                .jvmOptions("-XX:TieredStopAtLevel=1")
                .args(args)
                .start();
        process.awaitExit(COMMAND);
        return process;
    }

    @AfterEach
    void killLeftovers() {
        for (long pid : started) {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent()
                    && handle.get().isAlive()
                    && handle.get().info().commandLine().orElse("").contains(JAR.toString())) {
                handle.get().destroyForcibly();
            }
        }
    }

    @Test
    void withNothingAtAllStatusSaysNotRunningOrNotInstalled() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));

        try (ServiceProcess status = command(dir, "status", "--set", "data-dir=" + data)) {
            assertThat(status.awaitExit(COMMAND)).as(status.output()).isEqualTo(nothingThere());
            assertThat(status.stdout())
                    .startsWith(nothingThere() == 4 ? "users-service: not installed" : "users-service: not running");
        }
        try (ServiceProcess status = command(dir, "status", "--json", "--set", "data-dir=" + data)) {
            assertThat(status.awaitExit(COMMAND)).as(status.output()).isEqualTo(nothingThere());
            JsonNode json = new ObjectMapper().readTree(status.stdout());
            assertThat(json.path("running").asBoolean()).isFalse();
            assertThat(json.path("process").isNull()).isTrue();
            assertThat(json.path("application").isNull()).isTrue();
        }
    }

    @Test
    void aForegroundRunInAnotherProcessIsRunningWithTheApplicationsViewAndDoctorSaysItsPortsAreItsOwn()
            throws Exception {
        Path data = dir.resolve("data");
        try (ServiceProcess run = UsersServiceProcessIT.smallJvm(dir)
                .outputName("run")
                .args("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + data)
                .start()) {
            started.add(run.pid());
            int apiPort = UsersServiceProcessIT.port(run, UsersServiceProcessIT.API);
            int managementPort = UsersServiceProcessIT.port(run, UsersServiceProcessIT.MANAGEMENT);
            TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + managementPort);
            Poll.until(
                    Duration.ofSeconds(30),
                    "the run to be ready",
                    () -> management.get("/health/ready").status() == 200);
            Path recorded = data.resolve("users-service.running.json");
            Poll.until(Duration.ofSeconds(10), recorded + " to say RUNNING", () -> contains(recorded, "\"RUNNING\""));

            // Auth is on (the default): status mints its admin token from the key file in the data directory.
            try (ServiceProcess status = command(dir, "status", "--set", "data-dir=" + data)) {
                assertThat(status.awaitExit(COMMAND)).as(status.output()).isZero();
                assertThat(status.stdout())
                        .startsWith(
                                "users-service: running (pid " + run.pid() + ", running, not under a service manager")
                        .contains("readiness:       UP (RUNNING) at http://127.0.0.1:" + managementPort)
                        .contains("configuration:   hash ")
                        .contains("listeners:       api " + apiPort + ", management " + managementPort);
            }
            try (ServiceProcess status = command(dir, "status", "--json", "--set", "data-dir=" + data)) {
                assertThat(status.awaitExit(COMMAND)).as(status.output()).isZero();
                JsonNode json = new ObjectMapper().readTree(status.stdout());
                assertThat(json.path("running").asBoolean()).isTrue();
                assertThat(json.path("pid").asLong()).isEqualTo(run.pid());
                assertThat(json.path("manager").path("running").asBoolean()).isFalse();
                assertThat(json.path("process").path("pid").asLong()).isEqualTo(run.pid());
                assertThat(json.path("application").path("pid").asLong()).isEqualTo(run.pid());
                assertThat(json.path("application").path("readiness").asText()).isEqualTo("UP");
                assertThat(json.path("application").path("version").asText()).isNotEmpty();
                assertThat(json.path("application").path("config").path("hash").asText())
                        .isNotEmpty();
            }
            Path config = Files.writeString(dir.resolve("doctor.yaml"), """
                    data-dir: %s
                    http:
                      port: %d
                    management:
                      port: %d
                    """.formatted(data, apiPort, managementPort));
            try (ServiceProcess doctor = command(dir, "doctor", "--config", config.toString())) {
                assertThat(doctor.awaitExit(COMMAND)).as(doctor.output()).isZero();
                assertThat(doctor.stdout())
                        .contains("ok             port api: " + apiPort + " (http.port) on 127.0.0.1 is held by"
                                + " users-service itself (pid " + run.pid() + "), which is running")
                        .contains("ok             port management: " + managementPort)
                        // Read-only, through the WAL of the running store.
                        .contains("ok             store: sqlite " + data.resolve("users.db") + ", schema version 2");
            }

            run.signal("TERM");
            assertThat(run.awaitExit(Duration.ofSeconds(60))).isZero();
            assertThat(recorded).as("removed at a clean stop").doesNotExist();
        }
        try (ServiceProcess status = command(dir, "status", "--set", "data-dir=" + data)) {
            assertThat(status.awaitExit(COMMAND)).as(status.output()).isEqualTo(nothingThere());
        }
    }

    @Test
    void aSecondRunOnTheSameDataDirectoryNeitherHidesNorReplacesTheFirstInStatus() throws Exception {
        Path data = dir.resolve("data");
        Path recorded = data.resolve("users-service.running.json");
        try (ServiceProcess first = runningIn(data, "first")) {
            int managementPort = UsersServiceProcessIT.port(first, UsersServiceProcessIT.MANAGEMENT);

            // The usual mistake: a second run of the same service, whose port is taken. It fails, and its start and
            // its end leave the first one's record alone (it used to take the file over and delete it on the way out,
            // and status then said "not running" about a service that was).
            try (ServiceProcess clash = UsersServiceProcessIT.smallJvm(dir)
                    .outputName("clash")
                    .args(
                            "run",
                            "--set",
                            "http.port=0",
                            "--set",
                            "management.port=" + managementPort,
                            "--set",
                            "data-dir=" + data)
                    .start()) {
                started.add(clash.pid());
                assertThat(clash.awaitExit(Duration.ofSeconds(60)))
                        .as(clash.output())
                        .isEqualTo(1);
                assertThat(clash.output()).contains("Port " + managementPort + " on 127.0.0.1 is already in use");
            }
            assertFirstIsRunning(data, first.pid());

            // A second run that starts (ports of its own) is not recorded while the first runs, and says so.
            try (ServiceProcess second = UsersServiceProcessIT.smallJvm(dir)
                    .outputName("second")
                    .args("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + data)
                    .start()) {
                started.add(second.pid());
                second.awaitOutput(
                        Pattern.compile("already runs on this data directory as pid " + first.pid()),
                        Duration.ofSeconds(60));
                assertFirstIsRunning(data, first.pid());
                second.signal("TERM");
                assertThat(second.awaitExit(Duration.ofSeconds(60)))
                        .as(second.output())
                        .isZero();
            }
            assertFirstIsRunning(data, first.pid());

            first.signal("TERM");
            assertThat(first.awaitExit(Duration.ofSeconds(60))).isZero();
            assertThat(recorded).as("removed at the first one's clean stop").doesNotExist();
        }
    }

    @Test
    void stopWithNoManagedServiceButAForegroundRunSaysWhichProcessRunsAndFails() throws Exception {
        Path data = dir.resolve("data");
        Path recorded = data.resolve("users-service.running.json");
        try (ServiceProcess run = runningIn(data, "run")) {
            // From the data directory, as a user in a second terminal would type it: it used to say "users-service
            // is not running" and exit 0 while the run served.
            try (ServiceProcess stop = command(data, "stop", "--platform", "daemon")) {
                assertThat(stop.awaitExit(COMMAND)).as(stop.output()).isEqualTo(1);
                assertThat(stop.output())
                        .contains("users-service is not running under daemon, but a foreground run of it is: pid "
                                + run.pid() + " (" + recorded + ")")
                        .contains("kill -TERM " + run.pid());
            }
            assertThat(run.isAlive()).isTrue();
            run.signal("TERM");
            assertThat(run.awaitExit(Duration.ofSeconds(60))).isZero();
        }
        try (ServiceProcess stop = command(data, "stop", "--platform", "daemon")) {
            assertThat(stop.awaitExit(COMMAND)).as(stop.output()).isZero();
            assertThat(stop.output()).contains("users-service is not running");
        }
    }

    /** A foreground run on free ports with its data in {@code data}, once its running file says RUNNING. */
    private ServiceProcess runningIn(Path data, String name) {
        ServiceProcess run = UsersServiceProcessIT.smallJvm(dir)
                .outputName(name)
                .args("run", "--set", "http.port=0", "--set", "management.port=0", "--set", "data-dir=" + data)
                .start();
        started.add(run.pid());
        Path recorded = data.resolve("users-service.running.json");
        Poll.until(Duration.ofSeconds(60), recorded + " to say RUNNING", () -> contains(recorded, "\"RUNNING\""));
        return run;
    }

    private void assertFirstIsRunning(Path data, long pid) {
        try (ServiceProcess status = command(dir, "status", "--set", "data-dir=" + data)) {
            assertThat(status.awaitExit(COMMAND)).as(status.output()).isZero();
            assertThat(status.stdout()).startsWith("users-service: running (pid " + pid + ", running");
        }
    }

    @Test
    void aKilledRunLeavesAStaleFileThatStatusDoesNotTakeForRunning() throws Exception {
        Path data = dir.resolve("data");
        try (ServiceProcess run = runningIn(data, "run")) {
            run.kill9();
            run.awaitExit(Duration.ofSeconds(30));
        }
        try (ServiceProcess status = command(dir, "status", "--set", "data-dir=" + data)) {
            assertThat(status.awaitExit(COMMAND)).as(status.output()).isEqualTo(nothingThere());
            assertThat(status.stdout()).contains("which is no longer running").contains("stale");
        }
    }

    @Test
    void aDetachedDaemonIsRunningWithTheManagersPidEqualToTheApplicationsPid() throws Exception {
        Path root = Files.createDirectories(dir.resolve("state"));
        Path data = dir.resolve("data");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                data-dir: %s
                http:
                  port: 0
                management:
                  port: 0
                auth:
                  enabled: false
                """.formatted(data));
        try (ServiceProcess install = command(
                dir,
                "install",
                "--platform",
                "daemon",
                "--root",
                root.toString(),
                "--config",
                config.toString(),
                "--jvm-option=-Xmx128m",
                "--jvm-option=-XX:TieredStopAtLevel=1")) {
            assertThat(install.awaitExit(COMMAND)).as(install.output()).isZero();
        }
        try (ServiceProcess start = command(dir, "start", "--platform", "daemon", "--root", root.toString())) {
            assertThat(start.awaitExit(COMMAND)).as(start.output()).isZero();
        }
        long pid = Long.parseLong(
                Files.readString(root.resolve("users-service.pid")).strip());
        started.add(pid);
        try {
            // No --platform: the daemon's state directory is the working directory, as for a user who cd'd there.
            try (ServiceProcess status = command(root, "status", "--config", config.toString())) {
                assertThat(status.awaitExit(COMMAND)).as(status.output()).isZero();
                assertThat(status.stdout())
                        .startsWith("users-service: running (running, pid " + pid + ")")
                        .contains("service manager: daemon")
                        .contains("readiness:       UP (RUNNING)");
            }
            try (ServiceProcess status = command(root, "status", "--json", "--config", config.toString())) {
                assertThat(status.awaitExit(COMMAND)).as(status.output()).isZero();
                JsonNode json = new ObjectMapper().readTree(status.stdout());
                assertThat(json.path("manager").path("platform").asText()).isEqualTo("daemon");
                assertThat(json.path("manager").path("pid").asLong()).isEqualTo(pid);
                assertThat(json.path("application").path("pid").asLong()).isEqualTo(pid);
                assertThat(json.path("application").path("readiness").asText()).isEqualTo("UP");
                assertThat(json.path("notes")).isEmpty();
            }
        } finally {
            try (ServiceProcess stop = command(dir, "stop", "--platform", "daemon", "--root", root.toString())) {
                assertThat(stop.awaitExit(COMMAND)).as(stop.output()).isZero();
            }
        }
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.exists(file) && Files.readString(file).contains(text);
        } catch (IOException e) {
            return false;
        }
    }
}
