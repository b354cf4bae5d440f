package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private ApiServer server;
    private LogCapture accessLog;

    @BeforeEach
    void start() {
        accessLog = LogCapture.of("dev.servicekit.http.access");
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)),
                List.of(Route.get("/hello", (req, res) -> res.send("hello"))));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
        accessLog.close();
    }

    private ILoggingEvent awaitLineFor(String requestId) {
        Poll.until(
                Duration.ofSeconds(10),
                "the access log line of request " + requestId,
                () -> accessLog.events().stream()
                        .anyMatch(e -> requestId.equals(e.getMDCPropertyMap().get("requestId"))));
        List<ILoggingEvent> lines = accessLog.events().stream()
                .filter(e -> requestId.equals(e.getMDCPropertyMap().get("requestId")))
                .toList();
        assertThat(lines).hasSize(1);
        return lines.getFirst();
    }

    @Test
    void successfulRequestIsLoggedOnceAtInfoWithItsFieldsInTheMdc() {
        HttpResponse<String> response = HttpTestSupport.get(server.port(), "/hello?token=secret");
        String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();

        ILoggingEvent line = awaitLineFor(requestId);

        assertThat(line.getLevel()).isEqualTo(Level.INFO);
        assertThat(line.getLoggerName()).isEqualTo("dev.servicekit.http.access");
        assertThat(line.getFormattedMessage())
                .startsWith("GET /hello 200 5B ")
                .contains("requestId=" + requestId)
                .endsWith("subject=-")
                .doesNotContain("secret");
        // The line is logged finished: its message is the whole line and carries no arguments (CHANGELOG).
        assertThat(line.getMessage()).isEqualTo(line.getFormattedMessage());
        assertThat(line.getArgumentArray()).isNullOrEmpty();
        Map<String, String> mdc = line.getMDCPropertyMap();
        assertThat(mdc)
                .containsEntry("method", "GET")
                .containsEntry("path", "/hello")
                .containsEntry("status", "200")
                .containsEntry("bytes", "5")
                .containsEntry("subject", "-")
                .containsKey("durationMs");
        assertThat(Long.parseLong(mdc.get("durationMs"))).isNotNegative();
    }

    @Test
    void notFoundIsLoggedWithItsStatus() {
        HttpResponse<String> response = HttpTestSupport.get(server.port(), "/missing");

        ILoggingEvent line =
                awaitLineFor(response.headers().firstValue("X-Request-Id").orElseThrow());

        assertThat(line.getMDCPropertyMap()).containsEntry("status", "404").containsEntry("path", "/missing");
    }

    @Test
    void requestRejectedBeforeRoutingIsLoggedToo() {
        HttpTestSupport.RawResponse response =
                HttpTestSupport.raw(server.port(), "POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");

        ILoggingEvent line = awaitLineFor(response.headers().get("x-request-id"));

        assertThat(line.getMDCPropertyMap())
                .containsEntry("status", "413")
                .containsEntry("method", "POST")
                .containsEntry("path", "/hello");
    }

    @Test
    void requestRefusedByTheMiddlewareIsLoggedWithTheStatusItGets() {
        // Regression: the pause check's exception reaches the error mapper only after the access log step's
        // finally block, which used to log the response's default 200.
        server.pause();
        HttpResponse<String> response = HttpTestSupport.get(server.port(), "/hello");
        assertThat(response.statusCode()).isEqualTo(503);

        ILoggingEvent line =
                awaitLineFor(response.headers().firstValue("X-Request-Id").orElseThrow());

        assertThat(line.getMDCPropertyMap()).containsEntry("status", "503").containsEntry("path", "/hello");
    }
}
