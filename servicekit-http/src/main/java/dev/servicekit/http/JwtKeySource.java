package dev.servicekit.http;

import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a {@link JwtAuthenticator} gets the key that verifies token signatures: exactly one of an HS256
 * secret, one RS256/ES256 public key, or a JWKS URL. Each source accepts only its own algorithms (see
 * {@link JwtAuthenticator}), so a token can never choose how it is verified.
 *
 * {@snippet :
 * JwtKeySource secret = JwtKeySource.hs256Secret(Files.readAllBytes(secretFile));       // >= 32 bytes
 * JwtKeySource pem    = JwtKeySource.publicKeyPem(Path.of("/etc/users-service/jwt-public.pem"));
 * JwtKeySource jwks   = JwtKeySource.jwks(URI.create("https://idp.example.com/.well-known/jwks.json"));
 * }
 */
public sealed interface JwtKeySource {

    /** Shortest HS256 secret accepted: 256 bits, as RFC 7518 §3.2 requires. */
    int MIN_SECRET_BYTES = 32;
    /** How long fetched JWKS keys are used before they are fetched again. */
    Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);
    /** Least time between two JWKS fetches, however many tokens with unknown {@code kid}s arrive. */
    Duration DEFAULT_JWKS_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);

    /**
     * An HS256 shared secret.
     *
     * @param secret the raw secret bytes, at least {@value #MIN_SECRET_BYTES}
     * @return the key source
     * @throws IllegalArgumentException if the secret is shorter than 256 bits
     */
    static JwtKeySource hs256Secret(byte[] secret) {
        return new HmacSecret(secret);
    }

    /**
     * An RS256 (RSA, at least 2048 bits) or ES256 (EC P-256) public key read from a PEM file holding one
     * {@code -----BEGIN PUBLIC KEY-----} block (SubjectPublicKeyInfo). The file is read now.
     *
     * @param file the PEM file
     * @return the key source
     * @throws IllegalArgumentException if the file cannot be read or holds no suitable public key; the
     *                                  message names the file and the fix
     */
    static JwtKeySource publicKeyPem(Path file) {
        Objects.requireNonNull(file, "file");
        return new VerificationKey(PemPublicKeys.read(file), file.toString());
    }

    /**
     * An RS256 (RSA, at least 2048 bits) or ES256 (EC P-256) public key.
     *
     * @param key the key
     * @return the key source
     * @throws IllegalArgumentException if the key is of another type or too weak
     */
    static JwtKeySource publicKey(PublicKey key) {
        return new VerificationKey(key, "the configured public key");
    }

    /**
     * A JWKS URL with the default cache lifetime (5 min) and refresh rate limit (30 s).
     *
     * @param url an {@code https} URL; {@code http} only for a loopback host
     * @return the key source
     */
    static JwtKeySource jwks(URI url) {
        return new Jwks(url, DEFAULT_JWKS_CACHE_TTL, DEFAULT_JWKS_MIN_REFRESH_INTERVAL);
    }

    /**
     * A JWKS URL (RS256 and ES256 keys, looked up by {@code kid}).
     *
     * @param url                an {@code https} URL; {@code http} only for a loopback host
     * @param cacheTtl           how long fetched keys are used before they are fetched again
     * @param minRefreshInterval least time between two fetches (on unknown {@code kid}, expiry or failure)
     * @return the key source
     */
    static JwtKeySource jwks(URI url, Duration cacheTtl, Duration minRefreshInterval) {
        return new Jwks(url, cacheTtl, minRefreshInterval);
    }

    /**
     * An HS256 shared secret. {@link #toString()} never shows it.
     *
     * @param secret the secret bytes (copied in and out)
     */
    record HmacSecret(byte[] secret) implements JwtKeySource {

        /** Refuses secrets under 256 bits and copies the bytes. */
        public HmacSecret {
            Objects.requireNonNull(secret, "secret");
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("The HS256 secret is " + secret.length * 8
                        + " bits long; at least 256 bits (" + MIN_SECRET_BYTES
                        + " bytes) are required. Use a random secret, for example from `openssl rand 32`");
            }
            secret = secret.clone();
        }

        /** A copy of the secret. */
        @Override
        public byte[] secret() {
            return secret.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof HmacSecret that && MessageDigest.isEqual(secret, that.secret);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(secret);
        }

        @Override
        public String toString() {
            return "HmacSecret[" + secret.length * 8 + " bits, ***]";
        }
    }

    /**
     * One RS256 or ES256 public key.
     *
     * @param key    an RSA key of at least 2048 bits or an EC key on P-256
     * @param origin where the key came from (a file name), for messages
     */
    record VerificationKey(PublicKey key, String origin) implements JwtKeySource {

        /** Refuses key types and sizes that RS256/ES256 cannot use safely. */
        public VerificationKey {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(origin, "origin");
            // instanceof, not a switch on types: this runs on every start with a public key, and each such switch
            // makes the JVM generate a class when it first runs (docs/performance.md, "Classes generated at run time").
            if (key instanceof RSAPublicKey rsa) {
                if (rsa.getModulus().bitLength() < 2048) {
                    throw new IllegalArgumentException("The RSA key in " + origin + " has "
                            + rsa.getModulus().bitLength()
                            + " bits; RS256 needs at least 2048. Use a 2048-bit or larger key");
                }
            } else if (key instanceof ECPublicKey ec) {
                if (!PemPublicKeys.isP256(ec)) {
                    throw new IllegalArgumentException(
                            "The EC key in " + origin + " is not on curve P-256; ES256 needs a P-256 (prime256v1) key");
                }
            } else {
                throw new IllegalArgumentException("The key in " + origin + " is a \"" + key.getAlgorithm()
                        + "\" key; expected an RSA key (RS256) or an EC P-256 key (ES256)");
            }
        }
    }

    /**
     * A JWKS endpoint.
     *
     * @param url                {@code https}, or {@code http} to a loopback host
     * @param cacheTtl           how long fetched keys are used before they are fetched again, positive
     * @param minRefreshInterval least time between two fetches, positive
     */
    record Jwks(URI url, Duration cacheTtl, Duration minRefreshInterval) implements JwtKeySource {

        /** Checks the URL scheme and the durations. */
        public Jwks {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(cacheTtl, "cacheTtl");
            Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            boolean loopback = "localhost".equalsIgnoreCase(url.getHost())
                    || "127.0.0.1".equals(url.getHost())
                    || "[::1]".equals(url.getHost());
            if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
                throw new IllegalArgumentException(
                        "The JWKS URL \"" + url + "\" must use https (http is allowed only for"
                                + " localhost); keys fetched in the clear could be replaced");
            }
            if (cacheTtl.isNegative() || cacheTtl.isZero()) {
                throw new IllegalArgumentException(
                        "The JWKS cache lifetime \"" + cacheTtl + "\" must be positive, for example 5m");
            }
            if (minRefreshInterval.isNegative() || minRefreshInterval.isZero()) {
                throw new IllegalArgumentException("The JWKS minimum refresh interval \"" + minRefreshInterval
                        + "\" must be positive, for example 30s");
            }
        }
    }
}
