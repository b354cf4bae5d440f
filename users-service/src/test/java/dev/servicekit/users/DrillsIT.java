package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.BoundedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drills of {@code deploy/drills} (docs/operations.md, "Drills") as an operator runs them: {@code local-fleet.sh
 * up} starts PostgreSQL, etcd, three instances of the shipped jar and nginx on loopback, {@code drill.sh all} runs
 * the four drills against it with the settings {@code fleet.env} gives, and {@code local-fleet.sh down} stops exactly
 * what {@code up} started. The drills' own checks are what this test reads: every drill PASS, {@code lost: 0} for
 * each, a recovery time for each.
 */
@RunsAlone
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DrillsIT {

    static final Path DRILLS = MonitoringFiles.repositoryRoot().resolve("deploy/drills");
    static final List<String> FOUR = List.of("kill-instance", "stop-database", "stop-etcd", "restore-backup");

    @TempDir
    Path dir;

    @BeforeAll
    static void serversInstalled() {
        FleetIT.assumeFleetServers("DrillsIT");
    }

    record Result(int exitCode, String output) {}

    /**
     * Runs a command of deploy/drills with the environment an operator would have: no DRILL_* of the build's, this
     * JVM's JDK, the jar the build made, and the compiled drills cached under target/.
     */
    private Result run(Map<String, String> extra, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "drills-", ".out");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(DRILLS.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("DRILL_") || key.startsWith("LOCAL_FLEET_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("DRILL_JAR", UsersServiceProcessIT.JAR.toAbsolutePath().toString());
        env.put("DRILL_CACHE", Path.of("target/drills-classes").toAbsolutePath().toString());
        env.put("LOCAL_FLEET_LIFETIME", "600"); // a fleet this test forgot stops by itself
        env.putAll(extra);
        Process process = builder.start();
        int exitCode = BoundedProcess.awaitExit(process, Duration.ofMinutes(5), String.join(" ", command), output);
        return new Result(exitCode, Files.readString(output, StandardCharsets.UTF_8));
    }

    @Test
    void theFourDrillsRunAgainstALocalFleetAndLoseNothingAcknowledged() throws Exception {
        Path fleet = dir.resolve("fleet");
        List<Long> started = new ArrayList<>();
        try {
            Result up = run(Map.of(), "./local-fleet.sh", "up", fleet.toString());
            System.out.println("DrillsIT local-fleet.sh up:\n" + up.output());
            assertThat(up.exitCode()).as(up.output()).isZero();
            try (Stream<Path> pids = Files.list(fleet.resolve("run"))) {
                for (Path pid : pids.toList()) {
                    started.add(Long.parseLong(Files.readString(pid).strip()));
                }
            }
            assertThat(started)
                    .as("pids of nginx, a, b, c, etcd, postgres, watchdog")
                    .hasSize(7);

            Result drills = run(
                    Map.of("DRILL_DB_DOWN_SECONDS", "3", "DRILL_ETCD_DOWN_SECONDS", "3"),
                    "sh",
                    "-c",
                    ". \"$1/fleet.env\" && exec ./drill.sh all",
                    "drills",
                    fleet.toString());
            System.out.println("DrillsIT drill.sh all:\n" + drills.output());
            String out = drills.output();
            assertThat(out).doesNotContain("check FAILED");
            for (String drill : FOUR) {
                assertThat(out).contains("result " + drill + ": PASS");
            }
            List<String> lost =
                    out.lines().filter(line -> line.startsWith("  lost: ")).toList();
            assertThat(lost).hasSize(4).allSatisfy(line -> assertThat(line).startsWith("  lost: 0 of "));
            assertThat(out.lines().filter(line -> line.startsWith("  recovery: ")))
                    .hasSize(4)
                    .allSatisfy(line -> assertThat(line).containsPattern("\\d+ ms after"));
            assertThat(out)
                    .contains("summary: kill-instance PASS, stop-database PASS, stop-etcd PASS,"
                            + " restore-backup PASS");
            assertThat(drills.exitCode()).as(out).isZero();

            // A fault that does not happen is caught: stop and start commands that do nothing fail the drill.
            Result noOutage = run(
                    Map.of("DRILL_DB_STOP_CMD", "true", "DRILL_DB_DOWN_SECONDS", "1", "DRILL_TIMEOUT", "5"),
                    "sh",
                    "-c",
                    ". \"$1/fleet.env\" && export DRILL_DB_STOP_CMD=true DRILL_DB_START_CMD=true && exec ./drill.sh stop-database",
                    "drills",
                    fleet.toString());
            System.out.println(
                    "DrillsIT drill.sh stop-database with a stop command that stops nothing:\n" + noOutage.output());
            assertThat(noOutage.exitCode()).as(noOutage.output()).isEqualTo(1);
            assertThat(noOutage.output())
                    .contains("check FAILED: every instance reported not ready")
                    .contains("check FAILED: the outage was seen")
                    .contains("result stop-database: FAIL");
        } finally {
            Result down = run(Map.of(), "./local-fleet.sh", "down", fleet.toString());
            System.out.println("DrillsIT local-fleet.sh down:\n" + down.output());
            assertThat(down.exitCode()).as(down.output()).isZero();
            for (long pid : started) {
                assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
                        .as("process %d of the fleet after down", pid)
                        .isEmpty();
            }
        }
    }

    @Test
    void settingsThatCannotWorkAreAllListedAndNothingIsDone() throws Exception {
        Result result = run(
                Map.of("DRILL_URL", "ftp://nginx.internal", "DRILL_CLIENTS", "0", "DRILL_INSTANCES", "a=nowhere"),
                "./drill.sh",
                "all");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(78);
        assertThat(result.output())
                .contains("nothing was done")
                .contains("DRILL_URL: 'ftp://nginx.internal' is not an http:// or https:// URL")
                .contains("DRILL_TOKEN (or DRILL_TOKEN_FILE) is not set")
                .contains("DRILL_INSTANCES: 'nowhere' (of a) is not an http:// or https:// URL")
                .contains("DRILL_CLIENTS: '0' is not a whole number from 1 to 64")
                .contains("DRILL_DB_STOP_CMD is not set")
                .contains("DRILL_ETCD_ENDPOINT is not set")
                .contains("DRILL_FLEET_STOP_CMD is not set")
                .contains("DRILL_ALLOW_RESTORE");

        Result unknown = run(Map.of(), "./drill.sh", "kill-everything");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("unknown drill 'kill-everything'");
    }
}
