package dev.servicekit.core;

import dev.servicekit.spi.UnixDatagramSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * One connection to a syslog collector. {@link #connect} opens it, {@link #send} delivers a batch of messages (a
 * failure means "reconnect and try again"), {@link #close} drops it. Used by the one writer thread of
 * {@link SyslogAppender}; not thread-safe.
 */
sealed interface SyslogTransport {

    /** How long a TCP connect may take. */
    int CONNECT_TIMEOUT_MILLIS = 5000;

    /** Opens the connection; a no-op when it is open. */
    void connect() throws IOException;

    /**
     * Sends the messages in order, removing each from the list once it is sent: after a failure the list holds the
     * ones still to send (for TCP, the whole batch, since how much of a failed write arrived is unknown).
     */
    void send(List<byte[]> messages) throws IOException;

    /** Closes the connection; never throws. */
    void close();

    /** The transport for the settings. */
    static SyslogTransport of(SyslogSettings settings) {
        return switch (settings.transport()) {
            case UNIX -> new Unix(settings.socket());
            case UDP -> new Udp(settings.host(), settings.port());
            case TCP -> new Tcp(settings.host(), settings.port());
        };
    }

    /** Datagrams to a local socket such as {@code /dev/log}, through the platform's {@link UnixDatagramSocket}. */
    final class Unix implements SyslogTransport {
        private final Path path;
        private UnixDatagramSocket socket;

        Unix(Path path) {
            this.path = path;
        }

        @Override
        public void connect() throws IOException {
            if (socket == null) {
                UnixDatagramSocket.Provider provider = UnixDatagramSocket.provider()
                        .orElseThrow(() -> new IOException(
                                "no UNIX datagram sockets on this system (servicekit-systemd provides them on Linux)"));
                socket = provider.connect(path);
            }
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            while (!messages.isEmpty()) {
                byte[] message = messages.get(0);
                socket.send(message, message.length);
                messages.remove(0);
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }
    }

    /** One UDP datagram per message (RFC 5426); the host is resolved at each connect. */
    final class Udp implements SyslogTransport {
        private final String host;
        private final int port;
        private DatagramChannel channel;

        Udp(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public void connect() throws IOException {
            if (channel == null) {
                DatagramChannel opened = DatagramChannel.open();
                try {
                    opened.connect(resolve(host, port));
                } catch (IOException | RuntimeException e) {
                    opened.close();
                    throw e;
                }
                channel = opened;
            }
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            while (!messages.isEmpty()) {
                channel.write(ByteBuffer.wrap(messages.get(0)));
                messages.remove(0);
            }
        }

        @Override
        public void close() {
            closeQuietly(channel);
            channel = null;
        }
    }

    /**
     * A TCP connection; each message is framed as {@code MSG-LEN SP SYSLOG-MSG} (RFC 6587 octet counting). Before
     * each batch a non-blocking read checks that the collector has not closed the connection: a write to a
     * connection the peer closed succeeds once and is lost, so the batch would be lost with it.
     */
    final class Tcp implements SyslogTransport {
        private final String host;
        private final int port;
        private final ByteBuffer probe = ByteBuffer.allocate(512);
        private SocketChannel channel;

        Tcp(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public void connect() throws IOException {
            if (channel == null) {
                SocketChannel opened = SocketChannel.open();
                try {
                    opened.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                    opened.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    opened.socket().connect(resolve(host, port), CONNECT_TIMEOUT_MILLIS);
                } catch (IOException | RuntimeException e) {
                    opened.close();
                    throw e;
                }
                channel = opened;
            }
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            checkOpen();
            int size = 0;
            for (byte[] message : messages) {
                size += message.length + 8;
            }
            ByteBuffer frames = ByteBuffer.allocate(size);
            for (byte[] message : messages) {
                frames.put((message.length + " ").getBytes(StandardCharsets.US_ASCII));
                frames.put(message);
            }
            frames.flip();
            while (frames.hasRemaining()) {
                channel.write(frames);
            }
            messages.clear();
        }

        /** Fails when the collector closed or reset the connection (it sends nothing otherwise). */
        private void checkOpen() throws IOException {
            channel.configureBlocking(false);
            try {
                probe.clear();
                if (channel.read(probe) < 0) {
                    throw new IOException("the collector closed the connection");
                }
            } finally {
                channel.configureBlocking(true);
            }
        }

        @Override
        public void close() {
            closeQuietly(channel);
            channel = null;
        }
    }

    private static InetSocketAddress resolve(String host, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve the host \"" + host + "\"");
        }
        return address;
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (IOException ignored) {
                // closing a failed connection; nothing more to do
            }
        }
    }
}
