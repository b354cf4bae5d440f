package dev.servicekit.http;

import io.helidon.webserver.http.ServerRequest;
import java.util.Set;

/**
 * Decides who a request comes from and whether it may use a route. The server calls it for every route
 * that declares scopes ({@link Route#scopes()}), before the handler; routes without scopes are public.
 *
 * <p>Implementations throw {@link ProblemException}: 401 with {@code WWW-Authenticate} for a missing or
 * invalid credential, 403 when the credential lacks a required scope. They are called on request threads,
 * concurrently.
 */
@FunctionalInterface
public interface RequestAuthenticator {

    /**
     * Authenticates the request and checks that it holds every required scope.
     *
     * @param request        the request
     * @param requiredScopes the route's scopes, not empty
     * @return who made the request (its subject is written to the access log)
     * @throws ProblemException 401 or 403
     */
    AuthenticatedCaller authenticate(ServerRequest request, Set<String> requiredScopes);
}
