package dev.servicekit.core;

import dev.servicekit.spi.Diagnosis;
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
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
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
 * The PEM files of a TLS client, each named by a configuration key ({@code config.etcd.tls.*},
 * {@code log.syslog.tls.*}): the CA certificates that may sign the server's certificate (instead of the JVM's trust
 * store), and a client certificate (PEM, the leaf first) with its unencrypted PKCS#8 private key, for a server that
 * asks for one. Parsing is the JDK's (its X.509 certificate factory reads PEM, its key factories PKCS#8); this class
 * cuts the PEM blocks out, and names the key, the file and the fix of each problem. {@link #context()} makes a TLS
 * context whose handshakes follow the files as they change.
 *
 * <p>A value: two sets of files are equal when their keys and paths are (a reload compares them to see whether the TLS
 * files changed). The files' contents are read by {@link #load()} and {@link #context()}, not here.
 *
 * @param keys        the keys that name the files, for the problems' messages
 * @param ca          the PEM file of the CA certificates trusted for the server; empty: the JVM's trust store
 * @param certificate the PEM file of the client certificate, the leaf first; empty: none is presented
 * @param key         the PEM file of the client certificate's unencrypted PKCS#8 private key
 */
public record PemTlsFiles(Keys keys, Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(PemTlsFiles.class);
    }

    /** The key store entry of the client certificate and its key, in every material. */
    private static final String CLIENT_ALIAS = "client";

    /** The keys that name the files: each problem names its key. */
    public record Keys(ConfigKey<Path> ca, ConfigKey<Path> certificate, ConfigKey<Path> key) {
        /** Checks values. */
        public Keys {
            Objects.requireNonNull(ca, "ca");
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
        }

        /** The keys' common prefix with a wildcard, as messages name them: {@code config.etcd.tls.*}. */
        public String wildcard() {
            return ca.name().substring(0, ca.name().lastIndexOf('.') + 1) + "*";
        }
    }

    /** One problem with one of the files. */
    public record Problem(ConfigKey<?> key, String message) {
        /** The problem as a line of a message outside the configuration's problem list: {@code key: message}. */
        public String describe() {
            return key.name() + ": " + message;
        }
    }

    /** What keeps the files from making a TLS context: one message per problem, each naming its file. */
    public static class Problems extends Exception {
        private static final long serialVersionUID = 1L;

        private final transient List<Problem> problems;

        /** The problems, in the order they were found. */
        public Problems(List<Problem> problems) {
            super(problems.stream()
                    .map(Problem::message)
                    .reduce((a, b) -> a + "; " + b)
                    .orElse(""));
            this.problems = List.copyOf(problems);
        }

        /** The problems, each with its key. */
        public List<Problem> problems() {
            return problems;
        }
    }

    /** The managers one reading of the files made, with the files' {@linkplain #stamp() stamp} at that reading. */
    public record Material(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust, String stamp) {}

    /** Checks values; a client certificate without its key (or the other way round) is a problem of {@link #load()}. */
    public PemTlsFiles {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }

    /** No files, named by {@code keys}: the JVM's trust store, no client certificate. */
    public static PemTlsFiles none(Keys keys) {
        return new PemTlsFiles(keys, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The files the keys name in {@code config}. */
    public static PemTlsFiles of(Config config, Keys keys) {
        return new PemTlsFiles(keys, config.find(keys.ca()), config.find(keys.certificate()), config.find(keys.key()));
    }

    /** Whether any file is named. */
    public boolean any() {
        return ca.isPresent() || certificate.isPresent() || key.isPresent();
    }

    /**
     * The key of the first file named (CA, certificate, key), for a problem about them all; call when {@link #any()}.
     */
    public ConfigKey<Path> firstNamed() {
        return ca.isPresent() ? keys.ca() : certificate.isPresent() ? keys.certificate() : keys.key();
    }

    /**
     * The configuration problems of the files: each named file must exist, and together they must make a TLS
     * context. A missing key file is worded as {@link SecretFilePermissions} words it, so that it is listed once.
     */
    public List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (ConfigKey<Path> named : List.of(keys.ca(), keys.certificate(), keys.key())) {
            Optional<Path> file = config.find(named);
            if (file.isPresent() && !Files.exists(file.get())) {
                problems.add(new ConfigProblem(
                        named.name(),
                        config.source(named),
                        named.type().isSecretFile()
                                ? SecretFilePermissions.missing(file.get())
                                : "\"" + file.get() + "\" does not exist; check the path"));
            }
        }
        if (problems.isEmpty()) {
            try {
                load();
            } catch (Problems e) {
                for (Problem problem : e.problems()) {
                    problems.add(
                            new ConfigProblem(problem.key().name(), config.source(problem.key()), problem.message()));
                }
            }
        }
        return problems;
    }

    /**
     * The TLS context the files describe: the CA file's certificates trusted (else the JVM's trust store), the client
     * certificate and key presented when the server asks for one. Each handshake uses the files as they are then: when
     * one changed (a renewed certificate, a new CA), it is read again; when the new files do not make a context (a
     * file half written, a key that is not the certificate's), the last good material stays and a warning says why.
     *
     * @throws Problems listing every problem with the files
     */
    public SSLContext context() throws Problems {
        return new Reloading(this, load(), System::nanoTime).context();
    }

    /**
     * {@code doctor}'s finding on the client certificate, when one is named: the files' problems as a failure, else
     * its validity ({@link CertificateExpiry}). Never throws.
     */
    public Optional<Diagnosis> diagnoseCertificate(String check, Clock clock) {
        if (certificate.isEmpty()) {
            return Optional.empty();
        }
        String renew = "put a renewed certificate (and its key) at " + certificate.get() + " ("
                + keys.certificate().name() + "); the running service uses it from its next connection";
        try {
            X509Certificate leaf = load().keys().getCertificateChain(CLIENT_ALIAS)[0];
            return Optional.of(CertificateExpiry.diagnose(check, certificate.get(), leaf, clock, renew));
        } catch (Problems e) {
            return Optional.of(Diagnosis.failure(
                    check,
                    e.problems().stream().map(Problem::describe).collect(java.util.stream.Collectors.joining("; ")),
                    "fix the files named above"));
        } catch (RuntimeException e) {
            return Optional.of(
                    Diagnosis.failure(check, "\"" + certificate.get() + "\" cannot be read: " + e.getMessage(), renew));
        }
    }

    /** Reads the files into key and trust managers. */
    public Material load() throws Problems {
        String stamp = stamp();
        List<Problem> problems = new ArrayList<>();
        List<X509Certificate> cas =
                ca.map(file -> certificates(keys.ca(), file, problems)).orElse(List.of());
        List<X509Certificate> chain = List.of();
        Optional<PrivateKey> privateKey = Optional.empty();
        if (certificate.isPresent() != key.isPresent()) {
            problems.add(
                    certificate.isPresent()
                            ? new Problem(
                                    keys.certificate(),
                                    "a client certificate needs its private key: set "
                                            + keys.key().name())
                            : new Problem(
                                    keys.key(),
                                    "a private key needs its client certificate: set "
                                            + keys.certificate().name()));
        } else if (certificate.isPresent()) {
            chain = certificates(keys.certificate(), certificate.get(), problems);
            privateKey = privateKey(key.get(), problems);
            if (!chain.isEmpty()
                    && privateKey.isPresent()
                    && !TlsKeys.matches(privateKey.get(), chain.get(0).getPublicKey())) {
                problems.add(new Problem(
                        keys.key(),
                        "\"" + key.get() + "\" is not the key of the certificate in \"" + certificate.get()
                                + "\" (subject \""
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
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore identity = emptyStore();
            char[] none = new char[0];
            if (privateKey.isPresent()) {
                identity.setKeyEntry(CLIENT_ALIAS, privateKey.get(), none, chain.toArray(new X509Certificate[0]));
            }
            keyManagers.init(identity, none);
            return new Material(
                    only(X509ExtendedKeyManager.class, keyManagers.getKeyManagers()),
                    only(X509ExtendedTrustManager.class, trust.getTrustManagers()),
                    stamp);
        } catch (GeneralSecurityException | IOException e) {
            throw new Problems(List.of(new Problem(
                    certificate.isPresent() ? keys.certificate() : keys.ca(),
                    "the JDK refused the TLS material (" + e.getMessage() + ")")));
        }
    }

    /** What tells that a file changed: each named file's size and modification time (or that it is missing). */
    public String stamp() {
        StringBuilder stamp = new StringBuilder();
        for (Optional<Path> file : List.of(ca, certificate, key)) {
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

    private static <T> T only(Class<T> type, Object[] managers) throws GeneralSecurityException {
        for (Object manager : managers) {
            if (type.isInstance(manager)) {
                return type.cast(manager);
            }
        }
        throw new GeneralSecurityException("the JDK's default " + type.getSimpleName() + " is not available");
    }

    /**
     * The managers of the current files: a handshake asks {@link #current()}, which looks at the files' stamp at most
     * once a second and reads them again when it changed.
     */
    public static class Reloading {
        private static final long CHECK_NANOS = 1_000_000_000L;

        private final PemTlsFiles files;
        private final LongSupplier clock;
        private final X509ExtendedKeyManager keys = new CurrentKeys();
        private final X509ExtendedTrustManager trust = new CurrentTrust();
        private Material material;
        private long checked;
        private String refused = "";

        /**
         * @param files    the files to follow
         * @param material the files' first reading
         * @param clock    nanoseconds, as {@link System#nanoTime()}
         */
        public Reloading(PemTlsFiles files, Material material, LongSupplier clock) {
            this.files = files;
            this.material = material;
            this.clock = clock;
            this.checked = clock.getAsLong();
        }

        /** A TLS context whose handshakes use {@link #current()}. */
        public SSLContext context() throws Problems {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new Problems(List.of(
                        new Problem(files.keys().ca(), "the JDK refused the TLS material (" + e.getMessage() + ")")));
            }
        }

        /** The material of the files as they are now, read again when they changed. */
        public synchronized Material current() {
            long now = clock.getAsLong();
            if (now - checked < CHECK_NANOS) {
                return material;
            }
            checked = now;
            String stamp = files.stamp();
            if (stamp.equals(material.stamp()) || stamp.equals(refused)) {
                return material;
            }
            try {
                material = files.load();
                refused = "";
                log().info(
                                "TLS: the files of {} changed; new connections use them",
                                files.keys().wildcard());
            } catch (Problems e) {
                refused = stamp;
                log().warn(
                                "TLS: the changed files of {} cannot be used ({}); new connections keep the ones read before",
                                files.keys().wildcard(),
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
         * handshake may read changed files in between; every material names its entry {@link #CLIENT_ALIAS}, and a key and chain
         * taken from two of them fail that one handshake, which the client retries.
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

    private static Optional<String> text(ConfigKey<?> named, Path file, List<Problem> problems) {
        try {
            String text = Files.readString(file, StandardCharsets.ISO_8859_1);
            if (text.isBlank()) {
                problems.add(new Problem(named, "\"" + file + "\" is empty; write the PEM file into it"));
                return Optional.empty();
            }
            return Optional.of(text);
        } catch (IOException e) {
            problems.add(new Problem(
                    named,
                    "\"" + file + "\" cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                            + "); check the path and that the service account may read it"));
            return Optional.empty();
        }
    }

    /** The hint when a file holds the other kind of PEM block: the certificate and key files may be swapped. */
    private String swapped() {
        return "did you swap " + keys.certificate().name() + " and "
                + keys.key().name() + "?";
    }

    private List<X509Certificate> certificates(ConfigKey<?> named, Path file, List<Problem> problems) {
        Optional<String> text = text(named, file, problems);
        if (text.isEmpty()) {
            return List.of();
        }
        if (!text.get().contains("-----BEGIN CERTIFICATE-----")) {
            problems.add(new Problem(
                    named,
                    "\"" + file + "\" holds no PEM certificate (no \"-----BEGIN CERTIFICATE-----\" line)"
                            + (text.get().contains("PRIVATE KEY-----")
                                    ? "; it holds a private key: " + swapped()
                                    : "; give the certificates in PEM, as openssl writes them")));
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
            for (Certificate read : CertificateFactory.getInstance("X.509")
                    .generateCertificates(
                            new ByteArrayInputStream(blocks.toString().getBytes(StandardCharsets.ISO_8859_1)))) {
                certificates.add((X509Certificate) read);
            }
            if (certificates.isEmpty()) {
                problems.add(new Problem(named, "\"" + file + "\" holds no certificate that can be read"));
            }
            return certificates;
        } catch (GeneralSecurityException | RuntimeException e) {
            problems.add(new Problem(
                    named, "\"" + file + "\" has a certificate that cannot be read (" + TlsKeys.reason(e) + ")"));
            return List.of();
        }
    }

    private Optional<PrivateKey> privateKey(Path file, List<Problem> problems) {
        ConfigKey<?> named = keys.key();
        Optional<String> text = text(named, file, problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String pkcs8 = "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem";
        if (text.get().contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            problems.add(new Problem(
                    named,
                    "\"" + file + "\" is encrypted; store it unencrypted with owner-only permissions: " + pkcs8
                            + " && chmod 600 key-pkcs8.pem"));
            return Optional.empty();
        }
        if (text.get().contains("-----BEGIN EC PRIVATE KEY-----")) {
            problems.add(new Problem(
                    named, "\"" + file + "\" is an EC key in SEC 1 form, not PKCS#8; convert it: " + pkcs8));
            return Optional.empty();
        }
        if (text.get().contains("-----BEGIN RSA PRIVATE KEY-----")) {
            problems.add(new Problem(
                    named, "\"" + file + "\" is an RSA key in PKCS#1 form, not PKCS#8; convert it: " + pkcs8));
            return Optional.empty();
        }
        List<String> blocks = blocks(text.get(), "PRIVATE KEY");
        if (blocks.isEmpty()) {
            problems.add(new Problem(
                    named,
                    "\"" + file + "\" holds no PEM private key (no \"-----BEGIN PRIVATE KEY-----\" line)"
                            + (text.get().contains("-----BEGIN CERTIFICATE-----")
                                    ? "; it holds a certificate: " + swapped()
                                    : "")));
            return Optional.empty();
        }
        // PKCS#8 names its algorithm inside; the JDK's key factories are asked in turn which one it is.
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(der(blocks.get(0)));
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(
                    named, "\"" + file + "\" has a private key that is not Base64 (" + e.getMessage() + ")"));
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
                named,
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
}
