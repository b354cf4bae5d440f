package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of access-token verification ({@link JwtAuthenticator#verify}) with an HS256 key.
 *
 * <p>Input format (so that seeds stay readable): the first byte picks the mode, the rest is text.
 * Mode 0: the text is the token. Mode 1: the text is {@code <header JSON>\n<claims JSON>}, which the test
 * encodes and signs with the configured key, so the fuzzer reaches the header and claims rules. Mode 2: as
 * 1, signed with another key.
 *
 * <p>Invariants: verify returns a caller or throws the 401 {@link ProblemException}, never anything else; a
 * token is accepted only if its signature is the HMAC-SHA256 of its first two parts under the key (checked
 * here with the JDK's {@link Mac}, independently of Nimbus), and only with the configured issuer and
 * audience and an expiry not in the past. Seeds and regression inputs:
 * {@code src/test/resources/dev/servicekit/http/JwtFuzzTestInputs/verify/}. See docs/fuzzing.md.
 */
class JwtFuzzTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final JwtSettings SETTINGS = JwtSettings.builder()
            .issuer(JwtTestTokens.ISSUER)
            .audience(JwtTestTokens.AUDIENCE)
            .clock(Clock.fixed(JwtTestTokens.NOW, ZoneOffset.UTC))
            .keySource(JwtKeySource.hs256Secret(KEY))
            .build();
    private static final JwtAuthenticator AUTHENTICATOR = JwtAuthenticator.create(SETTINGS);

    @FuzzTest(maxDuration = "5m")
    void verify(byte[] input) {
        String token = token(input);
        AuthenticatedCaller caller;
        try {
            caller = AUTHENTICATOR.verify(token);
        } catch (ProblemException problem) {
            assertThat(problem.status()).as(problem.detail()).isEqualTo(401);
            assertThat(problem.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
            return;
        }
        assertThat(caller.subject()).isNotBlank();
        String[] parts = token.split("\\.", -1);
        assertThat(parts).as("an accepted token has three parts").hasSize(3);
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new AssertionError("accepted a token whose signature is not base64url: " + token, e);
        }
        if (!MessageDigest.isEqual(signature, hmac(KEY, parts[0] + "." + parts[1]))) {
            fail("accepted a token not signed with the key: " + token);
        }
        JWTClaimsSet claims;
        try {
            claims = SignedJWT.parse(token).getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            throw new AssertionError("accepted a token Nimbus cannot parse again: " + token, e);
        }
        assertThat(claims.getIssuer()).isEqualTo(JwtTestTokens.ISSUER);
        assertThat(claims.getAudience()).contains(JwtTestTokens.AUDIENCE);
        assertThat(claims.getExpirationTime())
                .isNotNull()
                .isAfter(Date.from(JwtTestTokens.NOW.minus(SETTINGS.clockSkew())));
    }

    /** The accept path of {@link #verify} is reached: the committed valid seed is a token the key signed. */
    @Test
    void theValidSeedIsAccepted() throws IOException {
        try (InputStream seed = JwtFuzzTest.class.getResourceAsStream("JwtFuzzTestInputs/verify/signed-valid")) {
            assertThat(seed).isNotNull();
            assertThat(AUTHENTICATOR.verify(token(seed.readAllBytes())).subject())
                    .isEqualTo("alice");
        }
    }

    private static String token(byte[] input) {
        if (input.length == 0) {
            return "";
        }
        String text = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
        int mode = Byte.toUnsignedInt(input[0]) % 3;
        if (mode == 0) {
            return text;
        }
        int newline = text.indexOf('\n');
        String header = newline < 0 ? text : text.substring(0, newline);
        String claims = newline < 0 ? "" : text.substring(newline + 1);
        String signingInput = base64Url(header) + "." + base64Url(claims);
        byte[] signature = hmac(mode == 1 ? KEY : OTHER_KEY, signingInput);
        return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static String base64Url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] key, String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
