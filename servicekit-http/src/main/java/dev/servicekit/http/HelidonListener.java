package dev.servicekit.http;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One Helidon WebServer with one listener, and the lifecycle both public servers share.
 *
 * <p>Draining relies on Helidon's own listener shutdown, verified against the 4.5.0 source
 * ({@code ServerListener.stop}) and by {@code ApiServerDrainTest}: it first closes the server socket (new
 * connects are refused), then tells every connection to finish (idle keep-alive connections are
 * interrupted at once, connections inside a request finish that request, including reading its body),
 * waits up to {@code shutdownGracePeriod} for the connection threads, then interrupts whatever is left.
 * We set the grace period to the drain timeout and add what Helidon lacks: a clear bind failure
 * (Helidon only logs it and returns from {@code start()} without throwing), idempotent thread-safe stop,
 * and no JVM shutdown hook (the service lifecycle owns stopping).
 */
final class HelidonListener {

    private static final Logger LOG = LoggerFactory.getLogger(HelidonListener.class);

    private enum State { NEW, RUNNING, STOPPED }

    private final ListenerSettings settings;
    private final Supplier<HttpRouting.Builder> routing;
    private final InFlightRequests inFlight;
    private final AccessLog accessLog;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Optional<TlsSettings> tls;

    private volatile State state = State.NEW;
    private volatile int boundPort = -1;
    private WebServer server;

    HelidonListener(ListenerSettings settings,
                    Supplier<HttpRouting.Builder> routing,
                    InFlightRequests inFlight,
                    AccessLog accessLog) {
        this(settings, routing, inFlight, accessLog, Optional.empty());
    }

    HelidonListener(ListenerSettings settings,
                    Supplier<HttpRouting.Builder> routing,
                    InFlightRequests inFlight,
                    AccessLog accessLog,
                    Optional<TlsSettings> tls) {
        this.tls = Objects.requireNonNull(tls, "tls");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.routing = Objects.requireNonNull(routing, "routing");
        this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
        this.accessLog = Objects.requireNonNull(accessLog, "accessLog");
    }

    void start() {
        lifecycle.lock();
        try {
            switch (state) {
                case RUNNING -> {
                    return;
                }
                case STOPPED -> throw new IllegalStateException(
                        "The " + settings.name() + " server was stopped and cannot be started again; create a new one");
                case NEW -> {
                }
            }
            InetAddress address = resolve();
            if (settings.port() != 0) {
                // Probe first: when the port is taken, Helidon would log a stack trace before failing, and the
                // operator should see one clear line instead. The probe socket is closed before Helidon binds.
                Optional<HttpBindException> unavailable = probeBind(address);
                if (unavailable.isPresent()) {
                    throw unavailable.get();
                }
            }
            WebServer candidate = WebServer.builder()
                    .address(address)
                    .port(settings.port())
                    .maxPayloadSize(settings.maxBodyBytes())
                    .shutdownGracePeriod(settings.drainTimeout())
                    .shutdownHook(false)
                    .errorHandling(e -> e.includeEntity(true))
                    .directHandlers(new ProblemDirectHandler(settings.maxBodyBytes(), accessLog).asDirectHandlers())
                    .routing(routing.get())
                    .build();
            candidate.start();
            if (!candidate.isRunning()) {
                // Helidon logs the bind failure and returns normally; find out why, for a message that says what to do.
                throw bindFailure(address);
            }
            server = candidate;
            boundPort = candidate.port();
            state = State.RUNNING;
            LOG.debug("{} server listening on {}:{}", settings.name(), settings.host(), boundPort);
        } finally {
            lifecycle.unlock();
        }
    }

    void stop() {
        lifecycle.lock();
        try {
            if (state != State.RUNNING) {
                state = State.STOPPED;
                return;
            }
            inFlight.startDraining();
            // Helidon skips the drain wait if this thread is interrupted; drain anyway, then restore the flag.
            boolean interrupted = Thread.interrupted();
            try {
                LOG.info("{} server stopping: {} request(s) in flight, waiting up to {}",
                         settings.name(), inFlight.count(), settings.drainTimeout());
                server.stop();
            } finally {
                state = State.STOPPED;
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            LOG.info("{} server stopped", settings.name());
        } finally {
            lifecycle.unlock();
        }
    }

    int port() {
        int port = boundPort;
        if (port < 0) {
            throw new IllegalStateException("The " + settings.name() + " server has not been started; call start() first");
        }
        return port;
    }

    int inFlight() {
        return inFlight.count();
    }

    private InetAddress resolve() {
        try {
            return InetAddress.getByName(settings.host());
        } catch (UnknownHostException e) {
            throw new HttpBindException("Host \"" + settings.host() + "\" of the " + settings.name()
                                                + " server does not resolve to an address; set the host next to "
                                                + settings.portKey() + " to an address of this machine, such as "
                                                + "127.0.0.1 or 0.0.0.0",
                                        settings.host(), settings.port(), settings.portKey(), e);
        }
    }

    /** Re-creates the bind with a probe socket to learn the reason Helidon only logged. */
    private HttpBindException bindFailure(InetAddress address) {
        return probeBind(address).orElseGet(() -> new HttpBindException("The " + settings.name() + " server could not listen on port "
                + settings.port() + " on " + settings.host() + "; see the log above for Helidon's reason, and check "
                + settings.portKey() + " and its host", settings.host(), settings.port(), settings.portKey(), null));
    }

    /** Binds a probe socket to the listener's address; the failure, with a message that says what to do, if it fails. */
    private Optional<HttpBindException> probeBind(InetAddress address) {
        String host = settings.host();
        int port = settings.port();
        String key = settings.portKey();
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address, port));
        } catch (BindException e) {
            String reason = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            String message;
            if (reason.contains("in use")) {
                message = "Port " + port + " on " + host + " is already in use by another process; "
                        + "stop that process or set " + key + " to a free port";
            } else if (reason.contains("assign") || reason.contains("not available")) {
                message = "Host \"" + host + "\" is not an address of this machine, so the " + settings.name()
                        + " server cannot listen on it; set the host next to " + key
                        + " to a local address such as 127.0.0.1 or 0.0.0.0";
            } else if (reason.contains("permission") || reason.contains("access")) {
                message = "This process may not listen on port " + port + " on " + host
                        + " (ports below 1024 need elevated privileges); set " + key + " to 1024 or higher";
            } else {
                message = "Cannot listen on port " + port + " on " + host + ": " + e.getMessage()
                        + "; set " + key + " to a free port";
            }
            return Optional.of(new HttpBindException(message, host, port, key, e));
        } catch (IOException e) {
            return Optional.of(new HttpBindException("Cannot listen on port " + port + " on " + host + ": " + e.getMessage()
                                                 + "; set " + key + " to a free port", host, port, key, e));
        }
        return Optional.empty();
    }
}
