package dev.servicekit.http;

import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Loaded and validated TLS material of one listener: the certificate chain, its private key and the
 * client CAs (empty: no client certificates). Turned into Helidon's {@link Tls} for the listener at start
 * and for {@code WebServer#reloadTls} when the files change.
 */
record TlsMaterial(
        List<X509Certificate> chain,
        PrivateKey privateKey,
        List<X509Certificate> clientCas,
        List<String> protocols,
        List<String> cipherSuites) {

    TlsMaterial {
        chain = List.copyOf(chain);
        Objects.requireNonNull(privateKey, "privateKey");
        clientCas = List.copyOf(clientCas);
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain must not be empty");
        }
    }

    /**
     * The Helidon TLS configuration: server certificate, the protocols and suites set explicitly (never the JDK's
     * defaults, which include CBC suites), client certificates required when CAs are set.
     */
    Tls toHelidonTls() {
        var builder = Tls.builder()
                .privateKey(privateKey)
                .privateKeyCertChain(chain)
                .enabledProtocols(protocols)
                .enabledCipherSuites(cipherSuites)
                // Host name verification is a client concern; a server must not check its clients' names.
                .endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_NONE);
        if (!clientCas.isEmpty()) {
            builder.trust(clientCas).clientAuth(TlsClientAuth.REQUIRED);
        }
        return builder.build();
    }

    /** Subject, serial and expiry of the served certificate, for logs. */
    String describe() {
        X509Certificate leaf = chain.getFirst();
        return "subject \"" + leaf.getSubjectX500Principal().getName() + "\", serial "
                + leaf.getSerialNumber().toString(16) + ", valid until "
                + leaf.getNotAfter().toInstant();
    }

    /** Never shows the key. */
    @Override
    public String toString() {
        return "TlsMaterial[" + describe() + ", clientCas=" + clientCas.size() + "]";
    }
}
