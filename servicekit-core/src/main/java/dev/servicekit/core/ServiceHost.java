package dev.servicekit.core;

import dev.servicekit.spi.ReloadListener;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link Service} through the lifecycle documented on {@link Service}: start, run, pause and
 * continue, graceful stop bounded by a timeout. Thread-safe: {@link #stop()} may be called from a
 * signal handler or a service-manager thread while another thread runs {@link #start()}.
 *
 * {@snippet :
 * ServiceHost host = ServiceHost.builder("users-service", service)
 *         .shutdownTimeout(Duration.ofSeconds(30))
 *         .build();
 * host.start();              // returns when RUNNING, or throws ServiceStartException
 * host.awaitTermination();   // until someone calls host.stop()
 * }
 */
public final class ServiceHost {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceHost.class);

    private final String name;
    private final Service service;
    private final Duration shutdownTimeout;
    private final Clock clock;
    private final List<Consumer<StateChange>> listeners = new CopyOnWriteArrayList<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<NamedStop> stopActions = new ArrayDeque<>();
    private ServiceState state = ServiceState.NEW;
    private boolean stopRequested;
    private Throwable failure;
    private Instant startedAt;
    private volatile String progress = "";
    /** What {@link StartContext#oneTimeWork} reported, or null. */
    private volatile String oneTimeWork;

    private final Optional<ConfigReloader> reloader;
    private final Optional<ConfigWatch> configWatch;
    private final Optional<SharedConfigSource> sharedSource;
    private final List<ReloadListener> reloadListeners = new CopyOnWriteArrayList<>();
    private final Map<String, URI> endpoints = new ConcurrentHashMap<>();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final AtomicLong reloadSuccesses = new AtomicLong();
    /** Held for a whole {@link #reload()}; a lock rather than {@code synchronized}, not to pin a virtual thread. */
    private final ReentrantLock reloadLock = new ReentrantLock();

    private ServiceHost(Builder b) {
        this.name = b.name;
        this.service = b.service;
        this.shutdownTimeout = b.shutdownTimeout;
        this.clock = b.clock;
        this.listeners.addAll(b.listeners);
        this.configWatch = Optional.ofNullable(b.configWatch);
        this.sharedSource = Optional.ofNullable(b.sharedSource);
        this.reloader = Optional.ofNullable(b.initialConfig).map(initial -> {
            List<ReloadStep> steps = new ArrayList<>(b.reloadSteps);
            if (service instanceof ReloadableService reloadable) {
                steps.add(reloadable);
            }
            return new ConfigReloader(initial, b.reloadLoader, steps, clock);
        });
    }

    /** Starts building a host for a service. */
    public static Builder builder(String name, Service service) {
        return new Builder(name, service);
    }

    /** A state transition, given to listeners. */
    public record StateChange(ServiceState from, ServiceState to, Instant at) {}

    /** The service's name, as used in logs and by service managers. */
    public String name() {
        return name;
    }

    /**
     * The instance this host runs as when several instances of the service share one host (the {@code instance}
     * key, which {@code --instance} sets); empty without one, or for a host built without
     * {@link Builder#configuration}.
     */
    public Optional<String> instance() {
        return configuration().flatMap(config -> config.find(CoreConfigKeys.INSTANCE));
    }

    /** The current state. */
    public ServiceState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** True only while {@link ServiceState#RUNNING}: the host is willing to take work. */
    public boolean isReady() {
        return state() == ServiceState.RUNNING;
    }

    /** The failure that made the host {@link ServiceState#FAILED}, if any. */
    public Optional<Throwable> failure() {
        lock.lock();
        try {
            return Optional.ofNullable(failure);
        } finally {
            lock.unlock();
        }
    }

    /** When the host reached RUNNING, if it did. */
    public Optional<Instant> startedAt() {
        lock.lock();
        try {
            return Optional.ofNullable(startedAt);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reloads the configuration as one transaction (validate everything, let every {@link ReloadStep} prepare, then
     * commit all or nothing; see {@link ConfigReloader}), whatever asked for it: a signal, the service manager,
     * {@code POST /admin/reload}, the file watcher, etcd. {@linkplain #addReloadListener Reload listeners} hear of
     * it before and after (systemd gets {@code RELOADING=1} and {@code READY=1}). Without a configuration to reload
     * from (a host built in code without {@link Builder#configuration}), the reload is refused. Never throws for a
     * bad configuration, nor for a step whose commit failed: the report says why it was refused.
     *
     * <p>Reloads run one at a time: a caller waits here while another thread reloads, so listeners always hear
     * starting and finished in turn. Every reload that started is finished for the listeners and counted, even
     * one that ends in an {@link Error}, which is then thrown on.
     */
    public ReloadReport reload() {
        reloadLock.lock();
        try {
            tellReloadListeners("reloadStarting", ReloadListener::reloadStarting);
            ReloadReport report;
            try {
                report = reloader.map(ConfigReloader::reload)
                        .orElseGet(() -> ReloadReport.refused(
                                clock.instant(),
                                List.of(),
                                name + " was started without a reloadable configuration; restart it to apply changes"));
            } catch (RuntimeException | Error e) {
                reloadFinished(new ReloadOutcome(false, "reload failed: " + e));
                throw e;
            }
            reloadFinished(new ReloadOutcome(report.ok(), report.summary()));
            return report;
        } finally {
            reloadLock.unlock();
        }
    }

    /** Counts the reload and tells the listeners it finished. */
    private void reloadFinished(ReloadOutcome outcome) {
        // Each outcome counter moves on its own, so a scrape never sees an attempt that is neither (see
        // reloadSuccesses).
        (outcome.ok() ? reloadSuccesses : reloadFailures).incrementAndGet();
        tellReloadListeners("reloadFinished", listener -> listener.reloadFinished(outcome));
    }

    /** Tells every reload listener; one that throws is logged and does not keep the others from hearing it. */
    private void tellReloadListeners(String what, Consumer<ReloadListener> call) {
        for (ReloadListener listener : reloadListeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("A reload listener failed in {}: {}", what, describe(e), e);
            }
        }
    }

    /** Adds a listener told before and after every {@link #reload()}, on the reloading thread. */
    public void addReloadListener(ReloadListener listener) {
        reloadListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * The configuration in effect: the one the host started with, with the keys every successful reload applied.
     * Empty for a host built without {@link Builder#configuration}.
     */
    public Optional<Config> configuration() {
        return reloader.map(ConfigReloader::current);
    }

    /**
     * Records where the service listens, by name ({@code api}, {@code management}), once it is bound; shown by
     * {@code /admin/status} and used by tests to find ports chosen by the OS.
     */
    public void endpoint(String endpointName, URI uri) {
        endpoints.put(Objects.requireNonNull(endpointName, "endpointName"), Objects.requireNonNull(uri, "uri"));
    }

    /** Where the service listens, by name, in no particular order. */
    public Map<String, URI> endpoints() {
        return Map.copyOf(endpoints);
    }

    /**
     * How many of the {@link #reloadAttempts()} succeeded (the new configuration passed and its reloadable keys
     * are in effect). Kept as its own counter rather than attempts minus failures: two separate reads of those
     * could catch a reload between its two increments, and a counter that moves backwards looks like a reset
     * to Prometheus. Never decreases; lock-free.
     */
    public long reloadSuccesses() {
        return reloadSuccesses.get();
    }

    /**
     * How many reloads were attempted since the host was built, whatever triggered them (a signal, the service
     * manager, {@code POST /admin/reload}, the configuration file watcher). Never decreases; lock-free.
     */
    public long reloadAttempts() {
        return reloadSuccesses.get() + reloadFailures.get(); // both only grow, so their sum never decreases
    }

    /**
     * How many of the {@link #reloadAttempts()} were refused (invalid configuration, unreadable file, a
     * failure while applying); the running configuration stayed each time. Never decreases; lock-free.
     */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    /** The shared configuration source the configuration comes from too (etcd), if any: for status. */
    public Optional<SharedConfigSource> sharedSource() {
        return sharedSource;
    }

    /** What the last reload did, if there was one. */
    public Optional<ReloadReport> lastReload() {
        return reloader.flatMap(ConfigReloader::last);
    }

    private record ConfigWatch(Path file, Duration pollInterval) {}

    /** The last progress message reported by start or stop. */
    public String progress() {
        return progress;
    }

    /** Adds a listener called on every state change, on the thread that made the change. */
    public void addListener(Consumer<StateChange> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Starts the service on the calling thread and returns once it is {@link ServiceState#RUNNING}.
     * If a stop was requested while starting, the host stops right after start and this method returns
     * normally in state {@link ServiceState#STOPPED}.
     *
     * @throws ServiceStartException if start failed; what had started was stopped, and the state is FAILED
     * @throws IllegalStateException if the host was already started
     */
    public void start() {
        lock.lock();
        try {
            if (state != ServiceState.NEW) {
                throw new IllegalStateException("Service host \"" + name + "\" was already started (state " + state
                        + "); a stopped host cannot be restarted, build a new one");
            }
            transition(ServiceState.STARTING);
        } finally {
            lock.unlock();
        }
        LOG.info("Starting {}", name);
        long begin = System.nanoTime();
        try {
            service.start(new HostStartContext());
        } catch (Throwable e) {
            ServiceStartException failed = e instanceof ServiceStartException sse
                    ? sse
                    : new ServiceStartException(name + " failed to start: " + describe(e), e);
            runStopActions(failed);
            lock.lock();
            try {
                failure = failed;
                transition(ServiceState.FAILED);
            } finally {
                lock.unlock();
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw failed;
        }
        reloader.ifPresent(ConfigReloader::baseline);
        startConfigWatch();
        boolean stopNow;
        lock.lock();
        try {
            startedAt = clock.instant();
            transition(ServiceState.RUNNING);
            stopNow = stopRequested;
        } finally {
            lock.unlock();
        }
        LOG.info("{} is running (started in {} ms)", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        ClassDataArchive.check(ServiceHost.class);
        AotTrainingMarker.markRunning(Optional.ofNullable(oneTimeWork));
        if (stopNow) {
            stop();
        }
    }

    /**
     * Starts the configuration file watcher, if one was asked for, as the last stop action's counterpart: it
     * is the first thing stopped. A watcher that cannot start is logged, never fatal: reloads still work
     * through the other triggers.
     */
    private void startConfigWatch() {
        if (configWatch.isEmpty()) {
            return;
        }
        ConfigWatch watch = configWatch.get();
        try {
            ConfigFileWatcher watcher = ConfigFileWatcher.start(watch.file(), watch.pollInterval(), this::reload);
            lock.lock();
            try {
                stopActions.addLast(new NamedStop("configuration file watcher", watcher::close));
            } finally {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            LOG.warn(
                    "Not watching {} for changes ({}); reload with SIGHUP, the reload verb or POST /admin/reload",
                    watch.file(),
                    describe(e),
                    e);
        }
    }

    /** Pauses a running host: readiness turns false, the process stays up. No effect unless RUNNING. */
    public void pause() {
        lock.lock();
        try {
            if (state == ServiceState.RUNNING) {
                transition(ServiceState.PAUSED);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Resumes a paused host. No effect unless PAUSED. */
    public void resume() {
        lock.lock();
        try {
            if (state == ServiceState.PAUSED) {
                transition(ServiceState.RUNNING);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the host gracefully and waits until it is stopped, at most the shutdown timeout. Idempotent:
     * a second call waits for the first. Called while starting, it records the request; start stops the
     * host as soon as it finishes.
     *
     * @return the final state ({@link ServiceState#STOPPED}, or {@link ServiceState#FAILED} when a stop
     *         action failed or the shutdown timeout passed), or {@link ServiceState#STARTING} if a start is
     *         still under way
     */
    public ServiceState stop() {
        lock.lock();
        try {
            switch (state) {
                case NEW -> {
                    transition(ServiceState.STOPPED);
                    return state;
                }
                case STARTING -> {
                    stopRequested = true;
                    return state;
                }
                case STOPPING -> {
                    awaitFinal(shutdownTimeout);
                    return state;
                }
                case STOPPED, FAILED -> {
                    return state;
                }
                case RUNNING, PAUSED -> transition(ServiceState.STOPPING);
            }
        } finally {
            lock.unlock();
        }
        LOG.info("Stopping {}", name);
        Thread stopper = Thread.ofPlatform().name(name + "-stop").daemon(true).unstarted(() -> {
            ServiceException problems = new ServiceException(name + " did not stop cleanly");
            runStopActions(problems);
            lock.lock();
            try {
                // Log before the transition: whoever waits for the final state may exit the JVM right after it.
                if (state != ServiceState.STOPPING) {
                    return; // the shutdown timeout already ended the stop
                }
                if (problems.getSuppressed().length > 0) {
                    failure = problems;
                    LOG.error("{}", problems.getMessage(), problems);
                    transition(ServiceState.FAILED);
                } else {
                    LOG.info("{} stopped", name);
                    transition(ServiceState.STOPPED);
                }
            } finally {
                lock.unlock();
            }
        });
        stopper.start();
        lock.lock();
        try {
            if (!awaitFinal(shutdownTimeout) && state == ServiceState.STOPPING) {
                failure = new ServiceException(
                        name + " did not stop within shutdown.timeout (" + ConfigType.formatDuration(shutdownTimeout)
                                + ") while " + progress + "; raise shutdown.timeout or shorten shutdown.drain-timeout");
                LOG.error("{}", failure.getMessage());
                transition(ServiceState.FAILED);
            }
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the host is STOPPED or FAILED. */
    public void awaitTermination() throws InterruptedException {
        lock.lock();
        try {
            while (!state.isFinal()) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} until the host is STOPPED or FAILED; true if it is. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (!state.isFinal()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The shutdown timeout this host enforces. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    private boolean awaitFinal(Duration timeout) {
        long nanos = timeout.toNanos();
        boolean interrupted = false;
        try {
            while (!state.isFinal()) {
                if (nanos <= 0) {
                    return false;
                }
                try {
                    nanos = changed.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs registered stop actions in reverse order; failures are added to {@code collector} as suppressed. */
    private void runStopActions(Throwable collector) {
        while (true) {
            NamedStop next;
            lock.lock();
            try {
                next = stopActions.pollLast();
            } finally {
                lock.unlock();
            }
            if (next == null) {
                return;
            }
            progress = "stopping " + next.name();
            LOG.debug("Stopping {}", next.name());
            try {
                next.action().stop();
            } catch (Throwable e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                LOG.warn("Stopping {} failed: {}", next.name(), describe(e), e);
                collector.addSuppressed(e);
            }
        }
    }

    private void transition(ServiceState to) {
        ServiceState from = state;
        state = to;
        changed.signalAll();
        StateChange change = new StateChange(from, to, clock.instant());
        for (Consumer<StateChange> listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                LOG.warn("A state listener failed on {} -> {}", from, to, e);
            }
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private record NamedStop(String name, StartContext.StopAction action) {}

    private final class HostStartContext implements StartContext {
        @Override
        public void onStop(String what, StopAction action) {
            Objects.requireNonNull(what, "what");
            Objects.requireNonNull(action, "action");
            lock.lock();
            try {
                stopActions.addLast(new NamedStop(what, action));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public ServiceHost host() {
            return ServiceHost.this;
        }

        @Override
        public void progress(String message) {
            progress = Objects.requireNonNull(message, "message");
            LOG.debug("{}: {}", name, message);
        }

        @Override
        public void oneTimeWork(String what) {
            oneTimeWork = Objects.requireNonNull(what, "what");
            LOG.debug("{}: one-time work: {}", name, what);
        }
    }

    /** Builds a {@link ServiceHost}. */
    public static final class Builder {
        private final String name;
        private final Service service;
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();
        private final List<Consumer<StateChange>> listeners = new ArrayList<>();
        private Config initialConfig;
        private Supplier<Config> reloadLoader;
        private final List<ReloadStep> reloadSteps = new ArrayList<>();
        private ConfigWatch configWatch;
        private SharedConfigSource sharedSource;

        private Builder(String name, Service service) {
            this.name = Objects.requireNonNull(name, "name");
            this.service = Objects.requireNonNull(service, "service");
        }

        /** The bound on a graceful stop (default 30 s, the {@code shutdown.timeout} key). */
        public Builder shutdownTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("shutdownTimeout must be positive, was " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /** The clock for timestamps (tests inject a fixed one). */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "value");
            return this;
        }

        /** Adds a state listener. */
        public Builder listener(Consumer<StateChange> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Makes the host reloadable: {@code initial} is what it starts with, {@code loader} reads and validates the
         * next configuration on every {@link ServiceHost#reload()} (throwing {@link ConfigException} when it is
         * invalid). The service takes part in every reload when it is a {@link ReloadableService}.
         */
        public Builder configuration(Config initial, Supplier<Config> loader) {
            this.initialConfig = Objects.requireNonNull(initial, "initial");
            this.reloadLoader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /** Adds a step to every reload transaction, before the service's own (the bootstrap adds logging's). */
        public Builder reloadStep(ReloadStep step) {
            reloadSteps.add(Objects.requireNonNull(step, "step"));
            return this;
        }

        /** The shared source the configuration comes from too, shown by status; the host does not close it. */
        Builder sharedSource(SharedConfigSource source) {
            this.sharedSource = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Reloads when this file's content changes, once the service runs; see {@link ConfigFileWatcher}. */
        Builder watchConfigFile(Path file, Duration pollInterval) {
            this.configWatch = new ConfigWatch(
                    Objects.requireNonNull(file, "file"), Objects.requireNonNull(pollInterval, "pollInterval"));
            return this;
        }

        /** Builds the host in state {@link ServiceState#NEW}. */
        public ServiceHost build() {
            return new ServiceHost(this);
        }
    }
}
