package dev.servicekit.http;

import io.helidon.common.GenericType;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The response a GET handler writes when it answers a HEAD request (RFC 9110 §9.3.2): the status and headers of the
 * GET, with {@code Content-Length} the length of the content a GET would get, and no content. Helidon sends whatever
 * content a handler gives, HEAD or not, which would be read as the start of the next response on the connection.
 *
 * <p>A handler's {@code send(byte[])}, {@code send(String)} and output stream are measured and dropped. Any other
 * entity (one Helidon's media support would write) is dropped unmeasured, and that answer says
 * {@code Content-Length: 0}: every toolkit route sends bytes.
 */
final class HeadResponse implements ServerResponse {

    private static final byte[] NOTHING = new byte[0];

    private final ServerResponse response;
    private OutputStream stream;

    private HeadResponse(ServerResponse response) {
        this.response = Objects.requireNonNull(response, "response");
    }

    /** {@code get} answering HEAD requests: it runs as for a GET, and only the headers go out. */
    static Handler of(Handler get) {
        Objects.requireNonNull(get, "get");
        return (req, res) -> {
            HeadResponse head = new HeadResponse(res);
            get.handle(req, head);
            // Helidon closes a handler's output stream when the handler returns without closing it; so does this.
            if (head.stream != null) {
                head.stream.close();
            }
        };
    }

    /**
     * Sends the headers of a response whose content would have been {@code length} bytes, without the content. A
     * status that has no content (204, 205, 304) gets no {@code Content-Length}, as for a GET.
     */
    static void sendWithoutContent(ServerResponse response, long length) {
        int code = response.status().code();
        boolean noContent = code == 204 || code == 205 || code == 304;
        if (!noContent && !response.headers().contains(HeaderNames.CONTENT_LENGTH)) {
            response.headers().contentLength(length);
        }
        // Helidon keeps a Content-Length already set when the entity it is given is empty.
        response.send(NOTHING);
    }

    @Override
    public ServerResponse status(Status status) {
        response.status(status);
        return this;
    }

    @Override
    public Status status() {
        return response.status();
    }

    @Override
    public ServerResponse header(Header header) {
        response.header(header);
        return this;
    }

    @Override
    public void send() {
        response.send();
    }

    @Override
    public void send(byte[] bytes) {
        sendWithoutContent(response, bytes.length);
    }

    @Override
    public void send(Object entity) {
        switch (entity) {
            case byte[] bytes -> send(bytes);
            case String text -> {
                // As Helidon's writer of strings does for a GET.
                if (!response.headers().contains(HeaderNames.CONTENT_TYPE)) {
                    response.headers().set(HeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8");
                }
                send(text.getBytes(StandardCharsets.UTF_8));
            }
            default -> response.send(NOTHING);
        }
    }

    @Override
    public boolean isSent() {
        return response.isSent();
    }

    /** Counts what the handler writes, drops it, and sends the headers when the handler closes the stream. */
    @Override
    public OutputStream outputStream() {
        if (stream != null) {
            throw new IllegalStateException("OutputStream already obtained");
        }
        stream = new OutputStream() {
            private long length;
            private boolean closed;

            @Override
            public void write(int b) {
                length++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                Objects.checkFromIndexSize(off, len, b.length);
                length += len;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    sendWithoutContent(response, length);
                }
            }
        };
        return stream;
    }

    @Override
    public long bytesWritten() {
        return response.bytesWritten();
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        response.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        response.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        response.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        response.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return response.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return response.trailers();
    }

    @Override
    public ServerResponse beforeTrailers(Consumer<ServerResponseTrailers> trailers) {
        response.beforeTrailers(trailers);
        return this;
    }

    @Override
    public void streamResult(String result) {
        response.streamResult(result);
    }

    @Override
    public <T extends Sink<?>> T sink(GenericType<T> sinkType) {
        throw new UnsupportedOperationException(
                "A HEAD request has no content to stream; answer HEAD with the headers alone");
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        response.streamFilter(filterFunction);
    }
}
