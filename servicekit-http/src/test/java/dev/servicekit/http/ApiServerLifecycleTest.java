package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicekit.testing.LogCapture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ApiServerLifecycleTest {

    private static final List<Route> ROUTES = List.of(Route.get("/ok", (req, res) -> res.send("ok")));

    @Test
    void bindFailureOnAnOccupiedPortSaysWhichPortAndWhichKeyToChange() throws Exception {
        try (ServerSocket occupied = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = occupied.getLocalPort();
            ApiServer server = ApiServer.create(
                    new ApiServerConfig("127.0.0.1", port, "http.port", 1024, Duration.ofSeconds(1)), ROUTES);

            assertThatThrownBy(server::start)
                    .isInstanceOfSatisfying(HttpBindException.class, e -> {
                        assertThat(e.port()).isEqualTo(port);
                        assertThat(e.portKey()).isEqualTo("http.port");
                        assertThat(e.host()).isEqualTo("127.0.0.1");
                    })
                    .hasMessage("Port " + port + " on 127.0.0.1 is already in use by another process; "
                            + "stop that process or set http.port to a free port");
            assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void bindFailureOnAnAddressOfAnotherMachineSaysSo() {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
        ApiServer server =
                ApiServer.create(new ApiServerConfig("192.0.2.1", 0, "http.port", 1024, Duration.ofSeconds(1)), ROUTES);

        assertThatThrownBy(server::start)
                .isInstanceOf(HttpBindException.class)
                .hasMessageContaining("\"192.0.2.1\" is not an address of this machine")
                .hasMessageContaining("http.port");
    }

    @Test
    void unresolvableHostSaysWhatToSetInstead() {
        // .invalid never resolves (RFC 6761), so this fails in the resolver without network access.
        ApiServer server = ApiServer.create(
                new ApiServerConfig("nonexistent.invalid", 8080, "http.port", 1024, Duration.ofSeconds(1)), ROUTES);

        assertThatThrownBy(server::start)
                .isInstanceOf(HttpBindException.class)
                .hasMessageContaining("Host \"nonexistent.invalid\"")
                .hasMessageContaining("does not resolve")
                .hasMessageContaining("127.0.0.1 or 0.0.0.0");
    }

    @Test
    void portZeroBindsAFreePortReportedByPort() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        try {
            assertThat(server.port()).isPositive();
            assertThat(HttpTestSupport.get(server.port(), "/ok").body()).isEqualTo("ok");
        } finally {
            server.stop();
        }
    }

    @Test
    void stopIsIdempotentAndConcurrentCallersAllReturn() throws Exception {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        int port = server.port();

        CompletableFuture<Void> first = CompletableFuture.runAsync(server::stop);
        CompletableFuture<Void> second = CompletableFuture.runAsync(server::stop);
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        server.stop();

        assertThat(HttpTestSupport.connectionRefused(port)).isTrue();
        assertThat(server.port()).isEqualTo(port);
    }

    @Test
    void stoppedServerCannotBeRestarted() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        server.stop();

        assertThatThrownBy(server::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("create a new one");
    }

    @Test
    void stopBeforeStartOnlyMarksTheServerStopped() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);

        server.stop();

        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stopFromAnInterruptedThreadStillStopsAndKeepsTheInterruptFlag() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        int port = server.port();

        Thread.currentThread().interrupt();
        try {
            server.stop();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(HttpTestSupport.connectionRefused(port)).isTrue();
    }

    @Test
    void configValidationReportsEveryProblemAtOnce() {
        assertThatThrownBy(() -> new ApiServerConfig(" ", 70000, "http.port", 0, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host is blank")
                .hasMessageContaining("port is 70000 (http.port)")
                .hasMessageContaining("maxBodyBytes is 0")
                .hasMessageContaining("drainTimeout is PT-1S");
    }

    @Test
    void pausedServerAnswers503WithRetryAfterUntilResumed() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        try {
            server.pause();
            java.net.http.HttpResponse<String> paused = HttpTestSupport.get(server.port(), "/ok");
            assertThat(paused.statusCode()).isEqualTo(503);
            assertThat(paused.headers().firstValue("Retry-After")).contains("5");
            assertThat(paused.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(server.isPaused()).isTrue();

            server.resume();
            assertThat(HttpTestSupport.get(server.port(), "/ok").statusCode()).isEqualTo(200);
        } finally {
            server.stop();
        }
    }

    @Test
    void refusingNewRequestsAnswers503WithConnectionCloseBeforeStop() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            // A connection kept alive from before: its next request is refused, telling the client not to reuse it.
            String request = "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
            RawHttpConnection.Response served = connection.send(request).read();
            assertThat(served.status()).isEqualTo(200);
            assertThat(served.header("Connection")).isEqualTo("keep-alive");

            server.refuseNewRequests();

            RawHttpConnection.Response refused = connection.send(request).read();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(refused.header("Connection")).isEqualTo("close");
            assertThat(refused.text()).contains("shutting down");
            java.net.http.HttpResponse<String> onANewConnection = HttpTestSupport.get(server.port(), "/ok");
            assertThat(onANewConnection.statusCode()).isEqualTo(503);
            assertThat(onANewConnection.headers().firstValue("Connection")).hasValue("close");
        } finally {
            server.stop();
        }
    }

    @Test
    void serverClosesAKeptAliveConnectionAfterTheDrains503() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            String request = "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
            assertThat(connection.send(request).read().status()).isEqualTo(200);

            server.refuseNewRequests();

            RawHttpConnection.Response refused = connection.send(request).read();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Connection")).isEqualTo("close");
            // RFC 9112 §9.6: having said close, the server closes; it does not wait for the client or the stop.
            assertThat(connection.closedByServer(Duration.ofSeconds(5))).isTrue();
        } finally {
            server.stop();
        }
    }

    @Test
    void keptAliveConnectionServesOneRequestAfterAnother() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            String request = "GET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
            RawHttpConnection.Response first = connection.send(request).read();
            RawHttpConnection.Response second = connection.send(request).read();

            assertThat(List.of(first, second)).allSatisfy(response -> {
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("ok");
                assertThat(response.header("Connection")).isEqualTo("keep-alive");
            });
        } finally {
            server.stop();
        }
    }

    @Test
    void serverClosesTheConnectionAfterAnsweringARequestThatSaysClose() {
        ApiServer server = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
        server.start();
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response served = connection
                    .send("GET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .read();

            assertThat(served.status()).isEqualTo(200);
            assertThat(served.header("Connection")).isEqualTo("close");
            assertThat(connection.closedByServer(Duration.ofSeconds(5))).isTrue();
        } finally {
            server.stop();
        }
    }

    @Test
    void listeningOnAllInterfacesWithoutTlsLogsAWarning() {
        try (LogCapture log = LogCapture.of("dev.servicekit.http.HelidonListener")) {
            ApiServer wide = ApiServer.create(
                    new ApiServerConfig("0.0.0.0", 0, "http.port", 1024, Duration.ofSeconds(1)), ROUTES);
            ApiServer loopback = ApiServer.create(HttpTestSupport.apiConfig(1024, Duration.ofSeconds(1)), ROUTES);
            wide.start();
            loopback.start();
            wide.stop();
            loopback.stop();

            assertThat(log.events())
                    .filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("0.0.0.0 without TLS")
                            .contains("configure TLS"));
        }
    }
}
