package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric name that deploy/prometheus/alerts.yml and deploy/grafana/users-service.json read is one the
 * running service exposes on {@code /metrics}, so a renamed meter cannot silently blind an alert or a panel.
 */
class MonitoredMetricNamesTest {

    /** Made by Prometheus when it scrapes, never by the service. */
    static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");

    /** Exported only with {@code metrics.virtual-threads: true} (a JFR recording stream); the dashboard says so. */
    static final Set<String> OPT_IN_VIRTUAL_THREAD_EVENTS =
            Set.of("jvm_threads_virtual_pinned_seconds_count", "jvm_threads_virtual_submit_failed_total");

    @TempDir
    static Path dataDir;

    static RunningUsersService service;

    @BeforeAll
    static void start() {
        service = RunningUsersService.start(dataDir);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void everyMetricInTheAlertsAndTheDashboardIsScraped() throws IOException {
        // Some requests, so the request timer exists; a GC, so the GC pause timer exists.
        assertThat(service.api
                        .post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}")
                        .status())
                .isEqualTo(201);
        assertThat(service.api.get("/api/v1/users").status()).isEqualTo(200);
        assertThat(service.api.get("/api/v1/users/999999").status()).isEqualTo(404);
        Set<String> scraped = scrapedNamesOnceGcIsRecorded(Duration.ofSeconds(20));

        Set<String> used = new TreeSet<>();
        for (String expr : MonitoringFiles.expressions()) {
            used.addAll(MonitoringFiles.metricNames(expr));
        }
        assertThat(used)
                .as("names read by the alerts and the dashboard")
                .contains(
                        "store_pool_usage_ratio", "hikaricp_connections_active", "http_server_requests_seconds_bucket");
        assertThat(used)
                .as("every allow-listed name is still used")
                .containsAll(MADE_BY_PROMETHEUS)
                .containsAll(OPT_IN_VIRTUAL_THREAD_EVENTS);
        assertThat(scraped)
                .as("virtual-thread event meters are opt-in: no JFR stream by default")
                .doesNotContainAnyElementsOf(OPT_IN_VIRTUAL_THREAD_EVENTS);

        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(scraped);
        missing.removeAll(MADE_BY_PROMETHEUS);
        missing.removeAll(OPT_IN_VIRTUAL_THREAD_EVENTS);
        assertThat(missing)
                .as(
                        "metric names in alerts.yml or users-service.json that /metrics does not expose;"
                                + " scraped names are %s",
                        scraped)
                .isEmpty();
    }

    @Test
    void theOptInVirtualThreadEventMetersAreScrapedWhenEnabled(@TempDir Path otherDataDir) {
        try (RunningUsersService withEvents = RunningUsersService.start(otherDataDir, "metrics.virtual-threads=true")) {
            TestResponse scrape = withEvents.management.get("/metrics");
            assertThat(scrape.status()).isEqualTo(200);
            assertThat(sampleNames(scrape.body()))
                    .containsAll(OPT_IN_VIRTUAL_THREAD_EVENTS)
                    .contains("jvm_threads_virtual_live_threads");
        }
    }

    @Test
    void theMetricNameExtractorSkipsFunctionsLabelsRangesGroupingsKeywordsAndVariables() {
        String expr = "histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket"
                + "{uri!~\"/a|b\", instance=~\"$instance\"}[$__rate_interval]))) / on (instance) group_left up > bool 0.5"
                + " or sum(store_pool_usage_ratio offset 5m) without (pool)";

        assertThat(MonitoringFiles.metricNames(expr))
                .containsExactlyInAnyOrder("http_server_requests_seconds_bucket", "up", "store_pool_usage_ratio");
    }

    private static Set<String> scrapedNamesOnceGcIsRecorded(Duration timeout) {
        return Poll.until(
                timeout,
                "a scrape with the GC pause timer",
                () -> {
                    System.gc(); // the GC pause timer is registered at the first GC notification
                    TestResponse scrape = service.management.get("/metrics");
                    assertThat(scrape.status()).isEqualTo(200);
                    return sampleNames(scrape.body());
                },
                names -> names.contains("jvm_gc_pause_seconds_count"));
    }

    private static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }
}
