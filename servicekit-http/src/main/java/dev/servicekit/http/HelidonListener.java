package dev.servicekit.http;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>TLS, when set, is Helidon's: the material is loaded and checked by {@link TlsMaterialLoader} before binding
 * (all problems in one {@link TlsConfigurationException}), then handed to the listener as a Helidon {@code Tls}.
 * A {@link TlsFileWatcher} reloads it when the files change, through {@code WebServer#reloadTls}, which swaps the
 * key and trust managers behind the listener's existing {@code SSLContext} (verified in the 4.5.0 source,
 * {@code ConfiguredTlsManager.reload}): handshakes after the swap present the new certificate, and established
 * connections keep their session. Unusable new files are logged as a warning and the current certificate stays.
 */
final class HelidonListener {

    private static final Logger LOG = LoggerFactory.getLogger(HelidonListener.class);

    private enum State {
        NEW,
        RUNNING,
        STOPPED
    }

    private final ListenerSettings settings;
    private final Supplier<HttpRouting.Builder> routing;
    private final InFlightRequests inFlight;
    private final AccessLog accessLog;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Optional<TlsSettings> tls;
    private final Duration tlsPollInterval;
    private final Optional<HttpMetrics> metrics;
    private final LongSupplier currentBodyLimit;

    private volatile State state = State.NEW;
    private volatile int boundPort = -1;
    private WebServer server;
    private Optional<TlsFileWatcher> tlsWatcher = Optional.empty();

    HelidonListener(
            ListenerSettings settings,
            Supplier<HttpRouting.Builder> routing,
            InFlightRequests inFlight,
            AccessLog accessLog) {
        this(settings, routing, inFlight, accessLog, Optional.empty());
    }

    HelidonListener(
            ListenerSettings settings,
            Supplier<HttpRouting.Builder> routing,
            InFlightRequests inFlight,
            AccessLog accessLog,
            Optional<TlsSettings> tls) {
        this(settings, routing, inFlight, accessLog, tls, TlsFileWatcher.DEFAULT_POLL_INTERVAL);
    }

    /** With the polling interval of the TLS file watcher, for tests of the polling fallback. */
    HelidonListener(
            ListenerSettings settings,
            Supplier<HttpRouting.Builder> routing,
            InFlightRequests inFlight,
            AccessLog accessLog,
            Optional<TlsSettings> tls,
            Duration tlsPollInterval) {
        this(settings, routing, inFlight, accessLog, tls, tlsPollInterval, Optional.empty());
    }

    /** With the metrics that count the requests Helidon refuses before routing (413). */
    HelidonListener(
            ListenerSettings settings,
            Supplier<HttpRouting.Builder> routing,
            InFlightRequests inFlight,
            AccessLog accessLog,
            Optional<TlsSettings> tls,
            Duration tlsPollInterval,
            Optional<HttpMetrics> metrics) {
        this(settings, routing, inFlight, accessLog, tls, tlsPollInterval, metrics, settings::maxBodyBytes);
    }

    /**
     * With the body limit that 413 answers name: the routing's current one, which may be below the framing limit
     * ({@link ListenerSettings#maxBodyBytes()}) that Helidon enforces itself.
     */
    HelidonListener(
            ListenerSettings settings,
            Supplier<HttpRouting.Builder> routing,
            InFlightRequests inFlight,
            AccessLog accessLog,
            Optional<TlsSettings> tls,
            Duration tlsPollInterval,
            Optional<HttpMetrics> metrics,
            LongSupplier currentBodyLimit) {
        this.currentBodyLimit = Objects.requireNonNull(currentBodyLimit, "currentBodyLimit");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.tlsPollInterval = Objects.requireNonNull(tlsPollInterval, "tlsPollInterval");
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
                case STOPPED ->
                    throw new IllegalStateException("The " + settings.name()
                            + " server was stopped and cannot be started again; create a new one");
                case NEW -> {}
            }
            // Configuration first: a broken certificate is reported before anything binds.
            Optional<TlsFileWatcher> watcher = Optional.empty();
            Optional<TlsMaterial> material = Optional.empty();
            if (tls.isPresent()) {
                TlsSettings tlsSettings = tls.get();
                // The watcher takes its baseline before loading, so a change during start is not missed.
                watcher = Optional.of(new TlsFileWatcher(
                        settings.name(),
                        TlsMaterialLoader.files(tlsSettings),
                        tlsPollInterval,
                        TlsFileWatcher.DEFAULT_DEBOUNCE,
                        () -> reloadTls(tlsSettings)));
                material = Optional.of(TlsMaterialLoader.load(settings.name(), tlsSettings));
                // Before the listener exists, so before this JVM's first server-side handshake reads the switch.
                TlsProfile.refuseClientInitiatedRenegotiation();
            }
            InetAddress address = resolve();
            if (tls.isEmpty() && !address.isLoopbackAddress()) {
                LOG.warn(
                        "The {} server listens on {} without TLS: anyone on the network can read its traffic, tokens included; "
                                + "configure TLS or bind to 127.0.0.1",
                        settings.name(),
                        settings.host());
            }
            if (settings.port() != 0) {
                // Probe first: when the port is taken, Helidon would log a stack trace before failing, and the
                // operator should see one clear line instead. The probe socket is closed before Helidon binds.
                Optional<HttpBindException> unavailable = probeBind(address);
                if (unavailable.isPresent()) {
                    throw unavailable.get();
                }
            }
            WebServerConfig.Builder builder = WebServer.builder()
                    .address(address)
                    .port(settings.port())
                    .maxPayloadSize(settings.maxBodyBytes())
                    .shutdownGracePeriod(settings.drainTimeout())
                    .shutdownHook(false)
                    // Clients alone never use up the file descriptors: accept failing with EMFILE ends
                    // Helidon's listener for good (ConnectionBudget).
                    .maxTcpConnections(ConnectionBudget.perListener())
                    .errorHandling(e -> e.includeEntity(true))
                    .directHandlers(new ProblemDirectHandler(currentBodyLimit, accessLog, metrics).asDirectHandlers())
                    // HTTP/1.1, and HTTP/1.0 (nginx's default upstream protocol, HAProxy's health check, ab), which
                    // Helidon alone answers with 505: the only protocol; see Http1xConnectionSelector.
                    .protocolsDiscoverServices(false)
                    .addConnectionSelector(Http1xConnectionSelector.create())
                    .routing(routing.get());
            material.ifPresent(m -> builder.tls(m.toHelidonTls()));
            WebServer candidate = builder.build();
            candidate.start();
            if (!candidate.isRunning()) {
                // Helidon logs the bind failure and returns normally; find out why, for a message that says what to do.
                throw bindFailure(address);
            }
            server = candidate;
            boundPort = candidate.port();
            state = State.RUNNING;
            LOG.debug("{} server listening on {}:{}", settings.name(), settings.host(), boundPort);
            if (material.isPresent()) {
                LOG.info(
                        "{} server serves HTTPS ({}; {} cipher suites) with the certificate {}{}",
                        settings.name(),
                        String.join(", ", material.get().protocols()),
                        material.get().cipherSuites().size(),
                        material.get().describe(),
                        material.get().clientCas().isEmpty() ? "" : "; client certificates required");
            }
            tlsWatcher = watcher;
            watcher.ifPresent(TlsFileWatcher::start);
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
            tlsWatcher.ifPresent(TlsFileWatcher::close);
            inFlight.startDraining();
            // Helidon skips the drain wait if this thread is interrupted; drain anyway, then restore the flag.
            boolean interrupted = Thread.interrupted();
            try {
                LOG.info(
                        "{} server stopping: {} request(s) in flight, waiting up to {}",
                        settings.name(),
                        inFlight.count(),
                        settings.drainTimeout());
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

    /**
     * Runs on the watcher thread. Deliberately without the lifecycle lock: stop() holds it while joining the
     * watcher. Reloading a listener that is stopping is harmless (it swaps key managers nobody uses any more).
     */
    private void reloadTls(TlsSettings tlsSettings) {
        WebServer current = server;
        if (current == null) {
            return;
        }
        TlsMaterial material;
        try {
            material = TlsMaterialLoader.load(settings.name(), tlsSettings);
        } catch (TlsConfigurationException e) {
            LOG.warn(
                    "{} server keeps its current TLS certificate: the changed files cannot be used. {}",
                    settings.name(),
                    e.getMessage());
            return;
        }
        try {
            current.reloadTls(material.toHelidonTls());
        } catch (RuntimeException e) {
            LOG.warn(
                    "{} server keeps its current TLS certificate: Helidon refused the new one ({})",
                    settings.name(),
                    material.describe(),
                    e);
            return;
        }
        LOG.info(
                "{} server reloaded its TLS certificate without a restart: {}; new connections use it",
                settings.name(),
                material.describe());
    }

    int port() {
        int port = boundPort;
        if (port < 0) {
            throw new IllegalStateException(
                    "The " + settings.name() + " server has not been started; call start() first");
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
            throw new HttpBindException(
                    "Host \"" + settings.host() + "\" of the " + settings.name()
                            + " server does not resolve to an address; set the host next to "
                            + settings.portKey() + " to an address of this machine, such as "
                            + "127.0.0.1 or 0.0.0.0",
                    settings.host(),
                    settings.port(),
                    settings.portKey(),
                    e);
        }
    }

    /** Re-creates the bind with a probe socket to learn the reason Helidon only logged. */
    private HttpBindException bindFailure(InetAddress address) {
        return probeBind(address)
                .orElseGet(() -> new HttpBindException(
                        "The " + settings.name() + " server could not listen on port "
                                + settings.port() + " on " + settings.host()
                                + "; see the log above for Helidon's reason, and check "
                                + settings.portKey() + " and its host",
                        settings.host(),
                        settings.port(),
                        settings.portKey(),
                        null));
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
                message = "Cannot listen on port " + port + " on " + host + ": " + e.getMessage() + "; set " + key
                        + " to a free port";
            }
            return Optional.of(new HttpBindException(message, host, port, key, e));
        } catch (IOException e) {
            return Optional.of(new HttpBindException(
                    "Cannot listen on port " + port + " on " + host + ": " + e.getMessage() + "; set " + key
                            + " to a free port",
                    host,
                    port,
                    key,
                    e));
        }
        return Optional.empty();
    }
}
