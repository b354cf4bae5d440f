package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.testing.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log.syslog.transport=tls} and the {@code log.syslog.tls.*} files: the port RFC 5425 names when none is set,
 * and each problem with the files a configuration problem (exit 78) that names the key, the file and the fix, every
 * one listed.
 */
class SyslogTlsConfigTest {

    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(CoreConfigKeys.all())
            .check(CoreConfigKeys::check)
            .build();

    @TempDir
    static Path dir;

    static TestIdentities.Identity client;
    static TestIdentities.Identity other;

    @BeforeAll
    static void identities() throws Exception {
        List<TestIdentities.Identity> identities = TestIdentities.generate(dir, "client:EC", "other:RSA");
        client = identities.get(0);
        other = identities.get(1);
        for (TestIdentities.Identity identity : identities) {
            Files.setPosixFilePermissions(identity.privateKeyPem(), PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void tlsUsesPort6514UnlessAPortIsSet() {
        assertThat(settings("log.syslog.transport=tls").port()).isEqualTo(6514);
        assertThat(settings("log.syslog.transport=tcp").port()).isEqualTo(514);
        assertThat(settings("log.syslog.transport=udp").port()).isEqualTo(514);
        assertThat(settings("log.syslog.transport=tls", "log.syslog.port=10514").port())
                .isEqualTo(10514);
        assertThat(settings("log.syslog.transport=tls", "log.syslog.host=logs.example.com")
                        .destination())
                .isEqualTo("tls logs.example.com:6514");
    }

    @Test
    void theFilesGoToTheSettings() {
        SyslogSettings settings = settings(
                "log.syslog.transport=tls",
                "log.syslog.tls.ca-file=" + other.certificatePem(),
                "log.syslog.tls.cert-file=" + client.certificatePem(),
                "log.syslog.tls.key-file=" + client.privateKeyPem());
        assertThat(settings.transport()).isEqualTo(SyslogSettings.Transport.TLS);
        assertThat(settings.tls())
                .isEqualTo(SyslogSettings.tlsFiles(
                        Optional.of(other.certificatePem()),
                        Optional.of(client.certificatePem()),
                        Optional.of(client.privateKeyPem())));
        assertThat(settings("log.syslog.transport=tls").tls()).isEqualTo(SyslogSettings.noTlsFiles());
    }

    @Test
    void settingsWithTheSameFilesAreEqualAndAChangedFileIsAChange() {
        String ca = "log.syslog.tls.ca-file=" + other.certificatePem();
        String certificate = "log.syslog.tls.cert-file=" + client.certificatePem();
        String key = "log.syslog.tls.key-file=" + client.privateKeyPem();

        assertThat(settings("log.syslog.transport=tls", ca, certificate, key))
                .as("a reload that changes nothing")
                .isEqualTo(settings("log.syslog.transport=tls", ca, certificate, key))
                .hasSameHashCodeAs(settings("log.syslog.transport=tls", ca, certificate, key));
        assertThat(settings("log.syslog.transport=tls", ca, certificate, key))
                .isNotEqualTo(settings("log.syslog.transport=tls", certificate, key))
                .isNotEqualTo(settings(
                        "log.syslog.transport=tls",
                        "log.syslog.tls.ca-file=" + client.certificatePem(),
                        certificate,
                        key));
    }

    @Test
    void filesNamedByOtherKeysAreRefusedSinceTheirProblemsWouldNameThoseKeys() {
        PemTlsFiles.Keys others = new PemTlsFiles.Keys(
                CoreConfigKeys.LOG_SYSLOG_TLS_KEY_FILE,
                CoreConfigKeys.LOG_SYSLOG_TLS_CERT_FILE,
                CoreConfigKeys.LOG_SYSLOG_TLS_CA_FILE);

        assertThatThrownBy(() -> new SyslogSettings(
                        SyslogSettings.Transport.TLS,
                        Path.of("/dev/log"),
                        "127.0.0.1",
                        6514,
                        3,
                        8192,
                        false,
                        "svc",
                        PemTlsFiles.none(others)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("make them with SyslogSettings.tlsFiles");
    }

    @Test
    void theFilesApplyToTheTlsTransportOnly() {
        assertThat(problems("log.syslog.transport=tcp", "log.syslog.tls.ca-file=" + other.certificatePem()))
                .containsExactly("log.syslog.tls.ca-file (from --set): applies to log.syslog.transport tls, and"
                        + " log.syslog.transport is \"tcp\"; set log.syslog.transport=tls, or unset the"
                        + " log.syslog.tls.* keys");
    }

    @Test
    void aClientCertificateAndItsKeyComeTogether() {
        assertThat(problems("log.syslog.transport=tls", "log.syslog.tls.cert-file=" + client.certificatePem()))
                .containsExactly("log.syslog.tls.cert-file (from --set): a client certificate needs its private key:"
                        + " set log.syslog.tls.key-file");
        assertThat(problems("log.syslog.transport=tls", "log.syslog.tls.key-file=" + client.privateKeyPem()))
                .containsExactly("log.syslog.tls.key-file (from --set): a private key needs its client certificate:"
                        + " set log.syslog.tls.cert-file");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.pem");
        assertThat(problems("log.syslog.transport=tls", "log.syslog.tls.ca-file=" + missing))
                .containsExactly(
                        "log.syslog.tls.ca-file (from --set): \"" + missing + "\" does not exist; check the path");
        assertThat(problems(
                        "log.syslog.transport=tls",
                        "log.syslog.tls.cert-file=" + client.certificatePem(),
                        "log.syslog.tls.key-file=" + missing))
                .containsExactly("log.syslog.tls.key-file (from --set): " + SecretFilePermissions.missing(missing));
    }

    @Test
    void aFileThatIsNotPemOrNotTheRightPemIsNamedWithTheFix() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not-pem.txt"), "hello\n");
        assertThat(problems("log.syslog.transport=tls", "log.syslog.tls.ca-file=" + notPem))
                .singleElement()
                .asString()
                .startsWith("log.syslog.tls.ca-file (from --set): \"" + notPem + "\" holds no PEM certificate");
        assertThat(problems(
                        "log.syslog.transport=tls",
                        "log.syslog.tls.cert-file=" + client.privateKeyPem(),
                        "log.syslog.tls.key-file=" + client.privateKeyPem()))
                .singleElement()
                .asString()
                .startsWith("log.syslog.tls.cert-file (from --set): \"" + client.privateKeyPem()
                        + "\" holds no PEM certificate")
                .contains("did you swap log.syslog.tls.cert-file and log.syslog.tls.key-file?");
        Path sec1 = Files.writeString(dir.resolve("sec1.pem"), TestIdentities.pem("EC PRIVATE KEY", new byte[] {1}));
        Files.setPosixFilePermissions(sec1, PosixFilePermissions.fromString("rw-------"));
        assertThat(problems(
                        "log.syslog.transport=tls",
                        "log.syslog.tls.cert-file=" + client.certificatePem(),
                        "log.syslog.tls.key-file=" + sec1))
                .singleElement()
                .asString()
                .contains("is an EC key in SEC 1 form, not PKCS#8; convert it: openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        assertThat(problems(
                        "log.syslog.transport=tls",
                        "log.syslog.tls.cert-file=" + client.certificatePem(),
                        "log.syslog.tls.key-file=" + other.privateKeyPem()))
                .singleElement()
                .asString()
                .startsWith("log.syslog.tls.key-file (from --set): \"" + other.privateKeyPem()
                        + "\" is not the key of the certificate in \"" + client.certificatePem() + "\"");
    }

    @Test
    void aKeyFileOtherAccountsMayReadIsRefusedWithEveryOtherProblem() throws Exception {
        Path shared = dir.resolve("shared-key.pem");
        Files.copy(client.privateKeyPem(), shared);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        Path missing = dir.resolve("no-ca.pem");

        ConfigException e = catchConfigException(
                "log.syslog.transport=tls",
                "log.syslog.tls.ca-file=" + missing,
                "log.syslog.tls.cert-file=" + client.certificatePem(),
                "log.syslog.tls.key-file=" + shared,
                "log.syslog.facility=nonsense");

        assertThat(e.problems().stream().map(ConfigProblem::toString))
                .anySatisfy(p -> assertThat(p).startsWith("log.syslog.facility"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("log.syslog.tls.ca-file (from --set): \"" + missing + "\" does not exist"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("log.syslog.tls.key-file (from --set): \"" + shared + "\" holds a secret but other"
                                + " accounts may read or change it (rw-r--r--); run: chmod 600 " + shared));
    }

    @Test
    void validFilesAreNoProblem() {
        assertThat(problems(
                        "log.syslog.transport=tls",
                        "log.syslog.tls.ca-file=" + other.certificatePem(),
                        "log.syslog.tls.cert-file=" + client.certificatePem(),
                        "log.syslog.tls.key-file=" + client.privateKeyPem()))
                .isEmpty();
    }

    private static SyslogSettings settings(String... overrides) {
        Config config = ConfigLoader.builder(SCHEMA)
                .overrides(List.of(overrides))
                .build()
                .load();
        return SyslogSettings.from(config, "svc").orElseThrow();
    }

    /** The problems of a configuration with these {@code --set} values, as "key (from source): message". */
    private static List<String> problems(String... overrides) {
        try {
            ConfigLoader.builder(SCHEMA).overrides(List.of(overrides)).build().load();
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
    }

    private static ConfigException catchConfigException(String... overrides) {
        try {
            ConfigLoader.builder(SCHEMA).overrides(List.of(overrides)).build().load();
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("no configuration problem for " + List.of(overrides));
    }
}
