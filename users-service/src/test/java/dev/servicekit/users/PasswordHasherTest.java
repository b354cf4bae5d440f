package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    /** Few iterations keep the tests fast; the algorithm is the same. */
    private final PasswordHasher hasher = PasswordHasher.withIterations(1_000);

    @Test
    void aHashedPasswordMatchesItself() {
        String encoded = hasher.hash("correct horse battery staple".toCharArray());

        assertThat(hasher.matches("correct horse battery staple".toCharArray(), encoded))
                .isTrue();
    }

    @Test
    void aWrongPasswordDoesNotMatch() {
        String encoded = hasher.hash("correct horse battery staple".toCharArray());

        assertThat(hasher.matches("correct horse battery stapl".toCharArray(), encoded))
                .isFalse();
        assertThat(hasher.matches("Correct horse battery staple".toCharArray(), encoded))
                .isFalse();
        assertThat(hasher.matches(new char[0], encoded)).isFalse();
    }

    @Test
    void theSamePasswordHashedTwiceGetsDifferentSaltsAndHashes() {
        String first = hasher.hash("same password 123".toCharArray());
        String second = hasher.hash("same password 123".toCharArray());

        assertThat(first).isNotEqualTo(second);
        assertThat(first.split("\\$")[2]).isNotEqualTo(second.split("\\$")[2]);
        assertThat(hasher.matches("same password 123".toCharArray(), first)).isTrue();
        assertThat(hasher.matches("same password 123".toCharArray(), second)).isTrue();
    }

    @Test
    void theEncodedFormNamesAlgorithmIterationsA16ByteSaltAndA32ByteHash() {
        String encoded = hasher.hash("some password 1".toCharArray());

        String[] parts = encoded.split("\\$");
        assertThat(parts).hasSize(4);
        assertThat(parts[0]).isEqualTo("pbkdf2-sha256");
        assertThat(parts[1]).isEqualTo("1000");
        assertThat(Base64.getDecoder().decode(parts[2])).hasSize(16);
        assertThat(Base64.getDecoder().decode(parts[3])).hasSize(32);
    }

    @Test
    void matchesTheRfc7914Pbkdf2HmacSha256TestVector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256(P="passwd", S="salt", c=1) starts with
        // 55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc (the 32 bytes encoded below).
        String vector = "pbkdf2-sha256$1$c2FsdA$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw";

        assertThat(hasher.matches("passwd".toCharArray(), vector)).isTrue();
        assertThat(hasher.matches("passwe".toCharArray(), vector)).isFalse();
    }

    @Test
    void aHashMadeWithOtherIterationsStillMatchesAndNeedsRehash() {
        PasswordHasher older = PasswordHasher.withIterations(500);
        String encoded = older.hash("an older password".toCharArray());

        assertThat(hasher.matches("an older password".toCharArray(), encoded)).isTrue();
        assertThat(hasher.needsRehash(encoded)).isTrue();
        assertThat(older.needsRehash(encoded)).isFalse();
    }

    @Test
    void theDefaultHasherUsesOwaspsIterationCount() {
        assertThat(PasswordHasher.create().iterations()).isEqualTo(600_000);
        assertThat(PasswordHasher.DEFAULT_ITERATIONS).isEqualTo(600_000);
    }

    @Test
    void aMalformedStoredHashIsRejectedWithoutEchoingIt() {
        for (String malformed : new String[] {
            "",
            "plain-text-secret",
            "pbkdf2-sha256$x$c2FsdA$aGFzaA",
            "pbkdf2-sha256$0$c2FsdA$aGFzaA",
            "bcrypt$1$c2FsdA$aGFzaA",
            "pbkdf2-sha256$1$***$aGFzaA",
            "pbkdf2-sha256$1$c2FsdA$aGFzaA$extra"
        }) {
            assertThatThrownBy(() -> hasher.matches("password".toCharArray(), malformed))
                    .as(malformed)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pbkdf2-sha256$<iterations>$<base64 salt>$<base64 hash>")
                    .hasMessageNotContaining("plain-text-secret");
        }
    }

    @Test
    void anEncodedHashBeyondTheCostLimitsIsRejectedBeforeAnyWork() {
        String sixtyFourBytes = Base64.getEncoder().withoutPadding().encodeToString(new byte[64]);
        String sixtyFiveBytes = Base64.getEncoder().withoutPadding().encodeToString(new byte[65]);

        PasswordHasher.checkEncoded("pbkdf2-sha256$" + PasswordHasher.MAX_ITERATIONS + "$c2FsdA$" + sixtyFourBytes);
        PasswordHasher.checkEncoded(hasher.hash("correct horse battery".toCharArray()));
        for (String tooCostly : new String[] {
            "pbkdf2-sha256$100000000$c2FsdA$aGFzaA",
            "pbkdf2-sha256$" + (PasswordHasher.MAX_ITERATIONS + 1) + "$c2FsdA$aGFzaA",
            "pbkdf2-sha256$1000$c2FsdA$" + sixtyFiveBytes
        }) {
            assertThatThrownBy(() -> PasswordHasher.checkEncoded(tooCostly))
                    .as(tooCostly)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 to " + PasswordHasher.MAX_ITERATIONS + " iterations")
                    .hasMessageContaining("at most 64 bytes");
            assertThatThrownBy(() -> hasher.matches("password".toCharArray(), tooCostly))
                    .as("refused when decoded, before PBKDF2 runs")
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(PasswordHasher.withIterations(PasswordHasher.MAX_ITERATIONS).iterations())
                .isEqualTo(PasswordHasher.MAX_ITERATIONS);
        assertThatThrownBy(() -> PasswordHasher.withIterations(PasswordHasher.MAX_ITERATIONS + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyPasswordCannotBeHashed() {
        assertThatThrownBy(() -> hasher.hash(new char[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void iterationsOutOfRangeAreRejected() {
        assertThatThrownBy(() -> PasswordHasher.withIterations(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'0'");
    }

    @Test
    void hashingDoesNotClearTheCallersPassword() {
        char[] password = "keep me intact".toCharArray();

        hasher.hash(password);

        assertThat(password).containsExactly("keep me intact".toCharArray());
    }
}
