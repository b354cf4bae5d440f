package dev.servicekit.users;

import dev.servicekit.http.ClientAddresses;
import dev.servicekit.http.FieldError;
import dev.servicekit.http.JsonBodies;
import dev.servicekit.http.JsonSchemas;
import dev.servicekit.http.ProblemException;
import dev.servicekit.http.Route;
import dev.servicekit.http.RouteDoc;
import dev.servicekit.http.TokenIssuance;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/auth/token}: email and password in, a signed bearer token with the scopes of the
 * user's roles out. Unknown emails and wrong passwords get the same answer after the same amount of work;
 * repeated failures per client and per account get 429 with {@code Retry-After}, counted in the store so that
 * they hold across every instance on one database ({@link LoginRateLimiter}). The client is the peer, or behind
 * the proxies of {@code http.trusted-proxies} the address they forward ({@link ClientAddresses}). A store that
 * cannot answer, for the throttle as for the credentials, gets 503 with {@code Retry-After}.
 *
 * <p>Tokens are issued only while the key source is an HS256 secret; with a public key or JWKS the service only
 * verifies, and the route answers 404. The issuer and lifetime are the toolkit's {@link TokenIssuance}, which a
 * configuration reload replaces; each request uses the one it read first.
 */
final class AuthApi {

    static final String TOKEN_PATH = "/api/v1/auth/token";
    private static final int MAX_EMAIL = 254;
    private static final Logger LOG = LoggerFactory.getLogger(AuthApi.class);

    private final UserStore store;
    private final PasswordHasher hasher;
    private final StoreFailureLog storeFailures;
    private final TokenIssuance tokens;
    private final LoginRateLimiter limiter;
    private final ClientAddresses clients;
    /**
     * Checked against when the email is unknown, so both failures cost one hash. Computing it is a full
     * PBKDF2 run (hundreds of milliseconds), so it is made off the start path: by {@link #prepare()} once the
     * service runs, or by the first login that needs it, whichever comes first.
     */
    private volatile String decoyHash;

    AuthApi(
            UserStore store,
            PasswordHasher hasher,
            TokenIssuance tokens,
            LoginRateLimiter limiter,
            ClientAddresses clients,
            StoreFailureLog storeFailures) {
        this.store = store;
        this.storeFailures = storeFailures;
        this.hasher = hasher;
        this.tokens = tokens;
        this.limiter = limiter;
        this.clients = clients;
    }

    /** Computes the decoy hash now, if no login has needed it yet (called in the background after start). */
    void prepare() {
        decoyHash();
    }

    private String decoyHash() {
        String hash = decoyHash;
        if (hash == null) {
            synchronized (this) {
                hash = decoyHash;
                if (hash == null) {
                    hash = hasher.hash("decoy-password-never-matches".toCharArray());
                    decoyHash = hash;
                }
            }
        }
        return hash;
    }

    List<Route> routes() {
        return List.of(Route.post(TOKEN_PATH, UsersApi.guard(storeFailures, this::token))
                .operationId("issueToken")
                .summary("Exchange a user's email and password for a bearer token")
                .description("The token carries the scopes of the user's roles. Wrong email or password: 401;"
                        + " repeated failures per client or per account: 429 with `Retry-After`. 404 when the service"
                        + " only verifies tokens (its key is a public key or JWKS).")
                .requestSchema(JsonSchemas.object("TokenRequest")
                        .required("email", JsonSchemas.string().put("maxLength", MAX_EMAIL))
                        .required("password", JsonSchemas.string().put("writeOnly", true))
                        .build())
                .response(RouteDoc.Response.of(200, "A signed bearer token")
                        .json(JsonSchemas.object("TokenResponse")
                                .required("access_token", JsonSchemas.string().put("minLength", 1))
                                .required("token_type", JsonSchemas.enumOf("Bearer"))
                                .required(
                                        "expires_in",
                                        JsonSchemas.integer().put("minimum", 0).put("description", "Seconds"))
                                .build())
                        .header("Cache-Control", "Tokens are never cached", JsonSchemas.enumOf("no-store")))
                .problems(401, 404, 429));
    }

    /** The body of a token request. */
    record TokenRequest(String email, String password) {
        @Override
        public String toString() {
            return "TokenRequest[email=" + email + ", password=******]";
        }
    }

    /** The OAuth 2.0 style token response. */
    record TokenResponse(String access_token, String token_type, long expires_in) {}

    /** The scopes a user's roles grant: reader → users:read; writer → + users:write; admin → + admin. */
    static Set<String> scopesOf(List<String> roles) {
        Set<String> scopes = new LinkedHashSet<>();
        if (roles.contains("reader") || roles.contains("writer") || roles.contains("admin")) {
            scopes.add(UsersApi.READ);
        }
        if (roles.contains("writer") || roles.contains("admin")) {
            scopes.add(UsersApi.WRITE);
        }
        if (roles.contains("admin")) {
            scopes.add("admin");
        }
        return scopes;
    }

    /**
     * Whether the password matches the user's stored hash. A hash that cannot be checked (edited in the database, or
     * imported before {@code data import} checked hashes) is a failed login like a wrong password, after the same
     * work, and an ERROR for the operator: only setting the password again lets the user in.
     */
    private boolean matches(char[] password, UserCredentials credentials) {
        try {
            return hasher.matches(password, credentials.passwordHash());
        } catch (IllegalArgumentException e) {
            long id = credentials.user().id();
            LOG.error(
                    "User {} cannot log in: {}; the login was refused as a wrong password. Set the user's password"
                            + " again (PUT /api/v1/users/{} with a password)",
                    id,
                    e.getMessage(),
                    id);
            hasher.matches(password, decoyHash()); // the work of a real check, so the answer takes as long
            return false;
        }
    }

    private void token(ServerRequest req, ServerResponse res) {
        Optional<TokenIssuance.Issuing> current = tokens.current();
        if (current.isEmpty()) {
            throw ProblemException.notFound(
                    "This service does not issue tokens: its key source is auth.public-key-file or "
                            + "auth.jwks-url; get a token from that identity provider");
        }
        TokenIssuance.Issuing issuer = current.get();
        Duration ttl = issuer.ttl();
        TokenRequest body = JsonBodies.read(req, TokenRequest.class);
        List<FieldError> errors = new ArrayList<>();
        if (body.email() == null || body.email().isBlank()) {
            errors.add(new FieldError("email", "is required"));
        } else if (body.email().length() > MAX_EMAIL) {
            // No user has one (UserInput), and the throttle's account key is stored: keep it bounded.
            errors.add(new FieldError(
                    "email",
                    "must be at most " + MAX_EMAIL + " characters, was "
                            + body.email().length()));
        } else if (UserInput.hasControlCharacters(body.email())) {
            // No user has one (UserInput), and PostgreSQL refuses U+0000 in the throttle's account key.
            errors.add(new FieldError("email", UserInput.CONTROL_CHARACTERS));
        }
        if (body.password() == null || body.password().isEmpty()) {
            errors.add(new FieldError("password", "is required"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        String client = clients.of(req);
        Optional<Duration> wait = limiter.retryAfter(client, body.email());
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            throw ProblemException.of(
                            429, "Too Many Requests", "Too many failed logins; try again in " + seconds + " s")
                    .withHeader("Retry-After", Long.toString(seconds));
        }
        Optional<UserCredentials> credentials = store.credentials(body.email());
        char[] password = body.password().toCharArray();
        boolean ok;
        if (credentials.isPresent()) {
            ok = matches(password, credentials.get());
        } else {
            hasher.matches(password, decoyHash()); // the same work as for a known email, and always a failure
            ok = false;
        }
        if (!ok) {
            limiter.recordFailure(client, body.email());
            throw ProblemException.of(401, "Unauthorized", "The email or password is wrong");
        }
        limiter.recordSuccess(body.email());
        User user = credentials.get().user();
        String token = issuer.issue(Long.toString(user.id()), scopesOf(user.roles()));
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        JsonBodies.send(res, Status.OK_200, new TokenResponse(token, "Bearer", ttl.toSeconds()));
    }
}
