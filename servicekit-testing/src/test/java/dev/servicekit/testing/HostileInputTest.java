package dev.servicekit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The checker fails when it should: tiny servers on a loopback socket answer every request with a fixed answer, one
 * of them wrong (a 500, a leaked stack trace, something that is not HTTP), and the generator is reproducible.
 */
class HostileInputTest {

    private static final String OK =
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: 30\r\n"
                    + "Connection: close\r\n\r\n{\"status\":400,\"title\":\"Bad\"}  ";

    /** A server that reads whatever comes and writes {@code answer(n)}, the n-th connection's answer. */
    static final class FakeServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger count = new AtomicInteger();
        final Thread thread;

        FakeServer(IntFunction<String> answer) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket client = socket.accept();
                        int n = count.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(client, answer.apply(n)));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private static void serve(Socket client, String answer) {
            try (client) {
                // Until the generator's half-close; a client that keeps its side open (the health check's
                // HttpClient) is answered after a pause in what it sends.
                client.setSoTimeout(300);
                InputStream in = client.getInputStream();
                try {
                    in.skip(Long.MAX_VALUE);
                } catch (SocketTimeoutException e) {
                    // answer what was sent so far
                }
                OutputStream out = client.getOutputStream();
                out.write(answer.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // the client went away: nothing to answer
            }
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static HostileInput.Report run(FakeServer server, int requests) {
        return HostileInput.builder(server.uri())
                .paths(List.of("/api/v1/users", "/api/v1/users/{id}"))
                .jsonFields(List.of("name", "email"))
                .seed(7)
                .requests(requests)
                .concurrency(2)
                .readTimeout(Duration.ofSeconds(5))
                .build()
                .run();
    }

    @Test
    void aServerThatAnswersEveryRequestWithA4xxProblemPasses() throws Exception {
        String fine = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]";
        try (FakeServer server = new FakeServer(n -> n <= 300 ? OK : fine)) {
            HostileInput.Report report = run(server, 300);
            assertThat(report.sent()).isEqualTo(300);
            assertThat(report.outcomes()).containsEntry("400", 300L);
            assertThat(report.findings()).isEmpty();
            assertThat(report.categories().keySet())
                    .containsExactlyInAnyOrder("framing", "headers", "methods", "paths", "utf8", "json", "tokens");
            report.assertPassed();
        }
    }

    @Test
    void oneAnswerOf500FailsTheRun() throws Exception {
        try (FakeServer server = new FakeServer(n -> n == 42
                ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                : OK)) {
            HostileInput.Report report = run(server, 100);
            assertThat(report.serverErrors()).isEqualTo(1);
            assertThat(report.findings())
                    .singleElement()
                    .satisfies(f -> assertThat(f.rule()).isEqualTo("status 500 (>= 500)"));
            assertThat(report.passed()).isFalse();
            assertThatThrownBy(report::assertPassed)
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("status 500")
                    .hasMessageContaining("FAILED");
        }
    }

    @Test
    void aLeakedStackTraceInA400BodyFailsTheRun() throws Exception {
        String trace = "{\"detail\":\"java.lang.IllegalArgumentException: bad\\n\\tat dev.x.Y.z(Y.java:1)\"}";
        try (FakeServer server = new FakeServer(n -> n == 7
                ? "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + Integer.toHexString(trace.length()) + "\r\n" + trace + "\r\n0\r\n\r\n"
                : OK)) {
            HostileInput.Report report = run(server, 100);
            assertThat(report.serverErrors()).isZero();
            assertThat(report.findings()).singleElement().satisfies(f -> {
                assertThat(f.rule()).contains("stack trace").contains("java.lang.IllegalArgumentException");
                assertThat(f.answer()).contains("Y.java:1");
            });
            assertThat(report.passed()).isFalse();
        }
    }

    @Test
    void theLeakPatternSeesClassNamesAndTraceLinesButNotOrdinaryProblems() {
        assertThat(HostileInput.LEAK
                        .matcher("com.fasterxml.jackson.core.JsonParseException: x")
                        .find())
                .isTrue();
        assertThat(HostileInput.LEAK.matcher("oops\n\tat Foo.bar(Foo.java:3)").find())
                .isTrue();
        assertThat(HostileInput.LEAK.matcher("Caused by: x").find()).isTrue();
        assertThat(HostileInput.LEAK.matcher("NullPointerException: x").find()).isTrue();
        assertThat(HostileInput.LEAK
                        .matcher("{\"type\":\"https://servicekit.dev/problems/validation\",\"title\":\"Bad Request\","
                                + "\"detail\":\"field 'email' must be an e-mail address\",\"status\":400}")
                        .find())
                .isFalse();
    }

    @Test
    void somethingThatIsNotHttpFailsTheRunAndAClosedConnectionDoesNot() throws Exception {
        try (FakeServer server = new FakeServer(n -> n == 3 ? "garbage\r\n\r\n" : n % 2 == 0 ? "" : OK)) {
            HostileInput.Report report = run(server, 60);
            assertThat(report.outcomes()).containsEntry("closed", 30L).containsEntry("not_http", 1L);
            assertThat(report.findings())
                    .singleElement()
                    .satisfies(f -> assertThat(f.rule()).contains("not HTTP"));
        }
    }

    @Test
    void aServiceThatIsNotHealthyAfterwardsFailsTheRun() throws Exception {
        try (FakeServer server = new FakeServer(n -> OK)) {
            HostileInput.Report report = HostileInput.builder(server.uri())
                    .management(server.uri())
                    .requests(20)
                    .build()
                    .run();
            assertThat(report.findings()).isEmpty();
            assertThat(report.health())
                    .anySatisfy(h -> assertThat(h).contains("/health/ready").contains("400"));
            assertThat(report.passed()).isFalse();
        }
    }

    @Test
    void theSameSeedMakesTheSameRequestsAndAnotherSeedOthers() {
        HostileInput input = HostileInput.builder(URI.create("http://127.0.0.1:1"))
                .paths(List.of("/a/{id}"))
                .token("h.p.s")
                .build();
        assertThat(input.request(18, 1234)).isEqualTo(input.request(18, 1234));
        assertThat(input.request(18, 1234)).isNotEqualTo(input.request(19, 1234));
        RequestGenerator generator =
                new RequestGenerator("h:1", java.util.Optional.of("h.p.s"), List.of("/a"), List.of("name"));
        for (int i = 0; i < 1500; i++) {
            String text = new String(generator.generate(new Random(i)).bytes(), StandardCharsets.ISO_8859_1);
            assertThat(HostileInput.LEAK.matcher(text).find())
                    .as("request %d must not look like a leak itself", i)
                    .isFalse();
        }
    }

    @Test
    void theCommandLineRunsAndExitsNonZeroOnFindings() throws Exception {
        try (FakeServer server = new FakeServer(n ->
                n == 5 ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" : OK)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = HostileInput.Cli.run(
                    new String[] {"--api", server.uri().toString(), "--requests", "30", "--seed", "3", "--path", "/x"},
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).isEqualTo(1);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("seed 3, 30 of 30 requests")
                    .contains("status 503")
                    .contains("FAILED");
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(HostileInput.Cli.run(
                        new String[] {"--api", "https://x:1", "--bogus", "1"},
                        System.out,
                        new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("must be http://host:port");
    }
}
