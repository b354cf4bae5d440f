package dev.servicekit.http;

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
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test certificates made at test time with the JDK's keytool (self-signed, valid for 127.0.0.1 and localhost),
 * written as PKCS#12 and as PEM files. No private key is ever committed.
 */
final class TestCertificates {

    static final String PASSWORD = "test-store-password";

    private TestCertificates() {}

    /** One generated identity: its PKCS#12 keystore, the same key and chain as PEM files, and the certificate. */
    record Identity(
            Path pkcs12, Path certificatePem, Path privateKeyPem, X509Certificate certificate, KeyStore keyStore) {}

    /** Generates identities concurrently: {@code specs} are {@code name:RSA} or {@code name:EC}. */
    static List<Identity> generate(Path dir, String... specs) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(":");
            String name = parts[0];
            boolean ec = parts[1].equals("EC");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair",
                    "-alias",
                    name,
                    "-dname",
                    "CN=" + name + ", O=Servicekit Test",
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    dir.resolve(name + ".p12").toString(),
                    "-storepass",
                    PASSWORD,
                    "-keypass",
                    PASSWORD,
                    "-ext",
                    "san=ip:127.0.0.1,dns:localhost"));
            command.addAll(
                    ec
                            ? List.of("-keyalg", "EC", "-groupname", "secp256r1")
                            : List.of("-keyalg", "RSA", "-keysize", "2048"));
            Path log = dir.resolve(name + ".keytool.log");
            logs.add(log);
            processes.add(new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start());
        }
        List<Identity> identities = new ArrayList<>();
        for (int i = 0; i < specs.length; i++) {
            Process process = processes.get(i);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "keytool failed for " + specs[i] + ": " + Files.readString(logs.get(i)));
            }
            identities.add(exportPem(dir, specs[i].split(":")[0]));
        }
        return identities;
    }

    private static Identity exportPem(Path dir, String name) throws IOException {
        Path p12 = dir.resolve(name + ".p12");
        try (InputStream in = Files.newInputStream(p12)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, PASSWORD.toCharArray());
            PrivateKey key = (PrivateKey) keyStore.getKey(name, PASSWORD.toCharArray());
            Certificate[] chain = keyStore.getCertificateChain(name);
            StringBuilder certificates = new StringBuilder();
            for (Certificate certificate : chain) {
                certificates.append(pem("CERTIFICATE", certificate.getEncoded()));
            }
            Path certificatePem = dir.resolve(name + "-cert.pem");
            Path keyPem = dir.resolve(name + "-key.pem");
            Files.writeString(certificatePem, certificates);
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
            return new Identity(p12, certificatePem, keyPem, (X509Certificate) chain[0], keyStore);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** Copies a file over {@code target} the way careful writers do: a temporary file, then an atomic rename. */
    static void replaceAtomically(Path source, Path target) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), ".replace-", ".tmp");
        Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A fresh client context (so no TLS session is resumed) trusting the given certificates. */
    static SSLContext clientContext(List<X509Certificate> trusted, Optional<Identity> clientIdentity) {
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
                kmf.init(clientIdentity.get().keyStore(), PASSWORD.toCharArray());
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
