package dev.servicekit.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A test client on one raw socket: writes requests as plain bytes and reads responses one at a time, so a test can
 * see the exact framing (Content-Length, chunked, close-delimited) and whether the server keeps the connection.
 */
final class RawHttpConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpConnection(Socket socket) {
        try {
            this.socket = socket;
            socket.setSoTimeout(20_000);
            socket.setTcpNoDelay(true);
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RawHttpConnection open(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(HttpTestSupport.HOST, port), 5000);
            return new RawHttpConnection(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawHttpConnection send(String request) {
        return send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttpConnection send(byte[] request) {
        try {
            out.write(request);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response; {@code head} says there is no body whatever the headers say (a HEAD request). */
    Response read(boolean head) {
        try {
            String statusLine = line();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.merge(
                        line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            byte[] body;
            if (head || status == 204 || status == 304) {
                body = new byte[0];
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = chunked();
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else {
                body = in.readAllBytes(); // close-delimited
            }
            return new Response(statusLine, status, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response read() {
        return read(false);
    }

    /** Whether nothing has arrived from the server yet (without blocking). */
    boolean nothingReceived() {
        try {
            return in.available() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server closed the connection: the next read sees the end of the stream (within 20 s). */
    boolean closedByServer() {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    /** Whether the server closes the connection within {@code within}: the next read sees the end of the stream. */
    boolean closedByServer(Duration within) {
        try {
            int timeout = socket.getSoTimeout();
            socket.setSoTimeout(Math.toIntExact(within.toMillis()));
            try {
                return closedByServer();
            } finally {
                socket.setSoTimeout(timeout);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt(semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon), 16);
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("Connection closed in the middle of a response; read so far: "
                        + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
    }

    /** One response; header names lower-cased, repeated headers joined with ", ". */
    record Response(String statusLine, int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
