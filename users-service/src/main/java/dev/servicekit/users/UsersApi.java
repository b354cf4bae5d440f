package dev.servicekit.users;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.servicekit.http.FieldError;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.JsonSchemas;
import dev.servicekit.http.ProblemException;
import dev.servicekit.http.Route;
import dev.servicekit.http.RouteDoc;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users REST API (SPEC §6): list with cursor pagination, create, read, full replace with
 * {@code If-Match}, delete. Routes carry the scopes they will require once JWT auth is on.
 * Store failures map to problems in one place ({@link #guard}).
 */
final class UsersApi {

    static final String BASE = "/api/v1/users";
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    static final String READ = "users:read";
    static final String WRITE = "users:write";

    private static final Logger LOG = LoggerFactory.getLogger(UsersApi.class);

    private final UserStore store;
    private final PasswordHasher hasher;
    /** Why the store failed requests, for the operator: the 503's detail does not say. */
    private final StoreFailureLog storeFailures;

    UsersApi(UserStore store, PasswordHasher hasher, StoreFailureLog storeFailures) {
        this.store = store;
        this.hasher = hasher;
        this.storeFailures = storeFailures;
    }

    /** The routes, each described for the OpenAPI document as it behaves (UsersApiTest checks every answer). */
    List<Route> routes() {
        return List.of(
                Route.get(BASE, guard(storeFailures, this::list))
                        .requireScopes(READ)
                        .operationId("listUsers")
                        .summary("List users, oldest first, one page at a time")
                        .parameter(RouteDoc.Parameter.query(
                                "limit",
                                "Users per page, 1 to " + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")",
                                JsonSchemas.integer()
                                        .put("minimum", 1)
                                        .put("maximum", MAX_LIMIT)
                                        .put("default", DEFAULT_LIMIT)))
                        .parameter(RouteDoc.Parameter.query(
                                "cursor",
                                "The `nextCursor` of the previous page; omit it for the first page",
                                JsonSchemas.string().put("minLength", 1)))
                        .response(200, Docs.USER_LIST)
                        .problems(400),
                Route.post(BASE, guard(storeFailures, this::create))
                        .requireScopes(WRITE)
                        .operationId("createUser")
                        .summary("Create a user")
                        .description("Every invalid field is listed under `errors` of the 400 problem. The email is"
                                + " unique ignoring case (409). A password is stored only as a slow salted hash and"
                                + " never returned.")
                        .requestSchema(Docs.USER_INPUT)
                        .response(RouteDoc.Response.of(201, "Created")
                                .json(Docs.USER)
                                .header("Location", "The new user's path, `/api/v1/users/{id}`", Docs.LOCATION)
                                .header("ETag", "The user's version, for `If-Match`", Docs.ETAG))
                        .problems(409, 507),
                Route.get(BASE + "/{id}", guard(storeFailures, this::get))
                        .requireScopes(READ)
                        .operationId("getUser")
                        .summary("Read one user")
                        .parameter(Docs.ID)
                        .parameter(RouteDoc.Parameter.header(
                                "If-None-Match",
                                "ETags (weak comparison) or `*`: 304 when the user's current ETag is one of them",
                                JsonSchemas.string()))
                        .response(RouteDoc.Response.of(200, "The user")
                                .json(Docs.USER)
                                .header("ETag", "The user's version, for `If-Match`", Docs.ETAG))
                        .response(RouteDoc.Response.of(
                                        304, "Not Modified: the user still has the ETag sent in" + " `If-None-Match`")
                                .header("ETag", "The user's version", Docs.ETAG))
                        .problems(400, 404),
                Route.put(BASE + "/{id}", guard(storeFailures, this::replace))
                        .requireScopes(WRITE)
                        .operationId("replaceUser")
                        .summary("Replace a user (all fields)")
                        .description(
                                "Roles left out become `[\"reader\"]`; a password left out is removed (the user can no"
                                        + " longer get a token with a password until a replace sets one)."
                                        + " With `If-Match`, the user is replaced only while its ETag still matches"
                                        + " (412 otherwise).")
                        .parameter(Docs.ID)
                        .parameter(RouteDoc.Parameter.header(
                                "If-Match",
                                "ETags (strong comparison) or `*`: replace only while the user's ETag is one of them",
                                JsonSchemas.string()))
                        .requestSchema(Docs.USER_INPUT)
                        .response(RouteDoc.Response.of(200, "The replaced user")
                                .json(Docs.USER)
                                .header("ETag", "The user's new version", Docs.ETAG))
                        .problems(404, 409, 412, 507),
                Route.delete(BASE + "/{id}", guard(storeFailures, this::delete))
                        .requireScopes(WRITE)
                        .operationId("deleteUser")
                        .summary("Delete a user")
                        .description("With `If-Match`, the user is deleted only while its ETag still matches (412"
                                + " otherwise).")
                        .parameter(Docs.ID)
                        .parameter(RouteDoc.Parameter.header(
                                "If-Match",
                                "ETags (strong comparison) or `*`: delete only while the user's ETag is one of them",
                                JsonSchemas.string()))
                        .response(RouteDoc.Response.of(204, "Deleted"))
                        .problems(400, 404, 412, 507));
    }

    /** The schemas and parameters the routes share. */
    static final class Docs {
        static final ObjectNode ROLE = JsonSchemas.enumOf("reader", "writer", "admin");
        static final ObjectNode ETAG = JsonSchemas.string().put("pattern", "^\"[0-9]+\"$");
        static final ObjectNode LOCATION = JsonSchemas.string().put("pattern", "^/api/v1/users/[1-9][0-9]*$");
        static final ObjectNode USER = JsonSchemas.object("User")
                .required("id", JsonSchemas.integer().put("minimum", 1).put("format", "int64"))
                .required("name", JsonSchemas.string().put("minLength", 1).put("maxLength", 200))
                .required("email", JsonSchemas.string().put("minLength", 3).put("maxLength", 254))
                .required("roles", JsonSchemas.array(ROLE).put("minItems", 1).put("uniqueItems", true))
                .required("createdAt", JsonSchemas.dateTime())
                .required("updatedAt", JsonSchemas.dateTime())
                .build();
        static final ObjectNode USER_LIST = JsonSchemas.object("UserList")
                .required("items", JsonSchemas.array(USER))
                .required(
                        "nextCursor",
                        JsonSchemas.nullable(JsonSchemas.string())
                                .put("description", "The cursor of the next page; null on the last page"))
                .build();
        static final ObjectNode USER_INPUT = JsonSchemas.object("UserInput")
                .description("A user as sent; unknown fields are refused")
                .required("name", JsonSchemas.string().put("minLength", 1).put("maxLength", 200))
                .required(
                        "email",
                        JsonSchemas.string()
                                .put("maxLength", 254)
                                .put("description", "Unique ignoring case, for example ada@example.com"))
                .optional(
                        "roles",
                        JsonSchemas.array(ROLE)
                                .put("minItems", 1)
                                .put(
                                        "description",
                                        "Default [\"reader\"]; reader → users:read, writer → also"
                                                + " users:write, admin → also admin"))
                .optional(
                        "password",
                        JsonSchemas.string()
                                .put("minLength", UserInput.MIN_PASSWORD)
                                .put("maxLength", UserInput.MAX_PASSWORD)
                                .put("writeOnly", true))
                .build();
        static final RouteDoc.Parameter ID = RouteDoc.Parameter.path(
                "id", "The user's id", JsonSchemas.integer().put("minimum", 1).put("format", "int64"));

        private Docs() {}
    }

    /** A user as the API shows it: never the password hash, never the internal version. */
    record UserView(long id, String name, String email, List<String> roles, Instant createdAt, Instant updatedAt) {
        static UserView of(User user) {
            return new UserView(user.id(), user.name(), user.email(), user.roles(), user.createdAt(), user.updatedAt());
        }
    }

    /** One page of users; {@code nextCursor} is null on the last page. */
    record UserList(List<UserView> items, String nextCursor) {}

    private void list(ServerRequest req, ServerResponse res) {
        int limit = req.query()
                .first("limit")
                .asOptional()
                .map(UsersApi::parseLimit)
                .orElse(DEFAULT_LIMIT);
        Optional<Long> after = req.query()
                .first("cursor")
                .asOptional()
                .map(
                        c -> Cursor.decode(c)
                                .orElseThrow(
                                        () -> ProblemException.badRequest(
                                                "Query parameter cursor is not a cursor this service issued; "
                                                        + "use the nextCursor value of the previous page, or omit cursor for the first page")));
        UserPage page = store.list(limit, after);
        List<UserView> items = page.items().stream().map(UserView::of).toList();
        JsonBodies.send(
                res,
                Status.OK_200,
                new UserList(items, page.nextAfterId().map(Cursor::encode).orElse(null)));
    }

    private void create(ServerRequest req, ServerResponse res) {
        UserInput input = JsonBodies.read(req, UserInput.class);
        User user = store.create(draft(input));
        res.header(HeaderNames.LOCATION, BASE + "/" + user.id());
        res.header(HeaderNames.ETAG, etag(user));
        JsonBodies.send(res, Status.CREATED_201, UserView.of(user));
    }

    private void get(ServerRequest req, ServerResponse res) {
        long id = parseId(req);
        User user = store.find(id).orElseThrow(() -> notFound(id));
        String etag = etag(user);
        res.header(HeaderNames.ETAG, etag);
        Optional<String> ifNoneMatch = req.headers().first(HeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch.isPresent() && matchesAny(ifNoneMatch.get(), user.version(), true)) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        JsonBodies.send(res, Status.OK_200, UserView.of(user));
    }

    private void replace(ServerRequest req, ServerResponse res) {
        long id = parseId(req);
        UserInput input = JsonBodies.read(req, UserInput.class);
        UserDraft draft = draft(input);
        User user = store.replace(id, draft, expectedVersion(req, id));
        res.header(HeaderNames.ETAG, etag(user));
        JsonBodies.send(res, Status.OK_200, UserView.of(user));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        long id = parseId(req);
        if (!store.delete(id, expectedVersion(req, id))) {
            throw notFound(id);
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /**
     * The version a change may apply to under the request's {@code If-Match} (empty without one): the current
     * version when the header names its ETag or is {@code *}; 404 for a missing user, 412 for any other ETag. The
     * store checks the version again as it writes, so a change in between is a 412 too.
     */
    private OptionalLong expectedVersion(ServerRequest req, long id) {
        Optional<String> ifMatch = req.headers().first(HeaderNames.IF_MATCH);
        if (ifMatch.isEmpty()) {
            return OptionalLong.empty();
        }
        User current = store.find(id).orElseThrow(() -> notFound(id));
        if (!matchesAny(ifMatch.get(), current.version(), false)) {
            throw ProblemException.preconditionFailed(
                    "If-Match " + abbreviate(ifMatch.get()) + " does not match the current ETag " + etag(current)
                            + "; GET the user again and retry with its ETag");
        }
        return OptionalLong.of(current.version());
    }

    private UserDraft draft(UserInput input) {
        return draft(input, p -> hasher.hash(p.toCharArray()));
    }

    /** The draft for valid input (hashing a password with {@code hash}), or the 400 validation problem. */
    static UserDraft draft(UserInput input, Function<String, String> hash) {
        List<FieldError> errors = input.validate();
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        Optional<String> passwordHash = input.optionalPassword().map(hash);
        return new UserDraft(input.name().strip(), input.email().strip(), input.effectiveRoles(), passwordHash);
    }

    static String etag(User user) {
        return "\"" + user.version() + "\"";
    }

    /**
     * Whether an {@code If-Match} / {@code If-None-Match} list names the version. {@code *} matches any.
     * {@code If-Match} uses strong comparison (weak tags never match); {@code If-None-Match} weak.
     */
    static boolean matchesAny(String header, long version, boolean weakComparison) {
        if (header.strip().equals("*")) {
            return true;
        }
        Set<String> tags = new HashSet<>();
        for (String part : header.split(",")) {
            String tag = part.strip();
            if (tag.startsWith("W/")) {
                if (!weakComparison) {
                    continue;
                }
                tag = tag.substring(2);
            }
            tags.add(tag);
        }
        return tags.contains("\"" + version + "\"");
    }

    static long parseId(ServerRequest req) {
        String text = req.path().pathParameters().get("id");
        try {
            long id = Long.parseLong(text);
            if (id > 0 && text.charAt(0) != '+') {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the problem below
        }
        throw ProblemException.badRequest(
                "\"" + abbreviate(text) + "\" is not a valid user id; ids are positive whole numbers");
    }

    static int parseLimit(String text) {
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the problem below
        }
        throw ProblemException.badRequest("Query parameter limit \"" + abbreviate(text)
                + "\" must be a whole number from 1 to " + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")");
    }

    private static ProblemException notFound(long id) {
        return ProblemException.notFound("There is no user with id " + id);
    }

    private static String abbreviate(String value) {
        return Texts.abbreviate(value, 64);
    }

    /** Maps the store's typed failures to problems, in one place for every route. */
    static Handler guard(StoreFailureLog storeFailures, Handler handler) {
        return (req, res) -> {
            try {
                handler.handle(req, res);
            } catch (DuplicateEmailException e) {
                throw ProblemException.conflict(e.getMessage());
            } catch (UserNotFoundException e) {
                throw ProblemException.notFound(e.getMessage());
            } catch (VersionConflictException e) {
                throw ProblemException.preconditionFailed("The user changed while this request ran (now version "
                        + e.actualVersion() + "); GET it again and retry with its ETag");
            } catch (StoreFullException e) {
                LOG.warn("{}", e.getMessage());
                throw ProblemException.of(
                        507,
                        "Insufficient Storage",
                        "The user store's disk is full: the change was not applied. Reads still work; retry once"
                                + " space has been freed");
            } catch (StoreReadOnlyException e) {
                LOG.warn("{}", e.getMessage());
                throw ProblemException.serviceUnavailable(
                        "The user store cannot write now (read-only or failing): the change was not applied."
                                + " Reads still work; retry later",
                        Duration.ofSeconds(5));
            } catch (StoreUnavailableException e) {
                storeFailures.failed(e);
                throw ProblemException.serviceUnavailable(
                        "The user store is not answering; retry shortly", Duration.ofSeconds(1));
            }
        };
    }
}
