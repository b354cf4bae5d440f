package dev.servicekit.etcd;

import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.TlsKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of the connections to etcd ({@code config.etcd.tls.*}), as {@code etcdctl --cacert --cert --key} takes it:
 * a PEM file of the CA certificates that may sign the endpoints' certificates (instead of the JVM's trust store), and
 * a client certificate (PEM, the leaf first) with its unencrypted PKCS#8 private key, for an etcd that asks for one
 * ({@code --client-cert-auth}). Parsing is the JDK's (its X.509 certificate factory reads PEM, its key factories
 * PKCS#8; servicekit-etcd stays free of Helidon); this class cuts the PEM blocks out, and names the file and the fix
 * of each problem.
 */
final class EtcdTls {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdTls.class);

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
    record Problem(ConfigKey<?> key, String message) {}

    private EtcdTls() {}

    /**
     * The TLS context the files describe: the CA file's certificates trusted (else the JVM's trust store), the client
     * certificate and key presented when etcd asks for one. Each handshake uses the files as they are then: when one
     * changed (a renewed certificate, a new CA), it is read again; when the new files do not make a context (a file
     * half written, a key that is not the certificate's), the last good material stays and a warning says why.
     *
     * @throws Problems listing every problem with the files
     */
    static SSLContext context(TlsFiles files) throws Problems {
        Reloading reloading = new Reloading(files, load(files), System::nanoTime);
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {reloading.keys}, new TrustManager[] {reloading.trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new Problems(List.of(new Problem(
                    EtcdConfigKeys.CONFIG_ETCD_TLS_CA_FILE,
                    "the JDK refused the TLS material (" + e.getMessage() + ")")));
        }
    }

    /** The managers one reading of the files made, with the files' stamp at that reading. */
    record Material(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust, String stamp) {}

    /** Reads the files into key and trust managers. */
    static Material load(TlsFiles files) throws Problems {
        String stamp = stamp(files);
        List<Problem> problems = new ArrayList<>();
        List<X509Certificate> cas = files.ca()
                .map(ca -> certificates(EtcdConfigKeys.CONFIG_ETCD_TLS_CA_FILE, ca, problems))
                .orElse(List.of());
        List<X509Certificate> chain = List.of();
        Optional<PrivateKey> key = Optional.empty();
        if (files.certificate().isPresent() != files.key().isPresent()) {
            problems.add(
                    files.certificate().isPresent()
                            ? new Problem(
                                    EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE,
                                    "a client certificate needs its private key: set config.etcd.tls.key-file")
                            : new Problem(
                                    EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE,
                                    "a private key needs its client certificate: set config.etcd.tls.cert-file"));
        } else if (files.certificate().isPresent()) {
            chain = certificates(
                    EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE,
                    files.certificate().get(),
                    problems);
            key = privateKey(files.key().get(), problems);
            if (!chain.isEmpty()
                    && key.isPresent()
                    && !TlsKeys.matches(key.get(), chain.get(0).getPublicKey())) {
                problems.add(new Problem(
                        EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE,
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
            return new Material(
                    only(X509ExtendedKeyManager.class, keys.getKeyManagers()),
                    only(X509ExtendedTrustManager.class, trust.getTrustManagers()),
                    stamp);
        } catch (GeneralSecurityException | IOException e) {
            throw new Problems(List.of(new Problem(
                    files.certificate().isPresent()
                            ? EtcdConfigKeys.CONFIG_ETCD_TLS_CERT_FILE
                            : EtcdConfigKeys.CONFIG_ETCD_TLS_CA_FILE,
                    "the JDK refused the TLS material (" + e.getMessage() + ")")));
        }
    }

    private static <T> T only(Class<T> type, Object[] managers) throws GeneralSecurityException {
        for (Object manager : managers) {
            if (type.isInstance(manager)) {
                return type.cast(manager);
            }
        }
        throw new GeneralSecurityException("the JDK's default " + type.getSimpleName() + " is not available");
    }

    /** What tells that a file changed: each named file's size and modification time (or that it is missing). */
    static String stamp(TlsFiles files) {
        StringBuilder stamp = new StringBuilder();
        for (Optional<Path> file : List.of(files.ca(), files.certificate(), files.key())) {
            if (file.isEmpty()) {
                stamp.append("-|");
                continue;
            }
            try {
                stamp.append(Files.size(file.get()))
                        .append('@')
                        .append(Files.getLastModifiedTime(file.get()).toMillis())
                        .append('|');
            } catch (IOException e) {
                stamp.append("missing|");
            }
        }
        return stamp.toString();
    }

    /**
     * The managers of the current files: a handshake asks {@link #current()}, which looks at the files' stamp at most
     * once a second and reads them again when it changed.
     */
    static final class Reloading {
        private static final long CHECK_NANOS = 1_000_000_000L;

        private final TlsFiles files;
        private final java.util.function.LongSupplier clock;
        private final X509ExtendedKeyManager keys = new CurrentKeys();
        private final X509ExtendedTrustManager trust = new CurrentTrust();
        private Material material;
        private long checked;
        private String refused = "";

        Reloading(TlsFiles files, Material material, java.util.function.LongSupplier clock) {
            this.files = files;
            this.material = material;
            this.clock = clock;
            this.checked = clock.getAsLong();
        }

        synchronized Material current() {
            long now = clock.getAsLong();
            if (now - checked < CHECK_NANOS) {
                return material;
            }
            checked = now;
            String stamp = stamp(files);
            if (stamp.equals(material.stamp()) || stamp.equals(refused)) {
                return material;
            }
            try {
                material = load(files);
                refused = "";
                LOG.info("etcd TLS: the files of config.etcd.tls.* changed; new connections use them");
            } catch (Problems e) {
                refused = stamp;
                LOG.warn(
                        "etcd TLS: the changed files of config.etcd.tls.* cannot be used ({}); new connections keep"
                                + " the ones read before",
                        e.getMessage());
            }
            return material;
        }

        private final class CurrentKeys extends X509ExtendedKeyManager {
            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return current().keys().getClientAliases(keyType, issuers);
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket s) {
                return current().keys().chooseClientAlias(keyType, issuers, s);
            }

            @Override
            public String chooseEngineClientAlias(
                    String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
                return current().keys().chooseEngineClientAlias(keyType, issuers, engine);
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return current().keys().getServerAliases(keyType, issuers);
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket s) {
                return current().keys().chooseServerAlias(keyType, issuers, s);
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return material().keys().getCertificateChain(alias);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return material().keys().getPrivateKey(alias);
            }
        }

        private final class CurrentTrust extends X509ExtendedTrustManager {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                    throws java.security.cert.CertificateException {
                current().trust().checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                    throws java.security.cert.CertificateException {
                current().trust().checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                    throws java.security.cert.CertificateException {
                current().trust().checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                    throws java.security.cert.CertificateException {
                current().trust().checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                current().trust().checkClientTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
                    throws java.security.cert.CertificateException {
                current().trust().checkServerTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return current().trust().getAcceptedIssuers();
            }
        }

        /**
         * The material without a look at the files, for the key and chain of the alias a handshake chose. Another
         * handshake may read changed files in between; every material names its entry "client", and a key and chain
         * taken from two of them fail that one handshake, which the source retries.
         */
        private synchronized Material material() {
            return material;
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static Optional<String> text(ConfigKey<?> key, Path file, List<Problem> problems) {
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

    private static List<X509Certificate> certificates(ConfigKey<?> key, Path file, List<Problem> problems) {
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
        // The JDK's X.509 factory reads PEM certificates; it is given the blocks alone, without the text lines (such
        // as openssl's "subject=") some tools write around them.
        StringBuilder blocks = new StringBuilder();
        for (String block : blocks(text.get(), "CERTIFICATE")) {
            blocks.append(block).append('\n');
        }
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes(blocks.toString())))) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                problems.add(new Problem(key, "\"" + file + "\" holds no certificate that can be read"));
            }
            return certificates;
        } catch (GeneralSecurityException | RuntimeException e) {
            problems.add(new Problem(
                    key, "\"" + file + "\" has a certificate that cannot be read (" + TlsKeys.reason(e) + ")"));
            return List.of();
        }
    }

    private static Optional<PrivateKey> privateKey(Path file, List<Problem> problems) {
        ConfigKey<?> key = EtcdConfigKeys.CONFIG_ETCD_TLS_KEY_FILE;
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
        if (text.get().contains("-----BEGIN RSA PRIVATE KEY-----")) {
            problems.add(new Problem(
                    key, "\"" + file + "\" is an RSA key in PKCS#1 form, not PKCS#8; convert it: " + pkcs8));
            return Optional.empty();
        }
        List<String> blocks = blocks(text.get(), "PRIVATE KEY");
        if (blocks.isEmpty()) {
            problems.add(new Problem(
                    key,
                    "\"" + file + "\" holds no PEM private key (no \"-----BEGIN PRIVATE KEY-----\" line)"
                            + (text.get().contains("-----BEGIN CERTIFICATE-----")
                                    ? "; it holds a certificate: did you swap config.etcd.tls.cert-file and"
                                            + " config.etcd.tls.key-file?"
                                    : "")));
            return Optional.empty();
        }
        // PKCS#8 names its algorithm inside; the JDK's key factories are asked in turn which one it is.
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(der(blocks.get(0)));
        } catch (IllegalArgumentException e) {
            problems.add(
                    new Problem(key, "\"" + file + "\" has a private key that is not Base64 (" + e.getMessage() + ")"));
            return Optional.empty();
        }
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS")) {
            try {
                return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(spec));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        problems.add(new Problem(
                key,
                "\"" + file + "\" has a private key that cannot be read (" + TlsKeys.reason(last)
                        + "); give an unencrypted RSA or EC key in PEM, PKCS#8 form (" + pkcs8 + ")"));
        return Optional.empty();
    }

    /** The PEM blocks labelled {@code label} in {@code text}, each from its BEGIN line to its END line. */
    private static List<String> blocks(String text, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        List<String> blocks = new ArrayList<>();
        int from = text.indexOf(begin);
        while (from >= 0) {
            int to = text.indexOf(end, from);
            if (to < 0) {
                blocks.add(text.substring(from)); // cut short: the parser says so
                break;
            }
            blocks.add(text.substring(from, to + end.length()));
            from = text.indexOf(begin, to);
        }
        return blocks;
    }

    /** The DER bytes of one PEM block: the Base64 between its BEGIN and END lines. */
    private static byte[] der(String block) {
        int start = block.indexOf('\n');
        int end = block.lastIndexOf("-----END");
        String body = start < 0 ? "" : block.substring(start + 1, end < 0 ? block.length() : end);
        return Base64.getMimeDecoder().decode(body);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
