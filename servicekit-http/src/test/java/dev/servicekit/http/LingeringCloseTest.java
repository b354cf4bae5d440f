package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.Poll;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A response that closes the connection while the client is still sending its request reaches the client: the server
 * reads and discards what the client sends, within bounds, before it closes ({@link Http1xConnection}'s lingering
 * close). Without it, the server's close with unread input answers the client's next bytes with a reset, and a client
 * that writes its whole body before it reads fails on the write and never sees the 413. Real sockets on loopback;
 * every wait has a deadline.
 */
class LingeringCloseTest {

    private static final int LIMIT = 1024;
    /** Well over the limit and over what loopback's socket buffers take at once; under the linger's byte bound. */
    private static final int BODY = 4 * 1024 * 1024;
    /** A lost response shows in most attempts; 20 make a pass by chance unlikely. */
    private static final int ATTEMPTS = 20;

    private static final Duration LINGER_QUIET = Http1xConnection.LINGER_QUIET;

    private ApiServer server;

    @BeforeEach
    void start() {
        server = ApiServer.builder(HttpTestSupport.apiConfig(LIMIT, Duration.ofSeconds(5)))
                .routes(List.of(
                        Route.get("/ok", (req, res) -> res.send("ok")),
                        Route.post(
                                "/upload",
                                (req, res) -> res.send(
                                        "got " + req.content().inputStream().readAllBytes().length))))
                .build();
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private static String uploadHead(String version, int length) {
        return "POST /upload " + version + "\r\nHost: a\r\nContent-Length: " + length + "\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1", "HTTP/1.0"})
    void aClientThatWritesItsWholeBodyBeforeReadingGetsThe413(String version) {
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < ATTEMPTS; i++) {
            try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
                RawHttpConnection.Response response = connection
                        .send(uploadHead(version, BODY))
                        .send(new byte[BODY])
                        .read();
                outcomes.add(response.status() + " " + response.header("Connection"));
            } catch (UncheckedIOException e) {
                outcomes.add(e.getCause().toString()); // "Broken pipe" or "Connection reset" on the write
            }
        }

        assertThat(outcomes).as("each attempt's answer").containsOnly("413 close");
    }

    @Test
    void theJdkHttpUrlConnectionGetsThe413ForABodyOverTheLimit() throws IOException {
        // A client that writes the body, then reads: without the linger it reports "Error writing request body".
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            HttpURLConnection connection = (HttpURLConnection)
                    HttpTestSupport.uri(server.port(), "/upload").toURL().openConnection();
            connection.setConnectTimeout(5000);
            connection.setReadTimeout(20_000);
            connection.setDoOutput(true);
            connection.setRequestMethod("POST");
            connection.setFixedLengthStreamingMode(BODY);
            try (OutputStream out = connection.getOutputStream()) {
                byte[] chunk = new byte[64 * 1024];
                for (int sent = 0; sent < BODY; sent += chunk.length) {
                    out.write(chunk);
                }
                outcomes.add(Integer.toString(connection.getResponseCode()));
            } catch (IOException e) {
                outcomes.add(e.toString());
            } finally {
                connection.disconnect();
            }
        }

        assertThat(outcomes).as("each attempt's answer").containsOnly("413");
    }

    @Test
    void aClientWritingOnAnotherThreadReadsThe413AndFinishesItsBody() throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < ATTEMPTS; i++) {
            try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
                connection.send(uploadHead("HTTP/1.1", BODY));
                CompletableFuture<String> writer = CompletableFuture.supplyAsync(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int sent = 0; sent < BODY; sent += chunk.length) {
                            connection.send(chunk);
                        }
                        return "body written";
                    } catch (UncheckedIOException e) {
                        return e.getCause().toString();
                    }
                });
                String status;
                try {
                    status = Integer.toString(connection.read().status());
                } catch (UncheckedIOException e) {
                    status = e.getCause().toString();
                }
                outcomes.add(status + ", " + writer.get(20, TimeUnit.SECONDS));
            }
        }

        assertThat(outcomes).as("each attempt's answer and writer").containsOnly("413, body written");
    }

    @Test
    void aLingeringCloseEndsSoonAfterTheClientStopsSending() {
        // A request that closes, with the next request already behind it: the server lingers for the pipelined bytes,
        // and closes once nothing more arrives, without waiting for the client to close.
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response response = connection
                    .send("GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                            + "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n".repeat(100))
                    .read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Connection")).isEqualTo("close");
            long start = System.nanoTime();
            assertThat(connection.closedByServer(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Http1xConnection.LINGER_QUIET.plusSeconds(1));
        }
    }

    @Test
    void anHttp10ClientThatReadsUntilTheCloseIsNotKeptWaitingOnceItsWholeBodyArrived() {
        // ApacheBench and other HTTP/1.0 clients read a response until the connection closes. Once exactly the
        // announced body has arrived, read by the handler or not, nothing is left for the close to reset: no linger,
        // where waiting for quiet would hold each such request half a second.
        List<String> outcomes = new ArrayList<>();
        for (String request : List.of(
                uploadHead("HTTP/1.0", 10) + "0123456789", // read by the handler
                uploadHead("HTTP/1.0", 2 * LIMIT) + "x".repeat(2 * LIMIT))) { // over the limit, never read
            try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
                RawHttpConnection.Response response = connection.send(request).read();
                long start = System.nanoTime();
                boolean closed = connection.closedByServer(Duration.ofSeconds(5));
                Duration waited = Duration.ofNanos(System.nanoTime() - start);
                outcomes.add(response.status()
                        + (closed && waited.compareTo(LINGER_QUIET.dividedBy(2)) < 0
                                ? " closed at once"
                                : " closed after " + waited.toMillis() + " ms"));
            }
        }

        assertThat(outcomes).containsExactly("200 closed at once", "413 closed at once");
    }

    @Test
    void aLingeringCloseEndsAfterItsTimeWhileTheClientKeepsSending() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send(uploadHead("HTTP/1.1", BODY));
            assertThat(connection.read().status()).isEqualTo(413);
            try (Trickle trickle = new Trickle(connection)) {
                // The client sends a little every 100 ms, well within the quiet bound, for longer than the linger
                // lasts.
                assertThat(connection.closedByServer(Http1xConnection.LINGER_TIME.plusSeconds(2)))
                        .as("closed by the server within " + Http1xConnection.LINGER_TIME + " and a margin")
                        .isTrue();
                assertThat(trickle.sent())
                        .as("bytes the client sent after the 413")
                        .isGreaterThan(0);
            }
        }
    }

    @Test
    void aLingeringCloseEndsAfterItsByteBoundWhileTheClientKeepsSending() throws Exception {
        int body = 16 * (int) Http1xConnection.LINGER_MAX_BYTES;
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send(uploadHead("HTTP/1.1", body));
            long start = System.nanoTime();
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                byte[] chunk = new byte[64 * 1024];
                long sent = 0;
                try {
                    while (sent < body) {
                        connection.send(chunk);
                        sent += chunk.length;
                    }
                } catch (UncheckedIOException e) {
                    // the server closed
                }
                return sent;
            });
            assertThat(connection.read().status()).isEqualTo(413);

            long sent = writer.get(20, TimeUnit.SECONDS);
            assertThat(sent)
                    .as("bytes sent before the server closed")
                    .isBetween(Http1xConnection.LINGER_MAX_BYTES, body - 1L);
            // Loopback carries the bytes in far less than the linger's time bound, which would end it otherwise.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Http1xConnection.LINGER_TIME);
        }
    }

    @Test
    void aStopDoesNotWaitForALingeringClose() throws Exception {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send(uploadHead("HTTP/1.1", BODY));
            assertThat(connection.read().status()).isEqualTo(413);
            try (Trickle trickle = new Trickle(connection)) {
                Poll.until(Duration.ofSeconds(5), "the client to send more of its body", () -> trickle.sent() > 0);
                long start = System.nanoTime();
                server.stop();

                // With the client still sending, the linger would last LINGER_TIME (2 s).
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
                assertThat(connection.closedByServer(Duration.ofSeconds(5))).isTrue();
            }
        }
    }

    /**
     * A client that keeps sending a little of its body every 100 ms, on its own thread, until closed. The sleep paces
     * the sending; nothing waits on it.
     */
    private static final class Trickle implements AutoCloseable {
        private final Thread thread;
        private volatile long sent;

        Trickle(RawHttpConnection connection) {
            byte[] bytes = "x".repeat(64).getBytes(StandardCharsets.US_ASCII);
            thread = Thread.ofVirtual().start(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        connection.send(bytes);
                        sent += bytes.length;
                        Thread.sleep(100);
                    }
                } catch (UncheckedIOException | InterruptedException e) {
                    // the server closed, or the test is done
                }
            });
        }

        long sent() {
            return sent;
        }

        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
