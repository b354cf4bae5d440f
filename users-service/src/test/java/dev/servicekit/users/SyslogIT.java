package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.RsyslogServer;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * users-service.jar sends its log to a real rsyslog over each transport of {@code log.syslog.transport}: a
 * {@code /dev/log}-style UNIX datagram socket, UDP, TCP with octet counting, and TLS (RFC 5425) to a listener that
 * requires a client certificate. rsyslog parses every line as RFC 5424: its severity follows the level, APP-NAME is
 * the service, PROCID its pid, and the access log line carries the request id in the structured data. A collector
 * whose certificate the service does not trust gets nothing, and the service's WARN says which setting fixes it.
 */
class SyslogIT {

    static final Pattern RFC3339_MILLIS_UTC = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    @TempDir
    static Path rsyslogDir;

    static RsyslogServer rsyslog;

    /** rsyslog's TLS listener's certificate, and the service's client certificate; null without TLS. */
    static TestIdentities.Identity collector;

    static TestIdentities.Identity client;

    /** Why rsyslog has no TLS listener here, or empty. */
    static Optional<String> tlsMissing;

    @TempDir
    Path dir;

    /**
     * Skips without rsyslogd locally, and the TLS cases without its OpenSSL driver; on CI (CI=true) .ci/run installs
     * both, so a missing one fails.
     */
    @BeforeAll
    static void startRsyslog() throws Exception {
        Optional<String> missing = RsyslogServer.unavailableReason();
        tlsMissing = RsyslogServer.tlsUnavailableReason();
        if (tlsMissing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("SyslogIT cannot run on CI: " + tlsMissing.get());
        }
        missing.ifPresent(reason -> System.out.println("SyslogIT skipped: " + reason));
        assumeTrue(missing.isEmpty(), "syslog tests skipped: " + missing.orElse(""));
        if (tlsMissing.isPresent()) {
            System.out.println("SyslogIT's TLS cases skipped: " + tlsMissing.get());
            rsyslog = RsyslogServer.start(rsyslogDir);
            return;
        }
        List<TestIdentities.Identity> identities = TestIdentities.generate(rsyslogDir, "collector:EC", "client:EC");
        collector = identities.get(0);
        client = identities.get(1);
        Files.setPosixFilePermissions(client.privateKeyPem(), PosixFilePermissions.fromString("rw-------"));
        rsyslog = RsyslogServer.start(
                rsyslogDir.resolve("rsyslog"),
                List.of(new RsyslogServer.TlsListener(
                        collector.certificatePem(), collector.privateKeyPem(), Optional.of(client.certificatePem()))));
    }

    @AfterAll
    static void stopRsyslog() {
        if (rsyslog != null) {
            rsyslog.stop();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix", "udp", "tcp", "tls"})
    void theServicesLinesReachRsyslogAndParseAsRfc5424(String transport) {
        if (transport.equals("tls")) {
            assumeTrue(tlsMissing.isEmpty(), "syslog over TLS skipped: " + tlsMissing.orElse(""));
        }
        String input = switch (transport) {
            case "unix" -> "imuxsock";
            case "udp" -> "imudp";
            case "tls" -> RsyslogServer.TLS_INPUT;
            default -> "imtcp";
        };
        int port = switch (transport) {
            case "udp" -> rsyslog.udpPort();
            case "tls" -> rsyslog.tlsPort(0);
            default -> rsyslog.tcpPort();
        };
        List<String> settings = new ArrayList<>(List.of(
                "auth.enabled=false", // logs a WARN at start
                "log.syslog.transport=" + transport,
                "log.syslog.socket=" + rsyslog.socket(),
                "log.syslog.host=127.0.0.1",
                "log.syslog.port=" + port,
                "log.syslog.facility=local4"));
        if (transport.equals("tls")) {
            settings.addAll(List.of(
                    "log.syslog.tls.ca-file=" + collector.certificatePem(),
                    "log.syslog.tls.cert-file=" + client.certificatePem(),
                    "log.syslog.tls.key-file=" + client.privateKeyPem()));
        }
        String requestId = "syslog-it-" + transport;
        long pid;
        try (ServiceProcess process = start("syslog-" + transport, settings)) {
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

    @Test
    void aCollectorWhoseCertificateIsNotTrustedGetsNothingAndTheWarningSaysWhy() throws Exception {
        assumeTrue(tlsMissing.isEmpty(), "syslog over TLS skipped: " + tlsMissing.orElse(""));
        long pid;
        try (ServiceProcess process = start(
                "syslog-tls-untrusted",
                List.of(
                        "log.syslog.transport=tls",
                        "log.syslog.host=127.0.0.1",
                        "log.syslog.port=" + rsyslog.tlsPort(0),
                        "log.syslog.tls.ca-file=" + client.certificatePem(), // not the collector's
                        "log.syslog.tls.cert-file=" + client.certificatePem(),
                        "log.syslog.tls.key-file=" + client.privateKeyPem()))) {
            pid = process.pid();
            process.awaitOutput(
                    Pattern.compile("Cannot send log lines to syslog tls 127\\.0\\.0\\.1:" + rsyslog.tlsPort(0)
                            + " \\(the collector's certificate is not trusted .*set log\\.syslog\\.tls\\.ca-file"),
                    Duration.ofSeconds(30));
            UsersServiceProcessIT.port(process, UsersServiceProcessIT.API);
            process.signal("TERM");
            assertThat(process.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(process.output())
                    .as("the warning is logged once, not at every retry")
                    .containsOnlyOnce("the collector's certificate is not trusted");
        }
        assertThat(fromProcess(Long.toString(pid))).as("nothing delivered").isEmpty();
    }

    /** Starts users-service.jar with free ports, a data directory of its own, and these {@code --set} values. */
    private ServiceProcess start(String outputName, List<String> settings) {
        return UsersServiceProcessIT.startRun(dir, outputName, dir.resolve("data"), settings);
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
