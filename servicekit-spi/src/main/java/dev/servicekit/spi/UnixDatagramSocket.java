package dev.servicekit.spi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A UNIX-domain datagram socket connected to one path, such as the local syslog socket {@code /dev/log}. Java's own
 * UNIX-domain channels are stream-only ({@code SOCK_STREAM}); {@code /dev/log} takes datagrams, so a platform module
 * provides these through {@link ServiceLoader} (servicekit-systemd, with libc through JNA, on Linux).
 *
 * <p>Not thread-safe: one thread sends on a socket. Every datagram is sent whole or not at all.
 */
public interface UnixDatagramSocket extends Closeable {

    /**
     * Sends one datagram. Blocks while the receiver's queue is full, as {@code send(2)} on a blocking socket does, for
     * a bounded time the provider chooses; then it fails.
     *
     * @param datagram the bytes
     * @param length   how many of them, from the start
     * @throws IOException when the send fails, e.g. nothing listens on the path any more ({@code ECONNREFUSED}) or
     *                     the datagram is larger than the socket allows ({@code EMSGSIZE}); reconnect with
     *                     {@link Provider#connect} to reach a receiver that was restarted
     */
    void send(byte[] datagram, int length) throws IOException;

    /** Closes the socket; never throws. */
    @Override
    void close();

    /** Opens sockets; one per platform that has them. */
    interface Provider {

        /** Whether sockets can be opened on this system (e.g. Linux with its C library). Answers promptly. */
        boolean supported();

        /**
         * Opens a datagram socket connected to {@code path}.
         *
         * @param path the receiver's socket file, e.g. {@code /dev/log}
         * @return the connected socket
         * @throws IOException when the path is no socket, nothing listens on it, or it may not be written to
         */
        UnixDatagramSocket connect(Path path) throws IOException;
    }

    /**
     * The first provider on the class path that is supported on this system.
     *
     * @return the provider, or empty when no module on the class path provides datagram sockets here
     */
    static Optional<Provider> provider() {
        for (Provider provider : ServiceLoader.load(Provider.class)) {
            if (provider.supported()) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }
}
