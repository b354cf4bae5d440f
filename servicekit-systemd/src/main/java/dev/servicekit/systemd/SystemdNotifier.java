package dev.servicekit.systemd;

import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ReloadListener;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tells systemd what a {@link ManagedService} does, from its state transitions:
 *
 * <ol>
 *   <li>{@code STARTING}: {@code STATUS=}, then every {@code extendTick} {@code EXTEND_TIMEOUT_USEC=} (twice the
 *       tick) with the host's progress, for as long as start stays within the service's own
 *       {@link ManagedService#startTimeout()} — a start that hangs beyond its bound is left to systemd's timeout.</li>
 *   <li>{@code RUNNING}: {@code READY=1} + {@code STATUS=}; watchdog pings ({@code WATCHDOG=1}) every
 *       {@code WATCHDOG_USEC/2} while the state is {@code RUNNING} or {@code PAUSED}.</li>
 *   <li>Around a reload: {@code RELOADING=1} + {@code MONOTONIC_USEC=}, then {@code READY=1}.</li>
 *   <li>{@code STOPPING}: {@code STOPPING=1}, pings end, and {@code EXTEND_TIMEOUT_USEC=} while the drain stays
 *       within {@link ManagedService#stopTimeout()}.</li>
 *   <li>{@code STOPPED}/{@code FAILED}: a last {@code STATUS=}; the timer thread ends.</li>
 * </ol>
 *
 * <p>Messages from transitions are sent on the transitioning thread, so they keep the order of the transitions;
 * pings and extensions come from one daemon timer thread.
 */
final class SystemdNotifier implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SystemdNotifier.class);

    private final SdNotify notify;
    private final Duration extendTick;
    private final ScheduledExecutorService timer;
    private ManagedService service;
    private ScheduledFuture<?> watchdog;
    private ScheduledFuture<?> extender;
    private boolean pinging;
    private ServiceState extending;

    /**
     * The last reload that changed something or was refused: an edit under systemd makes two reloads when the file
     * watcher is on (the watcher's and {@code systemctl reload}'s), and the second, unchanged, would otherwise hide
     * what the first did.
     */
    private volatile Optional<ReloadOutcome> lastChange = Optional.empty();

    SystemdNotifier(SdNotify notify, Duration extendTick) {
        this.notify = Objects.requireNonNull(notify, "notify");
        this.extendTick = Objects.requireNonNull(extendTick, "extendTick");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "systemd-notify");
            t.setDaemon(true);
            return t;
        });
    }

    /** Listens to the service's transitions and reloads from now on. Call once, before the service starts. */
    void attach(ManagedService managed) {
        this.service = Objects.requireNonNull(managed, "managed");
        managed.addStateListener(this::onState);
        managed.addReloadListener(new ReloadListener() {
            @Override
            public void reloadStarting() {
                notify.reloading();
            }

            @Override
            public void reloadFinished(ReloadOutcome outcome) {
                notify.ready(statusText(outcome, lastChange));
                if (!outcome.unchanged()) {
                    lastChange = Optional.of(outcome);
                }
            }
        });
    }

    /**
     * As {@link #statusText(ReloadOutcome)}; an unchanged reload after one that changed something or was refused says
     * so and keeps that one's text: {@code Reloaded: configuration unchanged; last change: applied log.level}.
     */
    static String statusText(ReloadOutcome outcome, Optional<ReloadOutcome> lastChange) {
        if (outcome.unchanged() && lastChange.isPresent()) {
            return statusText(outcome) + "; last change: " + lastChange.get().message();
        }
        return statusText(outcome);
    }

    /**
     * The {@code STATUS=} after a reload, what {@code systemctl status} shows: {@code Reloaded: applied log.level}, or
     * {@code Reload refused, the running configuration stays: …}. A refusal's message already starts with "reload
     * refused" (the host's one-line summary); it is not said twice.
     */
    static String statusText(ReloadOutcome outcome) {
        String message = outcome.message();
        if (outcome.ok()) {
            return "Reloaded: " + message;
        }
        return message.regionMatches(true, 0, "reload refused", 0, "reload refused".length())
                ? "R" + message.substring(1)
                : "Reload refused: " + message;
    }

    synchronized void onState(ServiceState state) {
        switch (state) {
            case NEW -> {}
            case STARTING -> {
                notify.status("Starting " + service.name());
                extendWhile(ServiceState.STARTING, service.startTimeout());
            }
            case RUNNING -> {
                cancelExtender();
                notify.ready("Running");
                startWatchdog();
            }
            case PAUSED -> notify.status("Paused: not accepting work");
            case STOPPING -> {
                cancelWatchdog();
                notify.stopping();
                extendWhile(ServiceState.STOPPING, service.stopTimeout());
            }
            case STOPPED, FAILED -> {
                cancelExtender();
                cancelWatchdog();
                notify.status(state == ServiceState.STOPPED ? "Stopped" : "Failed");
                timer.shutdown();
            }
        }
    }

    private void startWatchdog() {
        Optional<Duration> interval = notify.watchdogInterval();
        if (interval.isEmpty() || watchdog != null || timer.isShutdown()) {
            return;
        }
        long period = Math.max(1, interval.get().toNanos() / 2);
        pinging = true;
        watchdog = timer.scheduleAtFixedRate(this::ping, 0, period, TimeUnit.NANOSECONDS);
    }

    private void extendWhile(ServiceState phase, Duration bound) {
        cancelExtender();
        if (timer.isShutdown()) {
            return;
        }
        long begun = System.nanoTime();
        long tick = Math.max(1, extendTick.toNanos());
        extending = phase;
        extender = timer.scheduleAtFixedRate(() -> extend(phase, begun, bound, tick), tick, tick, TimeUnit.NANOSECONDS);
    }

    // Pings and extensions run under the lock and re-check the flags that transitions clear under the same lock,
    // so none is sent after the transition that ended them (e.g. no WATCHDOG=1 after STOPPING=1).
    // A wedged service must stop pinging so systemd restarts it: liveness is checked first, outside the lock
    // (it may take up to its own bound), and a failed check skips this ping.
    private void ping() {
        if (!service.isLive()) {
            LOG.warn("{} failed its liveness check; not pinging the systemd watchdog", service.name());
            return;
        }
        synchronized (this) {
            ServiceState now = service.state();
            if (pinging && (now == ServiceState.RUNNING || now == ServiceState.PAUSED)) {
                notify.watchdog();
            }
        }
    }

    private synchronized void extend(ServiceState phase, long begun, Duration bound, long tick) {
        if (extending != phase || service.state() != phase || System.nanoTime() - begun > bound.toNanos()) {
            return;
        }
        notify.send("EXTEND_TIMEOUT_USEC=" + 2 * tick / 1000 + "\nSTATUS="
                + service.progress().replaceAll("[\\r\\n]+", " "));
    }

    private void cancelWatchdog() {
        pinging = false;
        if (watchdog != null) {
            watchdog.cancel(false);
            watchdog = null;
        }
    }

    private void cancelExtender() {
        extending = null;
        if (extender != null) {
            extender.cancel(false);
            extender = null;
        }
    }

    /** Stops the timer thread; no more pings or extensions. Idempotent. */
    @Override
    public synchronized void close() {
        cancelExtender();
        cancelWatchdog();
        timer.shutdownNow();
    }
}
