package dev.servicekit.http;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import java.util.Objects;
import java.util.Set;

/**
 * One API route: an HTTP method, a path template such as {@code /api/v1/users/{id}}, the handler, and
 * the scopes a caller must hold (enforced by the auth filter once one is configured; empty = none).
 *
 * <p>Handlers signal failures by throwing {@link ProblemException} (or any exception, which becomes a
 * generic 500); they never build error responses by hand.
 *
 * {@snippet :
 * Route.get("/api/v1/users/{id}", users::get).requireScopes("users:read");
 * }
 *
 * @param method       HTTP method
 * @param pathTemplate Helidon path template, starting with {@code /}
 * @param handler      the request handler
 * @param scopes       required scopes, possibly empty
 */
public record Route(Method method, String pathTemplate, Handler handler, Set<String> scopes) {

    /** Validates and copies the scope set. */
    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pathTemplate, "pathTemplate");
        Objects.requireNonNull(handler, "handler");
        scopes = Set.copyOf(Objects.requireNonNull(scopes, "scopes"));
        if (!pathTemplate.startsWith("/")) {
            throw new IllegalArgumentException("Route path \"" + pathTemplate + "\" must start with '/'");
        }
    }

    /**
     * A {@code GET} route without scopes.
     *
     * @param pathTemplate path template, for example {@code /api/v1/users/{id}}
     * @param handler      the handler
     * @return the route
     */
    public static Route get(String pathTemplate, Handler handler) {
        return new Route(Method.GET, pathTemplate, handler, Set.of());
    }

    /**
     * A {@code POST} route without scopes.
     *
     * @param pathTemplate path template, for example {@code /api/v1/users/{id}}
     * @param handler      the handler
     * @return the route
     */
    public static Route post(String pathTemplate, Handler handler) {
        return new Route(Method.POST, pathTemplate, handler, Set.of());
    }

    /**
     * A {@code PUT} route without scopes.
     *
     * @param pathTemplate path template, for example {@code /api/v1/users/{id}}
     * @param handler      the handler
     * @return the route
     */
    public static Route put(String pathTemplate, Handler handler) {
        return new Route(Method.PUT, pathTemplate, handler, Set.of());
    }

    /**
     * A {@code DELETE} route without scopes.
     *
     * @param pathTemplate path template, for example {@code /api/v1/users/{id}}
     * @param handler      the handler
     * @return the route
     */
    public static Route delete(String pathTemplate, Handler handler) {
        return new Route(Method.DELETE, pathTemplate, handler, Set.of());
    }

    /**
     * A copy of this route that requires the given scopes.
     *
     * @param required the scopes a caller must hold
     * @return the new route
     */
    public Route requireScopes(String... required) {
        return new Route(method, pathTemplate, handler, Set.of(required));
    }
}
