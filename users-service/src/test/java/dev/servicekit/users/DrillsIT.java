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
 * each, a recovery time for each. The fleet's etcd is secured (TLS with client certificates of the fleet's CA,
 * authentication on), so the etcd drill passing proves the drill and the instances work against such an etcd; the
 * drill with a wrong password, or without the fleet's CA, stops before its fault and names the setting to fix.
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
            assertThat(Files.readString(fleet.resolve("fleet.env")))
                    .contains("DRILL_ETCD_ENDPOINT='https://127.0.0.1:")
                    .contains("DRILL_ETCD_USERNAME=")
                    .contains("DRILL_ETCD_CA_FILE=");

            assertThat(noOutage.exitCode()).as(noOutage.output()).isEqualTo(1);
            assertThat(noOutage.output())
                    .contains("check FAILED: every instance reported not ready")
                    .contains("check FAILED: the outage was seen")
                    .contains("result stop-database: FAIL");

            // The secured etcd refuses a wrong password, and a client without the fleet's CA does not trust it: the
            // etcd drill stops at its first call to etcd, before it stops etcd, and names the setting to fix.
            Path wrongPassword = Files.writeString(dir.resolve("wrong-etcd-password"), "not-the-password\n");
            Result refused = run(
                    Map.of(),
                    "sh",
                    "-c",
                    ". \"$1/fleet.env\" && export DRILL_ETCD_PASSWORD_FILE=\"$2\" && exec ./drill.sh stop-etcd",
                    "drills",
                    fleet.toString(),
                    wrongPassword.toString());
            System.out.println("DrillsIT drill.sh stop-etcd with a wrong etcd password:\n" + refused.output());
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
            assertThat(refused.output())
                    .contains("etcd refused user 'drills'")
                    .contains("check DRILL_ETCD_USERNAME and the password on the first line of"
                            + " DRILL_ETCD_PASSWORD_FILE (" + wrongPassword + ")")
                    .doesNotContain("not-the-password")
                    .doesNotContain("ran DRILL_ETCD_STOP_CMD")
                    .contains("result stop-etcd: FAIL");
            Result untrusted = run(
                    Map.of(),
                    "sh",
                    "-c",
                    ". \"$1/fleet.env\" && unset DRILL_ETCD_CA_FILE DRILL_ETCD_CERT_FILE DRILL_ETCD_KEY_FILE"
                            + " && exec ./drill.sh stop-etcd",
                    "drills",
                    fleet.toString());
            System.out.println("DrillsIT drill.sh stop-etcd without the fleet's CA:\n" + untrusted.output());
            assertThat(untrusted.exitCode()).as(untrusted.output()).isEqualTo(1);
            assertThat(untrusted.output())
                    .contains("etcd's certificate is not trusted")
                    .contains("set DRILL_ETCD_CA_FILE to the CA certificate that signed it")
                    .doesNotContain("ran DRILL_ETCD_STOP_CMD")
                    .contains("result stop-etcd: FAIL");
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

        Path emptyPassword = Files.writeString(dir.resolve("empty-etcd-password"), "\n");
        Result etcd = run(
                Map.of(
                        "DRILL_ETCD_ENDPOINT", "http://127.0.0.1:2379",
                        "DRILL_ETCD_PASSWORD_FILE", emptyPassword.toString(),
                        "DRILL_ETCD_CA_FILE", dir.resolve("no-such-ca.pem").toString(),
                        "DRILL_ETCD_CERT_FILE", emptyPassword.toString()),
                "./drill.sh",
                "stop-etcd");
        assertThat(etcd.exitCode()).as(etcd.output()).isEqualTo(78);
        assertThat(etcd.output())
                .contains("DRILL_ETCD_USERNAME is not set: DRILL_ETCD_PASSWORD_FILE is the password of an etcd user")
                .contains("DRILL_ETCD_PASSWORD_FILE: '" + emptyPassword + "' holds no password")
                .contains("DRILL_ETCD_ENDPOINT: 'http://127.0.0.1:2379' is not an https:// URL")
                .contains("DRILL_ETCD_KEY_FILE is not set: DRILL_ETCD_CERT_FILE needs its private key")
                .contains(
                        "DRILL_ETCD_CA_FILE: '" + dir.resolve("no-such-ca.pem") + "' is not a file this user may read");

        Result unknown = run(Map.of(), "./drill.sh", "kill-everything");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("unknown drill 'kill-everything'");
    }
}
