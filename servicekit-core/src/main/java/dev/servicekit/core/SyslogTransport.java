package dev.servicekit.core;

import dev.servicekit.spi.UnixDatagramSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One connection to a syslog collector. {@link #connect} opens it, {@link #send} delivers a batch of messages (a
 * failure means "reconnect and try again"), {@link #close} drops it. Used by the one writer thread of
 * {@link SyslogAppender}; not thread-safe.
 */
sealed interface SyslogTransport {

    /** How long a TCP connect may take. */
    int CONNECT_TIMEOUT_MILLIS = 5000;

    /** How long the collector may take to answer each step of a TLS handshake. */
    int HANDSHAKE_TIMEOUT_MILLIS = 5000;

    /**
     * How long a new TLS connection is watched after the handshake for the collector closing it: with TLS 1.3 a
     * collector checks the client certificate after the client finished, and a refusal arrives only then.
     */
    int SETTLE_MILLIS = 300;

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
            case TLS -> new Tls(settings.host(), settings.port(), settings.tls());
        };
    }

    /**
     * A failure of the TLS handshake, or the collector's refusal right after it, worded with the setting that fixes
     * it: a configuration matter, not a collector that is down.
     */
    final class TlsRefused extends IOException {
        private static final long serialVersionUID = 1L;

        TlsRefused(String message) {
            super(message);
        }

        TlsRefused(String message, Throwable cause) {
            super(message, cause);
        }
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
            ByteBuffer frames = frames(messages);
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

    /**
     * TLS over TCP (RFC 5425), with the framing of {@link Tcp}. The collector's certificate must chain to a CA of
     * {@code log.syslog.tls.ca-file} (else of the JVM's trust store) and name the host (endpoint identification as
     * HTTPS does it); a client certificate is presented when the collector asks for one. The TLS context follows the
     * files ({@link PemTlsFiles#context()}): a renewed certificate is used from the next handshake. The connection is
     * a {@link SocketChannel}'s socket, so that {@link SyslogAppender#stop()}'s interrupt ends a blocked write.
     */
    final class Tls implements SyslogTransport {
        private final String host;
        private final int port;
        private final PemTlsFiles files;
        private final byte[] probe = new byte[512];
        private SSLContext context;
        private SocketChannel channel;
        private SSLSocket socket;

        Tls(String host, int port, PemTlsFiles files) {
            this.host = host;
            this.port = port;
            this.files = files;
        }

        @Override
        public void connect() throws IOException {
            if (socket != null) {
                return;
            }
            if (context == null) {
                try {
                    context = files.context();
                } catch (PemTlsFiles.Problems e) {
                    throw new TlsRefused("the TLS files cannot be used: " + e.getMessage(), e);
                }
            }
            SocketChannel opened = SocketChannel.open();
            try {
                opened.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                opened.setOption(StandardSocketOptions.TCP_NODELAY, true);
                opened.socket().connect(resolve(host, port), CONNECT_TIMEOUT_MILLIS);
                SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(opened.socket(), host, port, true);
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                tls.setSSLParameters(parameters);
                tls.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
                try {
                    tls.startHandshake();
                    settle(tls);
                } catch (SocketTimeoutException e) {
                    throw new TlsRefused(
                            "no TLS handshake within " + HANDSHAKE_TIMEOUT_MILLIS + " ms; check that the port is the"
                                    + " collector's TLS listener (rsyslog: imtcp with StreamDriver.Mode=\"1\")",
                            e);
                } catch (SSLException e) {
                    throw new TlsRefused(describe(e), e);
                }
                tls.setSoTimeout(0);
                socket = tls;
                channel = opened;
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
        }

        /**
         * Waits {@link #SETTLE_MILLIS} for the collector to refuse the new connection; fails when it closes it (it
         * sends nothing otherwise).
         */
        private void settle(SSLSocket tls) throws IOException {
            String closed = "the collector closed the connection right after the TLS handshake; it may want a client"
                    + " certificate it trusts: set log.syslog.tls.cert-file and log.syslog.tls.key-file to one its CA"
                    + " signs";
            tls.setSoTimeout(SETTLE_MILLIS);
            try {
                if (tls.getInputStream().read(probe) < 0) {
                    throw new TlsRefused(closed);
                }
            } catch (SocketTimeoutException open) {
                // the connection stands
            } catch (java.net.SocketException reset) {
                throw new TlsRefused(closed + " (" + reset.getMessage() + ")", reset);
            }
        }

        @Override
        public void send(List<byte[]> messages) throws IOException {
            checkOpen();
            ByteBuffer frames = frames(messages);
            socket.getOutputStream().write(frames.array(), 0, frames.limit());
            socket.getOutputStream().flush();
            messages.clear();
        }

        /** Fails when the collector closed the connection, without waiting (a timed read of 1 ms). */
        private void checkOpen() throws IOException {
            socket.setSoTimeout(1);
            try {
                if (socket.getInputStream().read(probe) < 0) {
                    throw new IOException("the collector closed the connection");
                }
            } catch (SocketTimeoutException open) {
                // nothing to read: the connection stands
            } catch (SSLException e) {
                throw new TlsRefused(describe(e), e);
            } finally {
                socket.setSoTimeout(0);
            }
        }

        @Override
        public void close() {
            closeQuietly(socket);
            closeQuietly(channel);
            socket = null;
            channel = null;
        }

        /** A TLS failure with what to do about it, for the failures that a setting fixes. */
        static String describe(SSLException e) {
            String message = String.valueOf(e.getMessage());
            Optional<TlsRefusal> refusal = TlsRefusal.classify(e);
            if (refusal.isPresent()) {
                return switch (refusal.get()) {
                    case SERVER_NOT_TRUSTED ->
                        "the collector's certificate is not trusted (" + message + "); set log.syslog.tls.ca-file to"
                                + " the CA certificate that signed it";
                    case SERVER_NAME_MISMATCH ->
                        "the collector's certificate does not name log.syslog.host (" + message + "); set"
                                + " log.syslog.host to a name the certificate carries, or give the collector a"
                                + " certificate for that name";
                    case CLIENT_CERTIFICATE_REFUSED ->
                        "the collector refused the TLS handshake (" + message + "): it wants a client certificate,"
                                + " and none was given or it does not trust the one given; set"
                                + " log.syslog.tls.cert-file and log.syslog.tls.key-file to one its CA signs";
                };
            }
            if (e.getCause() instanceof java.net.SocketException
                    || e.getCause() instanceof java.io.EOFException
                    || message.contains("readHandshakeRecord")) {
                return "the collector closed the connection during the TLS handshake (" + TlsKeys.reason(e) + "); a"
                        + " collector does so when it wants a client certificate it trusts: set"
                        + " log.syslog.tls.cert-file and log.syslog.tls.key-file to one its CA signs";
            }
            return "TLS handshake failed (" + TlsKeys.reason(e) + ")";
        }
    }

    /** The messages framed as {@code MSG-LEN SP SYSLOG-MSG} (RFC 6587 octet counting), ready to write. */
    private static ByteBuffer frames(List<byte[]> messages) {
        int size = 0;
        for (byte[] message : messages) {
            size += message.length + 8;
        }
        ByteBuffer frames = ByteBuffer.allocate(size);
        for (byte[] message : messages) {
            frames.put((message.length + " ").getBytes(StandardCharsets.US_ASCII));
            frames.put(message);
        }
        return frames.flip();
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
