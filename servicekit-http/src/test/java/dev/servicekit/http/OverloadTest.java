package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.Poll;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Overload shedding over real sockets: handlers block on a latch so the slots stay taken, and the JDK client
 * fires concurrent requests. No timing is asserted: the queue timeout only decides when the overflow gives up.
 */
class OverloadTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger entered = new AtomicInteger();
    private final HttpMetrics metrics = HttpMetrics.create();
    private ApiServer api;
    private ManagementServer management;

    @AfterEach
    void stop() {
        release.countDown();
        if (api != null) {
            api.stop();
        }
        if (management != null) {
            management.stop();
        }
        metrics.close();
    }

    private void start(int maxConcurrent, Duration queueTimeout) {
        api = ApiServer.builder(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)))
                .routes(List.of(Route.get("/slow", (req, res) -> {
                    entered.incrementAndGet();
                    if (!release.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never opened the latch");
                    }
                    res.send("done");
                })))
                .concurrency(maxConcurrent, queueTimeout)
                .metrics(metrics)
                .build();
        api.start();
        management = HttpTestSupport.startedMetricsServer(metrics);
    }

    private List<CompletableFuture<HttpResponse<String>>> fire(int count) {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            responses.add(HttpTestSupport.CLIENT.sendAsync(
                    HttpTestSupport.request(api.port(), "/slow").GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        return responses;
    }

    private double rejected(String reason) {
        String text = HttpTestSupport.get(management.port(), "/metrics").body();
        return PrometheusSamples.parse(text).value("http_server_requests_rejected_total", Map.of("reason", reason));
    }

    @Test
    void exactlyTheOverflowIsShedWith503RetryAfterAndTheAdmittedRequestsComplete() throws Exception {
        start(2, Duration.ofMillis(200));

        List<CompletableFuture<HttpResponse<String>>> responses = fire(6);
        Poll.until(WAIT, "two requests hold the two slots", () -> entered.get() == 2);
        // The overflow gives up after the queue timeout, while the admitted two still hold their slots.
        Poll.until(
                WAIT,
                "four requests were shed",
                () -> responses.stream().filter(CompletableFuture::isDone).count() == 4);
        // Health and metrics are on the management listener, which never sheds.
        assertThat(HttpTestSupport.get(management.port(), "/health/live").statusCode())
                .isEqualTo(200);
        assertThat(HttpTestSupport.get(management.port(), "/health/ready").statusCode())
                .isEqualTo(200);
        release.countDown();

        List<HttpResponse<String>> all = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            all.add(response.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        List<HttpResponse<String>> shed =
                all.stream().filter(r -> r.statusCode() == 503).toList();
        assertThat(all).extracting(HttpResponse::statusCode).containsOnly(200, 503);
        assertThat(all.stream().filter(r -> r.statusCode() == 200))
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.body()).isEqualTo("done"));
        assertThat(shed).hasSize(4).allSatisfy(r -> {
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = json(r.body());
            assertThat(problem.get("status").asInt()).isEqualTo(503);
            assertThat(problem.get("detail").asText()).contains("overloaded").contains("2 request slots");
        });
        assertThat(entered.get()).isEqualTo(2);
        assertThat(rejected("overloaded")).isEqualTo(4.0);
        assertThat(rejected("paused")).isZero();
    }

    @Test
    void aQueuedRequestIsServedWhenASlotFreesWithinTheQueueTimeout() throws Exception {
        start(1, Duration.ofSeconds(30));

        List<CompletableFuture<HttpResponse<String>>> responses = fire(2);
        // Both are inside the middleware, but only one reached the handler: the other waits for the slot.
        Poll.until(WAIT, "one request runs and one waits", () -> entered.get() == 1 && api.inFlight() == 2);
        release.countDown();

        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode())
                    .isEqualTo(200);
        }
        assertThat(entered.get()).isEqualTo(2);
        assertThat(rejected("overloaded")).isZero();
    }

    @Test
    void aZeroQueueTimeoutShedsAtOnceAndARetryAfterTheSlotFreesIsServed() throws Exception {
        start(1, Duration.ZERO);

        CompletableFuture<HttpResponse<String>> first = fire(1).getFirst();
        Poll.until(WAIT, "the first request holds the slot", () -> entered.get() == 1);
        HttpResponse<String> second = HttpTestSupport.get(api.port(), "/slow");
        release.countDown();

        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // The response reaches the client before the request's filters finish: the slot is free once it has left.
        Poll.until(WAIT, "the first request left the server and freed its slot", () -> api.inFlight() == 0);
        assertThat(HttpTestSupport.get(api.port(), "/slow").statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitIsRefusedWithoutWaitingForASlot() throws Exception {
        // The queue timeout is longer than the test waits: had the body limit come after the overload check, the
        // POST would queue behind the held slot and end as a 503, not a 413.
        start(1, WAIT.multipliedBy(2));
        CompletableFuture<HttpResponse<String>> holder = fire(1).getFirst();
        Poll.until(WAIT, "the first request holds the slot", () -> entered.get() == 1);

        HttpResponse<String> tooLarge = HttpTestSupport.send(HttpTestSupport.request(api.port(), "/slow")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x".repeat(2048)))
                .build());
        release.countDown();

        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(json(tooLarge.body()).get("detail").asText()).contains("limit of 1024 bytes");
        assertThat(holder.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(rejected("payload_too_large")).isEqualTo(1.0);
        assertThat(rejected("overloaded")).isZero();
    }

    @Test
    void raisingTheLimitByApplyAdmitsTheNextRequestWhileTheOldSlotsAreStillTaken() throws Exception {
        start(1, Duration.ZERO);
        CompletableFuture<HttpResponse<String>> first = fire(1).getFirst();
        Poll.until(WAIT, "the first request holds the slot", () -> entered.get() == 1);
        assertThat(HttpTestSupport.get(api.port(), "/slow").statusCode()).isEqualTo(503);

        api.apply(api.settings().withConcurrency(2, Duration.ZERO));
        CompletableFuture<HttpResponse<String>> second = fire(1).getFirst();
        Poll.until(WAIT, "the second request holds the new slot", () -> entered.get() == 2);
        HttpResponse<String> third = HttpTestSupport.get(api.port(), "/slow");
        release.countDown();

        assertThat(third.statusCode()).isEqualTo(503);
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(rejected("overloaded")).isEqualTo(2.0);
    }

    @Test
    void unlimitedAdmitsEveryConcurrentRequest() throws Exception {
        start(0, Duration.ZERO);

        List<CompletableFuture<HttpResponse<String>>> responses = fire(5);
        Poll.until(WAIT, "all five requests run at once", () -> entered.get() == 5);
        release.countDown();

        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode())
                    .isEqualTo(200);
        }
    }
}
