package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** stop() drains: no new connections, in-flight requests finish, bounded by the drain timeout. */
class ApiServerDrainTest {

    private static final int BLOCKED_REQUESTS = 20;

    private final ExecutorService stopper = Executors.newSingleThreadExecutor(r -> new Thread(r, "signal-handler"));
    private final CountDownLatch release = new CountDownLatch(1);
    private ApiServer server;

    @AfterEach
    void cleanUp() {
        release.countDown();
        if (server != null) {
            server.stop();
        }
        stopper.shutdownNow();
    }

    @Test
    void stopDrainsInFlightRequestsIncludingASlowUploadAndRefusesNewConnections() throws Exception {
        CountDownLatch entered = new CountDownLatch(BLOCKED_REQUESTS + 1);
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(30)),
                List.of(
                        Route.get("/block", (req, res) -> {
                            entered.countDown();
                            release.await();
                            res.send("done");
                        }),
                        Route.post("/upload", (req, res) -> {
                            entered.countDown();
                            res.send("got " + req.content().inputStream().readAllBytes().length);
                        })));
        server.start();
        int port = server.port();

        List<CompletableFuture<HttpResponse<String>>> blocked = new ArrayList<>();
        for (int i = 0; i < BLOCKED_REQUESTS; i++) {
            blocked.add(HttpTestSupport.CLIENT.sendAsync(
                    HttpTestSupport.request(port, "/block").GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        try (Socket upload = new Socket()) {
            upload.connect(new InetSocketAddress(HttpTestSupport.HOST, port), 5000);
            upload.setSoTimeout(20_000);
            OutputStream out = upload.getOutputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(entered.await(20, TimeUnit.SECONDS))
                    .as("all requests reached their handlers")
                    .isTrue();
            Poll.until(
                    Duration.ofSeconds(10),
                    "all requests are in flight",
                    () -> server.inFlight() == BLOCKED_REQUESTS + 1);

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop, stopper);

            Poll.until(
                    Duration.ofSeconds(10),
                    "new connections are refused after stop began",
                    () -> HttpTestSupport.connectionRefused(port));
            assertThat(stopping).as("stop waits for in-flight requests").isNotDone();
            assertThat(blocked).noneMatch(CompletableFuture::isDone);

            release.countDown();
            out.write("67890".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            HttpTestSupport.RawResponse uploaded = HttpTestSupport.RawResponse.readFrom(upload.getInputStream());
            assertThat(uploaded.status()).isEqualTo(200);
            assertThat(uploaded.body()).isEqualTo("got 10");
            assertThat(uploaded.headers()).containsEntry("connection", "close");
            for (CompletableFuture<HttpResponse<String>> response : blocked) {
                HttpResponse<String> completed = response.get(20, TimeUnit.SECONDS);
                assertThat(completed.statusCode()).isEqualTo(200);
                assertThat(completed.body()).isEqualTo("done");
            }
            stopping.get(20, TimeUnit.SECONDS);
            assertThat(server.inFlight()).isZero();
        }
    }

    @Test
    void idleKeepAliveConnectionDoesNotDelayStop() throws Exception {
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(30)),
                List.of(Route.get("/ok", (req, res) -> res.send("ok"))));
        server.start();
        try (Socket idle = new Socket()) {
            idle.connect(new InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            idle.setSoTimeout(20_000);
            idle.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(HttpTestSupport.RawResponse.readFrom(idle.getInputStream())
                            .status())
                    .isEqualTo(200);

            long started = System.nanoTime();
            stopper.submit(server::stop).get(20, TimeUnit.SECONDS);

            // far below the 30 s drain timeout: the idle connection is closed, not waited for
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(idle.getInputStream().read())
                    .as("idle connection closed by the server")
                    .isEqualTo(-1);
        }
    }

    @Test
    void aConnectionThatSentNothingYetDoesNotDelayStop() throws Exception {
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(30)),
                List.of(Route.get("/ok", (req, res) -> res.send("ok"))));
        server.start();
        try (Socket silent = new Socket();
                Socket http10 = new Socket()) {
            silent.connect(new InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            silent.setSoTimeout(20_000);
            // And an HTTP/1.0 keep-alive connection, idle after its first request.
            http10.connect(new InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            http10.setSoTimeout(20_000);
            http10.getOutputStream()
                    .write("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(HttpTestSupport.RawResponse.readFrom(http10.getInputStream())
                            .status())
                    .isEqualTo(200);
            // The server has taken the silent connection once a request on a later connection is answered.
            assertThat(HttpTestSupport.get(server.port(), "/ok").statusCode()).isEqualTo(200);

            long started = System.nanoTime();
            stopper.submit(server::stop).get(40, TimeUnit.SECONDS);

            // far below the 30 s drain timeout: neither connection is waited for
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
            assertThat(silent.getInputStream().read())
                    .as("silent connection closed")
                    .isEqualTo(-1);
            assertThat(http10.getInputStream().read())
                    .as("idle HTTP/1.0 connection closed")
                    .isEqualTo(-1);
        }
    }

    @Test
    void handlerThatNeverFinishesMakesStopReturnAfterTheDrainTimeout() throws Exception {
        Duration drainTimeout = Duration.ofMillis(500);
        CountDownLatch entered = new CountDownLatch(1);
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, drainTimeout), List.of(Route.get("/hang", (req, res) -> {
                    entered.countDown();
                    // ignores interruption on purpose: the worst kind of handler
                    while (release.getCount() > 0) {
                        try {
                            release.await();
                        } catch (InterruptedException ignored) {
                            // keep hanging
                        }
                    }
                    res.send("late");
                })));
        server.start();
        HttpTestSupport.CLIENT.sendAsync(
                HttpTestSupport.request(server.port(), "/hang").GET().build(), HttpResponse.BodyHandlers.discarding());
        assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

        long started = System.nanoTime();
        stopper.submit(server::stop).get(30, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took).isGreaterThanOrEqualTo(drainTimeout.minusMillis(50)).isLessThan(Duration.ofSeconds(10));
        assertThat(HttpTestSupport.connectionRefused(server.port())).isTrue();
    }
}
