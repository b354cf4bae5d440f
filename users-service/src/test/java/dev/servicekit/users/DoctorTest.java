package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.testing.TestIdentities;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doctor} on the users-service command line, in this JVM: each problem it must find (a port taken, a
 * group-readable secret file, an invalid configuration, a certificate expiring within 14 days or expired) and a
 * clean install it must pass. The ports are real sockets; the certificates come from the JDK's keytool.
 */
class DoctorTest {

    @TempDir
    Path dir;

    private Path data;
    private int apiPort;
    private int managementPort;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void cleanInstall() throws IOException {
        data = Files.createDirectory(
                dir.resolve("data"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        apiPort = freePort();
        managementPort = freePort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private int doctor(String... extra) {
        out.reset();
        err.reset();
        List<String> args = new ArrayList<>(List.of(
                "doctor",
                "--set",
                "data-dir=" + data,
                "--set",
                "http.port=" + apiPort,
                "--set",
                "management.port=" + managementPort));
        args.addAll(List.of(extra));
        return ServiceCli.builder(RunningUsersService.application())
                .environment(Map.of())
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .build()
                .execute(args.toArray(String[]::new));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private JsonNode check(JsonNode report, String name) {
        for (JsonNode check : report.path("checks")) {
            if (check.path("check").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check \"" + name + "\" in " + report);
    }

    @Test
    void aCleanInstallIsOkInEveryCheck() throws Exception {
        assertThat(doctor()).as(out()).isZero();
        assertThat(out())
                .contains("ok             configuration: valid")
                .contains("ok             port api: " + apiPort + " (http.port) on 127.0.0.1 is free")
                .contains(
                        "ok             port management: " + managementPort + " (management.port) on 127.0.0.1 is free")
                .contains("ok             data dir: \"" + data + "\" (rwx------)")
                .contains("not applicable certificate api: http.tls.certificate-file is not set")
                .contains("ok             store: sqlite " + data.resolve("users.db")
                        + " does not exist yet; run creates it with schema version 2")
                // On a host where systemd runs, its unit checks add "not applicable" lines (no unit installed).
                .containsPattern("users-service: nothing failed \\(6 ok, \\d+ not applicable\\)")
                .doesNotContain("failure")
                .doesNotContain("warning");

        assertThat(doctor("--json")).isZero();
        JsonNode report = new ObjectMapper().readTree(out());
        assertThat(report.path("ok").asBoolean()).isTrue();
        assertThat(check(report, "port api").path("verdict").asText()).isEqualTo("ok");
        assertThat(check(report, "secret files").path("verdict").asText()).isEqualTo("ok");
    }

    @Test
    void aDataDirThatDoesNotExistYetIsOkWhenItsNearestExistingAncestorIsWritable() throws Exception {
        data = dir.resolve("not-yet").resolve("data");

        doctor("--json");

        JsonNode dataDir = check(new ObjectMapper().readTree(out()), "data dir");
        assertThat(dataDir.path("verdict").asText()).as(out()).isEqualTo("ok");
        assertThat(dataDir.path("finding").asText())
                .isEqualTo("\"" + data + "\" does not exist yet; the service creates it at start");
    }

    @Test
    void aDataDirUnderARegularFileIsAConfigurationFailureNamingTheFile() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a directory\n");
        data = file.resolve("data");

        assertThat(doctor("--json")).as(out()).isEqualTo(1);

        JsonNode report = new ObjectMapper().readTree(out());
        JsonNode configuration = check(report, "configuration");
        assertThat(configuration.path("verdict").asText()).as(out()).isEqualTo("failure");
        assertThat(configuration.path("finding").asText())
                .isEqualTo("data-dir (from --set): \"" + data + "\" cannot be created: \"" + file
                        + "\" is a file, not a directory; set data-dir to a path under a directory, or move that file"
                        + " away");
        assertThat(check(report, "data dir").path("verdict").asText()).isEqualTo("not applicable");
    }

    @Test
    void aTakenPortIsAFailureNamingTheHoldersPid() throws Exception {
        try (ServerSocket taken = new ServerSocket(apiPort, 1, InetAddress.getLoopbackAddress())) {
            assertThat(taken.getLocalPort()).isEqualTo(apiPort);
            assertThat(doctor()).as(out()).isEqualTo(1);
        }
        long self = ProcessHandle.current().pid();
        assertThat(out())
                .contains("failure        port api: " + apiPort + " (http.port) on 127.0.0.1 is held by pid " + self)
                .contains("fix: stop pid " + self + ", or set http.port to a free port")
                .contains("ok             port management");
    }

    @Test
    void aGroupReadableSecretFileIsAFailureWithTheChmodFix() throws Exception {
        Path key = data.resolve("jwt-hs256.key");
        Files.writeString(key, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==\n");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));

        assertThat(doctor("--json")).isEqualTo(1);

        JsonNode secrets = check(new ObjectMapper().readTree(out()), "secret files");
        assertThat(secrets.path("verdict").asText()).isEqualTo("failure");
        assertThat(secrets.path("finding").asText()).contains("\"" + key + "\"").contains("rw-r-----");
        assertThat(secrets.path("fix").asText()).startsWith("chmod 600 " + key);
        // The rest of the configuration is valid, so it is checked too.
        assertThat(check(new ObjectMapper().readTree(out()), "configuration")
                        .path("verdict")
                        .asText())
                .isEqualTo("ok");
    }

    @Test
    void anInvalidConfigurationListsEveryProblem() {
        assertThat(doctor("--set", "http.port=eighty", "--set", "shutdown.timeout=soon"))
                .isEqualTo(1);

        assertThat(out())
                .contains("failure        configuration: http.port (from --set): \"eighty\"")
                .contains("failure        configuration: shutdown.timeout (from --set): \"soon\"")
                .contains("not applicable ports: not checked: the configuration is invalid");
    }

    @Test
    void aCertificateExpiringWithin14DaysIsAWarningAndAnExpiredOneAFailure() throws Exception {
        Path soon = keystore("soon", "-validity", "5");
        assertThat(doctor("--set", "http.tls.certificate-file=" + soon, "--set", "http.tls.keystore-password=changeit"))
                .as(out())
                .isZero();
        assertThat(out())
                .containsPattern("warning        certificate api: \"" + soon
                        + "\" \\(subject \"CN=localhost\"\\) expires" + " on \\S+, in [45] days")
                .contains("fix: put a renewed certificate (and its key) at " + soon);

        Path expired = keystore("expired", "-startdate", "-10d", "-validity", "5");
        assertThat(doctor(
                        "--set",
                        "http.tls.certificate-file=" + expired,
                        "--set",
                        "http.tls.keystore-password=changeit"))
                .isEqualTo(1);
        assertThat(out()).containsPattern("failure        certificate api: \"" + expired + "\" .* expired on ");
    }

    @Test
    void theClientCertificatesOfSyslogAndEtcdAreCheckedForExpiryToo() throws Exception {
        // keytool's certificates here are valid for 2 days: within 14 days of their expiry, a warning
        List<TestIdentities.Identity> identities = TestIdentities.generate(
                Files.createDirectories(dir.resolve("pki")), "syslog-client:EC", "etcd-client:EC");
        for (TestIdentities.Identity identity : identities) {
            Files.setPosixFilePermissions(identity.privateKeyPem(), PosixFilePermissions.fromString("rw-------"));
        }
        TestIdentities.Identity syslog = identities.get(0);
        TestIdentities.Identity etcd = identities.get(1);

        doctor(
                "--set", "log.syslog.transport=tls",
                "--set", "log.syslog.port=" + freePort(),
                "--set", "log.syslog.tls.ca-file=" + syslog.certificatePem(),
                "--set", "log.syslog.tls.cert-file=" + syslog.certificatePem(),
                "--set", "log.syslog.tls.key-file=" + syslog.privateKeyPem(),
                "--set", "config.etcd.endpoints=https://127.0.0.1:" + freePort(),
                "--set", "config.etcd.required=false",
                "--set", "config.etcd.timeout=1s",
                "--set", "config.etcd.tls.ca-file=" + etcd.certificatePem(),
                "--set", "config.etcd.tls.cert-file=" + etcd.certificatePem(),
                "--set", "config.etcd.tls.key-file=" + etcd.privateKeyPem());

        assertThat(out())
                .as(out())
                .containsPattern("warning        certificate syslog client: \"" + syslog.certificatePem()
                        + "\" \\(subject \"CN=syslog-client,O=Servicekit Test\"\\) expires on \\S+, in [012] days")
                .contains("fix: put a renewed certificate (and its key) at " + syslog.certificatePem()
                        + " (log.syslog.tls.cert-file)")
                .containsPattern("warning        certificate etcd client: \"" + etcd.certificatePem()
                        + "\" \\(subject \"CN=etcd-client,O=Servicekit Test\"\\) expires on \\S+, in [012] days")
                .contains("(config.etcd.tls.cert-file); the running service uses it from its next connection");

        // Without a client certificate there is nothing to check, and no line about it
        doctor("--set", "log.syslog.transport=tls", "--set", "log.syslog.port=" + freePort());
        assertThat(out()).doesNotContain("certificate syslog client").doesNotContain("certificate etcd client");
    }

    @Test
    void adminStatusShowsTheCertificatesExpiryForStatusToPrint() throws Exception {
        Path soon = keystore("status", "-validity", "5");
        try (RunningUsersService service = RunningUsersService.start(
                data, "http.tls.certificate-file=" + soon, "http.tls.keystore-password=changeit")) {
            JsonNode tls = service.management.get("/admin/status").json().path("tls");

            assertThat(tls.path("api").path("certificateFile").asText()).isEqualTo(soon.toString());
            assertThat(java.time.Instant.parse(tls.path("api").path("notAfter").asText()))
                    .isBetween(
                            java.time.Instant.now().plus(java.time.Duration.ofDays(4)),
                            java.time.Instant.now().plus(java.time.Duration.ofDays(6)));
            assertThat(tls.has("management")).isFalse();
        }
    }

    @Test
    void aWeakCipherSuiteTheOperatorConfiguredIsAWarningNamingItAndTheDefaultProfileIsOk() throws Exception {
        Path store = keystore("profile", "-validity", "365");
        String[] tls = {"--set", "http.tls.certificate-file=" + store, "--set", "http.tls.keystore-password=changeit"};

        assertThat(doctor(tls)).as(out()).isZero();
        assertThat(out())
                .contains("ok             tls api: Mozilla intermediate profile: TLSv1.3, TLSv1.2 with 9 "
                        + "forward-secret AEAD cipher suites; client-initiated renegotiation refused");

        List<String> weak = new ArrayList<>(List.of(tls));
        weak.addAll(List.of(
                "--set",
                "http.tls.cipher-suites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
                        + "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"));
        assertThat(doctor(weak.toArray(String[]::new))).as(out()).isZero();
        assertThat(out())
                .contains("warning        tls api: http.tls.cipher-suites enables weak suites: "
                        + "\"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256\": CBC mode (LUCKY13 and padding-oracle attacks)")
                .contains("fix: remove http.tls.cipher-suites");
    }

    /** A PKCS#12 keystore with a self-signed EC certificate, made by the JDK's keytool. */
    private Path keystore(String name, String... validity) throws Exception {
        return TestKeystores.selfSigned(dir.resolve(name + ".p12"), "changeit", validity);
    }
}
