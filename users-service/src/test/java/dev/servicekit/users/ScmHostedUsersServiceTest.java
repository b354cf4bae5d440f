package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.core.ServiceCli;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import dev.servicekit.testing.scm.ScmStatusReport;
import dev.servicekit.testing.scm.SimulatedScm;
import dev.servicekit.windows.WindowsServiceManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full Java 21 users-service host under a simulated Windows SCM that enforces the SCM's documented rules:
 * the same {@code service} verb, runner and host as on Windows, with the dispatcher, handler and status calls
 * going to the simulator.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScmHostedUsersServiceTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    final SimulatedScm scm = SimulatedScm.builder("users-service").build();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void theHostKeptEveryScmRule() {
        scm.assertNoViolations();
    }

    private CompletableFuture<Integer> runUnderScm(String... overrides) {
        List<String> args = new ArrayList<>(List.of(
                "service",
                "--set",
                "management.port=0",
                "--set",
                "data-dir=" + dir,
                "--set",
                "shutdown.drain-timeout=15s",
                "--set",
                "shutdown.timeout=25s",
                "--set",
                "auth.enabled=false"));
        for (String override : overrides) {
            args.add("--set");
            args.add(override);
        }
        ServiceCli cli = ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .managers(ServiceManagers.of(List.of(WindowsServiceManager.withScm(scm.api(), Duration.ofMillis(100)))))
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(out, true, StandardCharsets.UTF_8))
                .build();
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread main = new Thread(
                () -> {
                    try {
                        exit.complete(cli.execute(args.toArray(String[]::new)));
                    } catch (Throwable t) {
                        exit.completeExceptionally(t);
                    }
                },
                "service-main");
        main.setDaemon(true);
        main.start();
        return exit;
    }

    private int loggedPort(String listener) {
        Matcher m = Pattern.compile(listener + " listening on http://127\\.0\\.0\\.1:(\\d+)")
                .matcher(out.toString(StandardCharsets.UTF_8));
        assertThat(m.find()).as("log says where %s listens:%n%s", listener, out).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void runsReloadsPausesAndDrainsInFlightRequestsOnStop() throws Exception {
        CompletableFuture<Integer> exit = runUnderScm("http.port=0");
        scm.awaitState(SimulatedScm.SERVICE_RUNNING, WAIT);
        assertThat(scm.history())
                .anyMatch(r -> r.currentState() == SimulatedScm.SERVICE_START_PENDING && r.waitHintMillis() > 0);
        int apiPort = loggedPort("API");
        TestHttpClient api = TestHttpClient.create("http://127.0.0.1:" + apiPort);
        TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + loggedPort("Management"));
        assertThat(management.get("/health/ready").status()).isEqualTo(200);

        assertThat(scm.sendControl(SimulatedScm.SERVICE_CONTROL_PARAMCHANGE)).isEqualTo(SimulatedScm.NO_ERROR);
        Poll.until(
                WAIT,
                "the log to say the reload found the configuration unchanged",
                () -> out.toString(StandardCharsets.UTF_8).contains("Configuration reload: configuration unchanged"));

        assertThat(scm.sendControl(SimulatedScm.SERVICE_CONTROL_PAUSE)).isEqualTo(SimulatedScm.NO_ERROR);
        scm.awaitCurrentState(SimulatedScm.SERVICE_PAUSED, WAIT);
        assertThat(management.get("/health/ready").status()).isEqualTo(503);
        assertThat(api.get("/api/v1/users").status()).isEqualTo(503);
        assertThat(scm.sendControl(SimulatedScm.SERVICE_CONTROL_CONTINUE)).isEqualTo(SimulatedScm.NO_ERROR);
        scm.awaitCurrentState(
                SimulatedScm.SERVICE_RUNNING, WAIT); // the latest report: RUNNING was also reported at start
        assertThat(management.get("/health/ready").status()).isEqualTo(200);

        List<SlowPut> inFlight = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TestResponse created =
                    api.post("/api/v1/users", "{\"name\":\"Scm " + i + "\",\"email\":\"scm" + i + "@example.com\"}");
            assertThat(created.status()).isEqualTo(201);
            inFlight.add(SlowPut.begin(
                    apiPort,
                    created.json().path("id").asLong(),
                    "{\"name\":\"Drained " + i + "\",\"email\":\"scm" + i + "@example.com\"}"));
        }
        // Requests on other connections give the server time to take the slow ones into their handlers.
        for (int i = 0; i < 5; i++) {
            assertThat(api.get("/api/v1/users?limit=1").status()).isEqualTo(200);
        }

        assertThat(scm.sendControl(SimulatedScm.SERVICE_CONTROL_STOP)).isEqualTo(SimulatedScm.NO_ERROR);
        ScmStatusReport firstPending = scm.awaitState(SimulatedScm.SERVICE_STOP_PENDING, WAIT);
        // While the 20 requests hold the drain open, checkpoints keep advancing.
        ScmStatusReport later = scm.awaitReport(
                r -> r.currentState() == SimulatedScm.SERVICE_STOP_PENDING
                        && r.checkPoint() >= firstPending.checkPoint() + 3,
                "three more STOP_PENDING checkpoints",
                WAIT);
        assertThat(later.waitHintMillis()).isPositive();
        for (SlowPut put : inFlight) {
            put.finish();
        }
        for (SlowPut put : inFlight) {
            assertThat(put.statusLine()).startsWith("HTTP/1.1 200");
        }

        ScmStatusReport stopped = scm.awaitState(SimulatedScm.SERVICE_STOPPED, WAIT);
        assertThat(stopped.win32ExitCode()).isZero();
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aPortAlreadyInUseEndsStoppedWithAServiceSpecificExitCode() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> exit = runUnderScm("http.port=" + taken.getLocalPort());

            ScmStatusReport stopped = scm.awaitState(SimulatedScm.SERVICE_STOPPED, WAIT);

            assertThat(stopped.win32ExitCode()).isEqualTo(SimulatedScm.ERROR_SERVICE_SPECIFIC_ERROR);
            assertThat(stopped.serviceSpecificExitCode()).isNotZero();
            assertThat(exit.get(30, TimeUnit.SECONDS)).isEqualTo(stopped.serviceSpecificExitCode());
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("Port " + taken.getLocalPort())
                    .contains("http.port");
            assertThat(out.toString(StandardCharsets.UTF_8)
                            .lines()
                            .filter(line -> line.contains(" ERROR ") && line.contains("Port " + taken.getLocalPort())))
                    .as("the failed start is logged once, by the SCM runner with its Event Log marker:%n%s", out)
                    .hasSize(1)
                    .allMatch(line -> line.contains("ScmServiceRunner"));
        }
    }
}
