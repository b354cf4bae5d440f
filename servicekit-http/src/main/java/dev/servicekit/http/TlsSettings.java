package dev.servicekit.http;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for a listener: a certificate and private key as PEM files, or a PKCS#12 keystore with its password;
 * optionally the PEM certificates of client CAs for mutual TLS. TLS 1.2 and 1.3 only. The files are watched:
 * when they change, new connections get the new certificate without a restart.
 *
 * @param certificate     PEM certificate chain, or the PKCS#12 keystore file
 * @param privateKey      PEM private key; empty for PKCS#12
 * @param keystorePassword PKCS#12 password; empty for PEM (masked in {@link #toString()})
 * @param clientCa        PEM CA certificates clients must present a certificate from; empty: no client certificates
 */
public record TlsSettings(Path certificate, Optional<Path> privateKey, Optional<String> keystorePassword, Optional<Path> clientCa) {

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

    /** Never shows the password. */
    @Override
    public String toString() {
        return "TlsSettings[certificate=" + certificate + ", privateKey=" + privateKey + ", keystorePassword="
                + (keystorePassword.isPresent() ? "******" : "none") + ", clientCa=" + clientCa + "]";
    }
}
