package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code Host} check on real sockets ({@link HostHeaderCheck} in place of Helidon's per-request check): a
 * keep-alive connection is checked again whenever its {@code Host} changes, and a refused one is answered with a
 * 400 problem that closes the connection, for HTTP/1.1 and HTTP/1.0 alike.
 */
class HostHeaderTest {

    private ApiServer server;

    @BeforeEach
    void start() {
        server = ApiServer.builder(HttpTestSupport.apiConfig(4096, Duration.ofSeconds(5)))
                .routes(List.of(Route.get("/hello", (req, res) -> res.send("hello"))))
                .build();
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aKeepAliveConnectionWhoseHostTurnsInvalidIsRefusedAndClosed() {
        String valid = "127.0.0.1:" + server.port();
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            for (int i = 0; i < 3; i++) {
                RawHttpConnection.Response ok = connection
                        .send("GET /hello HTTP/1.1\r\nHost: " + valid + "\r\n\r\n")
                        .read();
                assertThat(ok.status()).isEqualTo(200);
            }
            RawHttpConnection.Response other = connection
                    .send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .read();
            assertThat(other.status()).as("another valid value").isEqualTo(200);

            RawHttpConnection.Response refused = connection
                    .send("GET /hello HTTP/1.1\r\nHost: local host\r\n\r\n")
                    .read();

            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(refused.header("Connection")).isEqualTo("close");
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void http11WithoutHostOrWithTwoIsRefused() {
        for (String request : List.of(
                "GET /hello HTTP/1.1\r\n\r\n",
                "GET /hello HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n",
                "GET /hello HTTP/1.1\r\nHost: [::1\r\n\r\n")) {
            try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
                RawHttpConnection.Response response = connection.send(request).read();

                assertThat(response.status()).as(request).isEqualTo(400);
                assertThat(connection.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void http10HostIsOptionalButCheckedWhenPresent() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            assertThat(connection.send("GET /hello HTTP/1.0\r\n\r\n").read().status())
                    .isEqualTo(200);
        }
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response response = connection
                    .send("GET /hello HTTP/1.0\r\nHost: local host\r\n\r\n")
                    .read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(connection.closedByServer()).isTrue();
        }
    }
}
