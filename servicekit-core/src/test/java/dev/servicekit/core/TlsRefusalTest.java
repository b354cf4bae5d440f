package dev.servicekit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.OpensslTlsServer;
import dev.servicekit.testing.TestIdentities;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The refusals of real handshakes against real servers on loopback (the JDK's, and OpenSSL's {@code s_server} for
 * OpenSSL's alert), then the JDK's and servers' messages as a table.
 */
class TlsRefusalTest {

    @TempDir
    static Path dir;

    static TestIdentities.Identity identity;
    static TestIdentities.Identity wrongName;
    static TestIdentities.Identity client;
    static TestIdentities.Identity stranger;

    private ServerSocket server;
    private Thread serving;

    @BeforeAll
    static void generateIdentities() throws Exception {
        List<TestIdentities.Identity> identities = TestIdentities.generate(
                dir, "server:EC", "wrongname:EC:dns:collector.example", "client:EC", "stranger:EC");
        identity = identities.get(0);
        wrongName = identities.get(1);
        client = identities.get(2);
        stranger = identities.get(3);
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
            serving.join(5_000);
        }
    }

    @Test
    void aServerCertificateTheClientDoesNotTrustIsServerNotTrusted() throws Exception {
        int port = serve(identity, false);

        SSLException refused = handshake(jvmTrustStore(), "127.0.0.1", port);

        assertThat(refused).hasMessageContaining("PKIX");
        assertThat(TlsRefusal.classify(refused)).contains(TlsRefusal.SERVER_NOT_TRUSTED);
    }

    @Test
    void aServerCertificateForAnotherHostIsServerNameMismatch() throws Exception {
        int port = serve(wrongName, false);

        SSLException refused = handshake(trusting(wrongName, Optional.empty()), "127.0.0.1", port);

        assertThat(refused).hasMessageContaining("No subject alternative");
        assertThat(TlsRefusal.classify(refused)).contains(TlsRefusal.SERVER_NAME_MISMATCH);
    }

    @Test
    void aServerThatWantsAClientCertificateAndGetsNoneIsClientCertificateRefused() throws Exception {
        int port = serve(identity, true);

        SSLException refused = handshake(trusting(identity, Optional.empty()), "127.0.0.1", port);

        assertThat(refused).hasMessageContaining("certificate_required");
        assertThat(TlsRefusal.classify(refused)).contains(TlsRefusal.CLIENT_CERTIFICATE_REFUSED);
    }

    @Test
    void aClientCertificateAnOpensslServerDoesNotTrustIsClientCertificateRefused() throws Exception {
        Optional<String> missing = OpensslTlsServer.unavailableReason();
        assumeTrue(missing.isEmpty(), "no openssl: " + missing.orElse(""));
        try (OpensslTlsServer openssl = OpensslTlsServer.start(
                dir, identity.certificatePem(), identity.privateKeyPem(), client.certificatePem())) {

            SSLException refused = handshake(trusting(identity, Optional.of(stranger)), "127.0.0.1", openssl.port());

            assertThat(refused).hasMessageContaining("unknown_ca");
            assertThat(TlsRefusal.classify(refused)).contains(TlsRefusal.CLIENT_CERTIFICATE_REFUSED);
        }
    }

    @Test
    void aRefusalWrappedAsAnHttpClientWrapsItIsFoundAmongTheCauses() throws Exception {
        int port = serve(identity, false);
        SSLException refused = handshake(jvmTrustStore(), "127.0.0.1", port);

        assertThat(TlsRefusal.classify(new IOException("request failed", refused)))
                .contains(TlsRefusal.SERVER_NOT_TRUSTED);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PKIX path building failed: unable to find valid certification path to requested target | SERVER_NOT_TRUSTED
            unable to find valid certification path to requested target | SERVER_NOT_TRUSTED
            No subject alternative names matching IP address 127.0.0.1 found | SERVER_NAME_MISMATCH
            No subject alternative DNS name matching localhost found. | SERVER_NAME_MISMATCH
            No name matching collector.example found | SERVER_NAME_MISMATCH
            Received fatal alert: bad_certificate | CLIENT_CERTIFICATE_REFUSED
            Received fatal alert: certificate_required | CLIENT_CERTIFICATE_REFUSED
            Received fatal alert: unknown_ca | CLIENT_CERTIFICATE_REFUSED
            Received fatal alert: access_denied | CLIENT_CERTIFICATE_REFUSED
            """)
    void theMessagesOfTheJdkAndOfServersTellTheRefusal(String message, TlsRefusal refusal) {
        assertThat(TlsRefusal.classify(new SSLHandshakeException(message))).contains(refusal);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Received fatal alert: handshake_failure
            Received fatal alert: protocol_version
            Remote host terminated the handshake
            """)
    void otherTlsFailuresAreNoRefusalASettingFixes(String message) {
        assertThat(TlsRefusal.classify(new SSLHandshakeException(message))).isEmpty();
    }

    @Test
    void onlyTlsExceptionsAreRead() {
        assertThat(TlsRefusal.classify(new IOException("PKIX in a message that is not TLS's")))
                .isEmpty();
        assertThat(TlsRefusal.classify(new java.net.ConnectException("Connection refused")))
                .isEmpty();
        assertThat(TlsRefusal.classify(new SSLException((String) null))).isEmpty();
    }

    /**
     * A JDK TLS server on a loopback port with {@code identity}, answering one handshake; with {@code clientAuth} it
     * needs a client certificate.
     */
    private int serve(TestIdentities.Identity identity, boolean clientAuth) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity.keyStore(), TestIdentities.PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        SSLServerSocket socket = (SSLServerSocket)
                context.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        socket.setNeedClientAuth(clientAuth);
        server = socket;
        serving = Thread.ofVirtual().start(() -> {
            try (SSLSocket accepted = (SSLSocket) socket.accept()) {
                accepted.startHandshake();
                accepted.getInputStream().read();
            } catch (IOException e) {
                // the refusal this test looks at is the client's
            }
        });
        return socket.getLocalPort();
    }

    /** The failure of a handshake to {@code host:port}, the certificate checked to name {@code host} as HTTPS does. */
    private static SSLException handshake(SSLContext context, String host, int port) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, false);
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
            tls.setSoTimeout(5_000);
            // TLS 1.3: a server refuses a client certificate after the client finished; the read gets its alert
            Throwable thrown = catchThrowable(() -> {
                tls.startHandshake();
                tls.getInputStream().read();
            });
            assertThat(thrown).as("the handshake to %s:%d", host, port).isInstanceOf(SSLException.class);
            return (SSLException) thrown;
        }
    }

    private static SSLContext jvmTrustStore() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        return context;
    }

    /** A client that trusts {@code server}'s certificate, presenting {@code certificate} when asked for one. */
    private static SSLContext trusting(TestIdentities.Identity server, Optional<TestIdentities.Identity> certificate)
            throws Exception {
        return new PemTlsFiles(
                        CoreConfigKeys.LOG_SYSLOG_TLS_FILES,
                        Optional.of(server.certificatePem()),
                        certificate.map(TestIdentities.Identity::certificatePem),
                        certificate.map(TestIdentities.Identity::privateKeyPem))
                .context();
    }
}
