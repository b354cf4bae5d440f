package dev.servicekit.http;

import io.helidon.webserver.http.ServerRequest;
import java.util.Objects;

/**
 * The current {@link ApiSettings} of one listener and the limiter sized by them. {@link #apply} swaps the
 * snapshot in one volatile write; the routing pins the snapshot into each request's {@link RequestState} when it
 * arrives, and every later step of that request reads the pinned one ({@link #of}).
 */
final class LiveSettings {

    private final String serverName;
    private final long framingLimit;
    private final boolean shedsOverload;
    private final ConcurrencyLimiter limiter;
    private volatile ApiSettings current;

    /**
     * @param shedsOverload whether requests over {@link ApiSettings#maxConcurrentRequests()} are shed; false for the
     *                      management listener, whose health and metrics must answer under any load
     */
    LiveSettings(String serverName, ApiSettings initial, boolean shedsOverload) {
        this.serverName = serverName;
        this.framingLimit = ApiSettings.framingLimit(initial.maxBodyBytes());
        this.shedsOverload = shedsOverload;
        this.limiter = new ConcurrencyLimiter(initial.maxConcurrentRequests());
        this.current = initial;
    }

    ApiSettings current() {
        return current;
    }

    /** The body limit Helidon enforces itself, before routing; fixed for the listener's life. */
    long framingLimit() {
        return framingLimit;
    }

    boolean shedsOverload() {
        return shedsOverload;
    }

    ConcurrencyLimiter limiter() {
        return limiter;
    }

    /**
     * Makes {@code next} the settings of every request that arrives from now on; requests already running keep
     * theirs.
     *
     * @throws IllegalArgumentException if the body limit is above what the running listener can enforce
     */
    synchronized void apply(ApiSettings next) {
        check(next);
        limiter.resize(next.maxConcurrentRequests());
        current = next;
    }

    /**
     * Whether {@link #apply} would take {@code next}; changes nothing.
     *
     * @throws IllegalArgumentException if the body limit is above what the running listener can enforce
     */
    void check(ApiSettings next) {
        Objects.requireNonNull(next, "next");
        if (next.maxBodyBytes() > framingLimit) {
            throw new IllegalArgumentException("limits.max-body-size \"" + next.maxBodyBytes()
                    + "\" bytes is above what the running " + serverName + " listener can enforce (" + framingLimit
                    + " bytes, fixed when it started); restart to raise it that far");
        }
    }

    /** The snapshot pinned to the request ({@link RequestState}), or the current one if it was not pinned (not expected). */
    ApiSettings of(ServerRequest req) {
        RequestState state = RequestState.find(req);
        return state != null ? state.settings() : current;
    }
}
