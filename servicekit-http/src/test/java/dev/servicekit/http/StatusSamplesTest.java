package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.helidon.http.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The status page's series, computed from the meters of {@link HttpMetrics} with a clock the test moves. */
class StatusSamplesTest {

    final HttpMetrics metrics = HttpMetrics.create();
    final JwtTestTokens.MutableClock clock = new JwtTestTokens.MutableClock(Instant.parse("2026-12-04T12:00:00Z"));

    @AfterEach
    void close() {
        metrics.close();
    }

    private void requests(int count, int status, Duration latency) {
        for (int i = 0; i < count; i++) {
            metrics.requestStarted();
            metrics.requestFinished(Method.GET, "/api/v1/users", status, latency.toNanos());
        }
    }

    @Test
    void ratesErrorsAndPercentilesAreThoseOfTheLastIntervalOnly() {
        StatusSamples samples = new StatusSamples(metrics.registry(), clock, 10);
        requests(500, 200, Duration.ofMillis(300)); // before the first sample: never counted
        samples.sample();
        assertThat(samples.samples()).isEmpty();

        clock.advance(Duration.ofSeconds(2));
        requests(98, 200, Duration.ofMillis(10));
        requests(2, 503, Duration.ofMillis(900));
        samples.sample();

        StatusSamples.Sample first = samples.samples().getFirst();
        assertThat(first.requestsPerSecond()).isCloseTo(50.0, within(1e-9));
        assertThat(first.errorRate()).isCloseTo(0.02, within(1e-9));
        // Histogram buckets are about 10% apart: the interpolated percentiles land within a bucket of the truth.
        assertThat(first.p50Millis()).hasValueSatisfying(p50 -> assertThat(p50).isBetween(8.5, 11.5));
        assertThat(first.p99Millis()).hasValueSatisfying(p99 -> assertThat(p99).isBetween(600.0, 1000.0));
        assertThat(first.heapUsedBytes()).isPositive();

        clock.advance(Duration.ofSeconds(2));
        samples.sample();
        StatusSamples.Sample idle = samples.samples().get(1);
        assertThat(idle.requestsPerSecond()).isZero();
        assertThat(idle.errorRate()).isZero();
        assertThat(idle.p50Millis()).isEmpty();
        assertThat(idle.epochMillis() - first.epochMillis()).isEqualTo(2000);
    }

    @Test
    void inFlightRequestsAreTheActiveGauge() {
        StatusSamples samples = new StatusSamples(metrics.registry(), clock, 10);
        samples.sample();
        metrics.requestStarted();
        metrics.requestStarted();
        clock.advance(Duration.ofSeconds(2));
        samples.sample();
        assertThat(samples.samples().getFirst().inFlight()).isEqualTo(2.0);
    }

    @Test
    void theRingKeepsTheNewestSamplesUpToItsCapacity() {
        StatusSamples samples = new StatusSamples(metrics.registry(), clock, 3);
        for (int i = 0; i < 6; i++) {
            samples.sample();
            clock.advance(Duration.ofSeconds(2));
        }
        List<StatusSamples.Sample> kept = samples.samples();
        assertThat(kept).hasSize(3);
        assertThat(kept.getLast().epochMillis() - kept.getFirst().epochMillis()).isEqualTo(4000);
        assertThat(kept.getLast().epochMillis())
                .isEqualTo(Instant.parse("2026-12-04T12:00:10Z").toEpochMilli());
    }

    @Test
    void theJsonViewHasNullForAMissingPercentileAndOnePointPerSample() {
        StatusSamples samples = new StatusSamples(metrics.registry(), clock, 10);
        samples.sample();
        clock.advance(Duration.ofSeconds(2));
        samples.sample();
        Map<String, Object> view = samples.view();
        assertThat(view).containsEntry("intervalMillis", 2000L).containsEntry("capacity", 10);
        assertThat((List<?>) view.get("samples"))
                .singleElement()
                .satisfies(point -> assertThat(castToMap(point))
                        .containsEntry("p99Millis", null)
                        .containsEntry("requestsPerSecond", 0.0)
                        .containsKeys("t", "p50Millis", "errorRate", "heapUsedBytes", "inFlight"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castToMap(Object point) {
        return (Map<String, Object>) point;
    }

    @Test
    void aPercentileIsInterpolatedInsideItsBucketOverTheRequestsInTheBuckets() {
        TreeMap<Double, Double> cumulative = new TreeMap<>(Map.of(1e6, 0.0, 2e6, 50.0, 4e6, 100.0));
        assertThat(StatusSamples.percentileMillis(cumulative, 0.25)).hasValue(1.5);
        assertThat(StatusSamples.percentileMillis(cumulative, 0.75)).hasValue(3.0);
        assertThat(StatusSamples.percentileMillis(cumulative, 1.0)).hasValue(4.0);
        assertThat(StatusSamples.percentileMillis(new TreeMap<>(Map.of(1e6, 0.0, 2e6, 0.0)), 0.5))
                .isEmpty();
    }
}
