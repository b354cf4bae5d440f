package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §14 "Instances on one host", with real processes: two instances of users-service.jar installed and started
 * side by side with {@code --instance a} and {@code --instance b} as detached daemons sharing one state directory.
 * Each has its own ports (from its own configuration file), data directory, pid file and log, and names itself in
 * its log lines, its metrics and {@code /admin/status}; stopping one leaves the other serving.
 */
class InstancesOnOneHostIT {

    static final Path JAR = DaemonModeIT.JAR;
    static final Duration COMMAND = Duration.ofSeconds(120);
    static final Pattern MANAGEMENT = Pattern.compile("Management listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final Set<Long> daemons = new HashSet<>();
    private int commands;

    private Path root() {
        return dir.resolve("state");
    }

    private Path pidFile(String instance) {
        return root().resolve("users-service@" + instance + ".pid");
    }

    private Path logFile(String instance) {
        return root().resolve("users-service@" + instance + ".log");
    }

    /** Runs one command of the jar to its end. */
    private ServiceProcess command(String... args) {
        ServiceProcess process = ServiceProcess.builder(JAR, dir)
                .outputName("cmd" + (++commands))
                .jvmOptions("-XX:TieredStopAtLevel=1")
                .args(args)
                .start();
        process.awaitExit(COMMAND);
        return process;
    }

    private ServiceProcess daemonCommand(String verb, String instance) {
        return command(verb, "--platform", "daemon", "--root", root().toString(), "--instance", instance);
    }

    /** Installs and starts {@code instance} with its own configuration file; returns the file. */
    private Path installAndStart(String instance, int httpPort, String logFormat) throws IOException {
        Path config = dir.resolve(instance + ".yaml");
        Files.writeString(config, """
                http:
                  port: %d
                management:
                  port: 0
                auth:
                  enabled: false
                log:
                  format: %s
                """.formatted(httpPort, logFormat));
        try (ServiceProcess install = command(
                "install",
                "--platform",
                "daemon",
                "--root",
                root().toString(),
                "--instance",
                instance,
                "--config",
                config.toString(),
                "--jvm-option=-Xmx128m",
                "--jvm-option=-XX:+UseSerialGC",
                "--jvm-option=-XX:TieredStopAtLevel=1")) {
            assertThat(install.awaitExit(COMMAND)).as(install.output()).isZero();
        }
        try (ServiceProcess start = daemonCommand("start", instance)) {
            assertThat(start.awaitExit(COMMAND))
                    .as(start.output() + log(instance))
                    .isZero();
        }
        daemons.add(pid(instance));
        return config;
    }

    private long pid(String instance) throws IOException {
        return Long.parseLong(Files.readString(pidFile(instance)).strip());
    }

    private int port(String instance, Pattern listening) {
        Matcher last = null;
        for (String line : log(instance).lines().toList()) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                last = m;
            }
        }
        assertThat(last).as("a listening line in %s", logFile(instance)).isNotNull();
        return Integer.parseInt(last.group(1));
    }

    private TestHttpClient api(String instance) {
        return TestHttpClient.create("http://127.0.0.1:" + port(instance, DaemonModeIT.API));
    }

    private TestHttpClient management(String instance) {
        return TestHttpClient.create("http://127.0.0.1:" + port(instance, MANAGEMENT));
    }

    private String log(String instance) {
        try {
            return Files.exists(logFile(instance)) ? Files.readString(logFile(instance)) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void killLeftovers() {
        for (long pid : daemons) {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent()
                    && handle.get().isAlive()
                    && handle.get().info().commandLine().orElse("").contains(JAR.toString())) {
                handle.get().destroyForcibly();
            }
        }
    }

    @Test
    void twoInstancesServeSideBySideEachAsItselfAndStoppingOneLeavesTheOtherServing() throws Exception {
        installAndStart("a", 0, "text");
        installAndStart("b", 0, "json");

        // Separate processes, pid files, ports and data directories (each runs in <root>/<instance>).
        assertThat(pid("a")).isNotEqualTo(pid("b"));
        assertThat(port("a", DaemonModeIT.API)).isNotEqualTo(port("b", DaemonModeIT.API));
        assertThat(root().resolve("a/users.db")).exists();
        assertThat(root().resolve("b/users.db")).exists();
        assertThat(root().resolve("users.db")).doesNotExist();
        long id = api("a").post("/api/v1/users", "{\"name\":\"Ann\",\"email\":\"ann@example.com\"}")
                .json()
                .path("id")
                .asLong();
        assertThat(api("a").get("/api/v1/users/" + id).status()).isEqualTo(200);
        assertThat(api("b").get("/api/v1/users/" + id).status())
                .as("b has its own store")
                .isEqualTo(404);

        // Each names itself: status, /admin/status, every metric, every log line.
        try (ServiceProcess status = daemonCommand("status", "a")) {
            assertThat(status.awaitExit(COMMAND)).isZero();
            assertThat(status.stdout()).contains("users-service@a: running");
        }
        // From a directory that is not theirs and without --config, status, reload and doctor read the
        // configuration the daemon manager starts each instance with (its --config, its working directory).
        try (ServiceProcess status =
                command("status", "--json", "--platform", "daemon", "--root", root().toString(), "--instance", "b")) {
            assertThat(status.awaitExit(COMMAND)).as(status.output()).isZero();
            JsonNode view = new ObjectMapper().readTree(status.stdout());
            assertThat(view.path("application").path("instance").asText())
                    .as("b's own management listener answered: %s", status.stdout())
                    .isEqualTo("b");
            assertThat(view.path("application").path("pid").asLong()).isEqualTo(pid("b"));
            assertThat(view.path("process").path("file").asText())
                    .isEqualTo(root().resolve("b/users-service@b.running.json").toString());
            assertThat(view.path("manager").path("launch").path("arguments").toString())
                    .contains(dir.resolve("b.yaml").toString());
        }
        Path aConfig = dir.resolve("a.yaml");
        String aText = Files.readString(aConfig);
        Files.writeString(aConfig, aText.replace("format: text", "format: text\n  level: debug"));
        try (ServiceProcess reload =
                command("reload", "--platform", "daemon", "--root", root().toString(), "--instance", "a")) {
            assertThat(reload.awaitExit(COMMAND)).as(reload.output()).isZero();
            assertThat(reload.stdout())
                    .as("the service's own answer, not only a delivered signal: %s", reload.output())
                    .contains("users-service@a reloaded its configuration"); // "unchanged" once the watcher was first
        }
        Files.writeString(aConfig, aText.replace("format: text", "format: text\n  level: loud"));
        try (ServiceProcess reload =
                command("reload", "--platform", "daemon", "--root", root().toString(), "--instance", "a")) {
            assertThat(reload.awaitExit(COMMAND)).as(reload.output()).isEqualTo(78);
            assertThat(reload.output())
                    .contains("log.level")
                    .contains("users-service@a: not reloaded: the configuration daemon starts it with is invalid");
            assertThat(reload.output()).as("nothing delivered").doesNotContain("SIGHUP");
        }
        Files.writeString(aConfig, aText);
        assertThat(api("a").get("/api/v1/users/" + id).status())
                .as("a refused reload changes nothing")
                .isEqualTo(200);
        try (ServiceProcess doctor =
                command("doctor", "--platform", "daemon", "--root", root().toString(), "--instance", "a")) {
            doctor.awaitExit(COMMAND);
            assertThat(doctor.stdout())
                    .as(doctor.output())
                    .contains("--config " + aConfig + " (daemon, in " + root().resolve("a") + ")")
                    .contains("file " + aConfig);
        }

        for (String instance : List.of("a", "b")) {
            JsonNode admin = management(instance).get("/admin/status").json();
            assertThat(admin.path("instance").asText()).isEqualTo(instance);
            assertThat(admin.path("pid").asLong()).isEqualTo(pid(instance));
            List<String> samples = management(instance)
                    .get("/metrics")
                    .body()
                    .lines()
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .toList();
            assertThat(samples)
                    .hasSizeGreaterThan(20)
                    .allSatisfy(line -> assertThat(line).contains("service_instance=\"" + instance + "\""));
        }
        List<String> textLines =
                log("a").lines().filter(line -> line.matches("\\d{4}-.*")).toList();
        assertThat(textLines)
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains(" instance=a ["))
                .noneMatch(line -> line.contains("instance=b"));
        List<JsonNode> jsonLines = new ArrayList<>();
        for (String line : log("b").lines().filter(l -> l.startsWith("{")).toList()) {
            jsonLines.add(new ObjectMapper().readTree(line));
        }
        assertThat(jsonLines)
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line.path("instance").asText()).isEqualTo("b"));

        // Stopping a leaves b serving.
        long a = pid("a");
        try (ServiceProcess stop = daemonCommand("stop", "a")) {
            assertThat(stop.awaitExit(COMMAND)).as(stop.output()).isZero();
        }
        Poll.until(
                Duration.ofSeconds(30),
                "instance a (pid " + a + ") to be gone",
                () -> ProcessHandle.of(a).map(h -> !h.isAlive()).orElse(true));
        assertThat(pidFile("a")).doesNotExist();
        assertThat(api("b").get("/api/v1/users").status()).isEqualTo(200);
        try (ServiceProcess status = daemonCommand("status", "a")) {
            assertThat(status.awaitExit(COMMAND)).isEqualTo(3);
        }
        try (ServiceProcess status = daemonCommand("status", "b")) {
            assertThat(status.awaitExit(COMMAND)).isZero();
        }
    }

    @Test
    void aSecondInstanceConfiguredWithTheFirstOnesPortFailsWithThePortInUseMessage() throws Exception {
        installAndStart("a", 0, "text");
        int taken = port("a", DaemonModeIT.API);
        Path config = dir.resolve("b.yaml");
        Files.writeString(config, """
                http:
                  port: %d
                management:
                  port: 0
                auth:
                  enabled: false
                """.formatted(taken));
        try (ServiceProcess install = command(
                "install",
                "--platform",
                "daemon",
                "--root",
                root().toString(),
                "--instance",
                "b",
                "--config",
                config.toString(),
                "--jvm-option=-XX:TieredStopAtLevel=1")) {
            assertThat(install.awaitExit(COMMAND)).as(install.output()).isZero();
        }

        try (ServiceProcess start = daemonCommand("start", "b")) {
            assertThat(start.awaitExit(COMMAND)).isEqualTo(1);
            assertThat(start.output())
                    .contains("users-service@b exited")
                    .contains("Port " + taken + " on 127.0.0.1 is already in use by another process");
        }
        assertThat(api("a").get("/api/v1/users").status()).isEqualTo(200);
    }
}
