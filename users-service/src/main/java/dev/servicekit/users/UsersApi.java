package dev.servicekit.users;

import dev.servicekit.http.FieldError;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.ProblemException;
import dev.servicekit.http.Route;
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

    private final UserStore store;
    private final PasswordHasher hasher;

    UsersApi(UserStore store, PasswordHasher hasher) {
        this.store = store;
        this.hasher = hasher;
    }

    List<Route> routes() {
        return List.of(
                Route.get(BASE, guard(this::list)).requireScopes(READ),
                Route.post(BASE, guard(this::create)).requireScopes(WRITE),
                Route.get(BASE + "/{id}", guard(this::get)).requireScopes(READ),
                Route.put(BASE + "/{id}", guard(this::replace)).requireScopes(WRITE),
                Route.delete(BASE + "/{id}", guard(this::delete)).requireScopes(WRITE));
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
        OptionalLong expected = OptionalLong.empty();
        Optional<String> ifMatch = req.headers().first(HeaderNames.IF_MATCH);
        if (ifMatch.isPresent()) {
            User current = store.find(id).orElseThrow(() -> notFound(id));
            if (!matchesAny(ifMatch.get(), current.version(), false)) {
                throw ProblemException.preconditionFailed(
                        "If-Match " + abbreviate(ifMatch.get()) + " does not match the current ETag " + etag(current)
                                + "; GET the user again and retry with its ETag");
            }
            expected = OptionalLong.of(current.version());
        }
        User user = store.replace(id, draft, expected);
        res.header(HeaderNames.ETAG, etag(user));
        JsonBodies.send(res, Status.OK_200, UserView.of(user));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        long id = parseId(req);
        if (!store.delete(id)) {
            throw notFound(id);
        }
        res.status(Status.NO_CONTENT_204).send();
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
        return value.length() <= 64 ? value : value.substring(0, 61) + "...";
    }

    /** Maps the store's typed failures to problems, in one place for every route. */
    static Handler guard(Handler handler) {
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
            } catch (StoreUnavailableException e) {
                throw ProblemException.serviceUnavailable(
                        "The user store is not answering; retry shortly", Duration.ofSeconds(1));
            }
        };
    }
}
