package dev.servicekit.systemd;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sd_notify(3)} from the JVM itself: sends state lines such as {@code READY=1} to the datagram socket
 * systemd names in {@code NOTIFY_SOCKET} (a path, or an abstract-namespace name starting with {@code @}),
 * through JNA libc, so the message comes from the main process as {@code NotifyAccess=main} requires.
 *
 * <p>Without {@code NOTIFY_SOCKET} every method is a no-op that returns {@code false}. Thread-safe: every call
 * opens, uses and closes its own socket, as {@code sd_notify} does. A failed send is logged once as a warning
 * and reported as {@code false}; it never throws, because a service must not fail over a status message.
 *
 * <pre>{@code
 * SdNotify notify = SdNotify.fromEnvironment();
 * notify.ready("listening on 8080");   // READY=1 + STATUS=listening on 8080
 * }</pre>
 */
public final class SdNotify {

    private static final Logger LOG = LoggerFactory.getLogger(SdNotify.class);
    private static final int SOCKADDR_UN_PATH_MAX = 108;

    private final String socket;
    private final Optional<byte[]> address;
    private final Map<String, String> environment;
    private volatile boolean warned;

    private SdNotify(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        this.socket = environment.getOrDefault("NOTIFY_SOCKET", "");
        this.address = socketAddress(socket);
    }

    /** Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from the process environment. */
    public static SdNotify fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from the given environment. */
    public static SdNotify fromEnvironment(Map<String, String> environment) {
        return new SdNotify(Objects.requireNonNull(environment, "environment"));
    }

    /** Whether a usable {@code NOTIFY_SOCKET} is set, i.e. systemd waits for this process's notifications. */
    public boolean enabled() {
        return address.isPresent();
    }

    /**
     * The interval systemd expects {@code WATCHDOG=1} within ({@code WATCHDOG_USEC}); empty when the watchdog
     * is off or {@code WATCHDOG_PID} names another process. Ping at half of it.
     */
    public Optional<Duration> watchdogInterval() {
        String usec = environment.getOrDefault("WATCHDOG_USEC", "");
        String pid = environment.getOrDefault("WATCHDOG_PID", "");
        if (usec.isEmpty() || !enabled()) {
            return Optional.empty();
        }
        if (!pid.isEmpty() && !pid.equals(Long.toString(ProcessHandle.current().pid()))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec);
            if (micros > Long.MAX_VALUE / 1000) {
                // Over 292 years: as nanoseconds it would overflow into a negative period (a ping loop).
                LOG.warn("WATCHDOG_USEC \"{}\" is too large to wait for; the systemd watchdog pings are off", usec);
                return Optional.empty();
            }
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warn("WATCHDOG_USEC \"{}\" is not a number of microseconds; the systemd watchdog pings are off", usec);
            return Optional.empty();
        }
    }

    /** {@code READY=1} with {@code STATUS=<status>}: start-up finished, or a reload finished. */
    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + oneLine(status));
    }

    /** {@code RELOADING=1} with {@code MONOTONIC_USEC=} (CLOCK_MONOTONIC): a reload begins; send {@link #ready} after it. */
    public boolean reloading() {
        return send("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros());
    }

    /** {@code STOPPING=1}: the service is shutting down. */
    public boolean stopping() {
        return send("STOPPING=1");
    }

    /** {@code WATCHDOG=1}: the keep-alive ping. */
    public boolean watchdog() {
        return send("WATCHDOG=1");
    }

    /** {@code EXTEND_TIMEOUT_USEC=}: start, stop or reload is still progressing; give it this much longer from now. */
    public boolean extendTimeout(Duration extension) {
        return send("EXTEND_TIMEOUT_USEC=" + Math.max(1, extension.toNanos() / 1000));
    }

    /** {@code STATUS=}: free text shown by {@code systemctl status}. */
    public boolean status(String status) {
        return send("STATUS=" + oneLine(status));
    }

    /**
     * Sends raw newline-separated {@code KEY=VALUE} assignments.
     *
     * @return whether the whole message was sent; {@code false} when disabled or the send failed
     */
    public boolean send(String state) {
        Objects.requireNonNull(state, "state");
        if (address.isEmpty()) {
            return false;
        }
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        byte[] addr = address.get();
        int fd = -1;
        try {
            fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
            long sent = LibC.INSTANCE
                    .sendto(fd, message, new NativeLong(message.length), LibC.MSG_NOSIGNAL, addr, addr.length)
                    .longValue();
            return sent == message.length;
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            if (!warned) {
                warned = true;
                LOG.warn(
                        "Cannot notify systemd through NOTIFY_SOCKET \"{}\" ({}); systemd may think the service hangs. "
                                + "Check that the socket exists and the service may write to it.",
                        socket,
                        e.getMessage());
            }
            return false;
        } finally {
            if (fd >= 0) {
                LibC.INSTANCE.close(fd);
            }
        }
    }

    /** CLOCK_MONOTONIC in microseconds, the clock systemd compares {@code MONOTONIC_USEC} with. */
    static long monotonicMicros() {
        LibC.Timespec ts = new LibC.Timespec();
        LibC.INSTANCE.clock_gettime(LibC.CLOCK_MONOTONIC, ts);
        return ts.tv_sec.longValue() * 1_000_000L + ts.tv_nsec.longValue() / 1000;
    }

    /**
     * {@code struct sockaddr_un} for the socket name: family {@code AF_UNIX}, then the path with its NUL, or for
     * {@code @name} a leading NUL and no trailing one (the abstract namespace; the length delimits the name).
     */
    static Optional<byte[]> socketAddress(String socket) {
        if (socket.isEmpty()) {
            return Optional.empty();
        }
        if (!socket.startsWith("/") && !socket.startsWith("@")) {
            LOG.warn(
                    "NOTIFY_SOCKET \"{}\" is neither a path nor an @abstract name; systemd notifications are off",
                    socket);
            return Optional.empty();
        }
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path[0] == '@';
        if (path.length + (abstractName ? 0 : 1) > SOCKADDR_UN_PATH_MAX) {
            LOG.warn(
                    "NOTIFY_SOCKET \"{}\" is longer than a UNIX socket address allows; systemd notifications are off",
                    socket);
            return Optional.empty();
        }
        if (abstractName) {
            path[0] = 0;
        }
        byte[] addr = new byte[2 + path.length + (abstractName ? 0 : 1)];
        addr[ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 0 : 1] = (byte) LibC.AF_UNIX; // 16-bit sa_family_t
        System.arraycopy(path, 0, addr, 2, path.length);
        return Optional.of(addr);
    }

    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n]+", " ").strip();
    }
}
