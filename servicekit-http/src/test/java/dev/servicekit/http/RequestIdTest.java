package dev.servicekit.http;

import static dev.servicekit.http.HttpTestSupport.request;
import static dev.servicekit.http.HttpTestSupport.send;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdTest {

    private static final String GENERATED = "[0-9a-f]{32}";

    private ApiServer server;

    @BeforeEach
    void start() {
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)),
                List.of(Route.get("/id", (req, res) -> res.send(RequestIds.current(req)))));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private HttpResponse<String> getWithRequestId(String id) {
        return send(
                request(server.port(), "/id").header("X-Request-Id", id).GET().build());
    }

    @Test
    void validIncomingRequestIdIsEchoedAndUsedByHandlers() {
        String id = "Abc-123_.:@/+=";

        HttpResponse<String> response = getWithRequestId(id);

        assertThat(response.headers().firstValue("X-Request-Id")).hasValue(id);
        assertThat(response.body()).isEqualTo(id);
    }

    @Test
    void requestIdOfExactly128CharactersIsEchoed() {
        String id = "a".repeat(128);

        assertThat(getWithRequestId(id).headers().firstValue("X-Request-Id")).hasValue(id);
    }

    @Test
    void missingRequestIdIsGenerated() {
        HttpResponse<String> response = HttpTestSupport.get(server.port(), "/id");

        assertThat(response.headers().firstValue("X-Request-Id"))
                .hasValueSatisfying(id -> assertThat(id).matches(GENERATED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "<script>", "semi;colon", "quote\"d", "tab\there"})
    void requestIdWithInvalidCharactersIsReplaced(String invalid) {
        HttpResponse<String> response = getWithRequestId(invalid);

        assertThat(response.headers().firstValue("X-Request-Id"))
                .hasValueSatisfying(id -> assertThat(id).matches(GENERATED));
        assertThat(response.body()).matches(GENERATED);
    }

    @Test
    void overLongRequestIdIsReplaced() {
        HttpResponse<String> response = getWithRequestId("a".repeat(129));

        assertThat(response.headers().firstValue("X-Request-Id"))
                .hasValueSatisfying(id -> assertThat(id).matches(GENERATED));
    }

    @Test
    void requestIdContainingCarriageReturnIsNeverEchoed() {
        HttpTestSupport.RawResponse response = HttpTestSupport.raw(
                server.port(),
                "GET /id HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc\rX-Injected: 1\r\nConnection: close\r\n\r\n");

        assertThat(response.headers()).doesNotContainKey("x-injected");
        assertThat(response.headers().get("x-request-id")).matches(GENERATED);
        assertThat(HttpTestSupport.json(response.body()).get("requestId").asText())
                .isEqualTo(response.headers().get("x-request-id"));
    }

    @Test
    void validatorRejectsControlCharactersAndAcceptsTokenCharacters() {
        assertThat(RequestIds.isValid("abc\r\nSet-Cookie: x=1")).isFalse();
        assertThat(RequestIds.isValid("abc\n")).isFalse();
        assertThat(RequestIds.isValid("")).isFalse();
        assertThat(RequestIds.isValid("ü")).isFalse();
        assertThat(RequestIds.isValid("0f8fad5b-d9cb-469f-a165-70867728950e")).isTrue();
    }

    @Test
    void requestIdDoesNotLeakIntoTheNextRequestOnTheSameConnection() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HttpTestSupport.HOST, server.port()), 5000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();

            out.write("GET /id HTTP/1.1\r\nHost: a\r\nX-Request-Id: first-request\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            HttpTestSupport.RawResponse first = HttpTestSupport.RawResponse.readFrom(in);
            // The second request fails before routing, on the same connection thread as the first.
            out.write("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            HttpTestSupport.RawResponse second = HttpTestSupport.RawResponse.readFrom(in);

            assertThat(first.headers().get("x-request-id")).isEqualTo("first-request");
            assertThat(second.status()).isEqualTo(400);
            assertThat(second.headers().get("x-request-id")).matches(GENERATED);
        }
    }
}
