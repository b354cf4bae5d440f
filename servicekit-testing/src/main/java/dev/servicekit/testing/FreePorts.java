package dev.servicekit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for servers a test starts. {@link #distinct(int)} keeps every socket open until all ports
 * are known, so two ports asked for together are never the same one (asking twice in a row can return the same
 * port, and then the second server fails with "address already in use").
 */
public final class FreePorts {

    private FreePorts() {}

    /** One free loopback port. */
    public static int one() {
        return distinct(1)[0];
    }

    /** {@code count} different free loopback ports. */
    public static int[] distinct(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, not " + count);
        }
        List<ServerSocket> sockets = new ArrayList<>(count);
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is still free for the caller; nothing to do
                }
            }
        }
    }
}
