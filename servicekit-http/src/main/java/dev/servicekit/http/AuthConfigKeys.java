package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configuration keys of API authentication (JWT): one key source (an HS256 secret file, an RS256/ES256
 * public-key PEM file, or a JWKS URL), the expected issuer and audience, clock skew, size limit and the
 * lifetime of tokens this service issues.
 *
 * <p>Every key except {@code auth.enabled} is reloadable: a reload that changes a key the authenticator uses (the
 * key source or the file it names, issuer, audience, clock skew, token size) builds a new {@link JwtAuthenticator}
 * and swaps it into both listeners; one that changes what issuing uses (key, issuer, audience, {@code auth.token-ttl})
 * builds a new issuer. The cache keys ({@code auth.cache.*}) also build a new authenticator, with an empty verified-token
 * cache of the new size and age. If the new key material cannot be loaded the reload fails and nothing changes. A reload that
 * changes no auth key keeps the running authenticator and its cached JWKS keys. While {@code auth.enabled} is false
 * a changed auth key is reported as not in use.
 */
public final class AuthConfigKeys {

    /** Whether API routes that declare scopes require a token. */
    public static final ConfigKey<Boolean> ENABLED = ConfigKey.builder("auth.enabled", ConfigType.bool())
            .defaultValue(true)
            .description(
                    "Require a JWT on every API route that declares scopes. false serves them to anyone (a warning is logged at every start).")
            .build();

    /** The file name of the HS256 secret generated in the data directory when no key source is configured. */
    static final String DEFAULT_SECRET_FILE = "jwt-hs256.key";

    /** The HS256 secret file; by default {@code <data-dir>/jwt-hs256.key} unless a public key or JWKS is configured. */
    public static final ConfigKey<Path> HS256_SECRET_FILE = ConfigKey.builder(
                    "auth.hs256-secret-file", ConfigType.secretFile())
            .derivedDefault(
                    AuthConfigKeys::defaultSecretFile,
                    "<data-dir>/jwt-hs256.key, generated on first start when no key source is set")
            .reloadable()
            .description("File with the base64 HS256 signing secret (at least 256 bits); owner-only permissions.")
            .build();

    /** An RS256/ES256 public key. */
    public static final ConfigKey<Path> PUBLIC_KEY_FILE = ConfigKey.builder("auth.public-key-file", ConfigType.path())
            .reloadable()
            .description(
                    "PEM public key (RSA ≥ 2048 bits for RS256, P-256 for ES256) that verifies tokens issued elsewhere.")
            .build();

    /** A JWKS URL. */
    public static final ConfigKey<String> JWKS_URL = ConfigKey.builder("auth.jwks-url", ConfigType.nonBlankString())
            .reloadable()
            .description(
                    "JWKS URL of an identity provider (https; http only for loopback); keys are cached and refreshed.")
            .build();

    /** Expected {@code iss}. */
    public static final ConfigKey<String> ISSUER = ConfigKey.builder("auth.issuer", ConfigType.nonBlankString())
            .defaultValue("servicekit")
            .reloadable()
            .description("The iss claim tokens must carry (and that issued tokens get).")
            .build();

    /** Expected {@code aud}. */
    public static final ConfigKey<String> AUDIENCE = ConfigKey.builder("auth.audience", ConfigType.nonBlankString())
            .defaultValue("api")
            .reloadable()
            .description("The aud claim tokens must carry (and that issued tokens get).")
            .build();

    /** Clock skew. */
    public static final ConfigKey<Duration> CLOCK_SKEW = ConfigKey.builder("auth.clock-skew", ConfigType.duration())
            .defaultValue(JwtSettings.DEFAULT_CLOCK_SKEW)
            .reloadable()
            .description("Allowed clock difference when checking exp, nbf and iat (at most 5m).")
            .build();

    /** Token size limit. */
    public static final ConfigKey<Long> MAX_TOKEN_SIZE = ConfigKey.builder("auth.max-token-size", ConfigType.byteSize())
            .defaultValue((long) JwtSettings.DEFAULT_MAX_TOKEN_BYTES)
            .reloadable()
            .description("Largest bearer token accepted; larger ones get 401.")
            .build();

    /** How long a verified token is served from the verified-token cache. */
    public static final ConfigKey<Duration> CACHE_MAX_AGE = ConfigKey.builder(
                    "auth.cache.max-age", ConfigType.duration())
            .defaultValue(JwtSettings.DEFAULT_CACHE_MAX_AGE)
            .reloadable()
            .description(
                    "How long a verified token is answered from the verified-token cache before it is checked again (never past its exp; at most 1h); 0s disables the cache.")
            .build();

    /** The bound of the verified-token cache. */
    public static final ConfigKey<Integer> CACHE_MAX_ENTRIES = ConfigKey.builder(
                    "auth.cache.max-entries", ConfigType.integer(1, JwtSettings.MAX_CACHE_MAX_ENTRIES))
            .defaultValue(JwtSettings.DEFAULT_CACHE_MAX_ENTRIES)
            .reloadable()
            .description(
                    "Most tokens the verified-token cache holds; when full, expired entries and then arbitrary ones are evicted.")
            .build();

    /** Lifetime of issued tokens. */
    public static final ConfigKey<Duration> TOKEN_TTL = ConfigKey.builder("auth.token-ttl", ConfigType.duration())
            .defaultValue(Duration.ofHours(1))
            .reloadable()
            .description("Lifetime of tokens issued by POST /api/v1/auth/token and `token issue` (default for --ttl).")
            .build();

    private AuthConfigKeys() {}

    /** {@code <data-dir>/jwt-hs256.key}, or null (no default) when a public key or JWKS is the key source. */
    private static Path defaultSecretFile(Config config) {
        if (config.find(PUBLIC_KEY_FILE).isPresent() || config.find(JWKS_URL).isPresent()) {
            return null;
        }
        return config.get(dev.servicekit.core.CoreConfigKeys.DATA_DIR).resolve(DEFAULT_SECRET_FILE);
    }

    /** Every auth key, in documentation order. */
    public static List<ConfigKey<?>> all() {
        return List.of(
                ENABLED,
                HS256_SECRET_FILE,
                PUBLIC_KEY_FILE,
                JWKS_URL,
                ISSUER,
                AUDIENCE,
                CLOCK_SKEW,
                MAX_TOKEN_SIZE,
                CACHE_MAX_AGE,
                CACHE_MAX_ENTRIES,
                TOKEN_TTL);
    }

    /**
     * At most one key source; a JWKS URL must be a URL; {@code management.health-scope} needs {@code auth.enabled}
     * (without an authenticator no route checks scopes, so the key would promise a token it never asks for) and is one
     * scope (a route requiring a scope with a space would refuse every token).
     */
    public static List<ConfigProblem> check(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (!config.get(ENABLED)) {
            config.find(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE)
                    .ifPresent(scope -> problems.add(new ConfigProblem(
                            HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE.name(),
                            config.source(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE),
                            "\"" + scope + "\" is set but auth.enabled is false, so no token would be asked for and"
                                    + " /health/* and /metrics would be open to anyone; set auth.enabled to true, or"
                                    + " remove management.health-scope to keep them open on purpose")));
        }
        config.find(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE)
                .filter(scope -> scope.chars().anyMatch(Character::isWhitespace))
                .ifPresent(scope -> problems.add(new ConfigProblem(
                        HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE.name(),
                        config.source(HttpConfigKeys.MANAGEMENT_HEALTH_SCOPE),
                        "\"" + scope + "\" is not one scope: a token's scopes are separated by spaces, so no token"
                                + " could hold it; set one scope, e.g. monitoring")));
        List<String> sources = new ArrayList<>();
        if (!config.source(HS256_SECRET_FILE).equals("default")) {
            sources.add(HS256_SECRET_FILE.name());
        }
        config.find(PUBLIC_KEY_FILE).ifPresent(v -> sources.add(PUBLIC_KEY_FILE.name()));
        config.find(JWKS_URL).ifPresent(v -> sources.add(JWKS_URL.name()));
        if (sources.size() > 1) {
            problems.add(new ConfigProblem(
                    sources.get(1),
                    config.source(config.schema().key(sources.get(1)).orElseThrow()),
                    "only one key source may be set, but " + String.join(" and ", sources) + " are; keep one"));
        }
        Duration cacheMaxAge = config.get(CACHE_MAX_AGE);
        if (cacheMaxAge.compareTo(JwtSettings.MAX_CACHE_MAX_AGE) > 0) {
            problems.add(new ConfigProblem(
                    CACHE_MAX_AGE.name(),
                    config.source(CACHE_MAX_AGE),
                    "\"" + CACHE_MAX_AGE.type().format(cacheMaxAge)
                            + "\" is longer than 1h; use at most 1h (tokens are verified again after it), or 0s to disable"
                            + " the cache"));
        }
        config.find(JWKS_URL).ifPresent(url -> {
            try {
                URI uri = new URI(url);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new URISyntaxException(url, "needs a scheme and a host");
                }
            } catch (URISyntaxException e) {
                problems.add(new ConfigProblem(
                        JWKS_URL.name(),
                        config.source(JWKS_URL),
                        "\"" + url + "\" is not a URL; write e.g. https://login.example.com/.well-known/jwks.json"));
            }
        });
        return problems;
    }

    /** The configured key source other than the HS256 secret file, if any. */
    public static Optional<JwtKeySource> publicKeySource(Config config) {
        if (config.find(PUBLIC_KEY_FILE).isPresent()) {
            return Optional.of(JwtKeySource.publicKeyPem(config.get(PUBLIC_KEY_FILE)));
        }
        return config.find(JWKS_URL).map(url -> JwtKeySource.jwks(URI.create(url)));
    }

    /** Settings for the authenticator and issuer with the given key source. */
    public static JwtSettings settings(Config config, JwtKeySource keySource, java.time.Clock clock) {
        return JwtSettings.builder()
                .issuer(config.get(ISSUER))
                .audience(config.get(AUDIENCE))
                .clockSkew(config.get(CLOCK_SKEW))
                .maxTokenBytes((int) Math.min(Integer.MAX_VALUE, config.get(MAX_TOKEN_SIZE)))
                .clock(clock)
                .keySource(keySource)
                .cacheMaxAge(config.get(CACHE_MAX_AGE))
                .cacheMaxEntries(config.get(CACHE_MAX_ENTRIES))
                .build();
    }
}
