package dev.servicekit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at test time with the JDK's keytool (self-signed, valid two days for 127.0.0.1 and
 * localhost), written as PKCS#12 and as PEM files (the chain, and the private key as unencrypted PKCS#8). No private
 * key is ever committed.
 *
 * {@snippet :
 * TestIdentities.Identity server = TestIdentities.generate(dir, "server:EC").get(0);
 * // server.certificatePem(), server.privateKeyPem(), server.pkcs12() with TestIdentities.PASSWORD
 * }
 */
public final class TestIdentities {

    /** The password of every generated PKCS#12 keystore and key. */
    public static final String PASSWORD = "test-store-password";

    private TestIdentities() {}

    /** One generated identity: its PKCS#12 keystore, the same key and chain as PEM files, and the certificate. */
    public record Identity(
            Path pkcs12, Path certificatePem, Path privateKeyPem, X509Certificate certificate, KeyStore keyStore) {}

    /**
     * Generates identities concurrently: {@code specs} are {@code name:RSA} or {@code name:EC}, valid for 127.0.0.1
     * and localhost; {@code name:EC:dns:collector.example} names other subject alternative names instead (keytool's
     * {@code -ext san=} syntax), e.g. for a certificate that does not match the host a client connects to.
     */
    public static List<Identity> generate(Path dir, String... specs) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(":", 3);
            String name = parts[0];
            String san = parts.length > 2 ? parts[2] : "ip:127.0.0.1,dns:localhost";
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
                    "san=" + san));
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

    /** {@code der} as a PEM block with {@code label} (e.g. CERTIFICATE, PRIVATE KEY). */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
