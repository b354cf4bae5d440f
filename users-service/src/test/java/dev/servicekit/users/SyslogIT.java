package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.RsyslogServer;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * users-service.jar sends its log to a real rsyslog over each transport of {@code log.syslog.transport}: a
 * {@code /dev/log}-style UNIX datagram socket, UDP and TCP with octet counting. rsyslog parses every line as RFC 5424:
 * its severity follows the level, APP-NAME is the service, PROCID its pid, and the access log line carries the
 * request id in the structured data.
 */
class SyslogIT {

    static final Pattern RFC3339_MILLIS_UTC = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    @TempDir
    static Path rsyslogDir;

    static RsyslogServer rsyslog;

    @TempDir
    Path dir;

    /** Skips without rsyslogd locally; on CI (CI=true) .ci/run installs it, so a missing rsyslogd fails. */
    @BeforeAll
    static void startRsyslog() {
        Optional<String> missing = RsyslogServer.unavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("SyslogIT cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("SyslogIT skipped: " + reason));
        assumeTrue(missing.isEmpty(), "syslog tests skipped: " + missing.orElse(""));
        rsyslog = RsyslogServer.start(rsyslogDir);
    }

    @AfterAll
    static void stopRsyslog() {
        if (rsyslog != null) {
            rsyslog.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "udp", "tcp"})
    void theServicesLinesReachRsyslogAndParseAsRfc5424(String transport) {
        String input = switch (transport) {
            case "unix" -> "imuxsock";
            case "udp" -> "imudp";
            default -> "imtcp";
        };
        String requestId = "syslog-it-" + transport;
        long pid;
        try (ServiceProcess process = UsersServiceProcessIT.smallJvm(dir)
                .outputName("syslog-" + transport)
                .args(
                        "run",
                        "--set",
                        "http.port=0",
                        "--set",
                        "management.port=0",
                        "--set",
                        "data-dir=" + dir.resolve("data"),
                        "--set",
                        "auth.enabled=false", // logs a WARN at start
                        "--set",
                        "log.syslog.transport=" + transport,
                        "--set",
                        "log.syslog.socket=" + rsyslog.socket(),
                        "--set",
                        "log.syslog.host=127.0.0.1",
                        "--set",
                        "log.syslog.port=" + (transport.equals("udp") ? rsyslog.udpPort() : rsyslog.tcpPort()),
                        "--set",
                        "log.syslog.facility=local4")
                .start()) {
            pid = process.pid();
            int apiPort = UsersServiceProcessIT.port(process, UsersServiceProcessIT.API);
            assertThat(TestHttpClient.create("http://127.0.0.1:" + apiPort)
                            .get("/api/v1/users?limit=1", "X-Request-Id", requestId)
                            .status())
                    .isEqualTo(200);
            process.signal("TERM");
            assertThat(process.awaitExit(Duration.ofSeconds(30))).isZero();
        }

        String procId = Long.toString(pid);
        List<RsyslogServer.Message> lines = Poll.until(
                Duration.ofSeconds(15),
                "the service's lines over " + transport + ", up to its stop, in rsyslog's output",
                () -> fromProcess(procId),
                received -> received.stream().anyMatch(m -> m.msg().contains("users-service stopped")));

        assertThat(lines).allSatisfy(line -> {
            assertThat(line.input()).isEqualTo(input);
            assertThat(line.protocolVersion()).as("parsed as RFC 5424").isEqualTo("1");
            assertThat(line.facility()).as("local4").isEqualTo(20);
            assertThat(line.appName()).isEqualTo("users-service");
            assertThat(line.timestamp()).matches(RFC3339_MILLIS_UTC);
            assertThat(line.hostname()).isNotEmpty();
        });
        assertThat(lines).as("INFO lines at severity info").anySatisfy(line -> {
            assertThat(line.msg()).startsWith("API listening on http://127.0.0.1:");
            assertThat(line.severity()).isEqualTo(6);
        });
        assertThat(lines).as("the WARN that auth is off, at severity warning").anySatisfy(line -> {
            assertThat(line.msg()).containsIgnoringCase("auth");
            assertThat(line.severity()).isEqualTo(4);
        });
        assertThat(lines)
                .as("the access log line, with the request id in the structured data")
                .anySatisfy(line -> {
                    assertThat(line.msgId()).isEqualTo("dev.servicekit.http.access");
                    assertThat(line.structuredData()).isEqualTo("[servicekit@32473 requestId=\"" + requestId + "\"]");
                    assertThat(line.msg()).contains("GET").contains("200");
                });
    }

    private static List<RsyslogServer.Message> fromProcess(String procId) {
        List<RsyslogServer.Message> lines = new ArrayList<>();
        for (RsyslogServer.Message message : rsyslog.received()) {
            if (message.procId().equals(procId)) {
                lines.add(message);
            }
        }
        return lines;
    }
}
