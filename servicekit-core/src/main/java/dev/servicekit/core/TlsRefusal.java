package dev.servicekit.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Why a TLS client's handshake was refused, for the refusals that a client setting fixes: the server's certificate is
 * not trusted, it does not name the host, or the server refused the client's certificate (or wanted one and got none).
 * {@link #classify(Throwable)} reads the JDK's messages; each client words the fix with its own settings (the etcd
 * source with {@code config.etcd.tls.*}, the syslog transport with {@code log.syslog.tls.*}).
 *
 * {@snippet :
 * String fix = TlsRefusal.classify(e).map(refusal -> switch (refusal) {
 *     case SERVER_NOT_TRUSTED -> "set log.syslog.tls.ca-file to the CA certificate that signed it";
 *     case SERVER_NAME_MISMATCH -> "set log.syslog.host to a name the certificate carries";
 *     case CLIENT_CERTIFICATE_REFUSED -> "set log.syslog.tls.cert-file and log.syslog.tls.key-file";
 * }).orElse("check the TLS settings");
 * }
 *
 * <p>A server that closes the connection without an alert (TLS 1.3 lets it refuse a client certificate after the
 * client finished) is not classified here: only the client knows whether a closed connection means that.
 */
public enum TlsRefusal {
    /** The server's certificate does not chain to a trusted CA (PKIX path building failed). */
    SERVER_NOT_TRUSTED("PKIX", "unable to find valid certification path"),
    /** The server's certificate does not name the host the client connected to (endpoint identification). */
    SERVER_NAME_MISMATCH("No subject alternative", "No name matching"),
    /**
     * The server refused the client's certificate, or wanted one and got none: its alert {@code bad_certificate},
     * {@code certificate_required} (TLS 1.3), {@code unknown_ca} (OpenSSL, e.g. rsyslog) or {@code access_denied}.
     */
    CLIENT_CERTIFICATE_REFUSED("bad_certificate", "certificate_required", "unknown_ca", "access_denied");

    private final List<String> signs;

    TlsRefusal(String... signs) {
        this.signs = List.of(signs);
    }

    /**
     * The refusal {@code failure} reports, or empty when it is none of them: the message of each {@link SSLException}
     * in its chain of causes (itself first) is read, the first that tells wins. Never throws.
     */
    public static Optional<TlsRefusal> classify(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException && cause.getMessage() != null) {
                Optional<TlsRefusal> refusal = ofMessage(cause.getMessage());
                if (refusal.isPresent()) {
                    return refusal;
                }
            }
        }
        return Optional.empty();
    }

    /** The refusal a TLS failure's message tells, or empty when it tells none. */
    static Optional<TlsRefusal> ofMessage(String message) {
        for (TlsRefusal refusal : values()) {
            for (String sign : refusal.signs) {
                if (message.contains(sign)) {
                    return Optional.of(refusal);
                }
            }
        }
        return Optional.empty();
    }
}
