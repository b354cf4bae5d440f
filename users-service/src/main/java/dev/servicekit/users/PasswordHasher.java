package dev.servicekit.users;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Hashes passwords for storage and checks them, with PBKDF2-HMAC-SHA256 from the JDK
 * ({@code SecretKeyFactory "PBKDF2WithHmacSHA256"}), a random 16-byte salt per hash and, by default,
 * {@value #DEFAULT_ITERATIONS} iterations (OWASP Password Storage Cheat Sheet).
 *
 * <p>Encoded form: {@code pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>} (standard Base64
 * without padding). The iteration count travels with each hash, so raising it later still verifies old
 * hashes; {@link #needsRehash(String)} tells when to re-hash on the next successful login.
 *
 * <pre>{@code
 * PasswordHasher hasher = PasswordHasher.create();
 * String stored = hasher.hash(password);          // ~0.1-0.5 s by design
 * boolean ok = hasher.matches(attempt, stored);   // same cost, constant-time comparison
 * }</pre>
 *
 * <p>Thread-safe. Both methods are deliberately slow (CPU-bound) and block the calling thread. They do
 * not clear the caller's {@code char[]}; the caller owns it.
 */
public final class PasswordHasher {

    /** OWASP's recommended iteration count for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_ITERATIONS = 600_000;

    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final String PREFIX = "pbkdf2-sha256";
    private static final String FORMAT = PREFIX + "$<iterations>$<base64 salt>$<base64 hash>";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;

    /**
     * The most iterations a hasher uses and an encoded hash may name: about 17 times {@value #DEFAULT_ITERATIONS}, a
     * few seconds of one CPU. Higher, a tampered row or import line would stall each login for minutes.
     */
    public static final int MAX_ITERATIONS = 10_000_000;

    /**
     * The longest hash an encoded hash may hold. Each 32 bytes cost one more full run of the iterations; this
     * hasher writes 32, and a tampered hash of kilobytes would multiply the cost of a login.
     */
    static final int MAX_HASH_BYTES = 64;

    private final int iterations;
    private final SecureRandom random;

    private PasswordHasher(int iterations, SecureRandom random) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("PBKDF2 iterations '" + iterations + "' must be between 1 and "
                    + MAX_ITERATIONS + "; use " + DEFAULT_ITERATIONS + " in production");
        }
        this.iterations = iterations;
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * A hasher with {@value #DEFAULT_ITERATIONS} iterations; use this in production.
     *
     * @return the hasher
     */
    public static PasswordHasher create() {
        return new PasswordHasher(DEFAULT_ITERATIONS, new SecureRandom());
    }

    /**
     * A hasher with another iteration count, for tests (fewer, faster) or a later raise.
     *
     * @param iterations PBKDF2 iterations for new hashes, 1 to {@value #MAX_ITERATIONS}
     * @return the hasher
     * @throws IllegalArgumentException if {@code iterations} is out of range
     */
    public static PasswordHasher withIterations(int iterations) {
        return new PasswordHasher(iterations, new SecureRandom());
    }

    /**
     * The iteration count this hasher uses for new hashes.
     *
     * @return the iteration count
     */
    public int iterations() {
        return iterations;
    }

    /**
     * Hashes a password with a fresh random salt.
     *
     * @param password the password; not cleared
     * @return the encoded hash, {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}
     * @throws IllegalArgumentException if the password is empty
     */
    public String hash(char[] password) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0) {
            throw new IllegalArgumentException("Password is empty; a password needs at least one character");
        }
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = pbkdf2(password, salt, iterations, HASH_BITS);
        Base64.Encoder base64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + base64.encodeToString(salt) + "$" + base64.encodeToString(hash);
    }

    /**
     * Checks a password against an encoded hash, using the iterations and salt stored in the hash and
     * comparing in constant time.
     *
     * @param password the password to check; not cleared
     * @param encoded a hash from {@link #hash(char[])}
     * @return whether the password matches
     * @throws IllegalArgumentException if {@code encoded} is not in the encoded form (the message does not
     *     repeat the value)
     */
    public boolean matches(char[] password, String encoded) {
        Objects.requireNonNull(password, "password");
        Decoded decoded = decode(encoded);
        if (password.length == 0) {
            return false; // hash() never accepts an empty password, so no stored hash can match it
        }
        byte[] actual = pbkdf2(password, decoded.salt(), decoded.iterations(), decoded.hash().length * 8);
        return MessageDigest.isEqual(actual, decoded.hash());
    }

    /**
     * Whether a stored hash was made with another iteration count than this hasher's, so it should be
     * replaced by {@link #hash(char[])} after the next successful {@link #matches}.
     *
     * @param encoded a hash from {@link #hash(char[])}
     * @return whether to re-hash
     * @throws IllegalArgumentException if {@code encoded} is not in the encoded form
     */
    public boolean needsRehash(String encoded) {
        return decode(encoded).iterations() != iterations;
    }

    /**
     * Checks that {@code encoded} is a hash {@link #matches} can check: the encoded form, 1 to
     * {@value #MAX_ITERATIONS} iterations, a non-empty salt and a hash of 1 to 64 bytes. {@code data import} uses it
     * so that no line it accepts fails or stalls a login later.
     *
     * @param encoded the encoded hash
     * @throws IllegalArgumentException if it is not; the message names the form and the limits, not the value
     */
    public static void checkEncoded(String encoded) {
        decode(encoded);
    }

    private record Decoded(int iterations, byte[] salt, byte[] hash) {}

    private static Decoded decode(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        String[] parts = encoded.split("\\$", -1);
        try {
            if (parts.length == 4 && parts[0].equals(PREFIX)) {
                int iterations = Integer.parseInt(parts[1]);
                byte[] salt = Base64.getDecoder().decode(parts[2]);
                byte[] hash = Base64.getDecoder().decode(parts[3]);
                if (iterations >= 1
                        && iterations <= MAX_ITERATIONS
                        && salt.length > 0
                        && hash.length > 0
                        && hash.length <= MAX_HASH_BYTES) {
                    return new Decoded(iterations, salt, hash);
                }
            }
        } catch (IllegalArgumentException e) { // NumberFormatException or bad Base64
            // fall through to the one message below
        }
        throw new IllegalArgumentException("the password hash is not in the form " + FORMAT + " with 1 to "
                + MAX_ITERATIONS + " iterations and a hash of at most " + MAX_HASH_BYTES + " bytes");
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations, int bits) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            // The JDK's SunJCE provider has had PBKDF2WithHmacSHA256 since Java 8; only a stripped runtime lacks it.
            throw new IllegalStateException("The JDK cannot compute " + ALGORITHM + ": " + e.getMessage(), e);
        } finally {
            spec.clearPassword();
        }
    }
}
