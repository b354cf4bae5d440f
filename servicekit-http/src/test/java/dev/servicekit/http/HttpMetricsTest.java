package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicekit.testing.Poll;
import io.helidon.http.Status;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real sockets: an instrumented API server, its metrics scraped from a management server. */
class HttpMetricsTest {

    private static final int BODY_LIMIT = 1024;
    private static final String TIMER_COUNT = "http_server_requests_seconds_count";

    private HttpMetrics metrics;
    private ApiServer api;
    private ManagementServer management;

    @BeforeEach
    void start() {
        metrics = HttpMetrics.create();
        api = ApiServer.builder(HttpTestSupport.apiConfig(BODY_LIMIT, Duration.ofSeconds(5)))
                .routes(List.of(
                        Route.get(
                                "/items/{id}",
                                (req, res) -> res.send(
                                        "item " + req.path().pathParameters().get("id"))),
                        Route.post(
                                "/items",
                                (req, res) -> res.status(Status.CREATED_201).send("created")),
                        Route.get("/boom", (req, res) -> {
                            throw new IllegalStateException("boom");
                        })))
                .metrics(metrics)
                .build();
        api.start();
        management = HttpTestSupport.startedMetricsServer(metrics);
    }

    @AfterEach
    void stop() {
        api.stop();
        management.stop();
        metrics.close();
    }

    private void sendKnownSequence() {
        for (String id : List.of("1", "42", "7")) {
            assertThat(HttpTestSupport.get(api.port(), "/items/" + id).statusCode())
                    .isEqualTo(200);
        }
        assertThat(HttpTestSupport.get(api.port(), "/nothing-here").statusCode())
                .isEqualTo(404);
        assertThat(HttpTestSupport.get(api.port(), "/items/42/unknown").statusCode())
                .isEqualTo(404);
        assertThat(HttpTestSupport.postJson(api.port(), "/items", "application/json", "{}")
                        .statusCode())
                .isEqualTo(201);
    }

    private HttpResponse<String> scrape(Optional<String> accept) {
        HttpRequest.Builder request =
                HttpTestSupport.request(management.port(), "/metrics").GET();
        accept.ifPresent(value -> request.header("Accept", value));
        HttpResponse<String> response = HttpTestSupport.send(request.build());
        assertThat(response.statusCode()).isEqualTo(200);
        return response;
    }

    private PrometheusSamples samples() {
        return PrometheusSamples.parse(scrape(Optional.empty()).body());
    }

    /** Requests are recorded after their response is written, so wait (bounded) until all of them are. */
    private PrometheusSamples awaitRecorded(int requests) {
        PrometheusSamples[] last = new PrometheusSamples[1];
        try {
            return Poll.until(Duration.ofSeconds(10), requests + " requests are recorded and none is active", () -> {
                last[0] = samples();
                double total = last[0].find(TIMER_COUNT, Map.of()).stream()
                        .mapToDouble(PrometheusSamples.Sample::value)
                        .sum();
                return total == requests && last[0].value("http_server_requests_active", Map.of()) == 0
                        ? Optional.of(last[0])
                        : Optional.empty();
            });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "; recorded: "
                            + (last[0] == null ? "no scrape" : last[0].find(TIMER_COUNT, Map.of())),
                    e);
        }
    }

    private static Map<String, String> labels(String method, String uri, String status, String outcome) {
        return Map.of("method", method, "uri", uri, "status", status, "outcome", outcome);
    }

    @Test
    void countsRequestsPerRouteTemplateMethodAndStatus() {
        sendKnownSequence();

        PrometheusSamples samples = awaitRecorded(6);

        assertThat(samples.find(TIMER_COUNT, Map.of()))
                .extracting(PrometheusSamples.Sample::labels, PrometheusSamples.Sample::value)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(labels("GET", "/items/{id}", "200", "SUCCESS"), 3.0),
                        org.assertj.core.groups.Tuple.tuple(
                                labels("GET", HttpMetrics.URI_NOT_FOUND, "404", "CLIENT_ERROR"), 2.0),
                        org.assertj.core.groups.Tuple.tuple(labels("POST", "/items", "201", "SUCCESS"), 1.0));
        assertThat(samples.value("http_server_requests_active", Map.of())).isZero();
    }

    @Test
    void neverTagsARawPath() {
        sendKnownSequence();

        awaitRecorded(6);
        String text = scrape(Optional.empty()).body();

        assertThat(text).doesNotContain("/items/42", "/items/1\"", "/items/7", "/nothing-here", "unknown");
        assertThat(PrometheusSamples.parse(text).samples())
                .flatExtracting(s -> List.copyOf(s.labels().entrySet()))
                .filteredOn(e -> e.getKey().equals("uri"))
                .extracting(Map.Entry::getValue)
                .containsOnly("/items/{id}", "/items", HttpMetrics.URI_NOT_FOUND);
    }

    @Test
    void hasALatencyHistogramWithSloBuckets() {
        sendKnownSequence();

        PrometheusSamples samples = awaitRecorded(6);

        Map<String, String> route = labels("GET", "/items/{id}", "200", "SUCCESS");
        Map<String, String> le5ms = new HashMap<>(route);
        le5ms.put("le", "0.005");
        Map<String, String> le5s = new HashMap<>(route);
        le5s.put("le", "5.0");
        Map<String, String> inf = new HashMap<>(route);
        inf.put("le", "+Inf");
        assertThat(samples.find("http_server_requests_seconds_bucket", le5ms)).hasSize(1);
        assertThat(samples.find("http_server_requests_seconds_bucket", le5s)).hasSize(1);
        assertThat(samples.value("http_server_requests_seconds_bucket", inf)).isEqualTo(3.0);
        assertThat(samples.value("http_server_requests_seconds_sum", route)).isPositive();
    }

    @Test
    void serverErrorsAreRecordedUnderTheirTemplate() {
        assertThat(HttpTestSupport.get(api.port(), "/boom").statusCode()).isEqualTo(500);

        PrometheusSamples samples = awaitRecorded(1);

        assertThat(samples.value(TIMER_COUNT, labels("GET", "/boom", "500", "SERVER_ERROR")))
                .isEqualTo(1.0);
    }

    @Test
    void countsPausedAndOversizedRequestsAsRejected() {
        PrometheusSamples before = samples();
        assertThat(before.value("http_server_requests_rejected_total", Map.of("reason", "paused")))
                .isZero();
        assertThat(before.value("http_server_requests_rejected_total", Map.of("reason", "shutting_down")))
                .isZero();
        assertThat(before.value("http_server_requests_rejected_total", Map.of("reason", "payload_too_large")))
                .isZero();

        api.pause();
        assertThat(HttpTestSupport.get(api.port(), "/items/1").statusCode()).isEqualTo(503);
        api.resume();
        HttpTestSupport.RawResponse tooLarge = HttpTestSupport.raw(
                api.port(), "POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: " + (BODY_LIMIT + 1) + "\r\n\r\n");
        assertThat(tooLarge.status()).isEqualTo(413);

        // Both are answered before a route is chosen, so both are timed as unmatched.
        PrometheusSamples after = awaitRecorded(2);
        assertThat(after.value("http_server_requests_rejected_total", Map.of("reason", "paused")))
                .isEqualTo(1.0);
        assertThat(after.value("http_server_requests_rejected_total", Map.of("reason", "payload_too_large")))
                .isEqualTo(1.0);
        assertThat(after.value(TIMER_COUNT, labels("GET", HttpMetrics.URI_UNMATCHED, "503", "SERVER_ERROR")))
                .isEqualTo(1.0);
        assertThat(after.value(TIMER_COUNT, labels("POST", HttpMetrics.URI_UNMATCHED, "413", "CLIENT_ERROR")))
                .isEqualTo(1.0);
        assertThat(after.value("http_server_requests_rejected_total", Map.of("reason", "overloaded")))
                .isZero();
    }

    @Test
    void servesPrometheusTextByDefault() {
        HttpResponse<String> response = scrape(Optional.empty());

        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body()).doesNotContain("# EOF");
    }

    /**
     * A scraper that prefers Prometheus's protobuf format (Prometheus with native histograms on asks for it first)
     * gets Prometheus text: the route serves the text formats only, and the Prometheus client is shipped without its
     * protobuf writer (servicekit-http's pom).
     */
    @Test
    void aScraperThatPrefersProtobufGetsPrometheusText() {
        HttpResponse<String> response = scrape(Optional.of(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,"
                        + "text/plain;version=0.0.4;q=0.4,*/*;q=0.1"));

        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(PrometheusSamples.parse(response.body()).find("jvm_threads_live_threads", Map.of()))
                .isNotEmpty();
        assertThat(new io.prometheus.metrics.expositionformats.PrometheusProtobufWriter().isAvailable())
                .as("the Prometheus client's protobuf writer, left out with prometheus-metrics-exposition-formats")
                .isFalse();
    }

    @Test
    void servesOpenMetricsWhenTheScraperAsksForIt() {
        sendKnownSequence();
        awaitRecorded(6);

        HttpResponse<String> response = scrape(
                Optional.of("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));

        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(response.body()).endsWith("# EOF\n");
        PrometheusSamples samples = PrometheusSamples.parse(response.body());
        assertThat(samples.value(TIMER_COUNT, labels("GET", "/items/{id}", "200", "SUCCESS")))
                .isEqualTo(3.0);
    }

    @Test
    void exposesJvmAndProcessMetrics() {
        PrometheusSamples samples = samples();

        assertThat(Stream.of(
                        "jvm_memory_used_bytes",
                        "jvm_gc_memory_allocated_bytes_total",
                        "jvm_threads_live_threads",
                        "jvm_threads_states_threads",
                        "jvm_classes_loaded_classes",
                        "process_cpu_usage",
                        "system_cpu_count",
                        "process_uptime_seconds",
                        "process_files_open_files"))
                .allSatisfy(name ->
                        assertThat(samples.has(name)).as(name + " is exposed").isTrue());
    }

    @Test
    void exposesTheVirtualThreadSchedulerButNotTheJfrEventMetersByDefault() {
        PrometheusSamples samples = samples();

        assertThat(samples.has("jvm_threads_virtual_live_threads"))
                .as("scheduler gauge, JDK 24+")
                .isEqualTo(Runtime.version().feature() >= 24);
        assertThat(samples.has("jvm_threads_virtual_pinned_seconds_count")).isFalse();
        assertThat(samples.has("jvm_threads_virtual_submit_failed_total")).isFalse();
    }

    @Test
    void virtualThreadEventMetersAreOptIn() {
        try (HttpMetrics withEvents =
                HttpMetrics.builder().virtualThreadEvents(true).build()) {
            PrometheusSamples samples =
                    PrometheusSamples.parse(((PrometheusMeterRegistry) withEvents.registry()).scrape());

            assertThat(samples.has("jvm_threads_virtual_pinned_seconds_count")).isTrue();
            assertThat(samples.has("jvm_threads_virtual_submit_failed_total")).isTrue();
            assertThat(samples.has("jvm_threads_virtual_live_threads"))
                    .isEqualTo(Runtime.version().feature() >= 24);
        }
    }

    @Test
    void everyMeterOfAnInstanceCarriesServiceInstanceAndNoMeterCarriesItOtherwise() {
        try (HttpMetrics instance = HttpMetrics.builder().instance("eu-1").build()) {
            instance.registry().counter("users.reload.attempts").increment();
            PrometheusSamples samples =
                    PrometheusSamples.parse(((PrometheusMeterRegistry) instance.registry()).scrape());

            assertThat(samples.samples())
                    .hasSizeGreaterThan(20)
                    .allSatisfy(sample -> assertThat(sample.labels())
                            .as(sample.name())
                            .containsEntry("service_instance", "eu-1")
                            .doesNotContainKey("instance"));
        }
        assertThat(samples().samples())
                .isNotEmpty()
                .allSatisfy(
                        sample -> assertThat(sample.labels()).as(sample.name()).doesNotContainKey("service_instance"));
    }

    @Test
    void applicationsAddTheirOwnMeters() {
        metrics.registry().counter("users.reload.attempts").increment();

        assertThat(samples().value("users_reload_attempts_total", Map.of())).isEqualTo(1.0);
    }

    @Test
    void promtoolAcceptsTheScrape() throws IOException, InterruptedException {
        Optional<Path> promtool = Stream.of(
                        System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool"))
                .filter(Files::isExecutable)
                .findFirst();
        assumeTrue(
                promtool.isPresent(),
                "promtool is not installed (Debian package \"prometheus\"); skipping `promtool check metrics`");
        sendKnownSequence();
        awaitRecorded(6);
        String text = scrape(Optional.empty()).body();

        Process process = new ProcessBuilder(promtool.get().toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // Exit 3 means lint findings only: Micrometer's own names draw two (process_cpu_time_ns_total,
        // system_cpu_count); a parse or format error exits 1.
        assertThat(process.exitValue())
                .as("promtool check metrics said:%n%s", output)
                .isIn(0, 3);
        assertThat(output).as("promtool check metrics output").doesNotContainIgnoringCase("error");
    }
}
