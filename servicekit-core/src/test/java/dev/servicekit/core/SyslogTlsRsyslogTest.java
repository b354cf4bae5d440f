package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.RsyslogServer;
import dev.servicekit.testing.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tls transport against a real rsyslog (RFC 5425, its OpenSSL stream driver) with three TLS listeners: one that
 * asks for no client certificate, one that requires a client certificate it trusts, and one whose certificate names
 * another host. Lines arrive intact when the collector's certificate is trusted and names the host; an untrusted
 * certificate, a host-name mismatch and a missing client certificate are refused: nothing is delivered, and the WARN
 * says what failed and which setting fixes it.
 */
class SyslogTlsRsyslogTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(15);

    /** How long a refused connection is watched for lines that should not arrive. */
    private static final Duration NOTHING = Duration.ofSeconds(2);

    private static final int ANON = 0;
    private static final int MUTUAL = 1;
    private static final int WRONG_NAME = 2;

    @TempDir
    static Path dir;

    static RsyslogServer rsyslog;
    static TestIdentities.Identity collector;
    static TestIdentities.Identity client;
    static TestIdentities.Identity stranger;
    static TestIdentities.Identity wrongName;

    private final LoggerContext context = new LoggerContext();
    private final List<SyslogAppender> appenders = new ArrayList<>();

    /** Skips without rsyslogd or its OpenSSL driver locally; on CI (CI=true) .ci/run installs both, so it fails. */
    @BeforeAll
    static void startRsyslog() throws Exception {
        Optional<String> missing = RsyslogServer.tlsUnavailableReason();
        if (missing.isPresent() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("SyslogTlsRsyslogTest cannot run on CI: " + missing.get());
        }
        missing.ifPresent(reason -> System.out.println("SyslogTlsRsyslogTest skipped: " + reason));
        assumeTrue(missing.isEmpty(), "syslog TLS tests skipped: " + missing.orElse(""));
        List<TestIdentities.Identity> identities = TestIdentities.generate(
                dir, "collector:EC", "client:EC", "stranger:EC", "wrongname:EC:dns:collector.example");
        collector = identities.get(0);
        client = identities.get(1);
        stranger = identities.get(2);
        wrongName = identities.get(3);
        rsyslog = RsyslogServer.start(
                dir.resolve("rsyslog"),
                List.of(
                        new RsyslogServer.TlsListener(
                                collector.certificatePem(), collector.privateKeyPem(), Optional.empty()),
                        new RsyslogServer.TlsListener(
                                collector.certificatePem(),
                                collector.privateKeyPem(),
                                Optional.of(client.certificatePem())),
                        new RsyslogServer.TlsListener(
                                wrongName.certificatePem(), wrongName.privateKeyPem(), Optional.empty())));
    }

    @AfterAll
    static void stopRsyslog() {
        if (rsyslog != null) {
            rsyslog.stop();
        }
    }

    @AfterEach
    void stopAppenders() {
        appenders.forEach(SyslogAppender::stop);
    }

    @Test
    void linesArriveIntactOverTlsWhenTheCollectorsCertificateIsTrustedAndNamesTheHost() {
        SyslogAppender appender = appender(
                "tls-intact",
                rsyslog.tlsPort(ANON),
                SyslogSettings.tlsFiles(Optional.of(collector.certificatePem()), Optional.empty(), Optional.empty()));
        appender.doAppend(event("grüße über TLS: \"quoted\" [brackets] \\ backslash", Map.of("requestId", "r-tls")));
        for (int i = 0; i < 300; i++) { // more than one batch
            appender.doAppend(event("line " + i, Map.of()));
        }

        List<RsyslogServer.Message> lines =
                Poll.until(ARRIVAL, "301 lines over TLS", () -> received("tls-intact"), r -> r.size() == 301);
        assertThat(lines).allSatisfy(line -> {
            assertThat(line.input()).isEqualTo(RsyslogServer.TLS_INPUT);
            assertThat(line.protocolVersion()).as("parsed as RFC 5424").isEqualTo("1");
            assertThat(line.procId())
                    .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        });
        assertThat(lines.get(0).msg()).isEqualTo("grüße über TLS: \"quoted\" [brackets] \\ backslash");
        assertThat(lines.get(0).structuredData()).isEqualTo("[servicekit@32473 requestId=\"r-tls\"]");
        for (int i = 0; i < 300; i++) {
            assertThat(lines.get(i + 1).msg()).isEqualTo("line " + i);
        }
    }

    @Test
    void aCollectorCertificateFromAnUntrustedCaIsRefused() {
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            SyslogAppender appender = appender(
                    "tls-untrusted",
                    rsyslog.tlsPort(ANON),
                    SyslogSettings.tlsFiles(
                            Optional.of(stranger.certificatePem()), Optional.empty(), Optional.empty()));
            appender.doAppend(event("must not arrive", Map.of()));

            String warning = warning(warnings);
            assertThat(warning)
                    .startsWith("Cannot send log lines to syslog tls 127.0.0.1:" + rsyslog.tlsPort(ANON))
                    .contains("the collector's certificate is not trusted")
                    .contains("set log.syslog.tls.ca-file to the CA certificate that signed it");
            Poll.during(
                    NOTHING,
                    "nothing delivered",
                    () -> received("tls-untrusted").isEmpty());
            assertThat(appender.sent()).isZero();
        }
    }

    @Test
    void theJvmsTrustStoreDoesNotTrustAPrivateCollectorCertificate() {
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            appender("tls-default-trust", rsyslog.tlsPort(ANON), SyslogSettings.noTlsFiles())
                    .doAppend(event("must not arrive", Map.of()));

            assertThat(warning(warnings)).contains("the collector's certificate is not trusted");
            Poll.during(
                    NOTHING,
                    "nothing delivered",
                    () -> received("tls-default-trust").isEmpty());
        }
    }

    @Test
    void aCollectorCertificateForAnotherHostIsRefused() {
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            SyslogAppender appender = appender(
                    "tls-wrong-name",
                    rsyslog.tlsPort(WRONG_NAME),
                    SyslogSettings.tlsFiles(
                            Optional.of(wrongName.certificatePem()), Optional.empty(), Optional.empty()));
            appender.doAppend(event("must not arrive", Map.of()));

            assertThat(warning(warnings))
                    .contains("the collector's certificate does not name log.syslog.host")
                    .contains("127.0.0.1");
            Poll.during(
                    NOTHING,
                    "nothing delivered",
                    () -> received("tls-wrong-name").isEmpty());
            assertThat(appender.sent()).isZero();
        }
    }

    @Test
    void aCollectorThatRequiresAClientCertificateTakesTheConfiguredOne() {
        SyslogAppender appender = appender(
                "tls-mutual",
                rsyslog.tlsPort(MUTUAL),
                SyslogSettings.tlsFiles(
                        Optional.of(collector.certificatePem()),
                        Optional.of(client.certificatePem()),
                        Optional.of(client.privateKeyPem())));
        appender.doAppend(event("with a client certificate", Map.of()));

        List<RsyslogServer.Message> lines =
                Poll.until(ARRIVAL, "the line over mutual TLS", () -> received("tls-mutual"), r -> r.size() == 1);
        assertThat(lines.get(0).msg()).isEqualTo("with a client certificate");
        assertThat(lines.get(0).input()).isEqualTo(RsyslogServer.TLS_INPUT);
    }

    @Test
    void aCollectorThatRequiresAClientCertificateRefusesAConnectionWithoutOne() {
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            SyslogAppender appender = appender(
                    "tls-no-client-cert",
                    rsyslog.tlsPort(MUTUAL),
                    SyslogSettings.tlsFiles(
                            Optional.of(collector.certificatePem()), Optional.empty(), Optional.empty()));
            appender.doAppend(event("must not arrive", Map.of()));

            assertThat(warning(warnings))
                    .contains("client certificate")
                    .contains("set log.syslog.tls.cert-file and log.syslog.tls.key-file");
            Poll.during(
                    NOTHING,
                    "nothing delivered",
                    () -> received("tls-no-client-cert").isEmpty());
            assertThat(appender.sent()).isZero();
        }
    }

    @Test
    void aClientCertificateTheCollectorDoesNotTrustIsRefusedAndARenewedOneIsUsedAtTheNextConnection() throws Exception {
        Path certificate = dir.resolve("renewed-cert.pem");
        Path key = dir.resolve("renewed-key.pem");
        Files.copy(stranger.certificatePem(), certificate, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(stranger.privateKeyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        try (LogCapture warnings = LogCapture.of(SyslogAppender.class.getName())) {
            SyslogAppender appender = appender(
                    "tls-renewed",
                    rsyslog.tlsPort(MUTUAL),
                    SyslogSettings.tlsFiles(
                            Optional.of(collector.certificatePem()), Optional.of(certificate), Optional.of(key)));
            appender.doAppend(event("sent once the certificate is renewed", Map.of()));

            assertThat(warning(warnings)).contains("set log.syslog.tls.cert-file and log.syslog.tls.key-file");
            assertThat(received("tls-renewed")).isEmpty();

            // a renewal writes new files; the next connection reads them, and the line that waited is sent
            Files.copy(client.certificatePem(), certificate, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(client.privateKeyPem(), key, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(certificate, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
            Files.setLastModifiedTime(key, FileTime.fromMillis(System.currentTimeMillis() + 5_000));

            List<RsyslogServer.Message> lines = Poll.until(
                    ARRIVAL,
                    "the waiting line, with the renewed certificate",
                    () -> received("tls-renewed"),
                    r -> r.size() == 1);
            assertThat(lines.get(0).msg()).isEqualTo("sent once the certificate is renewed");
        }
    }

    private SyslogAppender appender(String appName, int port, PemTlsFiles tls) {
        SyslogSettings settings = new SyslogSettings(
                SyslogSettings.Transport.TLS, Path.of("/dev/log"), "127.0.0.1", port, 3, 8192, false, appName, tls);
        SyslogAppender appender = new SyslogAppender(settings, Optional.empty());
        appender.setContext(context);
        appender.setName("syslog");
        appender.start();
        appenders.add(appender);
        return appender;
    }

    /** The first WARN the appender's writer logged, once there is one. */
    private static String warning(LogCapture warnings) {
        return Poll.until(
                ARRIVAL,
                "a warning that the collector refused the connection",
                () -> warnings.messages().stream().findFirst());
    }

    private static List<RsyslogServer.Message> received(String appName) {
        return rsyslog.received().stream()
                .filter(m -> m.appName().equals(appName))
                .toList();
    }

    private LoggingEvent event(String message, Map<String, String> mdc) {
        return SyslogAppenderTest.event(context, message, mdc);
    }
}
