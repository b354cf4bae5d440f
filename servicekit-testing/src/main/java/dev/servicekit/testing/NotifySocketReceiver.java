package dev.servicekit.testing;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code AF_UNIX}/{@code SOCK_DGRAM} socket standing in for systemd's notification socket
 * ({@code NOTIFY_SOCKET}): bound to a path or an abstract name, it collects every datagram on a reader
 * thread. Linux only (libc through JNA).
 *
 * {@snippet :
 * try (NotifySocketReceiver systemd = NotifySocketReceiver.atPath(dir.resolve("notify"))) {
 *     // start the service with NOTIFY_SOCKET=systemd.notifySocket()
 *     systemd.until("READY=1", Duration.ofSeconds(30));
 * }
 * }
 */
public final class NotifySocketReceiver implements AutoCloseable {

    interface Sockets extends Library {
        Sockets INSTANCE = Native.load("c", Sockets.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] address, int length) throws LastErrorException;

        int setsockopt(int fd, int level, int option, long[] value, int length) throws LastErrorException;

        NativeLong recv(int fd, byte[] buffer, NativeLong length, int flags);

        int close(int fd);
    }

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SUN_PATH_MAX = 108;

    private final int fd;
    private final String name;
    private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean closed;

    /**
     * One datagram and when it arrived.
     *
     * @param text          the datagram, e.g. {@code READY=1\nSTATUS=running}
     * @param receivedNanos {@link System#nanoTime()} at arrival
     */
    public record Message(String text, long receivedNanos) {}

    private NotifySocketReceiver(String name) {
        this.name = name;
        this.fd = Sockets.INSTANCE.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        byte[] address = socketAddress(name);
        Sockets.INSTANCE.bind(fd, address, address.length);
        Sockets.INSTANCE.setsockopt(
                fd, SOL_SOCKET, SO_RCVTIMEO, new long[] {0, 100_000}, 16); // 100 ms, so close() is prompt
        reader = new Thread(this::read, "notify-socket-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Binds a socket file at {@code path}. */
    public static NotifySocketReceiver atPath(Path path) {
        return new NotifySocketReceiver(path.toString());
    }

    /** Binds an abstract-namespace socket; its {@code NOTIFY_SOCKET} spelling starts with {@code @}. */
    public static NotifySocketReceiver abstractNamed(String name) {
        return new NotifySocketReceiver("@" + name);
    }

    /** The value for {@code NOTIFY_SOCKET}. */
    public String notifySocket() {
        return name;
    }

    /** The next datagram, or empty when none arrives within {@code timeout}. */
    public Optional<Message> next(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    /**
     * Waits until a datagram with a line equal to {@code line} arrived and returns every datagram up to it.
     *
     * @throws AssertionError if none arrives within {@code timeout}
     */
    public List<Message> until(String line, Duration timeout) throws InterruptedException {
        List<Message> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Message m = left > 0 ? messages.poll(left, TimeUnit.NANOSECONDS) : null;
            if (m == null) {
                throw new AssertionError("no datagram with \"" + line + "\" within " + timeout + "; got " + seen);
            }
            seen.add(m);
            if (m.text().lines().anyMatch(line::equals)) {
                return seen;
            }
        }
    }

    /** Every datagram received so far and not yet taken. */
    public List<Message> drain() {
        List<Message> all = new ArrayList<>();
        messages.drainTo(all);
        return all;
    }

    /** A {@code struct sockaddr_un} for a path, or for an abstract name ({@code @} becomes a leading NUL). */
    static byte[] socketAddress(String socket) {
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path[0] == '@';
        if (path.length + (abstractName ? 0 : 1) > SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket name too long for sockaddr_un: " + socket);
        }
        int length = 2 + path.length + (abstractName ? 0 : 1);
        byte[] address = new byte[length];
        address[0] = (byte) AF_UNIX; // sa_family_t, little-endian on the platforms we test on
        System.arraycopy(path, 0, address, 2, path.length);
        if (abstractName) {
            address[2] = 0;
        }
        return address;
    }

    private void read() {
        byte[] buffer = new byte[4096];
        while (!closed) {
            long n = Sockets.INSTANCE
                    .recv(fd, buffer, new NativeLong(buffer.length), 0)
                    .longValue();
            if (n > 0) {
                messages.add(new Message(new String(buffer, 0, (int) n, StandardCharsets.UTF_8), System.nanoTime()));
            }
        }
    }

    /** Stops reading and closes the socket. */
    @Override
    public void close() {
        closed = true;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Sockets.INSTANCE.close(fd);
        }
    }
}
