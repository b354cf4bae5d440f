package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ReloadStep;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.core.StartContext;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What {@link HttpApplication#start} gets from the toolkit: the configuration, the host, a clock and the metrics
 * registry, and the places to declare routes, readiness checks, status sections and reload steps. Used only on the
 * starting thread, during {@code start}.
 */
public interface HttpServiceContext {

    /** The validated configuration the service starts with. */
    Config config();

    /** The host running the service (its state, reloads, listeners). */
    ServiceHost host();

    /** The clock for timestamps and token times. */
    Clock clock();

    /** The Prometheus registry {@code GET /metrics} serves; the application's own meters go here. */
    MeterRegistry meterRegistry();

    /** Registers a stop action; stop actions run in reverse order, after both listeners stopped. */
    void onStop(String what, StartContext.StopAction action);

    /** Reports what start is doing now (service managers show it). */
    void progress(String message);

    /**
     * Reports that this start did work later starts will not do again, such as applying schema migrations to a new
     * database ({@link StartContext#oneTimeWork}: the JDK's AOT cache is then not trained on this start).
     */
    void oneTimeWork(String what);

    /**
     * Adds API routes; each method and path template at most once (templates that differ only in a parameter's name,
     * such as {@code /notes/{id}} and {@code /notes/{name}}, match the same paths and count as one; the start fails).
     * The OpenAPI document the API listener serves at {@code /openapi.yaml} and {@code /openapi.json} is generated from
     * them ({@link Route#summary}, {@link Route#response}, …), so those two paths are the toolkit's.
     */
    void routes(List<Route> routes);

    /** Adds API routes. */
    default void routes(Route... routes) {
        routes(List.of(routes));
    }

    /**
     * Adds routes to the management listener beside {@code /admin/status} and {@code /admin/reload}, under the same
     * rules: each path starts with {@code /admin/}, each route needs the {@code admin} scope when auth is on, and they
     * are served only where the toolkit's admin routes are (with auth on, or on a loopback management listener). For
     * operations such as a backup that the command line asks a running instance to do.
     *
     * @throws IllegalArgumentException if a path does not start with {@code /admin/}
     */
    void adminRoutes(List<Route> routes);

    /**
     * Adds a readiness check: {@code GET /health/ready} answers 200 only while the host runs and every check is up,
     * and lists each as {@code "UP"} or {@code "DOWN"} (a check that throws is down). Called per request; keep it
     * fast and bounded.
     *
     * @throws IllegalArgumentException if the name is blank or declared twice
     */
    void readinessCheck(String name, BooleanSupplier up);

    /**
     * Adds a section to {@code GET /admin/status} (e.g. {@code "store"}); its value must serialize to JSON. Called per
     * request; a view that throws, or whose value cannot be written as JSON, shows
     * {@code {"error": "<class>: <message>"}} in its place (and is logged at WARN), the rest of the document is
     * unaffected.
     *
     * @throws IllegalArgumentException if the name is blank, declared twice or one of the toolkit's own entries
     *         ({@code name}, {@code instance}, {@code version}, {@code state}, {@code pid}, {@code startedAt},
     *         {@code uptimeSeconds}, {@code listeners}, {@code tls}, {@code config}, {@code jvm})
     */
    void statusSection(String name, Supplier<Object> view);

    /** Whether requests to routes that declare scopes must carry a valid token ({@code auth.enabled}). */
    boolean authEnabled();

    /**
     * Who sent a request: the connection's peer or, behind the proxies listed in {@code http.trusted-proxies}, the
     * client they report in {@code X-Forwarded-For}; for per-client rules such as a login throttle. Fixed at start
     * ({@code http.trusted-proxies} needs a restart).
     */
    ClientAddresses clientAddresses();

    /** The token issuer in effect, which a reload may replace; see {@link TokenIssuance}. */
    TokenIssuance tokens();

    /**
     * Takes part in every reload with the application's own reloadable keys: the step prepares from the new
     * configuration (and may refuse it), then its swap runs only if every other part of the reload prepared too.
     */
    void onReload(ReloadStep step);
}
