package dev.servicekit.http;

import com.nimbusds.jose.jwk.Curve;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Reads one SubjectPublicKeyInfo public key from PEM text. Only the PEM armour (Base64 between the
 * {@code BEGIN/END PUBLIC KEY} lines) is handled here; the DER is decoded by the JDK's {@link KeyFactory}.
 * (Nimbus's own PEM parser needs BouncyCastle, which this module does not ship.)
 */
final class PemPublicKeys {

    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";

    private PemPublicKeys() {}

    static PublicKey read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Cannot read the JWT public key file \"" + file + "\": " + e.getMessage()
                            + "; check the path and that the service may read it",
                    e);
        }
        return parse(text, "\"" + file + "\"");
    }

    static PublicKey parse(String pem, String origin) {
        if (pem.contains("PRIVATE KEY-----")) {
            throw new IllegalArgumentException(
                    origin + " holds a private key; give the public key only, for example from"
                            + " `openssl pkey -in private.pem -pubout -out public.pem`");
        }
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(
                    origin + " has no \"" + BEGIN + "\" block; expected a PEM SubjectPublicKeyInfo"
                            + " public key (convert with `openssl pkey -pubin -in key.pem -out public.pem`)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    origin + " has a PUBLIC KEY block that is not valid Base64; re-export the key", e);
        }
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not a key of this algorithm; try the next one
            }
        }
        throw new IllegalArgumentException(origin + " holds a public key that is neither RSA nor EC;"
                + " RS256 needs an RSA key and ES256 an EC P-256 key");
    }

    static boolean isP256(ECPublicKey key) {
        return Curve.P_256.equals(Curve.forECParameterSpec(key.getParams()));
    }
}
