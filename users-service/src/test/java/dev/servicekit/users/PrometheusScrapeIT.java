package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #6, done-when 1, read by a real Prometheus ({@code prometheus}, Debian package {@code prometheus}):
 * after a known sequence of API requests, Prometheus's own scrape of {@code /metrics}, read back through its
 * HTTP query API, holds exactly one {@code http_server_requests_seconds_count} series per method, route
 * template and status, with exactly the number of requests sent, and never a raw path as {@code uri}.
 *
 * <p>Two scrape jobs read the same service, one per exposition format. Prometheus 2.42 always asks for
 * OpenMetrics first and has no setting to ask otherwise, so job {@value #OPENMETRICS_JOB} scrapes the
 * management listener directly (OpenMetrics 1.0.0, checked below), and job {@value #TEXT_JOB} scrapes it
 * through a pass-through in this test that asks the service for Prometheus text 0.0.4.
 *
 * <p>Skips without {@code prometheus} on the PATH locally; fails on CI ({@code CI=true}), where .ci/run
 * installs it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PrometheusScrapeIT {

    static final String OPENMETRICS_JOB = "users-service";
    static final String TEXT_JOB = "users-service-text";
    static final Duration SCRAPED = Duration.ofSeconds(30);
    static final long MISSING_ID = 424242;
    static final Set<String> REQUEST_LABELS =
            Set.of("__name__", "job", "instance", "method", "uri", "status", "outcome");

    /** One request series as Prometheus stores it, without job and instance. */
    record Series(String method, String uri, String status, String outcome) implements Comparable<Series> {
        static Series of(JsonNode metric) {
            return new Series(
                    metric.path("method").asText(),
                    metric.path("uri").asText(),
                    metric.path("status").asText(),
                    metric.path("outcome").asText());
        }

        @Override
        public int compareTo(Series other) {
            return toString().compareTo(other.toString());
        }
    }

    /** What the sequence in {@link #start()} sends, per series. */
    static final Map<Series, Long> EXPECTED = new TreeMap<>(Map.of(
            new Series("POST", "/api/v1/users", "201", "SUCCESS"), 1L,
            new Series("POST", "/api/v1/users", "400", "CLIENT_ERROR"), 1L,
            new Series("GET", "/api/v1/users", "200", "SUCCESS"), 1L,
            new Series("GET", "/api/v1/users/{id}", "200", "SUCCESS"), 3L,
            new Series("GET", "/api/v1/users/{id}", "404", "CLIENT_ERROR"), 2L,
            new Series("DELETE", "/api/v1/users/{id}", "204", "SUCCESS"), 1L,
            new Series("GET", "NOT_FOUND", "404", "CLIENT_ERROR"), 1L,
            // service.api checks every response against the OpenAPI document it fetches once, on the first response.
            new Series("GET", "/openapi.json", "200", "SUCCESS"), 1L));

    @TempDir
    static Path dir;

    static RunningUsersService service;
    static HttpServer textFormatPassThrough;
    static Process prometheus;
    static TestHttpClient prometheusApi;
    static long createdId;
    /** The Accept header Prometheus sent with its scrape, and the Content-Type the service answered the pass-through. */
    static final AtomicReference<String> prometheusAccept = new AtomicReference<>("");

    static final AtomicReference<String> textContentType = new AtomicReference<>("");

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        Path executable = prometheusExecutable();
        service = RunningUsersService.start(dir.resolve("data"));
        textFormatPassThrough = startTextFormatPassThrough(service.managementPort());
        int prometheusPort = freePort();
        prometheusApi = TestHttpClient.create("http://127.0.0.1:" + prometheusPort);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: %s
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                  - job_name: %s
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(
                        OPENMETRICS_JOB,
                        service.managementPort(),
                        TEXT_JOB,
                        textFormatPassThrough.getAddress().getPort()));
        prometheus = new ProcessBuilder(
                        executable.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"),
                        "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        prometheus.getOutputStream().close();
        awaitPrometheus(
                "/-/ready answers 200", () -> prometheusApi.get("/-/ready").status() == 200);
        // Both targets scraped once before the sequence: the counters below start from the first request.
        awaitPrometheus("up is 1 for both jobs", () -> upByJob().equals(Map.of(OPENMETRICS_JOB, 1.0, TEXT_JOB, 1.0)));

        sendTheSequence();

        // The recording happens just after the response is sent, so wait for a scrape that saw all of them.
        Instant sent = Instant.now();
        long total = EXPECTED.values().stream().mapToLong(Long::longValue).sum();
        awaitPrometheus(
                "a scrape of both jobs after " + sent + " holding all " + total + " requests",
                () -> scrapedAfter(OPENMETRICS_JOB, sent)
                        && scrapedAfter(TEXT_JOB, sent)
                        && totalRequests(OPENMETRICS_JOB) == total
                        && totalRequests(TEXT_JOB) == total);
    }

    private static void sendTheSequence() {
        TestResponse created = service.api.post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        createdId = created.json().path("id").asLong();
        assertThat(createdId).isNotEqualTo(MISSING_ID);
        for (int i = 0; i < 3; i++) {
            assertThat(service.api.get("/api/v1/users/" + createdId).status()).isEqualTo(200);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(service.api.get("/api/v1/users/" + MISSING_ID).status()).isEqualTo(404);
        }
        assertThat(service.api
                        .post("/api/v1/users", "{\"name\":\"\",\"email\":\"not-an-email\"}")
                        .status())
                .isEqualTo(400);
        assertThat(service.api.get("/api/v1/users").status()).isEqualTo(200);
        assertThat(service.api.get("/nope").status()).isEqualTo(404);
        assertThat(service.api.delete("/api/v1/users/" + createdId).status()).isEqualTo(204);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (textFormatPassThrough != null) {
                textFormatPassThrough.stop(0);
            }
            if (service != null) {
                service.close();
            }
        }
    }

    @Test
    void prometheusReadsExactlyTheRequestsSentPerMethodRouteTemplateAndStatusInBothFormats() {
        for (String job : List.of(OPENMETRICS_JOB, TEXT_JOB)) {
            JsonNode result = query("http_server_requests_seconds_count{job=\"" + job + "\"}");
            Map<Series, Long> counts = new TreeMap<>();
            for (JsonNode sample : result) {
                Set<String> labels = new TreeSet<>();
                sample.path("metric").fieldNames().forEachRemaining(labels::add);
                assertThat(labels).as("labels of %s", sample.path("metric")).isEqualTo(new TreeSet<>(REQUEST_LABELS));
                double value = Double.parseDouble(sample.path("value").path(1).asText());
                assertThat(value)
                        .as("%s is a whole count", sample.path("metric"))
                        .isEqualTo(Math.rint(value));
                assertThat(counts.put(Series.of(sample.path("metric")), (long) value))
                        .as("one series per method, uri, status and outcome in job %s: %s", job, result)
                        .isNull();
            }
            assertThat(counts)
                    .as("job %s, %s", job, prometheusLogTail())
                    .isNotEmpty()
                    .isEqualTo(EXPECTED);
        }
    }

    @Test
    void theUriLabelHoldsRouteTemplatesNeverARawPath() {
        for (String job : List.of(OPENMETRICS_JOB, TEXT_JOB)) {
            JsonNode values = prometheusApi
                    .get("/api/v1/label/uri/values?match[]=" + encode("{job=\"" + job + "\"}"))
                    .json()
                    .path("data");
            Set<String> uris = new TreeSet<>();
            values.forEach(value -> uris.add(value.asText()));
            assertThat(uris)
                    .as("uri values of job %s", job)
                    .doesNotContain("/api/v1/users/" + createdId, "/api/v1/users/" + MISSING_ID, "/nope")
                    .containsExactlyInAnyOrder("/api/v1/users", "/api/v1/users/{id}", "/openapi.json", "NOT_FOUND");
        }
        assertThat(query("count by (job, uri) ({uri=~\".*/users/[0-9]+.*|.*nope.*\"})"))
                .as("series of any job or metric whose uri holds a raw id or path")
                .isEmpty();
    }

    @Test
    void bothTargetsAreUp() {
        assertThat(upByJob()).isEqualTo(Map.of(OPENMETRICS_JOB, 1.0, TEXT_JOB, 1.0));
    }

    @Test
    void prometheusNegotiatesOpenMetricsAndThePassThroughGetsPrometheusText() {
        String accept = prometheusAccept.get();
        assertThat(accept).as("Prometheus's Accept header").startsWith("application/openmetrics-text");
        // What the service answers that same Accept header with, i.e. what the direct job was scraped as.
        TestResponse direct = service.management.get("/metrics", "Accept", accept);
        assertThat(direct.contentType()).startsWith("application/openmetrics-text; version=1.0.0");
        assertThat(textContentType.get()).startsWith("text/plain; version=0.0.4");
    }

    // --- Prometheus ---

    /** prometheus from the PATH; skipped when missing locally, a failure on CI where .ci/run installs it. */
    private static Path prometheusExecutable() {
        Optional<Path> found =
                List.of(Objects.requireNonNullElse(System.getenv("PATH"), "").split(File.pathSeparator)).stream()
                        .map(entry -> Path.of(entry.isEmpty() ? "." : entry, "prometheus"))
                        .filter(Files::isExecutable)
                        .findFirst();
        if (found.isEmpty() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("PrometheusScrapeIT cannot run on CI: no `prometheus` on the PATH;"
                    + " .ci/run installs it (apt-get install prometheus)");
        }
        assumeTrue(found.isPresent(), "prometheus is not installed (Debian package \"prometheus\"); skipping");
        return found.orElseThrow();
    }

    /** An instant query's {@code data.result}. */
    private static JsonNode query(String promql) {
        TestResponse response = prometheusApi.get("/api/v1/query?query=" + encode(promql));
        assertThat(response.status())
                .as("query %s: %s", promql, response.body())
                .isEqualTo(200);
        return response.json().path("data").path("result");
    }

    private static Map<String, Double> upByJob() {
        Map<String, Double> up = new TreeMap<>();
        for (JsonNode sample : query("up")) {
            up.put(
                    sample.path("metric").path("job").asText(),
                    Double.parseDouble(sample.path("value").path(1).asText()));
        }
        return up;
    }

    /** Whether the newest sample of the job came from a scrape that started after {@code instant}. */
    private static boolean scrapedAfter(String job, Instant instant) {
        JsonNode result = query("timestamp(up{job=\"" + job + "\"})");
        return !result.isEmpty() && result.path(0).path("value").path(1).asDouble() * 1000 > instant.toEpochMilli();
    }

    private static long totalRequests(String job) {
        JsonNode result = query("sum(http_server_requests_seconds_count{job=\"" + job + "\"})");
        return result.isEmpty()
                ? -1
                : (long) result.path(0).path("value").path(1).asDouble();
    }

    private static void awaitPrometheus(String what, BooleanSupplier condition) {
        try {
            Poll.until(SCRAPED, "Prometheus to show " + what, () -> {
                if (!prometheus.isAlive()) {
                    return true; // no use waiting: fails below, with its log
                }
                try {
                    return condition.getAsBoolean();
                } catch (AssertionError e) {
                    throw new IllegalStateException(e.getMessage(), e); // a query Prometheus refused: ask again
                }
            });
        } catch (AssertionError e) {
            String seen;
            try {
                seen = "up " + query("up") + ", requests " + query("http_server_requests_seconds_count");
            } catch (RuntimeException | AssertionError problem) {
                seen = problem.toString();
            }
            throw new AssertionError(e.getMessage() + "; it shows " + seen + "; " + prometheusLogTail(), e);
        }
        assertThat(prometheus.isAlive())
                .as("prometheus is running; %s", prometheusLogTail())
                .isTrue();
    }

    private static String prometheusLogTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("prometheus.log"));
            return "prometheus log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no prometheus log: " + e.getMessage() + ")";
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    // --- the Prometheus-text job ---

    /**
     * {@code /metrics} of the management listener fetched with {@code Accept: text/plain; version=0.0.4} and
     * passed on unchanged, content type included; records the Accept header Prometheus sent.
     */
    private static HttpServer startTextFormatPassThrough(int managementPort) throws IOException {
        TestHttpClient management = TestHttpClient.create("http://127.0.0.1:" + managementPort);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", (HttpExchange exchange) -> {
            try (exchange) {
                prometheusAccept.set(
                        Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("Accept"), ""));
                TestResponse scrape = management.get("/metrics", "Accept", "text/plain; version=0.0.4");
                textContentType.set(scrape.contentType());
                byte[] body = scrape.body().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", scrape.contentType());
                exchange.sendResponseHeaders(scrape.status(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return server;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
        }
    }
}
