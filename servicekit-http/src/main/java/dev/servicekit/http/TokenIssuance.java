package dev.servicekit.http;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The token issuer a service uses now. The toolkit makes one from the JWT key when the key source is an HS256
 * secret (a public key or JWKS only verifies), and a reload that changes the key, issuer, audience or token lifetime
 * replaces it. Read it per request: {@link #current()} is a single volatile read.
 */
@FunctionalInterface
public interface TokenIssuance {

    /** The issuer in effect, or empty when this service does not issue tokens (auth off, or a verify-only key source). */
    Optional<Issuing> current();

    /**
     * An issuer and the lifetime of what it issues ({@code auth.token-ttl}).
     *
     * @param issuer signs tokens with the service's key, issuer and audience
     * @param ttl    how long an issued token lives
     */
    record Issuing(JwtIssuer issuer, Duration ttl) {
        /** Checks for nulls. */
        public Issuing {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(ttl, "ttl");
        }

        /** Issues a token for {@code subject} with {@code scopes}, living {@link #ttl()}. */
        public String issue(String subject, Set<String> scopes) {
            return issuer.issue(subject, scopes, ttl);
        }
    }
}
