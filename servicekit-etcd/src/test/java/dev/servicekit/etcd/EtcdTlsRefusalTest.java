package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.OpensslTlsServer;
import dev.servicekit.testing.TestIdentities;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A refused TLS handshake names the {@code config.etcd.*} setting that fixes it, for every refusal servicekit-core's
 * {@code TlsRefusal} tells, OpenSSL's {@code unknown_ca} included: over a real handshake with a server that refuses as
 * OpenSSL does, then the refusals' messages as a table. (A real etcd's refusals: {@code EtcdConfigSourceTest}.)
 */
class EtcdTlsRefusalTest {

    @TempDir
    Path dir;

    @Test
    void aClientCertificateTheServerDoesNotTrustIsRefusedWithUnknownCaAndTheProblemNamesTheClientCertificateKeys()
            throws Exception {
        Optional<String> missing = OpensslTlsServer.unavailableReason();
        assumeTrue(missing.isEmpty(), "no openssl: " + missing.orElse(""));
        List<TestIdentities.Identity> identities =
                TestIdentities.generate(dir, "etcd-server:EC", "svc:EC", "stranger:EC");
        TestIdentities.Identity server = identities.get(0);
        TestIdentities.Identity stranger = identities.get(2);
        try (OpensslTlsServer openssl = OpensslTlsServer.start(
                dir,
                server.certificatePem(),
                server.privateKeyPem(),
                identities.get(1).certificatePem())) {
            URI endpoint = URI.create("https://127.0.0.1:" + openssl.port());
            EtcdConfigSource.Builder builder = EtcdConfigSource.builder(List.of(endpoint), "/svc/config/")
                    .timeout(Duration.ofSeconds(5))
                    .required(true)
                    .tls(EtcdConfigSource.tlsContext(
                            server.certificatePem(), stranger.certificatePem(), stranger.privateKeyPem()));

            try (EtcdConfigSource source = builder.build()) {
                assertThat(source.load()).isFalse();
                assertThat(source.layer().problems().get(0).message())
                        .contains("no etcd endpoint answered (" + endpoint + ": etcd refused the TLS handshake (")
                        .contains("unknown_ca")
                        .contains("set config.etcd.tls.cert-file and config.etcd.tls.key-file to one its"
                                + " --trusted-ca-file signs");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad_certificate", "certificate_required", "unknown_ca", "access_denied"})
    void everyAlertRefusingTheClientCertificateNamesTheClientCertificateKeys(String alert) {
        assertThat(EtcdConfigSource.describeHandshake(new SSLHandshakeException("Received fatal alert: " + alert)))
                .isEqualTo("etcd refused the TLS handshake (Received fatal alert: " + alert + "): it asks for a"
                        + " client certificate, and none was given or it does not trust the one given; set"
                        + " config.etcd.tls.cert-file and config.etcd.tls.key-file to one its --trusted-ca-file"
                        + " signs");
    }

    @Test
    void theServersCertificateRefusalsNameTheCaFileAndTheEndpointsAndAnotherFailureIsQuoted() {
        assertThat(EtcdConfigSource.describeHandshake(new SSLHandshakeException(
                        "PKIX path building failed: unable to find valid certification path to requested target")))
                .startsWith("etcd's certificate is not trusted (PKIX path building failed")
                .endsWith("set config.etcd.tls.ca-file to the CA certificate that signed it");
        assertThat(EtcdConfigSource.describeHandshake(
                        new SSLHandshakeException("No subject alternative names matching IP address 10.0.0.5 found")))
                .startsWith("etcd's certificate does not name the endpoint's host (No subject alternative names")
                .endsWith("use a host name the certificate names in config.etcd.endpoints");
        assertThat(EtcdConfigSource.describeHandshake(
                        new SSLHandshakeException("Received fatal alert: handshake_failure")))
                .isEqualTo("TLS handshake failed (Received fatal alert: handshake_failure)");
    }
}
