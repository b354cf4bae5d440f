package dev.servicekit.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * What the toolkit's TLS file readers share (servicekit-http's listeners, servicekit-etcd's client certificate):
 * whether a private key is the one a certificate was issued for, and the message of a parser's failure.
 */
public final class TlsKeys {

    private TlsKeys() {}

    /**
     * Whether the private key belongs to the public key: a signature made with one verifies with the other, using the
     * JDK's signature implementations. True for an algorithm without a well-known signature scheme here (e.g.
     * RSASSA-PSS): the handshake tells then.
     */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> privateKey.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        try {
            byte[] challenge = "servicekit TLS key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * A parser's failure for a message: its own message, and its deepest cause's when that says something else
     * (Helidon's PEM reader wraps the JDK's reason), else the exception's class name.
     */
    public static String reason(Throwable e) {
        Throwable deepest = e;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String message = e.getMessage();
        String inner = deepest == e ? null : deepest.getMessage();
        if (inner != null && !inner.equals(message)) {
            return message + ": " + inner;
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
