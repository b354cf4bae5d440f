package dev.servicekit.users;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where and how to open the {@link UserStore}; see {@link UserStores#open(StoreConfig, java.time.Clock)}.
 *
 * <p>Supported URLs:
 * <ul>
 *   <li>{@code jdbc:sqlite:<path>}: a SQLite database file; created with its parent directories if
 *       missing; a relative path is resolved against the working directory. No {@code ?options}: the
 *       store sets the PRAGMAs its durability depends on.</li>
 *   <li>{@code jdbc:postgresql://host[:port]/database[?options]}: a PostgreSQL database that several instances
 *       may share. The role is {@link #username()}, its password is read from {@link #passwordFile()} when the
 *       store opens; neither may be in the URL, and the timeouts the store derives from {@link #timeout()}
 *       ({@code connectTimeout}, {@code socketTimeout}, {@code loginTimeout}) may not be set there either.</li>
 *   <li>{@code memory:}: in memory, lost when the process exits; for tests and benchmarks.</li>
 * </ul>
 *
 * <pre>{@code
 * StoreConfig config = StoreConfig.create("jdbc:sqlite:/var/lib/users-service/users.db");
 * StoreConfig tuned = new StoreConfig(config.url(), 8, Duration.ofSeconds(2));
 * StoreConfig shared = StoreConfig.create("jdbc:postgresql://db.internal/users")
 *         .withCredentials("users", Path.of("/etc/users-service/db-password"));
 * }</pre>
 *
 * @param url the store URL, one of the forms above
 * @param poolSize the most connections the store holds open, at least 1 (default
 *     {@value #DEFAULT_POOL_SIZE}); ignored by {@code memory:}
 * @param connectionTimeout the longest an operation waits for a connection or for the database lock,
 *     positive (default 5 s); ignored by {@code memory:}
 * @param timeout the longest a caller waits for any store call, end to end (a connection, the database's
 *     answer), positive (default 5 s); after it the call fails with {@link StoreUnavailableException}. The
 *     PostgreSQL store also derives its connect, socket and statement timeouts from it, so a stuck connection is
 *     freed. Ignored by {@code memory:}, whose calls never wait
 * @param username the PostgreSQL role to log in as; only allowed with a PostgreSQL URL, and needed to open one
 * @param passwordFile a file holding the PostgreSQL role's password (its first line); only with a PostgreSQL
 *     URL
 * @param cacheMaxEntries SQLite only: the most users its cache of reads by id holds, 0 to turn it off (default
 *     {@value #DEFAULT_CACHE_MAX_ENTRIES}; at most {@value #MAX_CACHE_MAX_ENTRIES}); ignored by the other stores
 */
public record StoreConfig(
        String url,
        int poolSize,
        Duration connectionTimeout,
        Duration timeout,
        Optional<String> username,
        Optional<Path> passwordFile,
        int cacheMaxEntries) {

    /** The default {@link #poolSize()}. */
    public static final int DEFAULT_POOL_SIZE = 4;

    /** The default {@link #connectionTimeout()}. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    /** The default {@link #timeout()}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** The default {@link #cacheMaxEntries()}. */
    public static final int DEFAULT_CACHE_MAX_ENTRIES = 10_000;

    /** The largest {@link #cacheMaxEntries()}. */
    public static final int MAX_CACHE_MAX_ENTRIES = 1_000_000;

    static final String MEMORY_URL = "memory:";
    static final String SQLITE_PREFIX = "jdbc:sqlite:";
    static final String POSTGRESQL_PREFIX = "jdbc:postgresql:";
    static final String SUPPORTED_FORMS = "'jdbc:sqlite:<path>' (a SQLite file), "
            + "'jdbc:postgresql://host[:port]/database' (PostgreSQL) or 'memory:' (tests and benchmarks only)";

    /** URL options the store sets itself, and the key that sets each. */
    private static final List<List<String>> OWNED_OPTIONS = List.of(
            List.of("password", "store.password-file"),
            List.of("user", "store.username"),
            List.of("connectTimeout", "store.timeout"),
            List.of("socketTimeout", "store.timeout"),
            List.of("loginTimeout", "store.timeout"));

    private static final Pattern PASSWORD_OPTION = Pattern.compile("(?i)([?&]password=)[^&]*");
    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.:-]*://)([^/?#@]*)@");

    /** The configuration values a problem can be about. */
    enum Field {
        URL,
        POOL_SIZE,
        CONNECTION_TIMEOUT,
        TIMEOUT,
        USERNAME,
        PASSWORD_FILE,
        CACHE_MAX_ENTRIES
    }

    /** One invalid value: which one and what is wrong with it (never a password). */
    record Problem(Field field, String message) {}

    /**
     * Validates every field and reports all problems at once.
     *
     * @throws IllegalArgumentException listing each invalid field, its value (a password in it masked) and the
     *     valid choices
     */
    public StoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(passwordFile, "passwordFile");
        List<Problem> problems =
                problems(url, poolSize, connectionTimeout, timeout, username, passwordFile, cacheMaxEntries);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid store configuration: "
                    + problems.stream().map(Problem::message).collect(Collectors.joining("; ")));
        }
    }

    /**
     * A configuration with the default cache size.
     *
     * @throws IllegalArgumentException listing each invalid field
     */
    public StoreConfig(
            String url,
            int poolSize,
            Duration connectionTimeout,
            Duration timeout,
            Optional<String> username,
            Optional<Path> passwordFile) {
        this(url, poolSize, connectionTimeout, timeout, username, passwordFile, DEFAULT_CACHE_MAX_ENTRIES);
    }

    /**
     * A configuration with the default timeouts and no PostgreSQL credentials.
     *
     * @param url the store URL
     * @param poolSize the most connections held open
     * @param connectionTimeout the longest wait for a connection or the database lock
     * @throws IllegalArgumentException if a value is invalid
     */
    public StoreConfig(String url, int poolSize, Duration connectionTimeout) {
        this(url, poolSize, connectionTimeout, DEFAULT_TIMEOUT, Optional.empty(), Optional.empty());
    }

    /**
     * A configuration with the default pool size and timeouts.
     *
     * @param url the store URL
     * @return the configuration
     * @throws IllegalArgumentException if the URL is not one of the supported forms
     */
    public static StoreConfig create(String url) {
        return new StoreConfig(url, DEFAULT_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT);
    }

    /**
     * This configuration with another {@link #timeout()}.
     *
     * @param callTimeout the longest a caller waits for a store call, positive
     * @return the new configuration
     */
    public StoreConfig withTimeout(Duration callTimeout) {
        return new StoreConfig(url, poolSize, connectionTimeout, callTimeout, username, passwordFile, cacheMaxEntries);
    }

    /**
     * This configuration with another {@link #cacheMaxEntries()}.
     *
     * @param maxEntries the most users the SQLite store's cache of reads by id holds; 0 turns it off
     * @return the new configuration
     */
    public StoreConfig withCacheMaxEntries(int maxEntries) {
        return new StoreConfig(url, poolSize, connectionTimeout, timeout, username, passwordFile, maxEntries);
    }

    /**
     * This configuration with PostgreSQL credentials.
     *
     * @param role the role to log in as
     * @param passwordFileOfRole the file holding its password
     * @return the new configuration
     * @throws IllegalArgumentException if the URL is not a PostgreSQL URL
     */
    public StoreConfig withCredentials(String role, Path passwordFileOfRole) {
        return new StoreConfig(
                url,
                poolSize,
                connectionTimeout,
                timeout,
                Optional.of(Objects.requireNonNull(role, "role")),
                Optional.of(Objects.requireNonNull(passwordFileOfRole, "passwordFileOfRole")),
                cacheMaxEntries);
    }

    /** The SQLite file, if this is a {@code jdbc:sqlite:} URL. */
    Optional<Path> sqlitePath() {
        return url.startsWith(SQLITE_PREFIX)
                ? Optional.of(Path.of(url.substring(SQLITE_PREFIX.length())))
                : Optional.empty();
    }

    /** Whether this is a {@code jdbc:postgresql:} URL. */
    boolean isPostgresql() {
        return url.startsWith(POSTGRESQL_PREFIX);
    }

    /** Every problem of these values, in field order; empty when they make a valid configuration. */
    static List<Problem> problems(
            String url,
            int poolSize,
            Duration connectionTimeout,
            Duration timeout,
            Optional<String> username,
            Optional<Path> passwordFile,
            int cacheMaxEntries) {
        List<Problem> problems = new ArrayList<>();
        urlProblem(url).ifPresent(message -> problems.add(new Problem(Field.URL, message)));
        if (poolSize < 1) {
            problems.add(new Problem(
                    Field.POOL_SIZE,
                    "store pool size '" + poolSize + "' must be at least 1 (default " + DEFAULT_POOL_SIZE + ")"));
        }
        if (connectionTimeout.isNegative() || connectionTimeout.isZero()) {
            problems.add(new Problem(
                    Field.CONNECTION_TIMEOUT,
                    "store connection timeout '" + connectionTimeout + "' must be positive (default "
                            + DEFAULT_CONNECTION_TIMEOUT + ")"));
        }
        if (timeout.isNegative() || timeout.isZero()) {
            problems.add(new Problem(
                    Field.TIMEOUT,
                    "store timeout '" + timeout + "' must be positive (default " + DEFAULT_TIMEOUT + ")"));
        }
        if (cacheMaxEntries < 0 || cacheMaxEntries > MAX_CACHE_MAX_ENTRIES) {
            problems.add(new Problem(
                    Field.CACHE_MAX_ENTRIES,
                    "store cache entries '" + cacheMaxEntries + "' must be 0 (off) to " + MAX_CACHE_MAX_ENTRIES
                            + " (default " + DEFAULT_CACHE_MAX_ENTRIES + ")"));
        }
        boolean postgresql = url.startsWith(POSTGRESQL_PREFIX);
        if (username.isPresent() && username.get().isBlank()) {
            problems.add(new Problem(Field.USERNAME, "store username '" + username.get() + "' is blank; name a role"));
        }
        if (!postgresql) {
            String onlyFor = " applies only to PostgreSQL, but store.url is '" + redact(url) + "'; remove it, or set"
                    + " store.url to 'jdbc:postgresql://host[:port]/database'";
            username.ifPresent(u -> problems.add(new Problem(Field.USERNAME, "store.username" + onlyFor)));
            passwordFile.ifPresent(
                    f -> problems.add(new Problem(Field.PASSWORD_FILE, "store.password-file" + onlyFor)));
        }
        return problems;
    }

    /**
     * What keeps a valid configuration from being opened: a PostgreSQL URL without a role. (Not a problem of the
     * record itself, so that {@code create(url).withCredentials(...)} works.)
     */
    Optional<Problem> missingRole() {
        return missingRole(url, username);
    }

    /** {@link #missingRole()} of values that may not make a valid configuration. */
    static Optional<Problem> missingRole(String url, Optional<String> username) {
        if (!url.startsWith(POSTGRESQL_PREFIX) || username.isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new Problem(
                Field.USERNAME,
                "store URL '" + redact(url) + "' names PostgreSQL but no role is set; set store.username to the role"
                        + " to log in as (and store.password-file to a file holding its password)"));
    }

    /**
     * The URL with any password in it masked: the {@code password=} option's value and the password of a
     * {@code user:password@} prefix become {@code ****}. Every message that quotes a store URL quotes this.
     */
    static String redact(String url) {
        String masked = PASSWORD_OPTION.matcher(url).replaceAll("$1****");
        Matcher userInfo = USER_INFO.matcher(masked);
        if (userInfo.find()) {
            String info = userInfo.group(2);
            int colon = info.indexOf(':');
            String user = colon < 0 ? info : info.substring(0, colon) + ":****";
            masked = userInfo.group(1) + user + "@" + masked.substring(userInfo.end());
        }
        return masked;
    }

    private static Optional<String> urlProblem(String url) {
        if (url.equals(MEMORY_URL)) {
            return Optional.empty();
        }
        if (url.startsWith(SQLITE_PREFIX)) {
            return sqliteProblem(url);
        }
        if (url.startsWith(POSTGRESQL_PREFIX)) {
            return postgresqlProblem(url);
        }
        return Optional.of("store URL '" + redact(url) + "' is not supported; use " + SUPPORTED_FORMS + hint(url));
    }

    private static Optional<String> sqliteProblem(String url) {
        String path = url.substring(SQLITE_PREFIX.length());
        if (path.isBlank()) {
            return Optional.of("store URL '" + url + "' names no file; write 'jdbc:sqlite:<path>', for example "
                    + "'jdbc:sqlite:/var/lib/users-service/users.db'");
        }
        if (path.equals(":memory:") || path.startsWith("file:") || path.contains("?")) {
            return Optional.of("store URL '" + url + "' must name a plain file path without options "
                    + "(the store sets journal mode, sync and timeouts itself); use 'jdbc:sqlite:<path>', "
                    + "or 'memory:' for a throw-away store");
        }
        try {
            Path.of(path);
        } catch (InvalidPathException e) {
            return Optional.of("store URL '" + url + "' is not a valid file path: " + e.getReason());
        }
        return Optional.empty();
    }

    private static Optional<String> postgresqlProblem(String url) {
        String shown = redact(url);
        String form = "write 'jdbc:postgresql://host[:port]/database[?options]', for example "
                + "'jdbc:postgresql://db.internal:5432/users'";
        String rest = url.substring(POSTGRESQL_PREFIX.length());
        if (!rest.startsWith("//")) {
            return Optional.of("store URL '" + shown + "' names no host; " + form);
        }
        String authority = rest.substring(2).split("[/?]", 2)[0];
        if (authority.contains("@")) {
            return Optional.of("store URL '" + shown + "' holds credentials; remove them from the URL and set "
                    + "store.username and store.password-file (a file readable only by the service account)");
        }
        Properties parsed = org.postgresql.Driver.parseURL(url, null);
        if (parsed == null || authority.isEmpty()) {
            return Optional.of("store URL '" + shown + "' is not a valid PostgreSQL URL; " + form);
        }
        if (parsed.getProperty("PGDBNAME", "").isEmpty()) {
            return Optional.of("store URL '" + shown + "' names no database; " + form);
        }
        List<String> owned = new ArrayList<>();
        Set<String> given = parsed.stringPropertyNames().stream()
                .map(name -> name.toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        for (List<String> option : OWNED_OPTIONS) {
            if (given.contains(option.get(0).toLowerCase(Locale.ROOT))) {
                owned.add("'" + option.get(0) + "' (set " + option.get(1) + ")");
            }
        }
        if (!owned.isEmpty()) {
            return Optional.of("store URL '" + shown + "' sets " + String.join(", ", owned)
                    + "; remove them from the URL: the store sets them from those keys, and a password in the URL"
                    + " would show wherever the URL does");
        }
        return Optional.empty();
    }

    /** A "did you mean" for near misses; never repeats a password. */
    private static String hint(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        for (String near : List.of("jdbc:postgres:", "jdbc:pgsql:", "postgresql:", "postgres:")) {
            if (lower.startsWith(near)) {
                String rest = url.substring(near.length());
                Matcher userInfo = USER_INFO.matcher("x:" + rest);
                String credentials = "";
                if (userInfo.find()) {
                    rest = "//" + ("x:" + rest).substring(userInfo.end());
                    credentials = " (with the role in store.username and its password in store.password-file)";
                }
                return "; did you mean '" + POSTGRESQL_PREFIX + redact(rest) + "'" + credentials + "?";
            }
        }
        for (String near : List.of("jdbc:sqlite3:", "sqlite:", "sqlite3:", "jdbc:sqlite:")) {
            if (lower.startsWith(near)) {
                return "; did you mean '" + SQLITE_PREFIX + url.substring(near.length()) + "'?";
            }
        }
        if (lower.equals("memory") || lower.equals(":memory:") || lower.equals("mem:")) {
            return "; did you mean 'memory:'?";
        }
        return "";
    }
}
