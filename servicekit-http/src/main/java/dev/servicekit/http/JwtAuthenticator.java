package dev.servicekit.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.security.Key;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies {@code Authorization: Bearer} JWT access tokens with Nimbus JOSE+JWT and enforces route scopes.
 *
 * {@snippet :
 * JwtAuthenticator auth = JwtAuthenticator.create(JwtSettings.builder()
 *         .issuer("https://users.example.com").audience("users-api")
 *         .keySource(JwtKeySource.publicKeyPem(Path.of("jwt-public.pem")))
 *         .build());
 * ApiServer api = ApiServer.builder(config).routes(routes).authenticator(auth).build();
 * }
 *
 * <p><b>What is accepted.</b> Only signed JWTs (never {@code alg: none}, never encrypted), with an algorithm
 * allowed for the configured key source: HS256 for a secret, RS256 for an RSA key, ES256 for an EC key, RS256
 * or ES256 for a JWKS. The token cannot pick its verification: an HS256 token against an RSA key is refused
 * before any key is touched. {@code typ}, when present, must be {@code JWT} or {@code at+jwt}. Claims: {@code exp}
 * required and in the future, {@code nbf} and {@code iat} not in the future, all with the configured skew;
 * {@code iss} equal to the issuer; {@code aud} containing the audience; {@code sub} present. Scopes come from
 * {@code scope} (space-separated) and {@code scp} (array or string). Tokens longer than the size limit are
 * refused before parsing.
 *
 * <p><b>Answers</b> (RFC 6750, bodies are problem+json):
 * <ul>
 *   <li>no {@code Authorization: Bearer} header: 401, {@code WWW-Authenticate: Bearer realm="api"};</li>
 *   <li>an invalid token: 401, {@code Bearer realm="api", error="invalid_token", error_description="…"} with a
 *       fixed description (the token is never echoed, in responses or logs);</li>
 *   <li>more than one {@code Authorization} header: 400 {@code error="invalid_request"};</li>
 *   <li>a valid token without a required scope: 403, {@code error="insufficient_scope", scope="…"};</li>
 *   <li>JWKS keys that could never be fetched: 503 with {@code Retry-After}.</li>
 * </ul>
 *
 * <p><b>Verified-token cache.</b> A token that passed every check is remembered, keyed by the whole token string,
 * with its caller and the time window the checks above accept it in; the same token sent again within
 * {@link JwtSettings#cacheMaxAge()} of its verification, and before its {@code exp} plus the skew (and not before
 * its {@code nbf}/{@code iat} less the skew), is answered from the cache without parsing or a signature check. A token
 * that differs in any character is verified in full; refused tokens are never cached. The cache holds at most
 * {@link JwtSettings#cacheMaxEntries()} tokens, is emptied when a JWKS fetch returns a changed key set (and is not
 * consulted while the JWKS keys are older than their cache lifetime, so they are fetched again), and belongs to
 * this instance: settings with another key, issuer, audience or skew make a new authenticator with an empty cache.
 * A max age of zero disables it.
 *
 * <p><b>Threading.</b> Safe for concurrent use; the only mutable state is the verified-token cache and the JWKS keys. With a JWKS source,
 * {@link #authenticate} may block for up to a few seconds while keys are fetched (see {@link JwtKeySource#jwks}).
 */
public final class JwtAuthenticator implements RequestAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);
    private static final Duration KEYS_UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(30);
    private static final JOSEObjectType ACCESS_TOKEN_TYPE = new JOSEObjectType("at+jwt");
    private static final String BEARER = "bearer";

    private final JwtSettings settings;
    /** Holds the allow-list of algorithms for the key source; checked before anything else. */
    private final JWSVerificationKeySelector<SecurityContext> keySelector;

    private final DefaultJWTProcessor<SecurityContext> processor;
    private final DefaultJOSEObjectTypeVerifier<SecurityContext> typeVerifier;
    private final VerifiedTokenCache cache;
    /** False while JWKS keys are past their lifetime: the cache is bypassed so the keys are fetched again. */
    private final BooleanSupplier keysCurrent;

    private JwtAuthenticator(
            JwtSettings settings,
            JWSVerificationKeySelector<SecurityContext> keySelector,
            VerifiedTokenCache cache,
            BooleanSupplier keysCurrent) {
        this.settings = settings;
        this.keySelector = keySelector;
        this.cache = cache;
        this.keysCurrent = keysCurrent;
        this.typeVerifier = new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, ACCESS_TOKEN_TYPE, null);
        this.processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(typeVerifier);
        processor.setJWSKeySelector(keySelector);
        processor.setJWTClaimsSetVerifier(new JwtClaimsRules(
                settings.issuer(), settings.audience(),
                settings.clockSkew(), settings.clock()));
    }

    /**
     * Creates the authenticator. No network access happens here: JWKS keys are fetched on first use.
     *
     * @param settings issuer, audience, skew, size limit, clock and key source
     * @return the authenticator
     */
    public static JwtAuthenticator create(JwtSettings settings) {
        return create(settings, VerifiedTokenCache.Meters.NONE);
    }

    /** As {@link #create(JwtSettings)}, counting verified-token cache hits and misses in {@code meters}. */
    static JwtAuthenticator create(JwtSettings settings, VerifiedTokenCache.Meters meters) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(meters, "meters");
        VerifiedTokenCache cache = new VerifiedTokenCache(settings.cacheMaxAge(), settings.cacheMaxEntries(), meters);
        if (settings.keySource() instanceof JwtKeySource.Jwks jwks) {
            JwksKeyCache keys = new JwksKeyCache(jwks, settings.clock(), cache::clear);
            return new JwtAuthenticator(
                    settings,
                    new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), keys),
                    cache,
                    keys::fresh);
        }
        // instanceof, not a switch on types: each such switch makes the JVM generate a class when it first runs,
        // even with an AOT cache (docs/performance.md, "Classes generated at run time").
        JWSVerificationKeySelector<SecurityContext> selector;
        if (settings.keySource() instanceof JwtKeySource.HmacSecret hmac) {
            selector = singleKey(JWSAlgorithm.HS256, new SecretKeySpec(hmac.secret(), "HmacSHA256"));
        } else if (settings.keySource() instanceof JwtKeySource.VerificationKey key) {
            if (key.key() instanceof RSAPublicKey rsa) {
                selector = singleKey(JWSAlgorithm.RS256, rsa);
            } else if (key.key() instanceof ECPublicKey ec) {
                selector = singleKey(JWSAlgorithm.ES256, ec);
            } else {
                throw new IllegalStateException(
                        "VerificationKey admitted a " + key.key().getAlgorithm() + " key");
            }
        } else {
            throw new IllegalStateException("Unknown key source " + settings.keySource());
        }
        return new JwtAuthenticator(settings, selector, cache, () -> true);
    }

    /** The number of tokens in the verified-token cache (the {@code auth_token_cache_entries} gauge). */
    int cachedTokens() {
        return cache.size();
    }

    /**
     * The one configured key, for its one algorithm. The token's {@code kid} plays no part: there is nothing
     * to choose from (Nimbus's JWK matcher would instead refuse every token that names a kid).
     */
    private static JWSVerificationKeySelector<SecurityContext> singleKey(JWSAlgorithm algorithm, Key key) {
        return new JWSVerificationKeySelector<>(algorithm, (selector, context) -> List.of()) {
            @Override
            public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context) {
                return algorithm.equals(header.getAlgorithm()) ? List.of(key) : List.of();
            }
        };
    }

    @Override
    public AuthenticatedCaller authenticate(ServerRequest request, Set<String> requiredScopes) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(requiredScopes, "requiredScopes");
        List<String> authorization = request.headers().all(HeaderNames.AUTHORIZATION, List::of);
        if (authorization.size() > 1) {
            throw ProblemException.badRequest("Send one Authorization header, not " + authorization.size())
                    .withHeader("WWW-Authenticate", challenge("invalid_request", "More than one Authorization header"));
        }
        String token = authorization.isEmpty() ? null : bearerToken(authorization.getFirst());
        if (token == null) {
            throw ProblemException.unauthorized(
                    "This resource needs an access token; send \"Authorization: Bearer <token>\"",
                    "Bearer realm=\"" + settings.realm() + "\"");
        }
        AuthenticatedCaller caller = verify(token);
        if (caller.scopes().containsAll(requiredScopes)) {
            return caller; // every request of a caller with its scopes: no sets built
        }
        Set<String> missing = new TreeSet<>(requiredScopes);
        missing.removeAll(caller.scopes());
        if (!missing.isEmpty()) {
            String required = String.join(" ", new TreeSet<>(requiredScopes));
            throw ProblemException.forbidden("The access token lacks the scope \"" + String.join(" ", missing)
                            + "\" that this resource requires")
                    .withHeader(
                            "WWW-Authenticate",
                            challenge("insufficient_scope", "The access token lacks a required scope") + ", scope=\""
                                    + required + "\"");
        }
        return caller;
    }

    /**
     * Verifies one token; package-private so the rules can be tested without a server.
     *
     * @throws ProblemException 401 {@code invalid_token}, or 503 when JWKS keys cannot be fetched
     */
    AuthenticatedCaller verify(String token) {
        if (token.length() > settings.maxTokenBytes()) {
            throw invalidToken("The access token is longer than " + settings.maxTokenBytes() + " bytes");
        }
        Instant now = settings.clock().instant();
        if (cache.enabled()) {
            Optional<AuthenticatedCaller> cached = cache.find(token, now, keysCurrent.getAsBoolean());
            if (cached.isPresent()) {
                return cached.get();
            }
        }
        // Read before verifying: a JWKS change during the verification then keeps this token out of the cache.
        long generation = cache.generation();
        try {
            JWT jwt = JWTParser.parse(token);
            // instanceof, not a switch on types: see create
            if (jwt instanceof PlainJWT) {
                throw invalidToken("Unsigned access tokens (alg none) are not accepted");
            }
            if (jwt instanceof EncryptedJWT) {
                throw invalidToken("Encrypted access tokens are not accepted");
            }
            if (!(jwt instanceof SignedJWT signed)) {
                throw invalidToken("The access token is malformed");
            }
            if (!keySelector.isAllowed(signed.getHeader().getAlgorithm())) {
                throw invalidToken("The access token is signed with an algorithm this service does not accept");
            }
            try {
                typeVerifier.verify(signed.getHeader().getType(), null);
            } catch (BadJOSEException e) {
                throw invalidToken("The access token has a type (typ) other than JWT or at+jwt");
            }
            JWTClaimsSet claims = processor.process(signed, null);
            AuthenticatedCaller caller = JwtClaimsRules.caller(claims);
            cache.put(
                    token,
                    caller,
                    JwtClaimsRules.acceptedFrom(claims, settings.clockSkew()),
                    JwtClaimsRules.acceptedUntil(claims.getExpirationTime(), settings.clockSkew()),
                    now,
                    generation);
            return caller;
        } catch (ParseException e) {
            throw invalidToken("The access token is malformed");
        } catch (JwtClaimsRules.RejectedClaims e) {
            throw invalidToken(e.getMessage());
        } catch (BadJWTException e) {
            throw invalidToken("The access token is malformed");
        } catch (BadJWSException e) {
            throw invalidToken("The access token signature is invalid");
        } catch (BadJOSEException e) {
            // No key for this kid/algorithm, a rejected typ, or a claims set Nimbus cannot read.
            LOG.debug("Access token rejected: {}", e.getMessage());
            throw invalidToken("The access token is not signed by a key this service trusts");
        } catch (KeySourceException e) {
            LOG.warn("Cannot verify access tokens: {}", e.getMessage());
            throw ProblemException.serviceUnavailable(
                    "The keys that verify access tokens cannot be loaded right now;" + " retry later",
                    KEYS_UNAVAILABLE_RETRY_AFTER);
        } catch (JOSEException e) {
            LOG.debug("Access token verification failed", e);
            throw invalidToken("The access token cannot be verified");
        }
    }

    /** The token of a {@code Bearer} credential, or null if the header uses another scheme. */
    private String bearerToken(String header) {
        String value = header.strip();
        int space = value.indexOf(' ');
        int schemeLength = space < 0 ? value.length() : space;
        // The scheme is case-insensitive (RFC 9110 §11.1); compared in place, without a lower-cased copy.
        if (schemeLength != BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = space < 0 ? "" : value.substring(space + 1).strip();
        if (token.isEmpty()) {
            throw invalidToken("The Authorization header has no token after \"Bearer\"");
        }
        return token;
    }

    private ProblemException invalidToken(String safeDescription) {
        return ProblemException.unauthorized(safeDescription, challenge("invalid_token", safeDescription));
    }

    /** RFC 6750 §3; descriptions are fixed sentences (no quotes or backslashes), never token content. */
    private String challenge(String error, String description) {
        return "Bearer realm=\"" + settings.realm() + "\", error=\"" + error + "\", error_description=\""
                + description.replace('"', '\'') + "\"";
    }
}
