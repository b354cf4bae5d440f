package dev.servicekit.users;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A PUT whose body is sent in two halves, so it stays in flight until {@link #finish()}. */
final class SlowPut {
    final Socket socket;
    private final byte[] rest;

    private SlowPut(Socket socket, byte[] rest) {
        this.socket = socket;
        this.rest = rest;
    }

    static SlowPut begin(int port, long id, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        String head = "PUT /api/v1/users/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        int half = body.length / 2;
        out.write(body, 0, half);
        out.flush();
        byte[] rest = new byte[body.length - half];
        System.arraycopy(body, half, rest, 0, rest.length);
        return new SlowPut(socket, rest);
    }

    void finish() throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(rest);
        out.flush();
    }

    String statusLine() throws IOException {
        try (socket) {
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = response.indexOf("\r\n");
            return end < 0 ? response : response.substring(0, end);
        }
    }
}
