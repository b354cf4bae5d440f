package dev.servicekit.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus metrics for a service: one Micrometer {@link PrometheusMeterRegistry} with the JVM and
 * process meters bound, the HTTP server meters an {@link ApiServer} records when built with
 * {@link ApiServer.Builder#metrics(HttpMetrics)}, and the {@code GET /metrics} route that exposes them.
 *
 * {@snippet :
 * HttpMetrics metrics = HttpMetrics.create();
 * ApiServer api = ApiServer.builder(apiConfig).routes(routes).metrics(metrics).build();
 * ManagementServer management = ManagementServer.builder(managementConfig, lifecycle::readiness)
 *         .routes(List.of(metrics.scrapeRoute()))
 *         .build();
 * metrics.registry().gauge("users_store_pool_active", pool, Pool::active); // the application's own meters
 * }
 *
 * <p><b>HTTP meters</b> (Prometheus names in brackets):
 * <ul>
 *   <li>{@value #REQUESTS} [{@code http_server_requests_seconds}]: a timer per request with a latency
 *       histogram (percentile histogram plus SLO buckets from 5 ms to 5 s), tagged {@code method},
 *       {@code uri} (the matched route's path <em>template</em> such as {@code /api/v1/users/{id}};
 *       {@value #URI_NOT_FOUND} when no route matched the path, {@value #URI_UNMATCHED} for requests
 *       answered before a route was chosen: 405, CORS preflights, paused or shutting-down 503s; never the
 *       raw path), {@code status} (the code) and {@code outcome} ({@code SUCCESS}, {@code CLIENT_ERROR},
 *       {@code SERVER_ERROR}, …).</li>
 *   <li>{@value #ACTIVE} [{@code http_server_requests_active}]: requests in flight.</li>
 *   <li>{@value #REJECTED} [{@code http_server_requests_rejected_total}]: requests refused, tagged
 *       {@code reason}: {@code paused}, {@code shutting_down}, {@code payload_too_large}, {@code overloaded}
 *       (shed by the concurrency limit, see {@link ApiSettings#maxConcurrentRequests()}). Every reason
 *       is registered at 0 so that rates work from the first scrape.</li>
 * </ul>
 *
 * <p><b>JVM and process meters</b>: memory and buffer pools, GC, platform threads and thread states, the
 * virtual-thread scheduler ({@code jvm_threads_virtual_live_threads} by scheduling status, pool size and
 * parallelism, on JDK 24+), class loading, CPU, uptime and open file descriptors. The virtual-thread
 * <em>event</em> meters ({@code jvm_threads_virtual_pinned_seconds}, {@code jvm_threads_virtual_submit_failed_total})
 * need a JFR recording stream running for the life of the process, which costs about 270 classes and several MB
 * at start; they are opt-in: {@link Builder#virtualThreadEvents(boolean)}.
 *
 * <p><b>Threading.</b> All methods are thread-safe. One instance may serve several servers; its HTTP meters
 * then add up their requests. {@link #close()} stops the GC listener and the JFR stream, if any; call it once
 * the servers have stopped.
 */
public final class HttpMetrics implements AutoCloseable {

    /** The request timer's name. */
    public static final String REQUESTS = "http.server.requests";
    /** The in-flight gauge's name. */
    public static final String ACTIVE = "http.server.requests.active";
    /** The rejected-requests counter's name. */
    public static final String REJECTED = "http.server.requests.rejected";
    /** The {@code uri} tag of requests whose path matched no route. */
    public static final String URI_NOT_FOUND = "NOT_FOUND";
    /** The {@code uri} tag of requests answered before a route was chosen (405, preflight, rejected). */
    public static final String URI_UNMATCHED = "UNMATCHED";

    /** Prometheus text format 0.0.4 (also what Micrometer's registry names {@code TextFormat.CONTENT_TYPE_004}). */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics text 1.0.0. */
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final Logger LOG = LoggerFactory.getLogger(HttpMetrics.class);
    private static final Set<String> KNOWN_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");
    private static final Duration[] SLO_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5)
    };

    /** Why a request was refused without being served. */
    enum Rejection {
        PAUSED("paused"),
        SHUTTING_DOWN("shutting_down"),
        PAYLOAD_TOO_LARGE("payload_too_large"),
        OVERLOADED("overloaded");

        private final String tag;

        Rejection(String tag) {
            this.tag = tag;
        }
    }

    /** The tag every meter of an instance carries ({@link Builder#instance}). */
    public static final String INSTANCE_TAG = "service_instance";

    private final PrometheusMeterRegistry registry;
    private final AtomicInteger active = new AtomicInteger();
    private final Map<Rejection, Counter> rejected = new EnumMap<>(Rejection.class);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ConcurrentMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    private HttpMetrics(PrometheusMeterRegistry registry, boolean virtualThreadEvents) {
        this.registry = registry;
        Gauge.builder(ACTIVE, active, AtomicInteger::get)
                .description("HTTP requests in flight")
                .register(registry);
        for (Rejection reason : Rejection.values()) {
            rejected.put(
                    reason,
                    Counter.builder(REJECTED)
                            .description("HTTP requests refused without being served")
                            .tag("reason", reason.tag)
                            .register(registry));
        }
        bind(new JvmMemoryMetrics());
        JvmGcMetrics gc = new JvmGcMetrics();
        closeables.add(gc);
        bind(gc);
        bind(new JvmThreadMetrics());
        bind(new ClassLoaderMetrics());
        bind(new ProcessorMetrics());
        bind(new UptimeMetrics());
        bind(new FileDescriptorMetrics());
        if (virtualThreadEvents) {
            try {
                // Also registers the scheduler gauges, under the same names as VirtualThreadSchedulerMetrics.
                VirtualThreadMetrics virtualThreads = new VirtualThreadMetrics();
                closeables.add(virtualThreads);
                bind(virtualThreads);
                return;
            } catch (RuntimeException | LinkageError e) {
                // A JVM without JFR (some minimal images) still gets every other meter.
                LOG.warn(
                        "Virtual-thread event metrics are unavailable in this JVM (JFR is missing or disabled): {}",
                        e.toString());
            }
        }
        bind(new VirtualThreadSchedulerMetrics());
    }

    private void bind(MeterBinder binder) {
        binder.bindTo(registry);
    }

    /**
     * Creates a registry with the JVM and process meters bound and the HTTP meters registered, without the
     * virtual-thread event meters (see {@link Builder#virtualThreadEvents(boolean)}).
     *
     * @return the metrics; close them when the service stops
     */
    public static HttpMetrics create() {
        return builder().build();
    }

    /**
     * A builder, for the opt-in meters.
     *
     * {@snippet :
     * HttpMetrics metrics = HttpMetrics.builder().virtualThreadEvents(true).build();
     * }
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link HttpMetrics}. Not thread-safe; use it on one thread. */
    public static final class Builder {

        private boolean virtualThreadEvents;
        private Optional<String> instance = Optional.empty();

        private Builder() {}

        /**
         * Tags every meter with {@code service_instance="<instance>"}, so that instances sharing a host (and a
         * Prometheus job) stay apart. Not {@code instance}: Prometheus sets that label itself on every scrape (the
         * target's address) and would rename ours to {@code exported_instance}. Default: no tag.
         *
         * @param name the instance name
         * @return this builder
         */
        public Builder instance(String name) {
            this.instance = Optional.of(Objects.requireNonNull(name, "name"));
            return this;
        }

        /**
         * Whether to record the virtual-thread events {@code jvm_threads_virtual_pinned_seconds} (pinned longer
         * than 20 ms) and {@code jvm_threads_virtual_submit_failed_total}. They come from a JFR recording stream
         * that runs until {@link HttpMetrics#close()}, which costs about 270 loaded classes, tens of milliseconds
         * and several MB of resident memory from the start; default {@code false}. Without JFR in the JVM the
         * meters are skipped with a warning.
         *
         * @param enabled {@code true} to start the JFR stream
         * @return this builder
         */
        public Builder virtualThreadEvents(boolean enabled) {
            this.virtualThreadEvents = enabled;
            return this;
        }

        /**
         * Creates the registry with the meters bound.
         *
         * @return the metrics; close them when the service stops
         */
        public HttpMetrics build() {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            // Before any meter is registered: a common tag applies only to meters registered after it.
            instance.ifPresent(name -> registry.config().commonTags(INSTANCE_TAG, name));
            return new HttpMetrics(registry, virtualThreadEvents);
        }
    }

    /**
     * The registry, for the application's own meters (store pool, reloads, service state, …). Meter names
     * use Micrometer's dotted convention; the registry renders them in Prometheus style.
     *
     * @return the registry
     */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * {@code GET /metrics}: the registry in Prometheus text format 0.0.4, or in OpenMetrics 1.0.0 when the
     * {@code Accept} header names {@code application/openmetrics-text}. Without scopes; add them with
     * {@link Route#requireScopes} if the management listener is not private.
     *
     * @return the route, for the management server
     */
    public Route scrapeRoute() {
        return Route.get("/metrics", this::scrape);
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        boolean openMetrics = req.headers().values(HeaderNames.ACCEPT).stream()
                .anyMatch(value -> value.toLowerCase(Locale.ROOT).contains("application/openmetrics-text"));
        String contentType = openMetrics ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        String body = registry.scrape(contentType);
        res.header(HeaderNames.CONTENT_TYPE, contentType);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Stops the GC listener and the JFR stream, if any, and closes the registry. Idempotent. */
    @Override
    public void close() {
        synchronized (closeables) {
            for (AutoCloseable closeable : closeables) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.debug("Closing {} failed", closeable, e);
                }
            }
            closeables.clear();
        }
        registry.close();
    }

    void requestStarted() {
        active.incrementAndGet();
    }

    /** Records one finished request; {@code uri} is a route template or one of the fixed {@code URI_*} values. */
    void requestFinished(Method method, String uri, int status, long durationNanos) {
        active.decrementAndGet();
        String methodTag = KNOWN_METHODS.contains(method.text()) ? method.text() : "OTHER";
        // Looked up, not built, per request: the builder, its tags and the registry's own lookup cost more than
        // the recording itself. The keys are bounded: known methods, route templates, and status codes.
        timers.computeIfAbsent(new TimerKey(methodTag, uri, status), this::requestTimer)
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    private record TimerKey(String method, String uri, int status) {}

    private Timer requestTimer(TimerKey key) {
        return Timer.builder(REQUESTS)
                .description("HTTP requests served, by route template, method and status")
                .tag("method", key.method())
                .tag("uri", key.uri())
                .tag("status", Integer.toString(key.status()))
                .tag("outcome", Outcome.forStatus(key.status()).name())
                .publishPercentileHistogram()
                .serviceLevelObjectives(SLO_BUCKETS)
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    void rejected(Rejection reason) {
        rejected.get(reason).increment();
    }
}
