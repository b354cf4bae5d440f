package dev.servicekit.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page's live series: every {@link #INTERVAL} a sample computed from the same Micrometer meters
 * {@code /metrics} exposes (the API's {@value HttpMetrics#REQUESTS} timers, {@value HttpMetrics#ACTIVE} and the
 * heap's {@code jvm.memory.used}), kept in a bounded ring of {@link #CAPACITY} samples (10 minutes).
 *
 * <p>Rates and percentiles are over one interval: the difference of the timers' cumulative counts and histogram
 * buckets since the previous sample, so a p99 is the p99 of the last two seconds, not since the start. Percentiles
 * are interpolated inside the histogram bucket that holds them (the buckets of {@link HttpMetrics}: about 10%
 * apart), so they are as exact as a Prometheus {@code histogram_quantile} over the same buckets.
 *
 * <p>Thread-safe: {@link #sample()} runs on one scheduler thread; {@link #view()} may be called from any thread.
 */
final class StatusSamples {

    static final Duration INTERVAL = Duration.ofSeconds(2);
    static final int CAPACITY = 300;

    private static final Logger LOG = LoggerFactory.getLogger(StatusSamples.class);

    /** One point of every series; a percentile is empty when no request finished in the interval. */
    record Sample(
            long epochMillis,
            double requestsPerSecond,
            Optional<Double> p50Millis,
            Optional<Double> p99Millis,
            double errorRate,
            double heapUsedBytes,
            double inFlight) {}

    private final MeterRegistry registry;
    private final Clock clock;
    private final int capacity;
    private final ArrayDeque<Sample> ring;
    // Cumulative counts at the previous sample: requests, 5xx, and bucket bound (nanos) → count at or below it.
    private long lastCount;
    private long lastErrors;
    private Map<Double, Double> lastBuckets = Map.of();
    private long lastNanos;
    private boolean primed;
    private ScheduledExecutorService scheduler;

    StatusSamples(MeterRegistry registry, Clock clock, int capacity) {
        this.registry = registry;
        this.clock = clock;
        this.capacity = capacity;
        this.ring = new ArrayDeque<>(capacity);
    }

    /** Samples every {@link #INTERVAL} on a daemon thread until {@link #stop()}. */
    synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("status-samples").daemon().factory());
        long millis = INTERVAL.toMillis();
        scheduler.scheduleAtFixedRate(this::sampleQuietly, 0, millis, TimeUnit.MILLISECONDS);
    }

    /** Stops sampling; idempotent. */
    synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            // A failed sample leaves a gap in the charts; it must not end the schedule.
            LOG.warn("Status page sample failed", e);
        }
    }

    /**
     * Takes one sample now; the first call only records the starting counts (a rate needs two points).
     * Called by the scheduler, and directly by tests with a fixed clock.
     */
    synchronized void sample() {
        long nanos = clock.millis() * 1_000_000L;
        long count = 0;
        long errors = 0;
        Map<Double, Double> buckets = new HashMap<>();
        for (Timer timer : registry.find(HttpMetrics.REQUESTS).timers()) {
            HistogramSnapshot snapshot = timer.takeSnapshot();
            count += snapshot.count();
            String status = timer.getId().getTag("status");
            if (status != null && status.startsWith("5")) {
                errors += snapshot.count();
            }
            for (CountAtBucket bucket : snapshot.histogramCounts()) {
                buckets.merge(bucket.bucket(TimeUnit.NANOSECONDS), bucket.count(), Double::sum);
            }
        }
        if (primed) {
            double seconds = Math.max(1e-3, (nanos - lastNanos) / 1e9);
            long requests = count - lastCount;
            TreeMap<Double, Double> delta = new TreeMap<>();
            buckets.forEach((bound, cumulative) -> delta.put(bound, cumulative - lastBuckets.getOrDefault(bound, 0.0)));
            Sample sample = new Sample(
                    nanos / 1_000_000L,
                    requests / seconds,
                    percentileMillis(delta, 0.50),
                    percentileMillis(delta, 0.99),
                    requests == 0 ? 0.0 : (double) (errors - lastErrors) / requests,
                    heapUsed(),
                    inFlight());
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(sample);
        }
        primed = true;
        lastNanos = nanos;
        lastCount = count;
        lastErrors = errors;
        lastBuckets = buckets;
    }

    /**
     * The q-quantile of the requests of one interval, from the interval's cumulative ("at or below") bucket counts
     * keyed by upper bound in nanoseconds, linear inside the bucket that holds it; empty without requests. The rank
     * counts the requests in the buckets, not the timers' request count: a timer counts a request a moment before it
     * files it in a bucket, so a sample taken in between would otherwise find a rank above every bucket (and report
     * the largest bound, 30 s). Requests slower than the largest bucket are left out for the same reason.
     */
    static Optional<Double> percentileMillis(TreeMap<Double, Double> cumulative, double q) {
        if (cumulative.isEmpty() || cumulative.lastEntry().getValue() <= 0) {
            return Optional.empty();
        }
        double rank = q * cumulative.lastEntry().getValue();
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            double upperBound = bucket.getKey();
            double upperCount = bucket.getValue();
            if (upperCount >= rank && upperCount > lowerCount) {
                double fraction = (rank - lowerCount) / (upperCount - lowerCount);
                return Optional.of((lowerBound + fraction * (upperBound - lowerBound)) / 1e6);
            }
            lowerBound = upperBound;
            lowerCount = upperCount;
        }
        return Optional.of(cumulative.lastKey() / 1e6);
    }

    private double heapUsed() {
        double sum = 0;
        for (Gauge gauge : registry.find("jvm.memory.used").tag("area", "heap").gauges()) {
            double value = gauge.value();
            if (Double.isFinite(value)) {
                sum += value;
            }
        }
        return sum;
    }

    private double inFlight() {
        Gauge gauge = registry.find(HttpMetrics.ACTIVE).gauge();
        return gauge == null || !Double.isFinite(gauge.value()) ? 0 : gauge.value();
    }

    /** The samples, oldest first. */
    synchronized List<Sample> samples() {
        return List.copyOf(ring);
    }

    /** The JSON body of {@code GET /admin/status/samples}: the interval and the samples, oldest first. */
    Map<String, Object> view() {
        List<Map<String, Object>> points = new ArrayList<>();
        for (Sample sample : samples()) {
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("t", sample.epochMillis());
            point.put("requestsPerSecond", round(sample.requestsPerSecond()));
            point.put("p50Millis", sample.p50Millis().map(StatusSamples::round).orElse(null));
            point.put("p99Millis", sample.p99Millis().map(StatusSamples::round).orElse(null));
            point.put("errorRate", round(sample.errorRate()));
            point.put("heapUsedBytes", (long) sample.heapUsedBytes());
            point.put("inFlight", (long) sample.inFlight());
            points.add(point);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("intervalMillis", INTERVAL.toMillis());
        view.put("capacity", capacity);
        view.put("samples", points);
        return view;
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
