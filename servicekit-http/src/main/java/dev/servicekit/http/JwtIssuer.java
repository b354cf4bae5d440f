package dev.servicekit.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Signs HS256 access tokens with the configured secret, for the token endpoint and the operator's
 * {@code token issue} command. Tokens carry {@code iss}, {@code aud}, {@code sub}, {@code iat}, {@code exp},
 * a random {@code jti} and the scopes as a space-separated {@code scope}; a {@link JwtAuthenticator} built
 * from the same settings accepts them.
 *
 * {@snippet :
 * JwtIssuer issuer = JwtIssuer.create(settings);   // settings with JwtKeySource.hs256Secret(...)
 * String token = issuer.issue("user-42", Set.of("users:read"), Duration.ofHours(1));
 * }
 *
 * <p>Immutable and safe for concurrent use.
 */
public final class JwtIssuer {

    private final JwtSettings settings;
    private final MACSigner signer;

    private JwtIssuer(JwtSettings settings, MACSigner signer) {
        this.settings = settings;
        this.signer = signer;
    }

    /**
     * Creates an issuer.
     *
     * @param settings settings whose key source is an {@linkplain JwtKeySource#hs256Secret HS256 secret}
     * @return the issuer
     * @throws IllegalArgumentException if the key source is a public key or JWKS (those cannot sign)
     */
    public static JwtIssuer create(JwtSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (!(settings.keySource() instanceof JwtKeySource.HmacSecret hmac)) {
            throw new IllegalArgumentException(
                    "Tokens can only be issued with an HS256 secret; the configured key source is "
                            + settings.keySource().getClass().getSimpleName()
                            + ", which holds no signing key. Configure an HS256 secret file");
        }
        try {
            return new JwtIssuer(settings, new MACSigner(hmac.secret()));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("The HS256 secret cannot be used for signing: " + e.getMessage(), e);
        }
    }

    /**
     * Signs a token.
     *
     * @param subject the {@code sub}, for example a user id; not blank
     * @param scopes  the scopes the token grants (each without spaces), possibly empty
     * @param ttl     how long the token is valid, positive
     * @return the compact serialized token
     */
    public String issue(String subject, Set<String> scopes, Duration ttl) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(ttl, "ttl");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("A token needs a subject; pass a user or client id");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("Token lifetime \"" + ttl + "\" must be positive, for example 1h");
        }
        for (String scope : scopes) {
            if (scope.isEmpty() || scope.chars().anyMatch(c -> c <= 0x20 || c == '"' || c == '\\' || c > 0x7e)) {
                throw new IllegalArgumentException("Scope \"" + scope + "\" is not valid; scopes are printable ASCII"
                        + " without spaces, quotes or backslashes, for example users:read");
            }
        }
        Instant now = settings.clock().instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(settings.issuer())
                .audience(settings.audience())
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .claim("scope", String.join(" ", new TreeSet<>(scopes)))
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("Signing an HS256 token failed", e);
        }
        return jwt.serialize();
    }
}
