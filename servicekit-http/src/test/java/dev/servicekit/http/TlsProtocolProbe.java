package dev.servicekit.http;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client for one protocol version, run in its own JVM by {@code ApiServerTlsTest}. The JDK disables
 * TLS 1.0 and 1.1 for clients too, so a client in the test JVM would fail before sending anything and
 * prove nothing about the server; this JVM re-enables them before JSSE loads, so its ClientHello really
 * offers only the requested version and any refusal comes from the server.
 *
 * <p>Prints {@code OK <protocol>} and exits 0 after a handshake, or {@code FAIL <exception>} and exits 1.
 */
public final class TlsProtocolProbe {

    private TlsProtocolProbe() {}

    public static void main(String[] args) throws Exception {
        Security.setProperty("jdk.tls.disabledAlgorithms", "SSLv3, RC4, DES, NULL, anon");
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String protocol = args[2];
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(Path.of(args[3]))) {
            trust.setCertificateEntry(
                    "server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {protocol});
            socket.startHandshake();
            System.out.println("OK " + socket.getSession().getProtocol());
        } catch (Exception e) {
            System.out.println("FAIL " + e);
            System.exit(1);
        }
    }
}
