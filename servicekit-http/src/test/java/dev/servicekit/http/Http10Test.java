package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.Poll;
import dev.servicekit.testing.TestIdentities;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.0 requests on real sockets (issue 13): Helidon alone answers them 505; {@link Http1xConnection} serves
 * them with Helidon's own HTTP/1 connection under HTTP/1.0's rules (close unless keep-alive, never chunked, no
 * Host needed), through the same routing, middleware and error mapper as HTTP/1.1.
 */
class Http10Test {

    /** 1 MiB, written by the handler in 8 KiB pieces with a flush after each: Helidon chunks it for HTTP/1.1. */
    private static final int STREAMED_BYTES = 1024 * 1024;

    private static final int PIECE = 8 * 1024;

    @TempDir
    Path dir;

    private ApiServer server;
    private LogCapture accessLog;

    @BeforeEach
    void start() {
        accessLog = LogCapture.of("dev.servicekit.http.access");
        server = started(Optional.empty());
    }

    @AfterEach
    void stop() {
        server.stop();
        accessLog.close();
    }

    private static ApiServer started(Optional<TlsSettings> tls) {
        ApiServer.Builder builder = ApiServer.builder(HttpTestSupport.apiConfig(4096, Duration.ofSeconds(5)))
                .routes(List.of(
                        Route.get("/hello", (req, res) -> res.send("hello")),
                        new Route(Method.HEAD, "/hello", (req, res) -> res.send(), Set.of()),
                        Route.post("/echo", (req, res) -> {
                            byte[] body = req.content().as(byte[].class);
                            res.status(Status.CREATED_201).send(("got " + new String(body, StandardCharsets.UTF_8)));
                        }),
                        Route.get("/streamed", (req, res) -> {
                            try (OutputStream out = res.outputStream()) {
                                byte[] piece = new byte[PIECE];
                                for (int written = 0; written < STREAMED_BYTES; written += PIECE) {
                                    Arrays.fill(piece, (byte) ('a' + (written / PIECE) % 26));
                                    out.write(piece);
                                    out.flush();
                                }
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }),
                        Route.get("/request-id", (req, res) -> res.send(RequestIds.current(req)))));
        tls.ifPresent(builder::tls);
        ApiServer started = builder.build();
        started.start();
        return started;
    }

    @Test
    void http10RequestWithoutKeepAliveIsAnsweredWithContentLengthAndTheServerCloses() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            // No Host header: HTTP/1.0 does not require one.
            RawHttpConnection.Response response =
                    connection.send("GET /hello HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            assertThat(response.header("Content-Length")).isEqualTo("5");
            assertThat(response.header("Transfer-Encoding")).isNull();
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(response.header("X-Request-Id")).isNotBlank();
            assertThat(connection.closedByServer())
                    .as("the server closes after the response")
                    .isTrue();
        }
    }

    @Test
    void http10KeepAliveServesTheNextRequestOnTheSameConnectionUntilARequestWithoutIt() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            String keepAlive = "GET /hello HTTP/1.0\r\nHost: localhost\r\nConnection: Keep-Alive\r\n\r\n";

            RawHttpConnection.Response first = connection.send(keepAlive).read();
            RawHttpConnection.Response second = connection.send(keepAlive).read();
            RawHttpConnection.Response last =
                    connection.send("GET /hello HTTP/1.0\r\n\r\n").read();

            for (RawHttpConnection.Response response : List.of(first, second)) {
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("hello");
                assertThat(response.header("Connection")).isEqualTo("keep-alive");
                assertThat(response.header("Content-Length")).isEqualTo("5");
            }
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.header("Connection")).isEqualTo("close");
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void pipelinedHttp10KeepAliveRequestsAreAnsweredInOrder() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send("POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\none"
                    + "GET /request-id HTTP/1.0\r\nConnection: keep-alive\r\nX-Request-Id: second-1\r\n\r\n"
                    + "POST /echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nthree");

            assertThat(connection.read().text()).isEqualTo("got one");
            assertThat(connection.read().text()).isEqualTo("second-1");
            RawHttpConnection.Response third = connection.read();
            assertThat(third.text()).isEqualTo("got three");
            assertThat(third.header("Connection")).isEqualTo("close");
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void aRequestLineThatArrivesInPiecesIsStillServedAsHttp10() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send("GET /hel");
            // The first packet has no line end yet: the server waits for the rest of the line, then serves HTTP/1.0.
            Poll.during(Duration.ofMillis(300), "no answer to half a request line", connection::nothingReceived);
            RawHttpConnection.Response response =
                    connection.send("lo HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            assertThat(response.header("Connection")).isEqualTo("close");
        }
    }

    @Test
    void headUnderHttp10AnswersLikeUnderHttp11WithoutABody() {
        try (RawHttpConnection http10 = RawHttpConnection.open(server.port());
                RawHttpConnection http11 = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response head10 =
                    http10.send("HEAD /hello HTTP/1.0\r\n\r\n").read(true);
            RawHttpConnection.Response head11 = http11.send(
                            "HEAD /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .read(true);

            assertThat(head10.status()).isEqualTo(head11.status()).isEqualTo(200);
            assertThat(head10.header("Content-Length")).isEqualTo(head11.header("Content-Length"));
            assertThat(head10.header("Transfer-Encoding")).isNull();
            assertThat(http10.closedByServer())
                    .as("nothing follows the head, and the connection closes")
                    .isTrue();
        }
    }

    @Test
    void postWithABodyUnderHttp10ReachesTheHandler() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response response = connection
                    .send("POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world")
                    .read();

            assertThat(response.status()).isEqualTo(201);
            assertThat(response.text()).isEqualTo("got hello world");
            assertThat(response.header("Content-Length")).isEqualTo("15");
        }
    }

    @Test
    void aBodyOverTheLimitUnderHttp10GetsTheSame413Problem() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response response = connection
                    .send("POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5000\r\n\r\n")
                    .read();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.text()).contains("limit of 4096 bytes");
            assertThat(connection.closedByServer())
                    .as("a refused body closes the connection, keep-alive or not")
                    .isTrue();
        }
    }

    @Test
    void unknownPathUnderHttp10IsTheSameProblemJson404() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response response = connection
                    .send("GET /nope HTTP/1.0\r\nX-Request-Id: abc-123\r\n\r\n")
                    .read();

            assertThat(response.status()).isEqualTo(404);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.header("Transfer-Encoding")).isNull();
            assertThat(response.header("Content-Length")).isEqualTo(Integer.toString(response.body().length));
            assertThat(response.header("X-Request-Id")).isEqualTo("abc-123");
            JsonNode problem = HttpTestSupport.json(response.text());
            assertThat(problem.get("status").asInt()).isEqualTo(404);
            assertThat(problem.get("requestId").asText()).isEqualTo("abc-123");
        }
    }

    @Test
    void aStreamedResponseReachesAnHttp10ClientWholeWithContentLengthAndAnHttp11ClientChunked() {
        try (RawHttpConnection http10 = RawHttpConnection.open(server.port());
                RawHttpConnection http11 = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response whole =
                    http10.send("GET /streamed HTTP/1.0\r\n\r\n").read();
            RawHttpConnection.Response chunked = http11.send(
                            "GET /streamed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .read();

            assertThat(whole.status()).isEqualTo(200);
            assertThat(whole.header("Transfer-Encoding")).isNull();
            assertThat(whole.header("Content-Length")).isEqualTo(Integer.toString(STREAMED_BYTES));
            assertThat(whole.body()).isEqualTo(chunked.body()).hasSize(STREAMED_BYTES);
            assertThat(chunked.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(http10.closedByServer()).isTrue();
        }
    }

    @Test
    void transferEncodingInAnHttp10RequestIsRefusedAndTheConnectionClosed() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response response = connection
                    .send("POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "3\r\none\r\n0\r\n\r\n")
                    .read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.text()).contains("Transfer-Encoding");
            assertThat(connection.closedByServer()).isTrue();
        }
    }

    @Test
    void http10RequestsAreAccessLoggedLikeOthers() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection
                    .send("GET /hello HTTP/1.0\r\nX-Request-Id: logged-10\r\n\r\n")
                    .read();
        }
        ILoggingEvent line = Poll.until(
                Duration.ofSeconds(10),
                "the access log line of request logged-10",
                () -> accessLog.events().stream()
                        .filter(e -> "logged-10".equals(e.getMDCPropertyMap().get("requestId")))
                        .findFirst());

        assertThat(line.getFormattedMessage()).startsWith("GET /hello 200 5B ");
    }

    @Test
    void http11StillKeepsTheConnectionAndAnHttp11RequestAfterHttp10KeepAliveIsServedToo() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            String http11 = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n";
            RawHttpConnection.Response first = connection.send(http11).read();
            RawHttpConnection.Response second = connection.send(http11).read();

            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.header("Connection")).isNotEqualTo("close");
        }
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            RawHttpConnection.Response http10 = connection
                    .send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                    .read();
            RawHttpConnection.Response http11 = connection
                    .send("GET /streamed HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .read();
            RawHttpConnection.Response again = connection
                    .send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .read();

            assertThat(http10.status()).isEqualTo(200);
            assertThat(http11.status()).isEqualTo(200);
            assertThat(http11.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(http11.body()).hasSize(STREAMED_BYTES);
            assertThat(again.text()).isEqualTo("hello");
        }
    }

    @Test
    void anHttp10RequestAfterHttp11OnTheSameConnectionIsRefusedWithAMessageThatSaysWhatToDo() {
        try (RawHttpConnection connection = RawHttpConnection.open(server.port())) {
            connection.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n").read();
            RawHttpConnection.Response refused =
                    connection.send("GET /hello HTTP/1.0\r\n\r\n").read();

            assertThat(refused.status()).isEqualTo(505);
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(refused.text()).contains("send HTTP/1.1 on this connection, or HTTP/1.0 on a new one");
        }
    }

    @Test
    void managementListenerAnswersHttp10HealthChecks() {
        ManagementServer management = ManagementServer.builder(
                        new ManagementServerConfig(HttpTestSupport.HOST, 0, "management.port"),
                        () -> Readiness.ready("RUNNING"))
                .build();
        management.start();
        try (RawHttpConnection ready = RawHttpConnection.open(management.port());
                RawHttpConnection haproxy = RawHttpConnection.open(management.port())) {
            RawHttpConnection.Response readiness =
                    ready.send("GET /health/ready HTTP/1.0\r\n\r\n").read();
            // HAProxy's default `option httpchk` request: whatever the answer, not 505.
            RawHttpConnection.Response options =
                    haproxy.send("OPTIONS / HTTP/1.0\r\n\r\n").read();

            assertThat(readiness.status()).isEqualTo(200);
            assertThat(options.status()).isBetween(200, 499);
        } finally {
            management.stop();
        }
    }

    @Test
    void http10OverTlsIsServedToo() throws Exception {
        List<TestIdentities.Identity> identities = TestIdentities.generate(dir, "server:EC");
        TestIdentities.Identity identity = identities.getFirst();
        ApiServer tlsServer =
                started(Optional.of(TlsSettings.pem(identity.certificatePem(), identity.privateKeyPem())));
        try (SSLSocket socket = TestCertificates.connect(
                        TestCertificates.clientContext(List.of(identity.certificate()), Optional.empty()),
                        tlsServer.port());
                RawHttpConnection connection = new RawHttpConnection(socket)) {
            RawHttpConnection.Response response =
                    connection.send("GET /hello HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            assertThat(response.header("Strict-Transport-Security")).isNotNull();
            assertThat(connection.closedByServer()).isTrue();
        } finally {
            tlsServer.stop();
        }
    }

    /**
     * ApacheBench speaks HTTP/1.0 (Debian package {@code apache2-utils}, installed by {@code .ci/run}): 200 requests
     * over 4 connections, with and without keep-alive, and not one may fail.
     */
    @Test
    void apacheBenchGetsNoFailedRequests() throws Exception {
        Path ab = Path.of("/usr/bin/ab");
        boolean missing = !Files.isExecutable(ab);
        if (missing && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("ApacheBench (/usr/bin/ab) is missing on CI; .ci/run installs apache2-utils");
        }
        assumeTrue(!missing, "ApacheBench test skipped: no /usr/bin/ab (apt-get install apache2-utils)");
        for (List<String> options : List.of(List.<String>of(), List.of("-k"))) {
            List<String> command = new ArrayList<>(List.of(ab.toString(), "-n", "200", "-c", "4", "-s", "10"));
            command.addAll(options);
            command.add("http://127.0.0.1:" + server.port() + "/hello");
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("ab finishes").isTrue();

            assertThat(process.exitValue()).as(output).isZero();
            assertThat(output)
                    .as(String.join(" ", command))
                    .containsPattern("Complete requests:\\s+200")
                    .containsPattern("Failed requests:\\s+0")
                    .doesNotContain("Non-2xx responses");
            if (options.contains("-k")) {
                assertThat(output).containsPattern("Keep-Alive requests:\\s+200");
            }
        }
    }
}
