package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.http.Method;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HEAD on every GET route (RFC 9110 §9.3.2), on a real socket: the GET's status and headers, {@code Content-Length}
 * the GET's, and no content, so the next response on the connection is read where it starts.
 */
class HeadRequestTest {

    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.create(
                HttpTestSupport.apiConfig(1024, Duration.ofSeconds(5)),
                List.of(
                        Route.get(
                                "/things/{id}",
                                (req, res) -> JsonBodies.send(
                                        res,
                                        Status.OK_200,
                                        Map.of("id", req.path().pathParameters().get("id")))),
                        Route.post(
                                "/things",
                                (req, res) -> res.status(Status.CREATED_201).send()),
                        Route.get("/text", (req, res) -> res.send("plain text, twenty-nine bytes")),
                        Route.get("/streamed", (req, res) -> {
                            try (OutputStream out = res.outputStream()) {
                                for (int i = 0; i < 1000; i++) {
                                    out.write("0123456789".getBytes(StandardCharsets.US_ASCII));
                                }
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }),
                        Route.get("/left-open", (req, res) -> {
                            try {
                                // Not closed: Helidon closes it for a GET, and HEAD must answer all the same.
                                res.outputStream().write("left open".getBytes(StandardCharsets.US_ASCII));
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }),
                        Route.get(
                                "/not-modified",
                                (req, res) -> res.status(Status.NOT_MODIFIED_304)
                                        .header("ETag", "\"7\"")
                                        .send()),
                        Route.get("/conflict", (req, res) -> {
                            throw ProblemException.conflict("A thing with that name exists");
                        }),
                        Route.get("/own-head", (req, res) -> res.send("from GET")),
                        new Route(
                                Method.HEAD,
                                "/own-head",
                                (req, res) -> res.header("X-Own", "yes").send(),
                                Set.of())));
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    /** A HEAD and then a GET of {@code path} on one connection: the GET is read where the HEAD's headers end. */
    private static RawHttpConnection.Response[] headThenGet(String path) {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send("HEAD " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n" + "GET " + path
                    + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            RawHttpConnection.Response head = connection.read(true);
            RawHttpConnection.Response get = connection.read();
            assertThat(get.statusLine())
                    .as("the GET's status line, right after the HEAD's headers")
                    .startsWith("HTTP/1.1 ");
            assertThat(connection.closedByServer()).as("nothing after the GET").isTrue();
            return new RawHttpConnection.Response[] {head, get};
        }
    }

    @Test
    void aGetRouteAnswersHeadWithItsHeadersAndTheLengthOfItsContentButNoContent() {
        for (String path : List.of("/things/42", "/text", "/streamed", "/left-open")) {
            RawHttpConnection.Response[] responses = headThenGet(path);
            RawHttpConnection.Response head = responses[0];
            RawHttpConnection.Response get = responses[1];

            assertThat(head.status()).as(path).isEqualTo(200);
            assertThat(get.status()).as(path).isEqualTo(200);
            assertThat(get.body()).as(path).isNotEmpty();
            assertThat(head.headers().get("content-length")).as(path).isEqualTo(String.valueOf(get.body().length));
            assertThat(head.headers().get("content-type"))
                    .as(path)
                    .isEqualTo(get.headers().get("content-type"));
            assertThat(head.headers()).as(path).containsKey("x-request-id").doesNotContainKey("transfer-encoding");
        }
    }

    @Test
    void aProblemAnswersHeadWithItsStatusAndHeadersButNoContent() {
        for (String path : List.of("/conflict", "/nowhere")) {
            RawHttpConnection.Response[] responses = headThenGet(path);
            RawHttpConnection.Response head = responses[0];
            RawHttpConnection.Response get = responses[1];

            assertThat(head.status()).as(path).isEqualTo(get.status()).isIn(409, 404);
            assertThat(head.headers().get("content-type")).as(path).isEqualTo("application/problem+json");
            assertThat(head.headers().get("content-length"))
                    .as(path)
                    .isEqualTo(get.headers().get("content-length"));
        }
        // A POST-only path: HEAD is not allowed there (its problem names HEAD, so its length is its own).
        RawHttpConnection.Response head = headThenGet("/things")[0];
        assertThat(head.status()).isEqualTo(405);
        assertThat(head.headers().get("allow")).isEqualTo("POST");
        assertThat(head.headers().get("content-length")).isNotEqualTo("0");
    }

    @Test
    void headIsAllowedWhereGetIsAndAnOwnHeadRouteIsKept() {
        RawHttpConnection.Response[] notModified = headThenGet("/not-modified");
        assertThat(notModified[0].status()).isEqualTo(304);
        assertThat(notModified[0].headers())
                .containsEntry("etag", "\"7\"")
                .containsEntry("content-length", notModified[1].headers().get("content-length"));

        RawHttpConnection.Response[] own = headThenGet("/own-head");
        assertThat(own[0].headers()).containsEntry("x-own", "yes");
        assertThat(own[1].headers()).doesNotContainKey("x-own");

        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response put = connection
                    .send("PUT /things/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .read();
            assertThat(put.status()).isEqualTo(405);
            assertThat(put.headers().get("allow")).isEqualTo("GET, HEAD");
        }
    }
}
