package dev.servicekit.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of an {@link ApiServer} that can change while it runs: request limits, CORS and the
 * authenticator. The server holds one immutable snapshot and {@linkplain ApiServer#apply swaps} it whole; each
 * request reads the snapshot once when it arrives and uses it to the end, so it sees either the old or the new
 * settings, never a mix.
 *
 * {@snippet :
 * ApiSettings next = api.settings()
 *         .withMaxBodyBytes(2 * 1024 * 1024)
 *         .withConcurrency(128, Duration.ofMillis(500))
 *         .withCors(CorsSettings.allowing(List.of("https://app.example.com")));
 * api.apply(next);
 * }
 *
 * @param maxBodyBytes          largest accepted request body; larger ones get 413. At most
 *                              {@link #MAX_BODY_BYTES_CEILING} or the value the server was built with, whichever is
 *                              larger (the framing limit fixed when the listener starts)
 * @param maxConcurrentRequests requests served at the same time; further ones wait for a slot up to
 *                              {@code queueTimeout}, then get 503 with {@code Retry-After}. {@code 0} means unlimited
 * @param queueTimeout          how long a request may wait for a slot; zero sheds at once when all slots are busy
 * @param cors                  the CORS origins, or empty for CORS off
 * @param authenticator         checks routes that declare scopes, or empty to serve them unchecked
 */
public record ApiSettings(
        long maxBodyBytes,
        int maxConcurrentRequests,
        Duration queueTimeout,
        Optional<CorsSettings> cors,
        Optional<RequestAuthenticator> authenticator) {

    /** Default for {@link #maxConcurrentRequests()}: 256. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 256;
    /** Default for {@link #queueTimeout()}: 1 second. */
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(1);
    /**
     * The body size a server accepts at the framing level no matter what its starting limit was: 16 MiB. A running
     * server's {@link #maxBodyBytes()} can be raised by {@link ApiServer#apply} up to this or its starting
     * limit, whichever is larger; beyond it needs a restart.
     */
    public static final long MAX_BODY_BYTES_CEILING = 16L * 1024 * 1024;
    /** Longest accepted {@link #queueTimeout()}: a minute; longer waits hold connections for nothing. */
    public static final Duration MAX_QUEUE_TIMEOUT = Duration.ofMinutes(1);

    /**
     * Validates every component and reports all problems at once.
     *
     * @throws IllegalArgumentException listing every invalid value and its fix
     */
    public ApiSettings {
        Objects.requireNonNull(cors, "cors");
        Objects.requireNonNull(authenticator, "authenticator");
        List<String> problems = new ArrayList<>();
        if (maxBodyBytes < 1) {
            problems.add("maxBodyBytes is \"" + maxBodyBytes + "\"; use a positive number of bytes, for example "
                    + ApiServerConfig.DEFAULT_MAX_BODY_BYTES);
        }
        if (maxConcurrentRequests < 0) {
            problems.add("maxConcurrentRequests is \"" + maxConcurrentRequests + "\"; use a positive number such as "
                    + DEFAULT_MAX_CONCURRENT_REQUESTS + ", or 0 for unlimited");
        }
        if (queueTimeout == null) {
            problems.add("queueTimeout is missing; use a duration such as " + DEFAULT_QUEUE_TIMEOUT);
        } else if (queueTimeout.isNegative() || queueTimeout.compareTo(MAX_QUEUE_TIMEOUT) > 0) {
            problems.add("queueTimeout is \"" + queueTimeout + "\"; use 0 (shed at once) up to " + MAX_QUEUE_TIMEOUT);
        }
        ListenerSettings.failIfAny("API settings", problems);
    }

    /**
     * The defaults: {@link ApiServerConfig#DEFAULT_MAX_BODY_BYTES}, {@value #DEFAULT_MAX_CONCURRENT_REQUESTS}
     * concurrent requests, {@link #DEFAULT_QUEUE_TIMEOUT}, no CORS, no authenticator.
     *
     * @return the default settings
     */
    public static ApiSettings defaults() {
        return new ApiSettings(
                ApiServerConfig.DEFAULT_MAX_BODY_BYTES,
                DEFAULT_MAX_CONCURRENT_REQUESTS,
                DEFAULT_QUEUE_TIMEOUT,
                Optional.empty(),
                Optional.empty());
    }

    /** A copy with another body limit. */
    public ApiSettings withMaxBodyBytes(long value) {
        return new ApiSettings(value, maxConcurrentRequests, queueTimeout, cors, authenticator);
    }

    /** A copy with another concurrency limit ({@code 0}: unlimited) and queue timeout. */
    public ApiSettings withConcurrency(int maxConcurrent, Duration timeout) {
        return new ApiSettings(
                maxBodyBytes, maxConcurrent, Objects.requireNonNull(timeout, "timeout"), cors, authenticator);
    }

    /** A copy that allows the given CORS origins. */
    public ApiSettings withCors(CorsSettings value) {
        return new ApiSettings(
                maxBodyBytes,
                maxConcurrentRequests,
                queueTimeout,
                Optional.of(Objects.requireNonNull(value, "value")),
                authenticator);
    }

    /** A copy with CORS off. */
    public ApiSettings withoutCors() {
        return new ApiSettings(maxBodyBytes, maxConcurrentRequests, queueTimeout, Optional.empty(), authenticator);
    }

    /** A copy with another authenticator. */
    public ApiSettings withAuthenticator(RequestAuthenticator value) {
        return new ApiSettings(
                maxBodyBytes,
                maxConcurrentRequests,
                queueTimeout,
                cors,
                Optional.of(Objects.requireNonNull(value, "value")));
    }

    /** A copy that serves routes with scopes unchecked (auth off). */
    public ApiSettings withoutAuthenticator() {
        return new ApiSettings(maxBodyBytes, maxConcurrentRequests, queueTimeout, cors, Optional.empty());
    }

    /** The body limit Helidon enforces while framing, fixed at start: the starting limit or the ceiling. */
    static long framingLimit(long startingMaxBodyBytes) {
        return Math.max(startingMaxBodyBytes, MAX_BODY_BYTES_CEILING);
    }
}
