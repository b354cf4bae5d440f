package dev.servicekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A small HTTP client for tests against a service on loopback: JSON in, {@link TestResponse} out,
 * with a timeout on every request so a hung server fails the test instead of hanging it.
 *
 * <p>Instances are cheap and need no closing: they share one JDK {@link HttpClient} per timeout for the life of the
 * JVM (each JDK client holds a selector thread and a connection pool), as a browser shares its connections between
 * tabs. Connections a server closes leave the pool with them.
 *
 * {@snippet :
 * TestHttpClient http = TestHttpClient.create("http://127.0.0.1:" + port);
 * TestResponse created = http.post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}");
 * assertThat(created.status()).isEqualTo(201);
 * }
 */
public final class TestHttpClient {

    private final URI base;
    private final HttpClient client;
    private final Duration timeout;
    private final ResponseCheck check;

    /**
     * Checks every response a client receives, for example against the service's OpenAPI document
     * ({@link OpenApiContract}); throws {@link AssertionError} to fail the test that sent the request.
     */
    @FunctionalInterface
    public interface ResponseCheck {
        /**
         * @param method   the request's method
         * @param path     the request's path and query as sent
         * @param response what came back
         */
        void check(String method, String path, TestResponse response);
    }

    /** The JDK clients, one per connect timeout: a test run uses a handful of timeouts. */
    private static final ConcurrentMap<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private TestHttpClient(URI base, Duration timeout, ResponseCheck check) {
        this.base = base;
        this.timeout = timeout;
        this.check = check;
        this.client = CLIENTS.computeIfAbsent(
                timeout,
                connectTimeout -> HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(connectTimeout)
                        .build());
    }

    /** A client for a base URL such as {@code http://127.0.0.1:8080}, with a 10 s timeout per request. */
    public static TestHttpClient create(String baseUrl) {
        return new TestHttpClient(
                URI.create(Objects.requireNonNull(baseUrl, "baseUrl")), Duration.ofSeconds(10), (m, p, r) -> {});
    }

    /** A copy with another per-request (and connect) timeout. */
    public TestHttpClient withTimeout(Duration value) {
        return new TestHttpClient(base, value, check);
    }

    /** A copy that passes every response to {@code next} (after this client's own check) before returning it. */
    public TestHttpClient withResponseCheck(ResponseCheck next) {
        Objects.requireNonNull(next, "next");
        ResponseCheck first = check;
        return new TestHttpClient(base, timeout, (method, path, response) -> {
            first.check(method, path, response);
            next.check(method, path, response);
        });
    }

    /** {@code GET path}. */
    public TestResponse get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    /** {@code POST path} with a JSON body. */
    public TestResponse post(String path, String json, String... headers) {
        return send("POST", path, json, withJson(headers));
    }

    /** {@code PUT path} with a JSON body. */
    public TestResponse put(String path, String json, String... headers) {
        return send("PUT", path, json, withJson(headers));
    }

    /** {@code DELETE path}. */
    public TestResponse delete(String path, String... headers) {
        return send("DELETE", path, null, headers);
    }

    /**
     * Sends any request. {@code headers} are name, value pairs; a {@code null} body sends none.
     *
     * @throws UncheckedIOException when the connection fails (refused, reset, timed out)
     * @throws AssertionError       when a {@linkplain #withResponseCheck response check} finds the response wrong
     */
    public TestResponse send(String method, String path, String body, String... headers) {
        if (headers.length % 2 != 0) {
            throw new IllegalArgumentException("headers must be name, value pairs");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            TestResponse received =
                    new TestResponse(response.statusCode(), response.headers().map(), response.body());
            check.check(method, path, received);
            return received;
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    private static String[] withJson(String[] headers) {
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i].equalsIgnoreCase("Content-Type")) {
                return headers;
            }
        }
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type";
        all[1] = "application/json";
        System.arraycopy(headers, 0, all, 2, headers.length);
        return all;
    }
}
