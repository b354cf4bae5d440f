package dev.servicekit.http;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for a listener: a certificate and private key as PEM files, or a PKCS#12 keystore with its password;
 * optionally the PEM certificates of client CAs for mutual TLS. TLS 1.2 and 1.3 only. The files are watched:
 * when they change, new connections get the new certificate without a restart.
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
 */
public record TlsSettings(
        Path certificate, Optional<Path> privateKey, Optional<String> keystorePassword, Optional<Path> clientCa) {

    /** Checks for nulls. */
    public TlsSettings {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(keystorePassword, "keystorePassword");
        Objects.requireNonNull(clientCa, "clientCa");
    }

    /** PEM certificate chain and private key. */
    public static TlsSettings pem(Path certificate, Path privateKey) {
        return new TlsSettings(certificate, Optional.of(privateKey), Optional.empty(), Optional.empty());
    }

    /** A PKCS#12 keystore. */
    public static TlsSettings pkcs12(Path keystore, String password) {
        return new TlsSettings(keystore, Optional.empty(), Optional.of(password), Optional.empty());
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
                Optional.of(Objects.requireNonNull(caCertificates, "caCertificates")));
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "TlsSettings[certificate=" + certificate + ", privateKey=" + privateKey + ", keystorePassword="
                + (keystorePassword.isPresent() ? "******" : "none") + ", clientCa=" + clientCa + "]";
    }
}
