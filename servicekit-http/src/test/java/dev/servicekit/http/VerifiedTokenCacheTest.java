package dev.servicekit.http;

import static dev.servicekit.http.JwtTestTokens.NOW;
import static dev.servicekit.http.JwtTestTokens.claims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The verified-token cache of {@link JwtAuthenticator}, driven through {@link JwtAuthenticator#verify} with an
 * HS256 key and a clock the test moves: it serves a token again only where the uncached path would accept it, never a
 * different token, never past its {@code exp}, its max age, or its bound; max age 0 turns it off.
 */
class VerifiedTokenCacheTest {

    private static final byte[] SECRET =
            "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final Duration SKEW = Duration.ofSeconds(60);

    private final JwtTestTokens.MutableClock clock = new JwtTestTokens.MutableClock(NOW);
    private final AtomicInteger hits = new AtomicInteger();
    private final AtomicInteger misses = new AtomicInteger();
    private final VerifiedTokenCache.Meters meters = new VerifiedTokenCache.Meters() {
        @Override
        public void hit() {
            hits.incrementAndGet();
        }

        @Override
        public void miss() {
            misses.incrementAndGet();
        }
    };

    private JwtAuthenticator authenticator(Duration maxAge, int maxEntries) {
        return JwtAuthenticator.create(
                JwtSettings.builder()
                        .issuer(JwtTestTokens.ISSUER)
                        .audience(JwtTestTokens.AUDIENCE)
                        .clockSkew(SKEW)
                        .clock(clock)
                        .keySource(JwtKeySource.hs256Secret(SECRET))
                        .cacheMaxAge(maxAge)
                        .cacheMaxEntries(maxEntries)
                        .build(),
                meters);
    }

    private static String token(String subject, UnaryOperator<com.nimbusds.jwt.JWTClaimsSet.Builder> customize) {
        return JwtTestTokens.hs256(SECRET, claims(subject, "users:read", customize));
    }

    /** The 401 description, or "accepted". */
    private static String outcome(JwtAuthenticator authenticator, String token) {
        try {
            AuthenticatedCaller caller = authenticator.verify(token);
            return "accepted " + caller.subject() + " " + caller.scopes();
        } catch (ProblemException e) {
            return e.status() + " " + e.detail();
        }
    }

    @Test
    void aTokenSentAgainIsServedFromTheCacheWithTheSameCaller() {
        JwtAuthenticator cached = authenticator(Duration.ofMinutes(1), 100);
        String token = token("alice", b -> b);

        AuthenticatedCaller first = cached.verify(token);
        AuthenticatedCaller second = cached.verify(token);

        assertThat(second).isEqualTo(first).isEqualTo(new AuthenticatedCaller("alice", Set.of("users:read")));
        assertThat(misses).hasValue(1);
        assertThat(hits).hasValue(1);
        assertThat(cached.cachedTokens()).isEqualTo(1);
    }

    /**
     * Instants around every time bound of a token with {@code iat}, {@code nbf} and {@code exp}: the cached path, warmed
     * at {@code NOW}, answers exactly as an authenticator without a cache does at each of them, also when the clock
     * goes back before {@code nbf}.
     */
    static Stream<Duration> instantsAroundTheTimeBounds() {
        // nbf = NOW - 30s, iat = NOW - 10s, exp = NOW + 10min; skew 60s.
        return Stream.of(
                Duration.ZERO,
                Duration.ofMinutes(11).minusMillis(1),
                Duration.ofMinutes(11),
                Duration.ofMinutes(11).plusMillis(1),
                Duration.ofMinutes(30),
                Duration.ofSeconds(-70),
                Duration.ofSeconds(-70).minusMillis(1),
                Duration.ofSeconds(-90),
                Duration.ofSeconds(-90).minusMillis(1),
                Duration.ofHours(-1));
    }

    @ParameterizedTest(name = "NOW {0}")
    @MethodSource("instantsAroundTheTimeBounds")
    void theCacheAnswersLikeTheUncachedPathAtEveryTimeBound(Duration offset) {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 100);
        JwtAuthenticator uncached = authenticator(Duration.ZERO, 100);
        String token = token(
                "alice",
                b -> b.notBeforeTime(Date.from(NOW.minusSeconds(30)))
                        .issueTime(Date.from(NOW.minusSeconds(10)))
                        .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(10)))));
        assertThat(outcome(cached, token)).startsWith("accepted");

        clock.advance(offset);

        assertThat(outcome(cached, token)).isEqualTo(outcome(uncached, token));
    }

    @Test
    void aCachedTokenIsRefusedOnceItsExpPlusTheSkewIsReached() {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 100);
        String token = token("alice", b -> b.expirationTime(Date.from(NOW.plusSeconds(120))));
        cached.verify(token);

        clock.advance(Duration.ofSeconds(120).plus(SKEW).minusMillis(1));
        assertThat(outcome(cached, token)).startsWith("accepted");
        assertThat(hits).hasValue(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(outcome(cached, token)).isEqualTo("401 The access token has expired");
        assertThat(cached.cachedTokens()).as("the ended entry is dropped").isZero();
    }

    @Test
    void aCachedTokenIsRefusedWhenTheClockGoesBackBeforeItsNotBefore() {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 100);
        String token = token("alice", b -> b.notBeforeTime(Date.from(NOW)));
        cached.verify(token);

        clock.advance(SKEW.negated().minusMillis(1));

        assertThat(outcome(cached, token)).isEqualTo("401 The access token is not valid yet (nbf)");
    }

    @Test
    void aTokenNotValidYetIsNeverCached() {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 100);
        String early = token("alice", b -> b.notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(5)))));

        assertThat(outcome(cached, early)).isEqualTo("401 The access token is not valid yet (nbf)");
        assertThat(outcome(cached, early)).isEqualTo("401 The access token is not valid yet (nbf)");

        assertThat(cached.cachedTokens()).isZero();
        assertThat(hits).hasValue(0);
    }

    @Test
    void refusedTokensAreNotCached() {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 100);
        String wrongIssuer = token("alice", b -> b.issuer("https://evil.test"));
        String wrongKey = JwtTestTokens.hs256(
                "fedcba9876543210fedcba9876543210".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                claims("alice", "users:read", b -> b));

        for (int i = 0; i < 2; i++) {
            assertThat(outcome(cached, wrongIssuer)).isEqualTo("401 The access token has the wrong issuer (iss)");
            assertThat(outcome(cached, wrongKey)).isEqualTo("401 The access token signature is invalid");
        }
        assertThat(cached.cachedTokens()).isZero();
        assertThat(hits).hasValue(0);
    }

    /** Tokens that share all but their last characters with a cached valid token. */
    static Stream<String> variantsOfACachedToken() {
        return Stream.of("last char changed", "char in the signature changed", "one char shorter", "one char longer");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variantsOfACachedToken")
    void aDifferentTokenWithTheSamePrefixIsVerifiedNotServedFromTheCache(String variant) {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 100);
        String valid = token("alice", b -> b);
        cached.verify(valid);
        String other = switch (variant) {
            case "last char changed" -> valid.substring(0, valid.length() - 1) + (valid.endsWith("A") ? "B" : "A");
            case "char in the signature changed" -> {
                int at = valid.length() - 10;
                yield valid.substring(0, at) + (valid.charAt(at) == 'A' ? 'B' : 'A') + valid.substring(at + 1);
            }
            case "one char shorter" -> valid.substring(0, valid.length() - 1);
            default -> valid + "A";
        };
        int hitsBefore = hits.get();

        String answer = outcome(cached, other);

        assertThat(hits).as("never a hit").hasValue(hitsBefore);
        if (!answer.startsWith("401")) {
            // Base64url's last character carries unused bits: a change there may decode to the same signature, which
            // the uncached path accepts too. The cache must agree with it, not serve the other string.
            assertThat(answer).isEqualTo(outcome(authenticator(Duration.ZERO, 1), other));
            assertThat(variant).isEqualTo("last char changed");
        }
        assertThat(cached.cachedTokens()).isLessThanOrEqualTo(2);
    }

    @Test
    void anEntryIsVerifiedAgainOnceTheMaxAgeHasPassed() {
        JwtAuthenticator cached = authenticator(Duration.ofSeconds(30), 100);
        String token = token("alice", b -> b);
        cached.verify(token);

        clock.advance(Duration.ofSeconds(30).minusMillis(1));
        cached.verify(token);
        assertThat(hits).hasValue(1);

        clock.advance(Duration.ofMillis(1));
        cached.verify(token);
        assertThat(hits).as("max age reached: verified again").hasValue(1);
        assertThat(misses).hasValue(2);

        cached.verify(token);
        assertThat(hits).as("cached again by that verification").hasValue(2);
    }

    @Test
    void theCacheHoldsAtMostMaxEntriesTokens() {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 8);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            tokens.add(token("user-" + i, b -> b));
        }

        for (String token : tokens) {
            assertThat(outcome(cached, token)).startsWith("accepted");
            assertThat(cached.cachedTokens()).isBetween(1, 8);
        }
        for (String token : tokens) {
            assertThat(outcome(cached, token)).startsWith("accepted");
            assertThat(cached.cachedTokens()).isBetween(1, 8);
        }
        assertThat(misses.get()).as("most tokens were evicted").isGreaterThan(50 + 40);
    }

    @Test
    void concurrentVerificationsKeepTheBoundOnceTheyReturn() throws Exception {
        JwtAuthenticator cached = authenticator(Duration.ofHours(1), 16);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tokens.add(token("user-" + i, b -> b));
        }
        List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
        try (java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int round = 0; round < 4; round++) {
                for (String token : tokens) {
                    answers.add(pool.submit(() -> outcome(cached, token)));
                }
            }
        }
        for (java.util.concurrent.Future<String> answer : answers) {
            assertThat(answer.get()).startsWith("accepted");
        }

        assertThat(cached.cachedTokens()).isBetween(1, 16);
        assertThat(hits.get() + misses.get()).isEqualTo(800);
    }

    @Test
    void maxAgeZeroDisablesTheCache() {
        JwtAuthenticator uncached = authenticator(Duration.ZERO, 100);
        String token = token("alice", b -> b);

        for (int i = 0; i < 3; i++) {
            assertThat(outcome(uncached, token)).startsWith("accepted");
        }

        assertThat(uncached.cachedTokens()).isZero();
        assertThat(hits).hasValue(0);
        assertThat(misses).as("nothing is looked up").hasValue(0);
    }

    @Test
    void aClearDuringAVerificationKeepsThatTokenOutOfTheCache() {
        VerifiedTokenCache cache = new VerifiedTokenCache(Duration.ofMinutes(1), 10, meters);
        long seen = cache.generation();

        cache.clear(); // e.g. the JWKS changed while the token was being verified
        cache.put("token", new AuthenticatedCaller("alice", Set.of()), Instant.MIN, NOW.plusSeconds(600), NOW, seen);

        assertThat(cache.size()).isZero();
        assertThat(cache.find("token", NOW, true)).isEqualTo(Optional.empty());
    }

    @Test
    void clearEmptiesTheCache() {
        VerifiedTokenCache cache = new VerifiedTokenCache(Duration.ofMinutes(1), 10, meters);
        AuthenticatedCaller alice = new AuthenticatedCaller("alice", Set.of());
        cache.put("a", alice, Instant.MIN, NOW.plusSeconds(600), NOW, cache.generation());
        cache.put("b", alice, Instant.MIN, NOW.plusSeconds(600), NOW, cache.generation());
        assertThat(cache.find("a", NOW, true)).contains(alice);

        cache.clear();

        assertThat(cache.size()).isZero();
        assertThat(cache.find("a", NOW, true)).isEmpty();
        assertThat(cache.find("b", NOW, true)).isEmpty();
    }

    @Test
    void keysPastTheirLifetimeBypassTheCache() {
        VerifiedTokenCache cache = new VerifiedTokenCache(Duration.ofMinutes(1), 10, meters);
        AuthenticatedCaller alice = new AuthenticatedCaller("alice", Set.of());
        cache.put("a", alice, Instant.MIN, NOW.plusSeconds(600), NOW, cache.generation());

        assertThat(cache.find("a", NOW, false)).isEmpty();
        assertThat(cache.find("a", NOW, true)).contains(alice);
    }

    @Test
    void cacheSettingsOutOfRangeAreAllReported() {
        assertThatThrownBy(() -> JwtSettings.builder()
                        .issuer("i")
                        .audience("a")
                        .keySource(JwtKeySource.hs256Secret(SECRET))
                        .cacheMaxAge(Duration.ofHours(2))
                        .cacheMaxEntries(0)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token cache max age \"PT2H\" must be between 0 (no cache) and PT1H")
                .hasMessageContaining("token cache max entries \"0\" must be between 1 and 1000000");
    }
}
