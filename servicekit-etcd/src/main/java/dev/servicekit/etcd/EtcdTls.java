package dev.servicekit.etcd;

import dev.servicekit.core.TlsKeys;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS of the connections to etcd ({@code config.etcd.tls.*}), as {@code etcdctl --cacert --cert --key} takes it:
 * a PEM file of the CA certificates that may sign the endpoints' certificates (instead of the JVM's trust store), and
 * a client certificate (PEM, the leaf first) with its unencrypted PKCS#8 private key, for an etcd that asks for one
 * ({@code --client-cert-auth}). Parsing is Helidon's ({@link Keys}) and the JDK's; this class names the file and the
 * fix of each problem.
 */
final class EtcdTls {

    /** The files, each optional; a client certificate needs its key and the other way round. */
    record TlsFiles(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {
        boolean any() {
            return ca.isPresent() || certificate.isPresent() || key.isPresent();
        }
    }

    /** What keeps the files from making a TLS context: one message per problem, each naming its key and file. */
    static final class Problems extends Exception {
        private static final long serialVersionUID = 1L;

        private final transient List<Problem> problems;

        Problems(List<Problem> problems) {
            super(problems.stream()
                    .map(Problem::message)
                    .reduce((a, b) -> a + "; " + b)
                    .orElse(""));
            this.problems = List.copyOf(problems);
        }

        List<Problem> problems() {
            return problems;
        }
    }

    /** One problem with one {@code config.etcd.tls.*} key. */
    record Problem(String key, String message) {}

    private EtcdTls() {}

    /**
     * The TLS context the files describe: the CA file's certificates trusted (else the JVM's trust store), the client
     * certificate and key presented when etcd asks for one.
     *
     * @throws Problems listing every problem with the files
     */
    static SSLContext context(TlsFiles files) throws Problems {
        List<Problem> problems = new ArrayList<>();
        List<X509Certificate> cas = files.ca()
                .map(ca -> certificates(EtcdConfigKeys.CONFIG_ETCD_TLS_CA_FILE.name(), ca, problems))
                .orElse(List.of());
        List<X509Certificate> chain = List.of();
        Optional<PrivateKey> key = Optional.empty();
        if (files.certificate().isPresent() != files.key().isPresent()) {
            problems.add(
                    files.certificate().isPresent()
                            ? new Problem(
                                    EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE.name(),
                                    "a client certificate needs its private key: set config.etcd.tls.key-file")
                            : new Problem(
                                    EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE.name(),
                                    "a private key needs its client certificate: set config.etcd.tls.cert-file"));
        } else if (files.certificate().isPresent()) {
            chain = certificates(
                    EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE.name(),
                    files.certificate().get(),
                    problems);
            key = privateKey(files.key().get(), problems);
            if (!chain.isEmpty()
                    && key.isPresent()
                    && !TlsKeys.matches(key.get(), chain.get(0).getPublicKey())) {
                problems.add(new Problem(
                        EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE.name(),
                        "\"" + files.key().get() + "\" is not the key of the certificate in \""
                                + files.certificate().get() + "\" (subject \""
                                + chain.get(0).getSubjectX500Principal().getName()
                                + "\"); use the key the certificate was issued for, the client certificate first in its"
                                + " file"));
            }
        }
        if (!problems.isEmpty()) {
            throw new Problems(problems);
        }
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (cas.isEmpty()) {
                trust.init((KeyStore) null); // the JVM's trust store
            } else {
                KeyStore store = emptyStore();
                for (int i = 0; i < cas.size(); i++) {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
                trust.init(store);
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore identity = emptyStore();
            char[] none = new char[0];
            if (key.isPresent()) {
                identity.setKeyEntry("client", key.get(), none, chain.toArray(new X509Certificate[0]));
            }
            keys.init(identity, none);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new Problems(List.of(new Problem(
                    files.certificate().isPresent()
                            ? EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE.name()
                            : EtcdConfigKeys.CONFIG_ETCD_TLS_CA_FILE.name(),
                    "the JDK refused the TLS material (" + e.getMessage() + ")")));
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static Optional<String> text(String key, Path file, List<Problem> problems) {
        try {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            if (text.isBlank()) {
                problems.add(new Problem(key, "\"" + file + "\" is empty; write the PEM file into it"));
                return Optional.empty();
            }
            return Optional.of(text);
        } catch (IOException e) {
            problems.add(new Problem(
                    key,
                    "\"" + file + "\" cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); check the path and that the service account may read it"));
            return Optional.empty();
        }
    }

    private static List<X509Certificate> certificates(String key, Path file, List<Problem> problems) {
        Optional<String> text = text(key, file, problems);
        if (text.isEmpty()) {
            return List.of();
        }
        if (!text.get().contains("-----BEGIN CERTIFICATE-----")) {
            problems.add(new Problem(
                    key,
                    "\"" + file + "\" holds no PEM certificate (no \"-----BEGIN CERTIFICATE-----\" line)"
                            + (text.get().contains("PRIVATE KEY-----")
                                    ? "; it holds a private key: did you swap config.etcd.tls.cert-file and"
                                            + " config.etcd.tls.key-file?"
                                    : "; give the certificates in PEM, as etcdctl takes them")));
            return List.of();
        }
        try {
            List<X509Certificate> certificates = Keys.builder()
                    .pem(pem -> pem.certificates(Resource.create(file.toString(), bytes(text.get()))))
                    .build()
                    .certs();
            if (certificates.isEmpty()) {
                problems.add(new Problem(key, "\"" + file + "\" holds no certificate that can be read"));
            }
            return certificates;
        } catch (RuntimeException e) {
            problems.add(new Problem(
                    key, "\"" + file + "\" has a certificate that cannot be read (" + TlsKeys.reason(e) + ")"));
            return List.of();
        }
    }

    private static Optional<PrivateKey> privateKey(Path file, List<Problem> problems) {
        String key = EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE.name();
        Optional<String> text = text(key, file, problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String pkcs8 = "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem";
        if (text.get().contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            problems.add(new Problem(
                    key,
                    "\"" + file + "\" is encrypted; store it unencrypted with owner-only permissions: " + pkcs8
                            + " && chmod 600 key-pkcs8.pem"));
            return Optional.empty();
        }
        if (text.get().contains("-----BEGIN EC PRIVATE KEY-----")) {
            problems.add(
                    new Problem(key, "\"" + file + "\" is an EC key in SEC 1 form, not PKCS#8; convert it: " + pkcs8));
            return Optional.empty();
        }
        int begin = text.get().indexOf("-----BEGIN PRIVATE KEY-----");
        if (begin < 0) {
            begin = text.get().indexOf("-----BEGIN RSA PRIVATE KEY-----");
        }
        if (begin < 0) {
            problems.add(new Problem(
                    key,
                    "\"" + file + "\" holds no PEM private key (no \"-----BEGIN PRIVATE KEY-----\" line)"
                            + (text.get().contains("-----BEGIN CERTIFICATE-----")
                                    ? "; it holds a certificate: did you swap config.etcd.tls.cert-file and"
                                            + " config.etcd.tls.key-file?"
                                    : "")));
            return Optional.empty();
        }
        // Helidon's reader takes the key type from the first line: give it the key block alone, without the
        // attribute lines some tools write before it.
        String block = text.get().substring(begin);
        try {
            Optional<PrivateKey> privateKey = Keys.builder()
                    .pem(pem -> pem.key(Resource.create(file.toString(), bytes(block))))
                    .build()
                    .privateKey();
            if (privateKey.isEmpty()) {
                problems.add(new Problem(key, "\"" + file + "\" holds no private key that can be read"));
            }
            return privateKey;
        } catch (RuntimeException e) {
            problems.add(new Problem(
                    key,
                    "\"" + file + "\" has a private key that cannot be read (" + TlsKeys.reason(e)
                            + "); give an unencrypted RSA or EC key in PEM, PKCS#8 form (" + pkcs8 + ")"));
            return Optional.empty();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
