package dev.servicekit.http;

import dev.servicekit.core.TlsKeys;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.pki.PemReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link TlsSettings} files into {@link TlsMaterial}, checking everything it can and reporting every
 * problem in one {@link TlsConfigurationException}. Parsing is Helidon's ({@link PemReader}, {@link Keys}) and the
 * JDK's ({@link KeyStore}); this class adds the checks and messages that name the file and the fix.
 */
final class TlsMaterialLoader {

    private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");
    private static final String CONVERT_TO_PKCS8 = "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem";

    private TlsMaterialLoader() {}

    /** The files whose changes mean the material must be loaded again. */
    static List<Path> files(TlsSettings settings) {
        List<Path> files = new ArrayList<>();
        files.add(settings.certificate());
        settings.privateKey().ifPresent(files::add);
        settings.clientCa().ifPresent(files::add);
        return files.stream()
                .map(path -> path.toAbsolutePath().normalize())
                .distinct()
                .toList();
    }

    /**
     * Loads and validates the material.
     *
     * @throws TlsConfigurationException listing every problem found
     */
    static TlsMaterial load(String listenerName, TlsSettings settings) {
        List<String> problems = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        List<X509Certificate> chain = List.of();
        Optional<PrivateKey> key = Optional.empty();

        if (settings.privateKey().isPresent() && settings.keystorePassword().isPresent()) {
            problems.add("TLS is configured with both a private key file (PEM) and a keystore password (PKCS#12) for \""
                    + settings.certificate() + "\"; set only the private key for PEM files, or only the "
                    + "keystore password for a PKCS#12 keystore");
        } else if (settings.privateKey().isPresent()) {
            chain = readPemCertificates("Certificate", settings.certificate(), problems, causes);
            key = readPemPrivateKey(settings.privateKey().get(), problems, causes);
            if (!chain.isEmpty()
                    && key.isPresent()
                    && !TlsKeys.matches(key.get(), chain.getFirst().getPublicKey())) {
                problems.add("Private key file \"" + settings.privateKey().get()
                        + "\" does not belong to the certificate in \""
                        + settings.certificate() + "\" (subject \""
                        + chain.getFirst().getSubjectX500Principal().getName()
                        + "\"); use the key the certificate was issued for, and put the server certificate "
                        + "first in the certificate file");
                key = Optional.empty();
            }
        } else if (settings.keystorePassword().isPresent()) {
            Optional<KeyEntry> entry = readPkcs12(
                    settings.certificate(), settings.keystorePassword().get(), problems, causes);
            if (entry.isPresent()) {
                chain = entry.get().chain();
                key = Optional.of(entry.get().key());
            }
        } else {
            problems.add(
                    "TLS certificate \"" + settings.certificate() + "\" has neither a private key file nor a keystore "
                            + "password; set the private key (PEM) or the keystore password (PKCS#12)");
        }

        List<X509Certificate> clientCas = settings.clientCa()
                .map(path -> readPemCertificates("Client CA", path, problems, causes))
                .orElse(List.of());

        for (TlsProfile.Problem problem : TlsProfile.problems(settings.protocols(), settings.cipherSuites())) {
            problems.add((problem.setting() == TlsProfile.Setting.PROTOCOLS ? "TLS protocols: " : "TLS cipher suites: ")
                    + problem.message());
        }

        if (!problems.isEmpty() || key.isEmpty() || chain.isEmpty()) {
            if (problems.isEmpty()) {
                problems.add("TLS material from \"" + settings.certificate()
                        + "\" is incomplete; check the certificate " + "and key files");
            }
            TlsConfigurationException failure =
                    new TlsConfigurationException(listenerName, problems, causes.isEmpty() ? null : causes.getFirst());
            causes.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
        return new TlsMaterial(chain, key.get(), clientCas, settings.protocols(), settings.cipherSuites());
    }

    private record KeyEntry(List<X509Certificate> chain, PrivateKey key) {
        @Override
        public String toString() {
            return "KeyEntry[" + chain.size() + " certificate(s)]";
        }
    }

    private static Optional<byte[]> read(String what, Path path, List<String> problems, List<Throwable> causes) {
        if (Files.isDirectory(path)) {
            problems.add(what + " file \"" + path + "\" is a directory; point the setting at the file itself");
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length == 0) {
                problems.add(what + " file \"" + path + "\" is empty; write the "
                        + what.toLowerCase(java.util.Locale.ROOT) + " into it");
                return Optional.empty();
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            problems.add(
                    what + " file \"" + path + "\" does not exist; check the path (relative paths are resolved from \""
                            + Path.of("").toAbsolutePath() + "\")");
        } catch (AccessDeniedException e) {
            problems.add(what + " file \"" + path + "\" cannot be read by this process (permission denied); give the "
                    + "service's user read access, for example chown it to that user and chmod 600");
            causes.add(e);
        } catch (IOException e) {
            problems.add(what + " file \"" + path + "\" cannot be read: " + e.getMessage()
                    + "; check the file and its disk");
            causes.add(e);
        }
        return Optional.empty();
    }

    private static List<X509Certificate> readPemCertificates(
            String what, Path path, List<String> problems, List<Throwable> causes) {
        Optional<byte[]> bytes = read(what, path, problems, causes);
        if (bytes.isEmpty()) {
            return List.of();
        }
        String text = new String(bytes.get(), StandardCharsets.ISO_8859_1);
        List<String> labels = pemLabels(text);
        if (labels.isEmpty()) {
            problems.add(what + " file \"" + path + "\" is not PEM (no \"-----BEGIN CERTIFICATE-----\" line)"
                    + (looksBinary(bytes.get())
                            ? "; it looks like binary DER or PKCS#12: for a PKCS#12 keystore set the keystore "
                                    + "password instead of a private key, for DER convert it with "
                                    + "openssl x509 -inform der -in cert.der -out cert.pem"
                            : "; provide the certificates in PEM format"));
            return List.of();
        }
        if (!labels.contains("CERTIFICATE")) {
            problems.add(what + " file \"" + path + "\" holds " + String.join(", ", labels)
                    + " but no CERTIFICATE; did you swap the certificate and key settings?");
            return List.of();
        }
        try {
            return List.copyOf(PemReader.readCertificates(new ByteArrayInputStream(bytes.get())));
        } catch (RuntimeException e) {
            problems.add(what + " file \"" + path + "\" has a certificate that cannot be parsed (" + TlsKeys.reason(e)
                    + "); replace it with an intact PEM copy");
            causes.add(e);
            return List.of();
        }
    }

    private static Optional<PrivateKey> readPemPrivateKey(Path path, List<String> problems, List<Throwable> causes) {
        Optional<byte[]> bytes = read("Private key", path, problems, causes);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        String text = new String(bytes.get(), StandardCharsets.ISO_8859_1);
        Matcher begin = PEM_BEGIN.matcher(text);
        String label = null;
        int start = -1;
        while (begin.find()) {
            if (begin.group(1).endsWith("PRIVATE KEY")) {
                label = begin.group(1);
                start = begin.start();
                break;
            }
        }
        if (label == null) {
            List<String> labels = pemLabels(text);
            problems.add("Private key file \"" + path + "\" "
                    + (labels.isEmpty()
                            ? "is not PEM (no \"-----BEGIN PRIVATE KEY-----\" line); provide the key in PEM, PKCS#8 format"
                            : "holds " + String.join(", ", labels)
                                    + " but no PRIVATE KEY; did you swap the certificate and key settings?"));
            return Optional.empty();
        }
        switch (label) {
            case "PRIVATE KEY", "RSA PRIVATE KEY" -> {}
            case "ENCRYPTED PRIVATE KEY" -> {
                problems.add("Private key file \"" + path + "\" is encrypted, which Servicekit does not read; store it "
                        + "unencrypted with owner-only permissions: openssl pkcs8 -in key.pem -out key-plain.pem "
                        + "&& chmod 600 key-plain.pem");
                return Optional.empty();
            }
            default -> {
                problems.add("Private key file \"" + path + "\" is a \"" + label + "\" key, not PKCS#8; convert it: "
                        + CONVERT_TO_PKCS8);
                return Optional.empty();
            }
        }
        // Hand Helidon just the key block: its reader detects the key type from the first line, which
        // tools such as "openssl pkcs12" precede with attribute lines.
        int end = text.indexOf("-----END " + label + "-----", start);
        String block =
                end < 0 ? text.substring(start) : text.substring(start, end + ("-----END " + label + "-----").length());
        try {
            Keys keys = Keys.builder()
                    .pem(pem -> pem.key(Resource.create(path.toString(), block.getBytes(StandardCharsets.ISO_8859_1))))
                    .build();
            Optional<PrivateKey> key = keys.privateKey();
            if (key.isEmpty()) {
                problems.add("Private key file \"" + path
                        + "\" contains no usable private key; provide an RSA or EC key " + "in PEM, PKCS#8 format");
            }
            return key;
        } catch (RuntimeException e) {
            problems.add("Private key file \"" + path + "\" cannot be parsed (" + TlsKeys.reason(e)
                    + "); provide an unencrypted " + "RSA or EC key in PEM, PKCS#8 format (" + CONVERT_TO_PKCS8 + ")");
            causes.add(e);
            return Optional.empty();
        }
    }

    private static Optional<KeyEntry> readPkcs12(
            Path path, String password, List<String> problems, List<Throwable> causes) {
        Optional<byte[]> bytes = read("Keystore", path, problems, causes);
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        char[] secret = password.toCharArray();
        KeyStore keyStore;
        try {
            keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(new ByteArrayInputStream(bytes.get()), secret);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")) {
                problems.add("Keystore \"" + path + "\" cannot be opened with the configured keystore password (wrong "
                        + "password?); set the password the keystore was created with");
            } else {
                problems.add("Keystore \"" + path + "\" is not a readable PKCS#12 keystore (" + TlsKeys.reason(e)
                        + "); provide a "
                        + "PKCS#12 file (.p12/.pfx), or for PEM files set the private key instead of a "
                        + "keystore password");
            }
            causes.add(e);
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            problems.add("Keystore \"" + path + "\" cannot be loaded (" + TlsKeys.reason(e)
                    + "); provide a PKCS#12 keystore");
            causes.add(e);
            return Optional.empty();
        }
        try {
            List<String> keyAliases = new ArrayList<>();
            for (String alias : Collections.list(keyStore.aliases())) {
                if (keyStore.isKeyEntry(alias)) {
                    keyAliases.add(alias);
                }
            }
            if (keyAliases.size() != 1) {
                problems.add("Keystore \"" + path + "\" holds " + keyAliases.size() + " private keys"
                        + (keyAliases.isEmpty() ? "" : " (aliases " + keyAliases + ")")
                        + "; it must hold exactly one private key with its certificate chain");
                return Optional.empty();
            }
            String alias = keyAliases.getFirst();
            Key key = keyStore.getKey(alias, secret);
            Certificate[] certificates = keyStore.getCertificateChain(alias);
            if (!(key instanceof PrivateKey privateKey) || certificates == null || certificates.length == 0) {
                problems.add("Keystore \"" + path + "\" entry \"" + alias + "\" has no private key with a certificate "
                        + "chain; create it with keytool -genkeypair or openssl pkcs12 -export");
                return Optional.empty();
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : certificates) {
                if (!(certificate instanceof X509Certificate x509)) {
                    problems.add("Keystore \"" + path + "\" entry \"" + alias + "\" has a non-X.509 certificate");
                    return Optional.empty();
                }
                chain.add(x509);
            }
            return Optional.of(new KeyEntry(List.copyOf(chain), privateKey));
        } catch (UnrecoverableKeyException e) {
            problems.add(
                    "Keystore \"" + path + "\" opens with the configured password, but its private key has another "
                            + "password; give the key the same password as the keystore");
            causes.add(e);
        } catch (GeneralSecurityException e) {
            problems.add("Keystore \"" + path + "\" cannot be read (" + TlsKeys.reason(e)
                    + "); recreate the PKCS#12 keystore");
            causes.add(e);
        }
        return Optional.empty();
    }

    private static List<String> pemLabels(String text) {
        List<String> labels = new ArrayList<>();
        Matcher matcher = PEM_BEGIN.matcher(text);
        while (matcher.find()) {
            if (!labels.contains(matcher.group(1))) {
                labels.add(matcher.group(1));
            }
        }
        return labels;
    }

    private static boolean looksBinary(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == 0x30; // an ASN.1 SEQUENCE: DER certificate or PKCS#12
    }
}
