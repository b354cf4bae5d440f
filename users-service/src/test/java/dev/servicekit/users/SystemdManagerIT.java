package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.testing.FreePorts;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.SystemdUserManager;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded users-service jar installed with {@code install --user --platform systemd} into a real systemd user
 * manager ({@link SystemdUserManager}) and driven through its whole life: start after READY, status, reload, a
 * watchdog restart, a crash restart, a graceful stop with requests in flight, uninstall, and what the journal holds;
 * and, in a manager of its own, an out-of-memory exit and the restart that follows.
 */
class SystemdManagerIT {

    static final Path JAR = UsersServiceProcessIT.JAR;
    static final String UNIT = "users-service.service";
    static final Duration WAIT = Duration.ofSeconds(90);
    static final ObjectMapper JSON = new ObjectMapper();
    /** An ISO-8601 or Logback timestamp at the start of a message: journald records its own. */
    static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}");

    @TempDir
    Path dir;

    /** Skips without systemd locally; on CI (CI=true) .ci/run installs it, so a missing one fails. */
    @BeforeAll
    static void systemdInstalled() {
        Optional<String> missing = SystemdUserManager.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("SystemdManagerIT cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("SystemdManagerIT skipped: " + reason));
        assumeTrue(missing.isEmpty(), "systemd tests skipped: " + missing.orElse(""));
        assertThat(JAR).as("the shaded jar (built by the package phase)").exists();
    }

    @Test
    void usersServiceLivesItsWholeLifeUnderARealSystemdManager() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Path config = dir.resolve("config.yaml");
        writeConfig(config, ports, "info");
        TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + ports[0]);
        TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + ports[1]);

        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            // install: renders the unit into the manager's unit directory, daemon-reload, enable --now, waits.
            Cli installed = cli(
                    systemd,
                    "install",
                    "--config",
                    config.toString(),
                    "--watchdog",
                    "5s",
                    "--on-failure",
                    "restart:1s");
            assertThat(installed.exitCode()).as(installed.output()).isZero();
            // The manager logs its units' state changes at debug level: "Changed running -> reload", "Changed reload
            // -> running", the record of each reload whatever its trigger, which a poll of ActiveState can miss.
            assertThat(systemd.systemctl("log-level", "debug").ok()).isTrue();
            Path unitFile = systemd.unitDirectory().resolve(UNIT);
            assertThat(Files.readAllLines(unitFile)).contains("WatchdogSec=5s", "Type=notify");
            assertThat(systemd.show(UNIT, "UnitFileState")).containsEntry("UnitFileState", "enabled");

            // start returns after READY: the manager says active, with the service's own status text, at once.
            Cli stopped = cli(systemd, "stop");
            assertThat(stopped.exitCode()).as(stopped.output()).isZero();
            assertThat(systemd.show(UNIT, "ActiveState")).containsEntry("ActiveState", "inactive");
            java.time.Instant beforeStart = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            Cli started = cli(systemd, "start");
            assertThat(started.exitCode()).as(started.output()).isZero();
            Map<String, String> afterStart = systemd.show(UNIT, "ActiveState", "StatusText", "MainPID", "NRestarts");
            assertThat(afterStart).containsEntry("ActiveState", "active").containsEntry("StatusText", "Running");
            long pid = Long.parseLong(afterStart.get("MainPID"));

            // The API answers, and status --json shows the manager's pid, which is the application's own.
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);
            JsonNode appStatus = management.get("/admin/status").json();
            assertThat(appStatus.path("pid").asLong()).isEqualTo(pid);
            Cli status = cli(systemd, "status", "--json", "--config", config.toString());
            assertThat(status.exitCode()).as(status.output()).isZero();
            JsonNode managerStatus = JSON.readTree(status.stdout());
            assertThat(managerStatus.path("running").asBoolean()).isTrue();
            assertThat(managerStatus.path("pid").asLong()).isEqualTo(pid);
            assertThat(managerStatus.path("manager").path("pid").asLong())
                    .as(status.stdout())
                    .isEqualTo(pid);
            assertThat(managerStatus.path("application").path("pid").asLong())
                    .as("the application's own view, from its management listener: %s", status.stdout())
                    .isEqualTo(pid);
            assertThat(managerStatus.path("application").path("readiness").asText())
                    .as(status.stdout())
                    .isEqualTo("UP");
            assertThat(java.time.Instant.parse(
                            managerStatus.path("manager").path("since").asText()))
                    .as("the manager's 'since': when it started the unit")
                    .isBetween(beforeStart, java.time.Instant.now());

            // systemctl reload: SIGHUP, RELOADING=1 then READY=1; the edited file's change is in effect.
            String hashBefore = appStatus.path("config").path("hash").asText();
            writeConfig(config, ports, "warn");
            Set<String> states = watchActiveState(systemd, () -> {
                SystemdUserManager.Result reloaded = systemd.systemctl("reload", UNIT);
                assertThat(reloaded.ok()).as(reloaded.output()).isTrue();
                Poll.until(
                        WAIT,
                        "StatusText Reloaded",
                        () -> systemd.show(UNIT, "StatusText").get("StatusText").startsWith("Reloaded"));
            });
            assertThat(states).contains("active");
            assertThat(systemd.show(UNIT, "ActiveState", "MainPID"))
                    .containsEntry("ActiveState", "active")
                    .containsEntry("MainPID", Long.toString(pid));
            assertThat(management
                            .get("/admin/status")
                            .json()
                            .path("config")
                            .path("hash")
                            .asText())
                    .as("the configuration hash after the reload")
                    .isNotEqualTo(hashBefore);
            assertThat(systemd.journal("-o", "cat"))
                    .as("the manager's reload lines")
                    .contains("Reloading users-service")
                    .contains("Reloaded users-service");
            awaitReloads(systemd, 1);

            // POST /admin/reload under the manager: the file's earlier values are back in effect, same process, active.
            writeConfig(config, ports, "info");
            TestResponse posted = management.post("/admin/reload", "");
            assertThat(posted.status()).as(posted.body()).isEqualTo(200);
            assertThat(management
                            .get("/admin/status")
                            .json()
                            .path("config")
                            .path("hash")
                            .asText())
                    .isEqualTo(hashBefore);
            assertThat(systemd.show(UNIT, "ActiveState", "MainPID", "StatusText"))
                    .containsEntry("ActiveState", "active")
                    .containsEntry("MainPID", Long.toString(pid))
                    .hasEntrySatisfying("StatusText", text -> assertThat(text).startsWith("Reloaded"));
            awaitReloads(systemd, 2);

            // The CLI from a directory that is not the service's and without --config: status and reload read the
            // configuration the unit starts the service with (ExecStart's --config, WorkingDirectory), and reload asks
            // the service itself and prints its answer rather than only delivering a SIGHUP.
            Cli fromUnit = cli(systemd, "status", "--json");
            assertThat(fromUnit.exitCode()).as(fromUnit.output()).isZero();
            JsonNode foundStatus = JSON.readTree(fromUnit.stdout());
            assertThat(foundStatus.path("application").path("pid").asLong())
                    .as("the service's own management listener, found from the unit: %s", fromUnit.stdout())
                    .isEqualTo(pid);
            assertThat(foundStatus
                            .path("manager")
                            .path("launch")
                            .path("arguments")
                            .toString())
                    .contains(config.toString());
            writeConfig(config, ports, "warn");
            Cli reloadedByCli = cli(systemd, "reload");
            assertThat(reloadedByCli.exitCode()).as(reloadedByCli.output()).isZero();
            assertThat(reloadedByCli.stdout())
                    .as(reloadedByCli.output())
                    .contains("users-service reloaded its configuration:")
                    .contains("log.level");
            awaitReloads(systemd, 3);
            Files.writeString(config, Files.readString(config).replace("level: warn", "level: loud"));
            Cli refusedByCli = cli(systemd, "reload");
            assertThat(refusedByCli.exitCode()).as(refusedByCli.output()).isEqualTo(78);
            assertThat(refusedByCli.stderr())
                    .contains("log.level")
                    .contains("users-service: not reloaded: the configuration systemd starts it with is invalid");
            writeConfig(config, ports, "info");
            assertThat(systemd.show(UNIT, "ActiveState", "MainPID"))
                    .containsEntry("ActiveState", "active")
                    .containsEntry("MainPID", Long.toString(pid));

            // SIGSTOP: no pings, the watchdog fires, Restart=on-failure starts a new JVM that serves again.
            signal(pid, "STOP");
            Map<String, String> afterWatchdog = awaitRestarted(systemd, pid, "the watchdog fired");
            assertThat(afterWatchdog).containsEntry("NRestarts", "1").containsEntry("StatusText", "Running");
            assertThat(systemd.journal("-o", "cat")).contains("users-service.service: Watchdog timeout (limit 5s)!");
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);

            // kill -9: a crash, restarted by Restart=on-failure. The file now turns the watcher on for the next JVM
            // (reload.watch needs a restart), so that the file edit below is the only trigger of its reload.
            writeConfig(config, ports, "info", true);
            long second = Long.parseLong(afterWatchdog.get("MainPID"));
            signal(second, "KILL");
            Map<String, String> afterKill = awaitRestarted(systemd, second, "kill -9");
            assertThat(afterKill).containsEntry("NRestarts", "2");
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);

            // A configuration file edit, the third trigger: the watcher reloads, the manager is told (RELOADING=1,
            // then READY=1 with the status text), same process, active, the change in effect.
            String third = afterKill.get("MainPID");
            String hashAfterKill = management
                    .get("/admin/status")
                    .json()
                    .path("config")
                    .path("hash")
                    .asText();
            Set<String> edited = watchActiveState(systemd, () -> {
                try {
                    writeConfig(config, ports, "warn", true);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                Poll.until(
                        WAIT,
                        "the configuration hash to change after the file edit",
                        () -> !management
                                .get("/admin/status")
                                .json()
                                .path("config")
                                .path("hash")
                                .asText()
                                .equals(hashAfterKill));
            });
            assertThat(edited).contains("active");
            assertThat(systemd.show(UNIT, "ActiveState", "MainPID", "StatusText"))
                    .containsEntry("ActiveState", "active")
                    .containsEntry("MainPID", third)
                    .hasEntrySatisfying("StatusText", text -> assertThat(text).startsWith("Reloaded"));
            awaitReloads(systemd, 4);

            // stop while 20 slow requests are in flight: every one completes, then the unit is inactive.
            List<SlowPut> inFlight = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                TestResponse created = api.post(
                        "/api/v1/users", "{\"name\":\"Slow " + i + "\",\"email\":\"slow" + i + "@example.com\"}");
                assertThat(created.status()).isEqualTo(201);
                inFlight.add(SlowPut.begin(
                        ports[0],
                        created.json().path("id").asLong(),
                        "{\"name\":\"Drained " + i + "\",\"email\":\"slow" + i + "@example.com\"}"));
            }
            CompletableFuture<Cli> stopping = new CompletableFuture<>();
            Thread.ofPlatform().name("stop").start(() -> stopping.complete(cli(systemd, "stop")));
            // Readiness turns 503 while the API drains (the management listener stops last).
            Poll.until(
                    WAIT,
                    "/health/ready to be 503 during the drain",
                    () -> management.get("/health/ready").status() == 503);
            // The drain outlasts WatchdogSec (5 s) without a watchdog kill: pings end at STOPPING=1, and systemd does
            // not hold a stopping unit to its watchdog.
            Poll.during(
                    Duration.ofSeconds(7),
                    "the unit deactivating, its drain not cut short by the watchdog",
                    () -> systemd.show(UNIT, "ActiveState").get("ActiveState").equals("deactivating"));

            for (SlowPut put : inFlight) {
                put.finish();
            }
            for (SlowPut put : inFlight) {
                assertThat(put.statusLine()).startsWith("HTTP/1.1 200");
            }
            Cli stoppedAgain = stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(stoppedAgain.exitCode()).as(stoppedAgain.output()).isZero();
            assertThat(systemd.show(UNIT, "ActiveState", "Result"))
                    .containsEntry("ActiveState", "inactive")
                    .containsEntry("Result", "success");

            // A service that cannot start (its port is taken) logs an ERROR line; install fails and says why.
            String brokenUnit = "users-service-broken.service";
            try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                Path brokenConfig = dir.resolve("broken.yaml");
                writeConfig(brokenConfig, new int[] {taken.getLocalPort(), FreePorts.one()}, "info");
                Cli broken = cli(
                        systemd,
                        "install",
                        "--name",
                        "users-service-broken",
                        "--config",
                        brokenConfig.toString(),
                        "--on-failure",
                        "none");
                assertThat(broken.exitCode()).as(broken.output()).isEqualTo(1);
                assertThat(broken.output()).contains("users-service-broken");
                Cli removed = cli(systemd, "uninstall", "--name", "users-service-broken");
                assertThat(removed.exitCode()).as(removed.output()).isZero();
            }

            // uninstall leaves no unit behind.
            Cli uninstalled = cli(systemd, "uninstall");
            assertThat(uninstalled.exitCode()).as(uninstalled.output()).isZero();
            assertThat(unitFile).doesNotExist();
            assertThat(systemd.unitDirectory().resolve(brokenUnit)).doesNotExist();
            try (var left = Files.walk(systemd.unitDirectory())) {
                assertThat(left.filter(p -> p.getFileName().toString().startsWith("users-service")))
                        .as("unit files and links under " + systemd.unitDirectory())
                        .isEmpty();
            }
            assertThat(systemd.show(UNIT, "LoadState")).containsEntry("LoadState", "not-found");
            Cli gone = cli(systemd, "status");
            assertThat(gone.exitCode()).as(gone.output()).isEqualTo(4);

            // The journal: priorities from the <N> prefixes, no timestamps of the service's own.
            List<JsonNode> service = entries(systemd.journal("-u", UNIT, "-o", "json"));
            // The broken service's lines are read by the SyslogIdentifier its unit sets, which the manager writes in
            // the header of the service's stdout stream: `-u` matches the unit journald finds from the sending
            // process's cgroup, which a process that exits at once may have left before journald looks (an empty
            // list in one CI run). Polled, as journald writes behind.
            List<JsonNode> brokenEntries = Poll.until(
                    Duration.ofSeconds(10),
                    "the broken service's ERROR line in the journal",
                    () -> journalEntries(systemd, "-t", "users-service-broken", "-o", "json"),
                    found -> found.stream().anyMatch(e -> message(e).startsWith("ERROR ")));
            assertThat(service)
                    .as("users-service's INFO lines at priority info")
                    .anyMatch(e -> message(e).startsWith("INFO ")
                            && e.path("PRIORITY").asText().equals("6"));
            assertThat(brokenEntries)
                    .as("the broken service's ERROR line at priority err")
                    .anyMatch(e -> message(e).startsWith("ERROR ")
                            && e.path("PRIORITY").asText().equals("3"));
            List<JsonNode> all = new ArrayList<>(service);
            all.addAll(brokenEntries);
            for (JsonNode entry : all) {
                String text = message(entry);
                if (text.startsWith("INFO ") || text.startsWith("ERROR ") || text.startsWith("WARN ")) {
                    String level = text.substring(0, text.indexOf(' '));
                    String priority =
                            Map.of("INFO", "6", "WARN", "4", "ERROR", "3").get(level);
                    assertThat(entry.path("PRIORITY").asText()).as(text).isEqualTo(priority);
                }
                assertThat(text).as("a journal line of the service").doesNotMatch("(?s)^<\\d>.*");
                assertThat(TIMESTAMP.matcher(text).find())
                        .as("a timestamp of its own in: " + text)
                        .isFalse();
            }
        }
    }

    /**
     * systemd counts every start of a unit against {@code StartLimitBurst=}, an operator's as well as its own
     * automatic restarts, and refuses a start once the burst is used up. {@code --on-failure restart:1s,none} allows
     * one automatic restart a day ({@code StartLimitBurst=2}): three {@code restart}s in a row must still work (they
     * clear the counter first) and must leave that one automatic restart; the crash after it leaves the unit failed,
     * which a reinstall brings back (it clears the counter too), and, failed again, {@code start}. On the way: a reinstall over the running unit says the process keeps the unit it
     * was started with (systemd's {@code enable --now} does not restart it), the restart applies the new one,
     * {@code status} names the signal that killed the JVM (and no exit code while one runs), and uninstall says which
     * of the service's directories it keeps.
     */
    @Test
    void restartsAnOperatorAsksForDoNotUseUpTheAutomaticRestarts() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Path config = dir.resolve("config.yaml");
        writeConfig(config, ports, "info");
        TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + ports[0]);

        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            Cli installed = cli(systemd, "install", "--config", config.toString(), "--on-failure", "restart:1s,none");
            assertThat(installed.exitCode()).as(installed.output()).isZero();
            assertThat(Files.readAllLines(systemd.unitDirectory().resolve(UNIT)))
                    .contains("StartLimitBurst=2");

            // A reinstall over the running unit: enable --now leaves the process alone, and install says so.
            String firstPid = systemd.show(UNIT, "MainPID").get("MainPID");
            Cli reinstalled = cli(
                    systemd,
                    "install",
                    "--config",
                    config.toString(),
                    "--on-failure",
                    "restart:1s,none",
                    "--jvm-option",
                    "-Dservicekit.test.reinstalled=yes");
            assertThat(reinstalled.exitCode()).as(reinstalled.output()).isZero();
            assertThat(reinstalled.stdout() + reinstalled.stderr())
                    .contains("users-service was already running (pid " + firstPid
                            + ") and runs the unit it was started"
                            + " with until it restarts; apply the new unit with: systemctl --user restart " + UNIT)
                    .doesNotContain("Starting users-service…");
            assertThat(systemd.show(UNIT, "MainPID")).containsEntry("MainPID", firstPid);
            assertThat(Files.readString(Path.of("/proc", firstPid, "cmdline")))
                    .as("the running JVM's command line, from the unit it was started with")
                    .doesNotContain("-Dservicekit.test.reinstalled=yes");

            for (int i = 1; i <= 3; i++) {
                Cli restarted = cli(systemd, "restart");
                assertThat(restarted.exitCode())
                        .as("restart %d: %s", i, restarted.output())
                        .isZero();
                assertThat(restarted.stdout() + restarted.stderr())
                        .as("'Restarting users-service…', then the time of the whole restart, no second 'Starting'")
                        .contains("Restarting users-service…")
                        .doesNotContain("Starting users-service…");
            }
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);
            String restartedPid = systemd.show(UNIT, "MainPID").get("MainPID");
            assertThat(Files.readString(Path.of("/proc", restartedPid, "cmdline")))
                    .as("after restart, the JVM runs the reinstalled unit")
                    .contains("-Dservicekit.test.reinstalled=yes");

            // The automatic restart is still there.
            long pid = Long.parseLong(systemd.show(UNIT, "MainPID").get("MainPID"));
            signal(pid, "KILL");
            Map<String, String> afterKill = awaitRestarted(systemd, pid, "kill -9");
            assertThat(afterKill).containsEntry("NRestarts", "1");

            // The next crash finds the burst used up: the restart is refused and the unit stays failed (systemd 252
            // keeps the crash's result, "signal", and logs the refusal).
            signal(Long.parseLong(afterKill.get("MainPID")), "KILL");
            Poll.until(
                    WAIT,
                    "the restart after the second crash refused by the start limit",
                    () -> systemd.journal("-o", "cat").contains(UNIT + ": Start request repeated too quickly."));
            assertThat(systemd.show(UNIT, "ActiveState", "MainPID"))
                    .containsEntry("ActiveState", "failed")
                    .containsEntry("MainPID", "0");
            Cli crashed = cli(systemd, "status");
            assertThat(crashed.exitCode()).as(crashed.output()).isEqualTo(3);
            assertThat(crashed.stdout())
                    .as("how the last JVM ended: killed by SIGKILL, not 'exit code 9'")
                    .contains("users-service: not running (failed (failed), killed by SIGKILL, last exit code 137");

            // A reinstall over the unit that used up its start limit (the operator's fix for a crash loop) starts it:
            // install clears the counter first, as start does, instead of failing "attempted too often".
            Cli fixed = cli(systemd, "install", "--config", config.toString(), "--on-failure", "restart:1s,none");
            assertThat(fixed.exitCode()).as(fixed.output()).isZero();
            assertThat(systemd.show(UNIT, "ActiveState")).containsEntry("ActiveState", "active");
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);

            // Used up again (one automatic restart, then a refused one), and start brings it back.
            long fixedPid = Long.parseLong(systemd.show(UNIT, "MainPID").get("MainPID"));
            signal(fixedPid, "KILL");
            Map<String, String> afterThirdKill = awaitRestarted(systemd, fixedPid, "kill -9 after the reinstall");
            signal(Long.parseLong(afterThirdKill.get("MainPID")), "KILL");
            Poll.until(
                    WAIT,
                    "the unit failed again, its restart refused by the start limit",
                    () -> systemd.show(UNIT, "ActiveState").get("ActiveState").equals("failed"));

            Cli started = cli(systemd, "start");
            assertThat(started.exitCode()).as(started.output()).isZero();
            assertThat(systemd.show(UNIT, "ActiveState")).containsEntry("ActiveState", "active");
            assertThat(api.get("/api/v1/users").status()).isEqualTo(200);
            Cli running = cli(systemd, "status");
            assertThat(running.exitCode()).as(running.output()).isZero();
            assertThat(running.stdout())
                    .as("no 'last exit code' while the main process runs")
                    .startsWith("users-service: running (active (running), pid ")
                    .doesNotContain("last exit code");

            // uninstall says what it keeps: the state directory systemd created (the working directory; systemd 252
            // puts a user unit's under $XDG_CONFIG_HOME).
            Path stateDirectory = Path.of(systemd.show(UNIT, "WorkingDirectory").get("WorkingDirectory"));
            assertThat(stateDirectory).isDirectory();
            Cli uninstalled = cli(systemd, "uninstall");
            assertThat(uninstalled.exitCode()).as(uninstalled.output()).isZero();
            assertThat(stateDirectory).isDirectory();
            assertThat(uninstalled.stdout() + uninstalled.stderr())
                    .contains("Kept " + stateDirectory)
                    .contains("remove them yourself if you no longer need them");
        }
    }

    /**
     * A multi-line WARN (a reload refused, with its problems on the lines below) reaches the journal whole at
     * priority warning: journald takes each line's priority from that line's own prefix.
     */
    @Test
    void aRefusedReloadIsInTheJournalWithEveryProblemAtPriorityWarning() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Path config = dir.resolve("config.yaml");
        writeConfig(config, ports, "info");

        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            Cli installed = cli(systemd, "install", "--config", config.toString());
            assertThat(installed.exitCode()).as(installed.output()).isZero();

            writeConfig(config, ports, "loud");
            SystemdUserManager.Result reloaded = systemd.systemctl("reload", UNIT);
            assertThat(reloaded.ok()).as(reloaded.output()).isTrue();

            List<JsonNode> warnings = Poll.until(
                    WAIT,
                    "the refused reload's problem line at priority warning",
                    () -> journalEntries(systemd, "-u", UNIT, "-p", "warning", "-o", "json"),
                    found -> found.stream().anyMatch(e -> message(e).contains("log.level")));
            assertThat(warnings)
                    .as("the refusal and its problem, both at priority warning")
                    .anyMatch(e -> message(e).startsWith("WARN ")
                            && message(e).contains("reload refused")
                            && e.path("PRIORITY").asText().equals("4"))
                    .anyMatch(e -> message(e).startsWith("  - log.level")
                            && message(e).contains("\"loud\" is not valid")
                            && e.path("PRIORITY").asText().equals("4"));
            assertThat(systemd.show(UNIT, "ActiveState")).containsEntry("ActiveState", "active");
        }
    }

    /**
     * {@code install --drop-in FILE} and {@code --bind-privileged-ports} as the manager reads them. A {@code --user}
     * unit with the drop-in is installed, runs with the drop-in's environment, and uninstall removes the drop-in; a
     * {@code --user} unit cannot be granted a capability, so that is refused. A system unit with both, which only a
     * system manager installs, is staged with {@code --root} and loaded (not started: a user manager cannot grant the
     * capability) into the user manager, whose {@code show} is the proof that systemd parsed what install wrote. On
     * the way, {@code installedLaunch} reads back the unit's and an instance's {@code --config} and working directory.
     */
    @Test
    void installDropInAndBindPrivilegedPortsAreWhatTheManagerLoadsAndUninstallRemovesTheDropIn() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Path config = dir.resolve("config.yaml");
        writeConfig(config, ports, "info");
        Path dropIn = dir.resolve("users-service-override.conf");
        Files.writeString(dropIn, "[Service]\nEnvironment=SERVICEKIT_DROPIN_TEST=yes\n");

        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            Cli installed = cli(systemd, "install", "--config", config.toString(), "--drop-in", dropIn.toString());
            assertThat(installed.exitCode()).as(installed.output()).isZero();
            Path override = systemd.unitDirectory().resolve(UNIT + ".d").resolve("override.conf");
            assertThat(override).content().isEqualTo("[Service]\nEnvironment=SERVICEKIT_DROPIN_TEST=yes\n");
            Map<String, String> shown = systemd.show(UNIT, "ActiveState", "Environment", "DropInPaths", "MainPID");
            assertThat(shown).containsEntry("ActiveState", "active").containsEntry("DropInPaths", override.toString());
            assertThat(shown.get("Environment").split(" ")).contains("SERVICEKIT_DROPIN_TEST=yes");
            assertThat(Files.readString(Path.of("/proc", shown.get("MainPID"), "environ"))
                            .split("\0"))
                    .as("the environment the manager started the JVM with")
                    .contains("SERVICEKIT_DROPIN_TEST=yes");

            // installedLaunch (what status, reload and doctor read the configuration from) reads back how the manager
            // starts the unit, drop-in and all: the --config install gave, and the directory the JVM runs in.
            Path unitDirectory = Files.readSymbolicLink(Path.of("/proc", shown.get("MainPID"), "cwd"));
            assertThat(installedLaunch(systemd, "users-service"))
                    .containsExactly("argument=--config", "argument=" + config, "workingDirectory=" + unitDirectory);
            assertThat(unitDirectory).endsWith(Path.of("users-service"));

            // An instance: its own configuration file (%E/users-service/%i.yaml resolved) and its own directory, where
            // it keeps its database, as its configuration sets no data-dir.
            int[] instancePorts = FreePorts.distinct(2);
            Path configHome = systemd.unitDirectory().getParent().getParent();
            Path instanceConfig =
                    Files.createDirectories(configHome.resolve("users-service")).resolve("a.yaml");
            Files.writeString(instanceConfig, """
                    http:
                      port: %d
                    management:
                      port: %d
                    auth:
                      enabled: false
                    """.formatted(instancePorts[0], instancePorts[1]));
            Cli instance = cli(systemd, "install", "--instance", "a");
            assertThat(instance.exitCode()).as(instance.output()).isZero();
            String instancePid =
                    systemd.show("users-service@a.service", "MainPID").get("MainPID");
            Path instanceDirectory = Files.readSymbolicLink(Path.of("/proc", instancePid, "cwd"));
            assertThat(installedLaunch(systemd, "users-service", "a"))
                    .containsExactly(
                            "argument=--instance",
                            "argument=a",
                            "argument=--config",
                            "argument=" + instanceConfig,
                            "workingDirectory=" + instanceDirectory);
            assertThat(instanceDirectory).endsWith(Path.of("users-service/a"));
            assertThat(instanceDirectory.resolve("users.db"))
                    .as("the instance's database, in its working directory")
                    .exists();
            Cli instanceRemoved = cli(systemd, "uninstall", "--instance", "a");
            assertThat(instanceRemoved.exitCode()).as(instanceRemoved.output()).isZero();
            assertThat(installedLaunch(systemd, "users-service", "a")).containsExactly("empty");

            Cli refused = cli(systemd, "install", "--config", config.toString(), "--bind-privileged-ports");
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
            assertThat(refused.stderr()).contains("--bind-privileged-ports needs the system manager");
            assertThat(systemd.show(UNIT, "ActiveState", "MainPID"))
                    .as("the refused install changed nothing")
                    .containsEntry("ActiveState", "active")
                    .containsEntry("MainPID", shown.get("MainPID"));

            Cli uninstalled = cli(systemd, "uninstall");
            assertThat(uninstalled.exitCode()).as(uninstalled.output()).isZero();
            assertThat(override).doesNotExist();
            assertThat(override.getParent()).doesNotExist();
            assertThat(systemd.show(UNIT, "LoadState")).containsEntry("LoadState", "not-found");

            // The system unit, staged: the files install writes, loaded as install loads them (daemon-reload).
            Path stage = dir.resolve("stage");
            Cli staged = cli(
                    systemd,
                    false,
                    "install",
                    "--root",
                    stage.toString(),
                    "--config",
                    config.toString(),
                    "--bind-privileged-ports",
                    "--drop-in",
                    dropIn.toString());
            assertThat(staged.exitCode()).as(staged.output()).isZero();
            Path stagedUnit = stage.resolve("etc/systemd/system").resolve(UNIT);
            Path stagedDropIn = stage.resolve("etc/systemd/system").resolve(UNIT + ".d/override.conf");
            assertThat(stagedDropIn).hasSameTextualContentAs(dropIn);
            Path loadedDropIn = Files.createDirectories(systemd.unitDirectory().resolve(UNIT + ".d"))
                    .resolve("override.conf");
            Files.copy(stagedUnit, systemd.unitDirectory().resolve(UNIT));
            Files.copy(stagedDropIn, loadedDropIn);
            SystemdUserManager.Result reloaded = systemd.systemctl("daemon-reload");
            assertThat(reloaded.ok()).as(reloaded.output()).isTrue();
            Map<String, String> system = systemd.show(
                    UNIT, "LoadState", "AmbientCapabilities", "CapabilityBoundingSet", "Environment", "DropInPaths");
            assertThat(system)
                    .as("the staged system unit as the manager parsed it")
                    .containsEntry("LoadState", "loaded")
                    .containsEntry("AmbientCapabilities", "cap_net_bind_service")
                    .containsEntry("CapabilityBoundingSet", "cap_net_bind_service")
                    .containsEntry("DropInPaths", loadedDropIn.toString());
            assertThat(system.get("Environment").split(" ")).contains("SERVICEKIT_DROPIN_TEST=yes");
            Files.delete(loadedDropIn);
            Files.delete(systemd.unitDirectory().resolve(UNIT));
            assertThat(systemd.systemctl("daemon-reload").ok()).isTrue();

            Cli unstaged = cli(systemd, false, "uninstall", "--root", stage.toString());
            assertThat(unstaged.exitCode()).as(unstaged.output()).isZero();
            assertThat(stagedDropIn).doesNotExist();
            assertThat(stagedUnit).doesNotExist();
        }
    }

    /**
     * The environment a unit gives the service is what {@code status}, {@code reload} and {@code doctor} read the
     * configuration with, not the CLI's own: a drop-in's {@code Environment=USERS_SERVICE_MANAGEMENT_PORT=} moves the
     * management listener away from the port in the file (and {@code USERS_SERVICE_DATA_DIR=} the data directory), and
     * {@code status} without {@code --config}, from another directory and with the file's port in its own environment,
     * finds the process and the listener on the unit's port (read from the running process's
     * {@code /proc/<pid>/environ}); once stopped, {@code doctor} reads them from the unit.
     */
    @Test
    void statusWithoutConfigFindsTheManagementListenerOnThePortTheUnitsEnvironmentGives() throws Exception {
        int[] ports = FreePorts.distinct(3);
        Path config = dir.resolve("config.yaml");
        writeConfig(config, ports, "info");
        Path dropIn = dir.resolve("environment.conf");
        Path unitData = dir.resolve("unit-data");
        Files.writeString(
                dropIn,
                "[Service]\nEnvironment=USERS_SERVICE_MANAGEMENT_PORT=" + ports[2] + " \"USERS_SERVICE_DATA_DIR="
                        + unitData + "\"\n");
        Map<String, String> cliEnvironment = Map.of("USERS_SERVICE_MANAGEMENT_PORT", Integer.toString(ports[1]));

        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            Cli installed = cli(systemd, "install", "--config", config.toString(), "--drop-in", dropIn.toString());
            assertThat(installed.exitCode()).as(installed.output()).isZero();
            long pid = Long.parseLong(systemd.show(UNIT, "MainPID").get("MainPID"));
            assertThat(pid).isPositive();

            Cli status = cli(systemd, cliEnvironment, true, "status", "--json");
            assertThat(status.exitCode()).as(status.output()).isZero();
            JsonNode view = JSON.readTree(status.stdout());
            assertThat(view.path("application").path("managementUri").asText())
                    .as("the unit's port, not the file's nor this CLI's: %s", status.stdout())
                    .endsWith(":" + ports[2]);
            assertThat(view.path("application").path("pid").asLong()).isEqualTo(pid);
            assertThat(view.path("process").path("file").asText())
                    .as("found in the data directory only the unit's environment names")
                    .startsWith(unitData.toString());
            JsonNode environment = view.path("manager").path("launch").path("environment");
            assertThat(environment.path("source").asText()).isEqualTo("/proc/" + pid + "/environ");
            assertThat(environment.path("variables").toString())
                    .isEqualTo("[\"USERS_SERVICE_DATA_DIR\",\"USERS_SERVICE_MANAGEMENT_PORT\"]");
            assertThat(status.stdout()).as("names, never values").doesNotContain("\"" + ports[2] + "\"");

            Cli stopped = cli(systemd, "stop");
            assertThat(stopped.exitCode()).as(stopped.output()).isZero();
            Cli doctor = cli(systemd, cliEnvironment, true, "doctor");
            assertThat(doctor.stdout())
                    .as(doctor.output())
                    .contains("environment: USERS_SERVICE_DATA_DIR, USERS_SERVICE_MANAGEMENT_PORT (the unit's"
                            + " Environment= and EnvironmentFile= over systemd's environment block")
                    .contains(ports[2] + " (management.port)");

            Cli uninstalled = cli(systemd, "uninstall");
            assertThat(uninstalled.exitCode()).as(uninstalled.output()).isZero();
        }
    }

    /**
     * A real {@link OutOfMemoryError} in a service installed with the shipped JVM options: the JVM exits with status
     * 3 ({@code -XX:+ExitOnOutOfMemoryError}), {@code Restart=on-failure} starts a new one, and it serves the data
     * written before. The heap is filled by {@link OutOfMemoryAgent}, loaded into the running service with
     * {@code jcmd JVMTI.agent_load}, so the unit keeps exactly the shipped options (docs/decisions.md).
     */
    @Test
    void anOutOfMemoryErrorEndsTheJvmAndTheManagerRestartsIt() throws Exception {
        int[] ports = FreePorts.distinct(2);
        Path config = dir.resolve("config.yaml");
        writeConfig(config, ports, "info");
        TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + ports[0]);
        Path agent = outOfMemoryAgentJar(dir.resolve("out-of-memory-agent.jar"));

        try (SystemdUserManager systemd = SystemdUserManager.start(dir.resolve("systemd"))) {
            Cli installed = cli(systemd, "install", "--config", config.toString(), "--on-failure", "restart:1s");
            assertThat(installed.exitCode()).as(installed.output()).isZero();
            // The unit runs the JVM with the shipped options, -XX:+ExitOnOutOfMemoryError and the 128 MB heap among
            // them.
            List<String> options = dev.servicekit.http.HttpServiceHost.application(new UsersServiceApplication())
                    .defaultJvmOptions();
            assertThat(options).contains("-XX:+ExitOnOutOfMemoryError", "-Xmx128m");
            String execStart = Files.readAllLines(systemd.unitDirectory().resolve(UNIT)).stream()
                    .filter(line -> line.startsWith("ExecStart="))
                    .findFirst()
                    .orElseThrow();
            assertThat(execStart.split(" ")).as(execStart).containsSubsequence(options);

            TestResponse created =
                    api.post("/api/v1/users", "{\"name\":\"Kept Through OOM\",\"email\":\"kept@example.com\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            long id = created.json().path("id").asLong();
            Map<String, String> before = systemd.show(UNIT, "ActiveState", "MainPID", "NRestarts");
            assertThat(before).containsEntry("ActiveState", "active").containsEntry("NRestarts", "0");
            long pid = Long.parseLong(before.get("MainPID"));

            // jcmd of the service's own JDK loads the agent; its thread fills the heap.
            String jcmdOutput = UsersServiceProcessIT.jcmd(pid, "JVMTI.agent_load", agent.toString());
            assertThat(jcmdOutput).as("the agent loaded").contains("return code: 0");

            Map<String, String> after = awaitRestarted(systemd, pid, "the OutOfMemoryError");
            assertThat(after).containsEntry("NRestarts", "1");
            assertThat(systemd.journal("-u", UNIT, "-o", "cat"))
                    .as("the JVM's own line, in the service's output")
                    .contains("Terminating due to java.lang.OutOfMemoryError: Java heap space");
            assertThat(systemd.journal("-o", "cat"))
                    .as("the manager's record of a non-zero exit, and of the restart")
                    .contains(UNIT + ": Main process exited, code=exited, status=3/")
                    .contains(UNIT + ": Failed with result 'exit-code'.");

            // The new JVM serves, with what was written before.
            TestResponse kept = api.get("/api/v1/users/" + id);
            assertThat(kept.status()).as(kept.body()).isEqualTo(200);
            assertThat(kept.json().path("name").asText()).isEqualTo("Kept Through OOM");
            assertThat(kept.json().path("email").asText()).isEqualTo("kept@example.com");
            TestResponse more = api.post("/api/v1/users", "{\"name\":\"After OOM\",\"email\":\"after@example.com\"}");
            assertThat(more.status()).as(more.body()).isEqualTo(201);
        } // closing the manager stops the unit; uninstall is covered above
    }

    /** A jar of {@link OutOfMemoryAgent} alone, with the manifest a dynamically loaded agent needs. */
    private static Path outOfMemoryAgentJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Agent-Class", OutOfMemoryAgent.class.getName());
        String entry = OutOfMemoryAgent.class.getName().replace('.', '/') + ".class";
        try (InputStream in = OutOfMemoryAgent.class.getClassLoader().getResourceAsStream(entry);
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            assertThat(in).as(entry + " on the test class path").isNotNull();
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }

    private static String message(JsonNode entry) {
        JsonNode m = entry.path("MESSAGE");
        if (m.isArray()) { // journald stores a message that is not valid UTF-8 as bytes
            byte[] bytes = new byte[m.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) m.get(i).asInt();
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return m.asText();
    }

    private static List<JsonNode> journalEntries(SystemdUserManager systemd, String... arguments) {
        try {
            return entries(systemd.journal(arguments));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> entries(String jsonLines) throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        for (String line : jsonLines.lines().toList()) {
            if (!line.isBlank()) {
                entries.add(JSON.readTree(line));
            }
        }
        return entries;
    }

    /**
     * Waits until the manager has started a new main process in place of {@code oldPid} and says the unit is active;
     * returns ActiveState, MainPID, NRestarts and StatusText as the manager shows them then.
     */
    private static Map<String, String> awaitRestarted(SystemdUserManager systemd, long oldPid, String after) {
        return Poll.until(
                WAIT,
                "a new main pid after " + after,
                () -> systemd.show(UNIT, "ActiveState", "MainPID", "NRestarts", "StatusText"),
                shown -> shown.get("ActiveState").equals("active")
                        && !shown.get("MainPID").equals(Long.toString(oldPid))
                        && !shown.get("MainPID").equals("0"));
    }

    /**
     * Waits until the manager's journal records {@code reloads} reloads of the unit, each as the state change into
     * {@code reload} (the unit {@code reloading}) and back to {@code running} ({@code active}).
     */
    private static void awaitReloads(SystemdUserManager systemd, int reloads) {
        Poll.until(WAIT, reloads + " reload(s) recorded by the manager as running -> reload -> running", () -> {
            String journal = systemd.journal("-o", "cat");
            return count(journal, UNIT + ": Changed running -> reload") >= reloads
                    && count(journal, UNIT + ": Changed reload -> running") >= reloads;
        });
    }

    private static int count(String text, String line) {
        int count = 0;
        for (int at = text.indexOf(line); at >= 0; at = text.indexOf(line, at + 1)) {
            count++;
        }
        return count;
    }

    private void writeConfig(Path file, int[] ports, String level) throws IOException {
        writeConfig(file, ports, level, false);
    }

    private void writeConfig(Path file, int[] ports, String level, boolean watch) throws IOException {
        Files.writeString(
                file, """
                data-dir: %s
                http:
                  port: %d
                management:
                  port: %d
                auth:
                  enabled: false
                log:
                  level: %s
                reload:
                  watch: %s
                shutdown:
                  drain-timeout: 20s
                  timeout: 30s
                """.formatted(dir.resolve(file.getFileName() + ".data"), ports[0], ports[1], level, watch));
    }

    /**
     * The unit's {@code ActiveState}s seen while {@code action} runs, polled as fast as systemctl answers: a reload
     * may pass through {@code reloading} quicker than one poll.
     */
    private static Set<String> watchActiveState(SystemdUserManager systemd, Runnable action) throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                seen.add(systemd.show(UNIT, "ActiveState").get("ActiveState"));
            }
        });
        try {
            action.run();
        } finally {
            done.set(true);
            watcher.join(30_000);
        }
        System.out.println("SystemdManagerIT: ActiveStates during the reload: " + seen);
        return seen;
    }

    private static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d", signal, pid).isZero();
    }

    /**
     * {@code new SystemdServiceManager().installedLaunch} of the {@code --user} service {@code NAME [INSTANCE]}, in a
     * JVM of its own ({@link InstalledLaunchProbe}) with the environment of a CLI started against this manager: its
     * lines, {@code argument=WORD}… {@code workingDirectory=DIR}, or {@code empty}.
     */
    private List<String> installedLaunch(SystemdUserManager systemd, String... service) throws Exception {
        String classPath = JAR.toAbsolutePath()
                + java.io.File.pathSeparator
                + Path.of(InstalledLaunchProbe.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                classPath,
                InstalledLaunchProbe.class.getName()));
        command.addAll(List.of(service));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(systemd.environment());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).as(command.toString()).isTrue();
        assertThat(process.exitValue()).as(command + ": " + out).isZero();
        return out.lines().toList();
    }

    /** How one command of the jar ended. */
    record Cli(int exitCode, String stdout, String stderr) {
        String output() {
            return "stdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** {@code java -jar users-service.jar VERB --platform systemd --user ARGS} against this manager. */
    private Cli cli(SystemdUserManager systemd, String verb, String... arguments) {
        return cli(systemd, true, verb, arguments);
    }

    /** {@code java -jar users-service.jar VERB --platform systemd [--user] ARGS} against this manager. */
    private Cli cli(SystemdUserManager systemd, boolean user, String verb, String... arguments) {
        return cli(systemd, Map.of(), user, verb, arguments);
    }

    /** As above, with {@code environment} added to the CLI's own. */
    private Cli cli(
            SystemdUserManager systemd,
            Map<String, String> environment,
            boolean user,
            String verb,
            String... arguments) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                JAR.toAbsolutePath().toString(),
                verb,
                "--platform",
                "systemd"));
        if (user) {
            command.add("--user");
        }
        command.addAll(List.of(arguments));
        try {
            Path out = Files.createTempFile(dir, verb, ".out");
            Path err = Files.createTempFile(dir, verb, ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(systemd.environment());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not end within 3 minutes");
            }
            Cli result = new Cli(process.exitValue(), Files.readString(out), Files.readString(err));
            System.out.println("SystemdManagerIT: " + String.join(" ", command.subList(3, command.size())) + " -> "
                    + result.exitCode());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
