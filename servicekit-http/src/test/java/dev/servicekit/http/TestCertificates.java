package dev.servicekit.http;

import dev.servicekit.testing.TestIdentities;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS helpers of the HTTP tests: client contexts, handshakes, raw requests, the protocol probe. The certificates
 * themselves come from {@link TestIdentities}.
 */
final class TestCertificates {

    private TestCertificates() {}

    /** Copies a file over {@code target} the way careful writers do: a temporary file, then an atomic rename. */
    static void replaceAtomically(Path source, Path target) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), ".replace-", ".tmp");
        Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A fresh client context (so no TLS session is resumed) trusting the given certificates. */
    static SSLContext clientContext(List<X509Certificate> trusted, Optional<TestIdentities.Identity> clientIdentity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                trust.setCertificateEntry("trusted-" + i, trusted.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (clientIdentity.isPresent()) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(clientIdentity.get().keyStore(), TestIdentities.PASSWORD.toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens a TLS connection to 127.0.0.1 and completes the handshake; the caller closes it. */
    static SSLSocket connect(SSLContext context, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        socket.connect(new InetSocketAddress(HttpTestSupport.HOST, port), 5000);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** The certificate a new connection is served, with a fresh client context each time. */
    static X509Certificate servedCertificate(int port, List<X509Certificate> trusted) {
        try (SSLSocket socket = connect(clientContext(trusted, Optional.empty()), port)) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw new IllegalStateException("TLS handshake with port " + port + " failed: " + e, e);
        }
    }

    /** Sends one keep-alive GET on an open connection and reads the response. */
    static HttpTestSupport.RawResponse get(SSLSocket socket, String path) throws IOException {
        socket.getOutputStream()
                .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return HttpTestSupport.RawResponse.readFrom(socket.getInputStream());
    }

    /** Runs {@link TlsProtocolProbe} in a child JVM; its output line. */
    static String probe(int port, String protocol, Path trustedPem) throws IOException, InterruptedException {
        Path classes;
        try {
            classes = Path.of(TlsProtocolProbe.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classes.toString(),
                        TlsProtocolProbe.class.getName(),
                        HttpTestSupport.HOST,
                        String.valueOf(port),
                        protocol,
                        trustedPem.toString())
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(output);
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("TLS probe did not finish");
        }
        return output.toString(StandardCharsets.UTF_8).strip();
    }
}
