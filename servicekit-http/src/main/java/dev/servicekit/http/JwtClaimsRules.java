package dev.servicekit.http;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The claim checks of a token whose signature is already verified: {@code exp} (required), {@code nbf},
 * {@code iat}, {@code iss}, {@code aud}, {@code sub}, with bounded skew against the injected clock, and the
 * caller's scopes from {@code scope} (space-separated) and/or {@code scp} (array or string).
 *
 * <p>Nimbus's {@code DefaultJWTClaimsVerifier} reads the system time, so the time checks live here. Every
 * rejection message is a fixed sentence: it ends up in a response header and must never carry token content.
 */
final class JwtClaimsRules implements JWTClaimsSetVerifier<SecurityContext> {

    private final String issuer;
    private final String audience;
    private final Duration skew;
    private final Clock clock;

    JwtClaimsRules(String issuer, String audience, Duration skew, Clock clock) {
        this.issuer = issuer;
        this.audience = audience;
        this.skew = skew;
        this.clock = clock;
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new RejectedClaims("The access token has no expiry (exp)");
        }
        if (!now.isBefore(acceptedUntil(exp, skew))) {
            throw new RejectedClaims("The access token has expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(acceptedFrom(nbf, skew))) {
            throw new RejectedClaims("The access token is not valid yet (nbf)");
        }
        Date iat = claims.getIssueTime();
        if (iat != null && now.isBefore(acceptedFrom(iat, skew))) {
            throw new RejectedClaims("The access token is issued in the future (iat)");
        }
        if (!issuer.equals(claims.getIssuer())) {
            throw new RejectedClaims("The access token has the wrong issuer (iss)");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(audience)) {
            throw new RejectedClaims("The access token is not meant for this service (aud)");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isBlank()) {
            throw new RejectedClaims("The access token has no subject (sub)");
        }
        scopes(claims);
    }

    /**
     * The first instant the time checks accept a token with this {@code nbf} or {@code iat}: the claim less the skew.
     * The verified-token cache serves an entry only from here on, so the cached path and this one agree.
     */
    static Instant acceptedFrom(Date notBeforeOrIssued, Duration skew) {
        return notBeforeOrIssued.toInstant().minus(skew);
    }

    /** The first instant the time checks refuse a token with this {@code exp}: the claim plus the skew. */
    static Instant acceptedUntil(Date exp, Duration skew) {
        return exp.toInstant().plus(skew);
    }

    /** The earliest instant a token that passed {@link #verify} is accepted: the later of its nbf and iat bounds. */
    static Instant acceptedFrom(JWTClaimsSet claims, Duration skew) {
        Instant from = Instant.MIN;
        for (Date claim : new Date[] {claims.getNotBeforeTime(), claims.getIssueTime()}) {
            if (claim != null && acceptedFrom(claim, skew).isAfter(from)) {
                from = acceptedFrom(claim, skew);
            }
        }
        return from;
    }

    /** The caller of a verified token. */
    static AuthenticatedCaller caller(JWTClaimsSet claims) throws BadJWTException {
        return new AuthenticatedCaller(claims.getSubject(), scopes(claims));
    }

    /** The union of {@code scope} (space-separated string) and {@code scp} (array of strings, or a string). */
    static Set<String> scopes(JWTClaimsSet claims) throws BadJWTException {
        Set<String> scopes = new LinkedHashSet<>();
        Object scope = claims.getClaim("scope");
        if (scope instanceof String s) {
            addSpaceSeparated(s, scopes);
        } else if (scope != null) {
            throw new RejectedClaims("The access token's scope claim is not a space-separated string");
        }
        Object scp = claims.getClaim("scp");
        // instanceof, not a switch on types: each such switch makes the JVM generate a class when it first runs
        // (docs/performance.md, "Classes generated at run time").
        if (scp instanceof String s) {
            addSpaceSeparated(s, scopes);
        } else if (scp instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof String s)) {
                    throw new RejectedClaims("The access token's scp claim is not an array of strings");
                }
                addSpaceSeparated(s, scopes);
            }
        } else if (scp != null) {
            throw new RejectedClaims("The access token's scp claim is not an array of strings");
        }
        return scopes;
    }

    private static void addSpaceSeparated(String value, Set<String> into) {
        for (String part : value.split(" ")) {
            if (!part.isEmpty()) {
                into.add(part);
            }
        }
    }

    /** A claim check failed; the message is a fixed, client-safe sentence. */
    static final class RejectedClaims extends BadJWTException {
        private static final long serialVersionUID = 1L;

        RejectedClaims(String safeDescription) {
            super(safeDescription);
        }
    }
}
