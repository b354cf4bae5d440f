package dev.servicekit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.core.PemTlsFiles;
import dev.servicekit.testing.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client certificate a handshake presents follows the files, at most a second late, and never a broken file. */
class EtcdTlsTest {

    @TempDir
    Path dir;

    @Test
    void aRenewedCertificateIsPresentedFromTheNextCheckAndABrokenFileKeepsTheLastGoodOne() throws Exception {
        List<TestIdentities.Identity> identities = TestIdentities.generate(dir, "first:EC", "second:RSA");
        Path certificate = dir.resolve("client.pem");
        Path key = dir.resolve("client-key.pem");
        replace(identities.get(0), certificate, key, 1_000);
        PemTlsFiles files =
                new PemTlsFiles(EtcdConfigKeys.TLS_FILES, Optional.empty(), Optional.of(certificate), Optional.of(key));
        AtomicLong now = new AtomicLong();
        PemTlsFiles.Reloading reloading = new PemTlsFiles.Reloading(files, files.load(), now::get);

        assertThat(presented(reloading)).isEqualTo("CN=first,O=Servicekit Test");

        replace(identities.get(1), certificate, key, 2_000);
        now.addAndGet(500_000_000L);
        assertThat(presented(reloading)).as("not looked at within a second").isEqualTo("CN=first,O=Servicekit Test");
        now.addAndGet(600_000_000L);
        assertThat(presented(reloading)).isEqualTo("CN=second,O=Servicekit Test");

        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nnot a key\n"); // a writer half way through
        Files.setLastModifiedTime(key, FileTime.fromMillis(3_000));
        now.addAndGet(1_100_000_000L);
        assertThat(presented(reloading)).as("the last good material stays").isEqualTo("CN=second,O=Servicekit Test");
        assertThat(reloading.current().keys().getPrivateKey("client").getAlgorithm())
                .isEqualTo("RSA");
    }

    @Test
    void thePublicContextReadsTheFilesAsTheServiceDoesAndNamesTheKeyOfEveryFileAtFault() throws Exception {
        List<TestIdentities.Identity> identities = TestIdentities.generate(dir, "server:EC", "client:EC", "other:EC");
        Path ca = identities.get(0).certificatePem();
        Path certificate = identities.get(1).certificatePem();

        assertThat(EtcdConfigSource.tlsContext(
                                ca, certificate, identities.get(1).privateKeyPem())
                        .getProtocol())
                .isEqualTo("TLS");
        assertThat(EtcdConfigSource.tlsContext(ca)).isNotNull();

        Path empty = Files.writeString(dir.resolve("empty-ca.pem"), "");
        assertThatThrownBy(() -> EtcdConfigSource.tlsContext(
                        empty, certificate, identities.get(2).privateKeyPem()))
                .isInstanceOf(IllegalArgumentException.class)
                .message()
                .satisfies(message -> assertThat(message.lines())
                        .hasSize(2)
                        .anySatisfy(line -> assertThat(line).startsWith("config.etcd.tls.ca-file: \"" + empty))
                        .anySatisfy(line -> assertThat(line)
                                .startsWith("config.etcd.tls.key-file: \""
                                        + identities.get(2).privateKeyPem())
                                .contains("is not the key of the certificate")));
        assertThatThrownBy(() -> EtcdConfigSource.tlsContext(dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "config.etcd.tls.ca-file: \"" + dir.resolve("missing.pem") + "\" cannot be read");
    }

    /** The subject of the certificate a handshake would present. */
    private static String presented(PemTlsFiles.Reloading reloading) {
        return reloading
                .current()
                .keys()
                .getCertificateChain("client")[0]
                .getSubjectX500Principal()
                .getName();
    }

    /** Copies an identity's PEM files over the client's, with a distinct modification time as a renewal has. */
    private static void replace(TestIdentities.Identity identity, Path certificate, Path key, long millis)
            throws Exception {
        Files.copy(identity.certificatePem(), certificate, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(identity.privateKeyPem(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(certificate, FileTime.fromMillis(millis));
        Files.setLastModifiedTime(key, FileTime.fromMillis(millis));
    }
}
