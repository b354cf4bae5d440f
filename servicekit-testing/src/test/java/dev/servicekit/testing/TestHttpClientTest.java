package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real sockets: a JDK HTTP server on loopback. */
class TestHttpClientTest {

    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hello", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Each JDK HttpClient runs a thread of this name until it is garbage collected. */
    private static long selectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t ->
                        t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager"))
                .count();
    }

    @Test
    void clientsAndTheirCopiesShareTheJdkClientOfTheirTimeout() {
        // Held, so that a collection in the middle cannot hide a thread per instance.
        List<TestHttpClient> clients = new ArrayList<>();
        AtomicInteger checked = new AtomicInteger();
        long before = selectorThreads();

        for (int i = 0; i < 20; i++) {
            TestHttpClient client = TestHttpClient.create(base());
            clients.add(client);
            clients.add(client.withTimeout(Duration.ofSeconds(7)));
            clients.add(client.withResponseCheck((method, path, response) -> checked.incrementAndGet()));
        }
        for (TestHttpClient client : clients) {
            assertThat(client.get("/hello").body()).isEqualTo("hello");
        }

        assertThat(checked).hasValue(20);
        assertThat(selectorThreads() - before)
                .as("new JDK clients for 60 instances with two timeouts (10 s, 7 s)")
                .isLessThanOrEqualTo(2);
    }
}
