package dev.servicekit.http;

import java.util.Objects;
import java.util.Set;

/**
 * Who made a request, as a {@link RequestAuthenticator} established it.
 *
 * @param subject the caller's id (a JWT {@code sub}), shown in the access log
 * @param scopes  the scopes the caller holds
 */
public record AuthenticatedCaller(String subject, Set<String> scopes) {

    /** Copies the scopes and checks for nulls. */
    public AuthenticatedCaller {
        Objects.requireNonNull(subject, "subject");
        scopes = Set.copyOf(scopes);
    }
}
