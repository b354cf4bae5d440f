package dev.servicekit.users;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to open the {@link UserStore}; see {@link UserStores#open(StoreConfig, java.time.Clock)}.
 *
 * <p>Supported URLs:
 * <ul>
 *   <li>{@code jdbc:sqlite:<path>}: a SQLite database file; created with its parent directories if
 *       missing; a relative path is resolved against the working directory. No {@code ?options}: the
 *       store sets the PRAGMAs its durability depends on.</li>
 *   <li>{@code memory:}: in memory, lost when the process exits; for tests and benchmarks.</li>
 * </ul>
 *
 * <pre>{@code
 * StoreConfig config = StoreConfig.create("jdbc:sqlite:/var/lib/users-service/users.db");
 * StoreConfig tuned = new StoreConfig(config.url(), 8, Duration.ofSeconds(2));
 * }</pre>
 *
 * @param url the store URL, one of the forms above
 * @param poolSize the most connections the store holds open, at least 1 (default
 *     {@value #DEFAULT_POOL_SIZE}); ignored by {@code memory:}
 * @param connectionTimeout the longest an operation waits for a connection or for the database lock,
 *     positive (default 5 s); ignored by {@code memory:}
 */
public record StoreConfig(String url, int poolSize, Duration connectionTimeout) {

    /** The default {@link #poolSize()}. */
    public static final int DEFAULT_POOL_SIZE = 4;

    /** The default {@link #connectionTimeout()}. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    static final String MEMORY_URL = "memory:";
    static final String SQLITE_PREFIX = "jdbc:sqlite:";
    static final String SUPPORTED_FORMS =
            "'jdbc:sqlite:<path>' (a SQLite file) or 'memory:' (tests and benchmarks only)";

    /**
     * Validates every field and reports all problems at once.
     *
     * @throws IllegalArgumentException listing each invalid field, its value and the valid choices
     */
    public StoreConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        List<String> problems = new ArrayList<>();
        urlProblem(url).ifPresent(problems::add);
        if (poolSize < 1) {
            problems.add("store pool size '" + poolSize + "' must be at least 1 (default " + DEFAULT_POOL_SIZE + ")");
        }
        if (connectionTimeout.isNegative() || connectionTimeout.isZero()) {
            problems.add("store connection timeout '" + connectionTimeout + "' must be positive (default "
                    + DEFAULT_CONNECTION_TIMEOUT + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid store configuration: " + String.join("; ", problems));
        }
    }

    /**
     * A configuration with the default pool size and connection timeout.
     *
     * @param url the store URL
     * @return the configuration
     * @throws IllegalArgumentException if the URL is not one of the supported forms
     */
    public static StoreConfig create(String url) {
        return new StoreConfig(url, DEFAULT_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT);
    }

    /** The SQLite file, if this is a {@code jdbc:sqlite:} URL. */
    Optional<Path> sqlitePath() {
        return url.startsWith(SQLITE_PREFIX)
                ? Optional.of(Path.of(url.substring(SQLITE_PREFIX.length())))
                : Optional.empty();
    }

    private static Optional<String> urlProblem(String url) {
        if (url.equals(MEMORY_URL)) {
            return Optional.empty();
        }
        if (url.startsWith(SQLITE_PREFIX)) {
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
        return Optional.of("store URL '" + url + "' is not supported; use " + SUPPORTED_FORMS + hint(url));
    }

    /** A "did you mean" for near misses. */
    private static String hint(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:") || lower.startsWith("postgres")) {
            return " (PostgreSQL is not supported yet)";
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
