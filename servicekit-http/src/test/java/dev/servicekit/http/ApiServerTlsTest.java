package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestIdentities;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS on real sockets with certificates generated at test time (issue 5, done-when 4). */
class ApiServerTlsTest {

    private static final List<Route> ROUTES = List.of(Route.get("/ok", (req, res) -> res.send("ok")));
    private static final Duration SWITCH_DEADLINE = Duration.ofSeconds(8);

    @TempDir
    static Path generated;

    private static TestIdentities.Identity first;
    private static TestIdentities.Identity second;
    private static TestIdentities.Identity ec;
    private static TestIdentities.Identity client;

    @TempDir
    Path dir;

    private final List<Runnable> cleanup = new ArrayList<>();

    @BeforeAll
    static void generateCertificates() throws Exception {
        List<TestIdentities.Identity> identities =
                TestIdentities.generate(generated, "first:RSA", "second:RSA", "ec:EC", "client:EC");
        first = identities.get(0);
        second = identities.get(1);
        ec = identities.get(2);
        client = identities.get(3);
    }

    @AfterEach
    void stopServers() {
        cleanup.reversed().forEach(Runnable::run);
    }

    @Test
    void servesHttpsFromPemCertificateAndKey() throws Exception {
        ApiServer server = started(TlsSettings.pem(first.certificatePem(), first.privateKeyPem()));

        HttpClient https = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(TestCertificates.clientContext(List.of(first.certificate()), Optional.empty()))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> response = https.send(
                HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + server.port() + "/ok"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(response.sslSession())
                .hasValueSatisfying(session -> assertThat(session.getProtocol()).isEqualTo("TLSv1.3"));
        assertThat(response.headers().firstValue("Strict-Transport-Security")).contains("max-age=31536000");
    }

    @Test
    void servesHttpsWithAnEcKey() {
        ApiServer server = started(TlsSettings.pem(ec.certificatePem(), ec.privateKeyPem()));

        assertThat(TestCertificates.servedCertificate(server.port(), List.of(ec.certificate())))
                .isEqualTo(ec.certificate());
    }

    @Test
    void servesHttpsFromAPkcs12Keystore() throws Exception {
        ApiServer server = started(TlsSettings.pkcs12(first.pkcs12(), TestIdentities.PASSWORD));

        try (SSLSocket socket = TestCertificates.connect(
                TestCertificates.clientContext(List.of(first.certificate()), Optional.empty()), server.port())) {
            assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());
            assertThat(TestCertificates.get(socket, "/ok").status()).isEqualTo(200);
        }
    }

    @Test
    void refusesClientsOfferingOnlyTls11ButAcceptsTls12() throws Exception {
        TlsSettings settings = TlsSettings.pem(first.certificatePem(), first.privateKeyPem());
        // Explicit, not the JDK default: this JVM's own defaults already refuse TLS 1.1, so the socket test
        // below cannot tell an explicit setting from a default; this assertion can.
        assertThat(TlsMaterialLoader.load("API", settings)
                        .toHelidonTls()
                        .sslParameters()
                        .getProtocols())
                .containsExactly("TLSv1.3", "TLSv1.2");
        ApiServer server = started(settings);

        // The probe JVM has TLS 1.1 enabled on its side; the protocol_version alert can only come from the server.
        assertThat(TestCertificates.probe(server.port(), "TLSv1.1", first.certificatePem()))
                .startsWith("FAIL")
                .contains("protocol_version");
        assertThat(TestCertificates.probe(server.port(), "TLSv1.2", first.certificatePem()))
                .isEqualTo("OK TLSv1.2");
    }

    @Test
    void theListenerEnablesExactlyTheProfilesSuitesAndRefusesAClientOfferingOnlyCbc() throws Exception {
        TlsSettings settings = TlsSettings.pem(ec.certificatePem(), ec.privateKeyPem());
        assertThat(TlsMaterialLoader.load("API", settings)
                        .toHelidonTls()
                        .sslParameters()
                        .getCipherSuites())
                .containsExactlyElementsOf(TlsSettings.DEFAULT_CIPHER_SUITES);
        ApiServer server = started(settings);
        SSLContext context = TestCertificates.clientContext(List.of(ec.certificate()), Optional.empty());

        // This JVM's client still offers CBC suites by default; one that offers nothing else must be refused.
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new java.net.InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"});
            assertThatThrownBy(socket::startHandshake)
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining("handshake_failure");
        }
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new java.net.InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertThat(socket.getSession().getCipherSuite()).isIn(TlsSettings.DEFAULT_CIPHER_SUITES);
        }
    }

    @Test
    void aClientThatRenegotiatesOnTls12IsRefused() throws Exception {
        ApiServer server = started(TlsSettings.pem(ec.certificatePem(), ec.privateKeyPem()));
        SSLContext context = TestCertificates.clientContext(List.of(ec.certificate()), Optional.empty());

        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new java.net.InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertThat(TestCertificates.get(socket, "/ok").status()).isEqualTo(200);
            assertThat(System.getProperty(TlsProfile.REJECT_RENEGOTIATION_PROPERTY))
                    .isEqualTo("true");

            // A second handshake on the same TLS 1.2 connection is a client-initiated renegotiation.
            assertThatThrownBy(() -> {
                        socket.startHandshake();
                        TestCertificates.get(socket, "/ok");
                    })
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("handshake_failure");
        }
    }

    @Test
    void configuredProtocolsApplyAndBadOnesFailTheStartNamingEach() throws Exception {
        TlsSettings tls13Only = TlsSettings.pem(first.certificatePem(), first.privateKeyPem())
                .withProtocols(List.of("TLSv1.3"))
                .withCipherSuites(List.of("TLS_AES_256_GCM_SHA384"));
        ApiServer server = started(tls13Only);
        assertThat(TestCertificates.probe(server.port(), "TLSv1.2", first.certificatePem()))
                .startsWith("FAIL")
                .contains("protocol_version");

        ApiServer refused = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ZERO))
                .routes(ROUTES)
                .tls(tls13Only.withProtocols(List.of("TLSv1.1")).withCipherSuites(List.of("TLS_NO_SUCH_SUITE")))
                .build();
        assertThatThrownBy(refused::start)
                .isInstanceOfSatisfying(
                        TlsConfigurationException.class,
                        e -> assertThat(e.problems())
                                .satisfiesExactly(
                                        p -> assertThat(p)
                                                .startsWith("TLS protocols: \"TLSv1.1\" is refused: TLS 1.0 and 1.1"),
                                        p -> assertThat(p)
                                                .startsWith(
                                                        "TLS cipher suites: \"TLS_NO_SUCH_SUITE\" is not a known cipher")));
    }

    @Test
    void replacingTheFilesSwitchesTheCertificateForNewConnectionsAndKeepsOpenConnectionsWorking() throws Exception {
        Path certificate = copy(first.certificatePem(), "cert.pem");
        Path key = copy(first.privateKeyPem(), "key.pem");
        ApiServer server = started(TlsSettings.pem(certificate, key));
        List<X509Certificate> both = List.of(first.certificate(), second.certificate());
        SSLContext keepAliveContext = TestCertificates.clientContext(both, Optional.empty());

        try (SSLSocket open = TestCertificates.connect(keepAliveContext, server.port())) {
            assertThat(TestCertificates.get(open, "/ok").status()).isEqualTo(200);
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());

            TestCertificates.replaceAtomically(second.privateKeyPem(), key);
            TestCertificates.replaceAtomically(second.certificatePem(), certificate);

            Poll.until(
                    SWITCH_DEADLINE,
                    "new connections are served the replacement certificate",
                    () -> serialServed(server.port(), both)
                            .equals(second.certificate().getSerialNumber().toString()));
            assertThat(TestCertificates.servedCertificate(server.port(), both).getSubjectX500Principal())
                    .isEqualTo(second.certificate().getSubjectX500Principal());
            // The connection opened before the switch still works, on its original session.
            HttpTestSupport.RawResponse again = TestCertificates.get(open, "/ok");
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.body()).isEqualTo("ok");
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());
        }
    }

    @Test
    void aCorruptReplacementKeepsTheCurrentCertificateAndALaterGoodOneIsStillPickedUp() throws Exception {
        Path certificate = copy(first.certificatePem(), "cert.pem");
        Path key = copy(first.privateKeyPem(), "key.pem");
        List<X509Certificate> both = List.of(first.certificate(), second.certificate());
        try (LogCapture log = LogCapture.of(HelidonListener.class.getName())) {
            ApiServer server = started(TlsSettings.pem(certificate, key));

            Path garbage = dir.resolve("garbage.pem");
            Files.writeString(
                    garbage, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
            TestCertificates.replaceAtomically(garbage, certificate);

            Poll.until(
                    SWITCH_DEADLINE,
                    "the watcher warns about the corrupt certificate",
                    () -> log.events().stream().anyMatch(e -> e.getLevel() == Level.WARN));
            assertThat(log.events())
                    .filteredOn(e -> e.getLevel() == Level.WARN)
                    .first()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("keeps its current TLS certificate")
                            .contains("\"" + certificate + "\"")
                            .contains("cannot be parsed"));
            assertThat(TestCertificates.servedCertificate(server.port(), both)).isEqualTo(first.certificate());

            TestCertificates.replaceAtomically(second.privateKeyPem(), key);
            TestCertificates.replaceAtomically(second.certificatePem(), certificate);
            Poll.until(
                    SWITCH_DEADLINE,
                    "the good replacement is served after the corrupt one",
                    () -> serialServed(server.port(), both)
                            .equals(second.certificate().getSerialNumber().toString()));
        }
    }

    @Test
    void aKeyFromAnotherCertificateIsRefusedAtStartWithBothFilesNamed() {
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ZERO))
                .routes(ROUTES)
                .tls(TlsSettings.pem(first.certificatePem(), second.privateKeyPem()))
                .build();
        cleanup.add(server::stop);

        assertThatThrownBy(server::start)
                .isInstanceOf(TlsConfigurationException.class)
                .hasMessageContaining("TLS for the API server cannot be set up")
                .hasMessageContaining("\"" + second.privateKeyPem() + "\" does not belong to the certificate in \""
                        + first.certificatePem() + "\"");
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void everyFileProblemIsReportedAtOnce() throws IOException {
        Path missing = dir.resolve("missing-cert.pem");
        Path notPem = Files.writeString(dir.resolve("key.txt"), "hello");
        Path clientCa =
                Files.writeString(dir.resolve("ca.pem"), TestIdentities.pem("PRIVATE KEY", new byte[] {1, 2, 3}));
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ZERO))
                .routes(ROUTES)
                .tls(TlsSettings.pem(missing, notPem).withClientCa(clientCa))
                .build();
        cleanup.add(server::stop);

        assertThatThrownBy(server::start)
                .isInstanceOfSatisfying(
                        TlsConfigurationException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "Certificate file \"" + missing
                                                + "\" does not exist; check the path (relative paths are resolved from \""
                                                + Path.of("").toAbsolutePath() + "\")",
                                        "Private key file \"" + notPem
                                                + "\" is not PEM (no \"-----BEGIN PRIVATE KEY-----\" line); provide "
                                                + "the key in PEM, PKCS#8 format",
                                        "Client CA file \"" + clientCa
                                                + "\" holds PRIVATE KEY but no CERTIFICATE; did you swap the "
                                                + "certificate and key settings?"));
    }

    @Test
    void aWrongKeystorePasswordIsAClearErrorAtStart() {
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ZERO))
                .routes(ROUTES)
                .tls(TlsSettings.pkcs12(first.pkcs12(), "not-the-password"))
                .build();
        cleanup.add(server::stop);

        assertThatThrownBy(server::start)
                .isInstanceOf(TlsConfigurationException.class)
                .hasMessageContaining("Keystore \"" + first.pkcs12()
                        + "\" cannot be opened with the configured keystore " + "password (wrong password?)")
                .hasMessageNotContaining("not-the-password");
    }

    @Test
    void anEncryptedOrSec1KeySaysHowToConvertIt() throws IOException {
        Path sec1 = Files.writeString(dir.resolve("ec.pem"), TestIdentities.pem("EC PRIVATE KEY", new byte[] {1}));
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ZERO))
                .routes(ROUTES)
                .tls(TlsSettings.pem(ec.certificatePem(), sec1))
                .build();
        cleanup.add(server::stop);

        assertThatThrownBy(server::start)
                .isInstanceOf(TlsConfigurationException.class)
                .hasMessageContaining(
                        "\"" + sec1 + "\" is a \"EC PRIVATE KEY\" key, not PKCS#8; convert it: openssl pkcs8 -topk8");
    }

    @Test
    void managementServerWithClientCaRequiresAClientCertificate() throws Exception {
        ManagementServer management = ManagementServer.create(
                new ManagementServerConfig(HttpTestSupport.HOST, 0, "management.port"),
                () -> Readiness.ready("RUNNING", java.util.Map.of()),
                List.of(),
                TlsSettings.pem(first.certificatePem(), first.privateKeyPem()).withClientCa(client.certificatePem()));
        cleanup.add(management::stop);
        management.start();
        List<X509Certificate> trusted = List.of(first.certificate());

        try (SSLSocket withCertificate = TestCertificates.connect(
                TestCertificates.clientContext(trusted, Optional.of(client)), management.port())) {
            assertThat(TestCertificates.get(withCertificate, "/health/live").status())
                    .isEqualTo(200);
        }
        // TLS 1.3 sends the server's refusal after the client's handshake completes: it surfaces on first use.
        assertThatThrownBy(() -> {
                    try (SSLSocket without = TestCertificates.connect(
                            TestCertificates.clientContext(trusted, Optional.empty()), management.port())) {
                        TestCertificates.get(without, "/health/live");
                    }
                })
                .isInstanceOfAny(SSLException.class, java.net.SocketException.class, IOException.class);
        // A certificate from a CA the server does not trust is refused too.
        assertThatThrownBy(() -> {
                    try (SSLSocket other = TestCertificates.connect(
                            TestCertificates.clientContext(trusted, Optional.of(second)), management.port())) {
                        TestCertificates.get(other, "/health/live");
                    }
                })
                .isInstanceOf(IOException.class);
    }

    private ApiServer started(TlsSettings tls) {
        ApiServer server = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ZERO))
                .routes(ROUTES)
                .tls(tls)
                .build();
        cleanup.add(server::stop);
        server.start();
        return server;
    }

    private Path copy(Path source, String name) throws IOException {
        return Files.copy(source, dir.resolve(name));
    }

    private static String serialServed(int port, List<X509Certificate> trusted) {
        return TestCertificates.servedCertificate(port, trusted)
                .getSerialNumber()
                .toString();
    }
}
