package dev.servicekit.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import java.util.Objects;
import java.util.Set;

/**
 * One API route: an HTTP method, a path template such as {@code /api/v1/users/{id}}, the handler, the
 * scopes a caller must hold (enforced by the auth filter once one is configured; empty = none), and what the
 * route tells about itself for the generated OpenAPI document ({@link RouteDoc}).
 *
 * <p>Handlers signal failures by throwing {@link ProblemException} (or any exception, which becomes a
 * generic 500); they never build error responses by hand.
 *
 * <p>Every method that adds to a route returns a new route; the document at {@code GET /openapi.yaml} is generated
 * from the same routes that serve requests.
 *
 * {@snippet :
 * Route.get("/api/v1/users/{id}", users::get)
 *         .requireScopes("users:read")
 *         .summary("Read one user")
 *         .response(200, userSchema)
 *         .problems(400, 404);
 * }
 *
 * @param method       HTTP method
 * @param pathTemplate Helidon path template, starting with {@code /}
 * @param handler      the request handler
 * @param scopes       required scopes, possibly empty
 * @param doc          what the route tells about itself in the OpenAPI document
 */
public record Route(Method method, String pathTemplate, Handler handler, Set<String> scopes, RouteDoc doc) {

    /** Validates and copies the scope set. */
    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pathTemplate, "pathTemplate");
        Objects.requireNonNull(handler, "handler");
        scopes = Set.copyOf(Objects.requireNonNull(scopes, "scopes"));
        Objects.requireNonNull(doc, "doc");
        if (!pathTemplate.startsWith("/")) {
            throw new IllegalArgumentException("Route path \"" + pathTemplate + "\" must start with '/'");
        }
        for (String scope : scopes) {
            checkScope(method, pathTemplate, scope);
        }
    }

    /**
     * A scope no token can hold would make the route answer 403 to everyone: a token's {@code scope} claim is a
     * space-separated list of scopes (RFC 6749 §3.3), so a scope with a space in it is never held.
     */
    private static void checkScope(Method method, String pathTemplate, String scope) {
        String route = method.text() + " " + pathTemplate;
        if (scope.isBlank()) {
            throw new IllegalArgumentException("Route " + route + " requires a blank scope, which no token holds; "
                    + "name each scope, e.g. requireScopes(\"notes:read\")");
        }
        if (scope.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("Route " + route + " requires the scope \"" + scope
                    + "\", which no token holds: a token's scopes are separated by spaces; pass each scope as its own"
                    + " argument, e.g. requireScopes(\""
                    + String.join("\", \"", scope.strip().split("\\s+"))
                    + "\")");
        }
    }

    /**
     * A route that describes nothing beyond its method and path yet.
     *
     * @param method       HTTP method
     * @param pathTemplate Helidon path template, starting with {@code /}
     * @param handler      the request handler
     * @param scopes       required scopes, possibly empty
     */
    public Route(Method method, String pathTemplate, Handler handler, Set<String> scopes) {
        this(method, pathTemplate, handler, scopes, RouteDoc.NONE);
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
     * A copy of this route that requires the given scopes (all of them, instead of those it required before).
     *
     * @param required the scopes a caller must hold, one per argument: {@code requireScopes("notes:read",
     *     "notes:write")}
     * @return the new route
     * @throws IllegalArgumentException if a scope is blank or has a space in it (no token could hold it)
     */
    public Route requireScopes(String... required) {
        return new Route(method, pathTemplate, handler, Set.of(required), doc);
    }

    /**
     * A copy with a one-line summary for the OpenAPI document.
     *
     * @param text for example {@code Read one user}
     * @return the new route
     */
    public Route summary(String text) {
        return withDoc(doc.withSummary(Objects.requireNonNull(text, "text")));
    }

    /**
     * A copy with a longer description (CommonMark) for the OpenAPI document.
     *
     * @param text what the operation does, its limits and its errors
     * @return the new route
     */
    public Route description(String text) {
        return withDoc(doc.withDescription(Objects.requireNonNull(text, "text")));
    }

    /**
     * A copy with an explicit operation id; without one the document derives it from the method and path.
     *
     * @param id unique among the application's routes, for example {@code listUsers}
     * @return the new route
     */
    public Route operationId(String id) {
        return withDoc(doc.withOperationId(Objects.requireNonNull(id, "id")));
    }

    /**
     * A copy with a query, path or header parameter.
     *
     * @param parameter for example {@code RouteDoc.Parameter.query("limit", "Page size", JsonSchemas.integer())}
     * @return the new route
     */
    public Route parameter(RouteDoc.Parameter parameter) {
        return withDoc(doc.withParameter(Objects.requireNonNull(parameter, "parameter")));
    }

    /**
     * A copy that reads a JSON body ({@code application/json}) of this schema. The document then also lists the
     * toolkit's 400, 413 and 415 problems for the route.
     *
     * @param schema the body's JSON schema, see {@link JsonSchemas}
     * @return the new route
     */
    public Route requestSchema(JsonNode schema) {
        return withDoc(doc.withRequestSchema(Objects.requireNonNull(schema, "schema")));
    }

    /**
     * A copy with a JSON response ({@code application/json}) of this status and schema and no headers but
     * {@code X-Request-Id}.
     *
     * @param status for example 200
     * @param schema the body's JSON schema, see {@link JsonSchemas}
     * @return the new route
     */
    public Route response(int status, JsonNode schema) {
        return response(RouteDoc.Response.of(status, ProblemException.reasonPhrase(status))
                .json(schema));
    }

    /**
     * A copy with a response, for one with headers, another media type or no body.
     *
     * @param response for example {@code RouteDoc.Response.of(204, "Deleted")}
     * @return the new route
     */
    public Route response(RouteDoc.Response response) {
        return withDoc(doc.withResponse(Objects.requireNonNull(response, "response")));
    }

    /**
     * A copy that also answers these error statuses with a problem ({@code application/problem+json}), besides the
     * ones the toolkit adds itself (see {@link RouteDoc}).
     *
     * @param statuses 4xx and 5xx statuses, for example {@code 404, 409}
     * @return the new route
     */
    public Route problems(int... statuses) {
        return withDoc(doc.withProblems(statuses));
    }

    private Route withDoc(RouteDoc next) {
        return new Route(method, pathTemplate, handler, scopes, next);
    }
}
