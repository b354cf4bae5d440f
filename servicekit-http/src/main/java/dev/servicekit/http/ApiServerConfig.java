package dev.servicekit.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the API listener.
 *
 * {@snippet :
 * ApiServerConfig config = new ApiServerConfig("127.0.0.1", 8080, "http.port", 1_048_576, Duration.ofSeconds(30));
 * }
 *
 * @param host         host name or address to bind, for example {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port         TCP port, 0..65535; 0 picks a free port (see {@link ApiServer#port()})
 * @param portKey      the configuration key a user changes to move the port, used in error messages,
 *                     for example {@code http.port}
 * @param maxBodyBytes largest accepted request body; larger bodies get a 413 problem
 * @param drainTimeout how long {@link ApiServer#stop()} lets in-flight requests finish; zero closes at once
 */
public record ApiServerConfig(String host, int port, String portKey, long maxBodyBytes, Duration drainTimeout) {

    /** Default for {@link #maxBodyBytes()}: 1 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** Default for {@link #drainTimeout()}: 30 seconds. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Validates every field and reports all problems in one {@link IllegalArgumentException}.
     */
    public ApiServerConfig {
        List<String> problems = new ArrayList<>();
        ListenerSettings.checkAddress(host, port, portKey, problems);
        if (maxBodyBytes < 1) {
            problems.add("maxBodyBytes is " + maxBodyBytes + "; use a positive number of bytes, for example "
                    + DEFAULT_MAX_BODY_BYTES);
        }
        if (drainTimeout == null) {
            problems.add("drainTimeout is missing; use a duration such as " + DEFAULT_DRAIN_TIMEOUT);
        } else if (drainTimeout.isNegative()) {
            problems.add("drainTimeout is " + drainTimeout + "; use zero or a positive duration");
        }
        ListenerSettings.failIfAny("API server", problems);
    }

    /**
     * A configuration with the default body limit (1 MiB) and drain timeout (30 s).
     *
     * @param host    host to bind
     * @param port    port to bind, 0 for any free port
     * @param portKey configuration key of the port, for messages
     * @return the configuration
     */
    public static ApiServerConfig create(String host, int port, String portKey) {
        return new ApiServerConfig(host, port, portKey, DEFAULT_MAX_BODY_BYTES, DEFAULT_DRAIN_TIMEOUT);
    }
}
