package dev.servicekit.core;

import dev.servicekit.spi.ExitCode;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ManagedServiceException;
import dev.servicekit.spi.ReloadListener;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ServiceHost} as service managers drive it ({@link ManagedService}): the same lifecycle in
 * the console, under the Windows SCM, under systemd and as a detached daemon.
 */
final class HostedService implements ManagedService {

    private static final Logger LOG = LoggerFactory.getLogger(HostedService.class);

    /** The service-specific exit code reported when start fails. */
    static final int START_FAILED = 1;

    /** How long the liveness check waits for a virtual thread to run. */
    static final Duration LIVENESS_BOUND = Duration.ofSeconds(1);

    private final ServiceHost host;
    private final Duration startTimeout;
    private final Runnable forceExit;

    HostedService(ServiceHost host, Duration startTimeout, Runnable forceExit) {
        this.host = Objects.requireNonNull(host, "host");
        this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
        this.forceExit = Objects.requireNonNull(forceExit, "forceExit");
    }

    @Override
    public String name() {
        return host.name();
    }

    @Override
    public java.util.Optional<String> instance() {
        return host.instance();
    }

    @Override
    public void start() {
        try {
            host.start();
        } catch (ServiceStartException e) {
            // Not logged here: whoever called start logs it once (runInForeground below; the Windows SCM runner
            // logs it with its Event Log marker).
            throw new ManagedServiceException(e.getMessage(), startFailureExitCode(e), e);
        }
    }

    /**
     * {@link ExitCode#CONFIG_ERROR} when the start failed on the configuration (the service threw a
     * {@link ConfigException}: say, a store URL naming a database this version cannot use), else
     * {@link #START_FAILED}.
     */
    static int startFailureExitCode(ServiceStartException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConfigException) {
                return ExitCode.CONFIG_ERROR.code();
            }
        }
        return START_FAILED;
    }

    @Override
    public ServiceState stop() {
        return host.stop();
    }

    @Override
    public void pause() {
        host.pause();
    }

    @Override
    public void resume() {
        host.resume();
    }

    @Override
    public ReloadOutcome reload() {
        ReloadReport report = host.reload();
        return new ReloadOutcome(report.ok(), report.summary());
    }

    /** Listens to every reload of the host, whatever triggered it (not only the manager's). */
    @Override
    public void addReloadListener(ReloadListener listener) {
        host.addReloadListener(listener);
    }

    @Override
    public ServiceState state() {
        return host.state();
    }

    @Override
    public String progress() {
        return host.progress();
    }

    @Override
    public Duration startTimeout() {
        return startTimeout;
    }

    @Override
    public Duration stopTimeout() {
        return host.shutdownTimeout();
    }

    /**
     * Alive when a fresh virtual thread gets to run within {@link #LIVENESS_BOUND}: a JVM whose carrier
     * threads are all blocked, or that is stuck in garbage collection, fails this.
     */
    @Override
    public boolean isLive() {
        try {
            return Thread.ofVirtual().name("liveness-check").start(() -> {}).join(LIVENESS_BOUND);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void addStateListener(Consumer<ServiceState> listener) {
        Objects.requireNonNull(listener, "listener");
        host.addListener(change -> listener.accept(change.to()));
    }

    @Override
    public int runInForeground() {
        new SignalStopper(host, forceExit, this::reload).install();
        try {
            start();
        } catch (ManagedServiceException e) {
            // One clear line; the stack trace only when debugging.
            LOG.error("{}", e.getMessage());
            LOG.debug("Start failure detail", e);
            return e.exitCode();
        }
        try {
            host.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            host.stop();
        }
        return host.state() == ServiceState.STOPPED ? ExitCode.OK.code() : ExitCode.FAILURE.code();
    }
}
