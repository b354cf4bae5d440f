package dev.servicekit.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A response body for an HTTP/1.0 client, which cannot read chunked transfer coding (RFC 9112 §6.1): everything
 * written is kept until {@link #close()} and then handed to Helidon in one write, which Helidon sends with
 * {@code Content-Length} (its single-buffer path, {@code sendFirstChunkOnly} in 4.5.0). {@code flush()} sends
 * nothing early. The cost is memory for the whole body, paid only by HTTP/1.0 requests; clients that care about
 * streaming speak HTTP/1.1.
 *
 * <p>Installed as a Helidon response stream filter, so it sees the body before content encoding; without an
 * encoding it also sets {@code Content-Length} before the write, so the access log counts the body's bytes.
 */
final class WholeBodyOutputStream extends OutputStream {

    private final OutputStream helidon;
    private final ServerResponseHeaders headers;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean closed;

    WholeBodyOutputStream(OutputStream helidon, ServerResponseHeaders headers) {
        this.helidon = helidon;
        this.headers = headers;
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        body.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        body.write(b, off, len);
    }

    /** Sends nothing: the body leaves whole, at {@link #close()}. */
    @Override
    public void flush() {}

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!headers.contains(HeaderNames.CONTENT_LENGTH) && !headers.contains(HeaderNames.CONTENT_ENCODING)) {
            headers.contentLength(body.size());
        }
        if (body.size() > 0) {
            body.writeTo(helidon);
        }
        helidon.close();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("The response body was already sent; write before closing its stream");
        }
    }
}
