package dev.servicekit.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import dev.servicekit.spi.UnixDatagramSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * UNIX-domain datagram sockets through libc ({@code socket(AF_UNIX, SOCK_DGRAM)}, {@code connect}, {@code send}),
 * as the syslog output needs for {@code /dev/log}. Linux only: the address layout ({@code struct sockaddr_un}) and
 * the flags are Linux's. Used through ServiceLoader.
 */
public final class LibcUnixDatagramSockets implements UnixDatagramSocket.Provider {

    /** How long a send may wait for room in the receiver's queue before it fails ({@code SO_SNDTIMEO}). */
    static final long SEND_TIMEOUT_SECONDS = 1;

    /** Used through ServiceLoader. */
    public LibcUnixDatagramSockets() {}

    @Override
    public boolean supported() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    @Override
    public UnixDatagramSocket connect(Path path) throws IOException {
        String name = path.toString();
        if (!name.startsWith("/")) {
            name = path.toAbsolutePath().toString();
        }
        Optional<byte[]> address = SdNotify.socketAddress(name);
        if (address.isEmpty()) {
            throw new IOException("\"" + path + "\" is not a usable UNIX socket path (at most 107 bytes)");
        }
        byte[] addr = address.get();
        int fd;
        try {
            fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            throw new IOException("cannot open a UNIX datagram socket: " + e.getMessage(), e);
        }
        try {
            // A receiver whose queue stays full (a wedged syslog daemon) fails a send after this long instead of
            // blocking the sending thread for good.
            LibC.INSTANCE.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDTIMEO, new long[] {SEND_TIMEOUT_SECONDS, 0}, 16);
            LibC.INSTANCE.connect(fd, addr, addr.length);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot connect to the UNIX datagram socket \"" + path + "\": " + e.getMessage(), e);
        }
        return new Connected(fd, path);
    }

    /** A connected socket; {@code MSG_NOSIGNAL} so a vanished receiver is an error, not SIGPIPE. */
    private static final class Connected implements UnixDatagramSocket {
        private final int fd;
        private final Path path;
        private boolean closed;

        Connected(int fd, Path path) {
            this.fd = fd;
            this.path = path;
        }

        @Override
        public void send(byte[] datagram, int length) throws IOException {
            if (closed) {
                throw new IOException("the socket to \"" + path + "\" is closed");
            }
            try {
                LibC.INSTANCE.send(fd, datagram, new NativeLong(length), LibC.MSG_NOSIGNAL);
            } catch (LastErrorException e) {
                throw new IOException("sending to \"" + path + "\" failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                LibC.INSTANCE.close(fd);
            }
        }
    }
}
