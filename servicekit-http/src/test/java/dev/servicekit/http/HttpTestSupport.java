package dev.servicekit.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Real-socket helpers: a JDK HttpClient pinned to HTTP/1.1, raw sockets for malformed input. */
final class HttpTestSupport {

    static final String HOST = "127.0.0.1";
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private HttpTestSupport() {}

    static ApiServerConfig apiConfig(long maxBodyBytes, Duration drainTimeout) {
        return new ApiServerConfig(HOST, 0, "http.port", maxBodyBytes, drainTimeout);
    }

    /** A started management listener on a free loopback port, always ready, serving {@code metrics}' scrape route. */
    static ManagementServer startedMetricsServer(HttpMetrics metrics) {
        ManagementServer management = ManagementServer.builder(
                        new ManagementServerConfig(HOST, 0, "management.port"), () -> Readiness.ready("RUNNING"))
                .routes(List.of(metrics.scrapeRoute()))
                .build();
        management.start();
        return management;
    }

    static URI uri(int port, String path) {
        return URI.create("http://" + HOST + ":" + port + path);
    }

    static HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(20));
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(int port, String path) {
        return send(request(port, path).GET().build());
    }

    static HttpResponse<String> postJson(int port, String path, String contentType, String body) {
        HttpRequest.Builder builder = request(port, path).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        return send(builder.build());
    }

    static JsonNode json(String body) {
        try {
            return JsonBodies.mapper().readTree(body);
        } catch (IOException e) {
            throw new AssertionError("Response body is not JSON: " + body, e);
        }
    }

    /** Sends raw bytes (never half-closing) and reads until the server closes the connection. */
    static RawResponse raw(int port, String request) {
        return raw(port, request, false);
    }

    /** Sends raw bytes, half-closes (the client has nothing more to send), and reads until the server closes. */
    static RawResponse rawHalfClosed(int port, String request) {
        return raw(port, request, true);
    }

    private static RawResponse raw(int port, String request, boolean halfClose) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 5000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (halfClose) {
                socket.shutdownOutput();
            }
            return RawResponse.readFrom(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean connectionRefused(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A response read off a raw socket; header names are lower-cased. */
    record RawResponse(int status, Map<String, String> headers, String body) {

        static RawResponse readFrom(InputStream in) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int head = -1;
            int read;
            while ((read = in.read(buffer)) != -1) {
                all.write(buffer, 0, read);
                String text = all.toString(StandardCharsets.ISO_8859_1);
                if (head < 0) {
                    head = text.indexOf("\r\n\r\n");
                }
                if (head >= 0) {
                    RawResponse parsed = parse(text, head);
                    String length = parsed.headers().get("content-length");
                    if (length != null
                            && parsed.body().getBytes(StandardCharsets.ISO_8859_1).length >= Integer.parseInt(length)) {
                        return parsed;
                    }
                }
            }
            String text = all.toString(StandardCharsets.ISO_8859_1);
            if (head < 0) {
                throw new IOException("Connection closed without a complete response; received: " + text);
            }
            return parse(text, head);
        }

        private static RawResponse parse(String text, int head) {
            String[] lines = text.substring(0, head).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            byte[] body = text.substring(head + 4).getBytes(StandardCharsets.ISO_8859_1);
            return new RawResponse(status, headers, new String(body, StandardCharsets.UTF_8));
        }
    }
}
