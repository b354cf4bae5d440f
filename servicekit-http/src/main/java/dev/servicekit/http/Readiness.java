package dev.servicekit.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code GET /health/ready} reports: whether the service takes traffic, its lifecycle state,
 * and the result of each check (for example {@code "store": "UP"}).
 *
 * <p>Rendered as {@code {"status":"UP"|"DOWN","state":…,"checks":{…}}} with 200 when ready and 503
 * otherwise.
 *
 * {@snippet :
 * Supplier<Readiness> readiness = () -> store.ping()
 *         ? Readiness.ready("RUNNING", Map.of("store", "UP"))
 *         : Readiness.notReady("RUNNING", Map.of("store", "DOWN"));
 * }
 *
 * @param ready  whether load balancers should send traffic
 * @param state  the service's lifecycle state, for example {@code STARTING} or {@code RUNNING}
 * @param checks check name to result; values must serialize to JSON; iteration order is kept
 */
public record Readiness(boolean ready, String state, Map<String, Object> checks) {

    /** Validates and copies the checks, keeping their order. */
    public Readiness {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(checks, "checks");
        checks.forEach((name, value) -> {
            Objects.requireNonNull(name, "check name");
            Objects.requireNonNull(value, () -> "value of check \"" + name + "\"");
        });
        checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
    }

    /**
     * Ready, without checks.
     *
     * @param state the lifecycle state
     * @return the readiness
     */
    public static Readiness ready(String state) {
        return new Readiness(true, state, Map.of());
    }

    /**
     * Ready, with check results.
     *
     * @param state  the lifecycle state
     * @param checks check results
     * @return the readiness
     */
    public static Readiness ready(String state, Map<String, Object> checks) {
        return new Readiness(true, state, checks);
    }

    /**
     * Not ready, without checks (for example while starting or stopping).
     *
     * @param state the lifecycle state
     * @return the readiness
     */
    public static Readiness notReady(String state) {
        return new Readiness(false, state, Map.of());
    }

    /**
     * Not ready, with check results saying which check failed.
     *
     * @param state  the lifecycle state
     * @param checks check results
     * @return the readiness
     */
    public static Readiness notReady(String state, Map<String, Object> checks) {
        return new Readiness(false, state, checks);
    }
}
