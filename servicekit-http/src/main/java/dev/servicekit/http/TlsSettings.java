package dev.servicekit.http;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for a listener: a certificate and private key as PEM files, or a PKCS#12 keystore with its password;
 * optionally the PEM certificates of client CAs for mutual TLS; the protocols and cipher suites. The files are watched:
 * when they change, new connections get the new certificate without a restart.
 *
 * <p>Protocols and suites default to Mozilla's "intermediate" server profile ({@link #DEFAULT_PROTOCOLS},
 * {@link #DEFAULT_CIPHER_SUITES}): TLS 1.3, and TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 only. TLS 1.1 and
 * older, unknown suite names and suites this JVM does not offer are refused at start, every one named. A TLS
 * listener also refuses client-initiated renegotiation (see docs/security.md).
 *
 * <p>PEM: the certificate file holds the server certificate first, then any intermediates; the key file holds
 * an unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) RSA or EC key, or a PKCS#1 RSA key. PKCS#12: exactly one
 * private key entry, with the keystore password also protecting the key. Problems are reported by
 * {@link ApiServer#start()} as a {@link TlsConfigurationException} naming each file.
 *
 * {@snippet :
 * TlsSettings tls = TlsSettings.pem(Path.of("/etc/app/cert.pem"), Path.of("/etc/app/key.pem"));
 * ApiServer server = ApiServer.builder(config).routes(routes).tls(tls).build();
 * }
 *
 * @param certificate     PEM certificate chain, or the PKCS#12 keystore file
 * @param privateKey      PEM private key; empty for PKCS#12
 * @param keystorePassword PKCS#12 password; empty for PEM (masked in {@link #toString()})
 * @param clientCa        PEM CA certificates clients must present a certificate from; empty: no client certificates
 * @param protocols       enabled protocols ({@code TLSv1.3}, {@code TLSv1.2}), in the JDK's spelling
 * @param cipherSuites    enabled cipher suites, IANA names as the JDK spells them
 */
public record TlsSettings(
        Path certificate,
        Optional<Path> privateKey,
        Optional<String> keystorePassword,
        Optional<Path> clientCa,
        List<String> protocols,
        List<String> cipherSuites) {

    /** TLS 1.3 and 1.2: the protocols of Mozilla's "intermediate" profile. */
    public static final List<String> DEFAULT_PROTOCOLS = TlsProfile.PROTOCOLS;

    /**
     * Mozilla's "intermediate" suites without its DHE ones: the three TLS 1.3 suites, then ECDHE (ECDSA or RSA
     * certificates) with AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305.
     */
    public static final List<String> DEFAULT_CIPHER_SUITES = TlsProfile.CIPHER_SUITES;

    /** Checks for nulls; copies the lists. The values are checked when the listener starts. */
    public TlsSettings {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(keystorePassword, "keystorePassword");
        Objects.requireNonNull(clientCa, "clientCa");
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
    }

    /** PEM certificate chain and private key, with the default protocols and suites. */
    public static TlsSettings pem(Path certificate, Path privateKey) {
        return new TlsSettings(
                certificate,
                Optional.of(privateKey),
                Optional.empty(),
                Optional.empty(),
                DEFAULT_PROTOCOLS,
                DEFAULT_CIPHER_SUITES);
    }

    /** A PKCS#12 keystore, with the default protocols and suites. */
    public static TlsSettings pkcs12(Path keystore, String password) {
        return new TlsSettings(
                keystore,
                Optional.empty(),
                Optional.of(password),
                Optional.empty(),
                DEFAULT_PROTOCOLS,
                DEFAULT_CIPHER_SUITES);
    }

    /**
     * The same settings with other protocols, e.g. {@code List.of("TLSv1.3")} for TLS 1.3 only. TLS 1.1 and older
     * are refused when the listener starts.
     */
    public TlsSettings withProtocols(List<String> value) {
        return new TlsSettings(certificate, privateKey, keystorePassword, clientCa, value, cipherSuites);
    }

    /** The same settings with other cipher suites (IANA names); unknown or unavailable ones are refused at start. */
    public TlsSettings withCipherSuites(List<String> value) {
        return new TlsSettings(certificate, privateKey, keystorePassword, clientCa, protocols, value);
    }

    /**
     * The same settings, requiring clients to present a certificate issued by one of the CAs in the PEM file
     * (mutual TLS).
     *
     * @param caCertificates PEM file with one or more CA certificates
     * @return new settings
     */
    public TlsSettings withClientCa(Path caCertificates) {
        return new TlsSettings(
                certificate,
                privateKey,
                keystorePassword,
                Optional.of(Objects.requireNonNull(caCertificates, "caCertificates")),
                protocols,
                cipherSuites);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "TlsSettings[certificate=" + certificate + ", privateKey=" + privateKey + ", keystorePassword="
                + (keystorePassword.isPresent() ? "******" : "none") + ", clientCa=" + clientCa + ", protocols="
                + protocols + ", cipherSuites=" + cipherSuites + "]";
    }
}
