package dev.servicekit.testing;

import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ManagedServiceException;
import dev.servicekit.spi.ReloadListener;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The host side of a service manager's contract ({@link ManagedService}), driven by the test: the fake a manager's
 * tests run (systemd's notifier, the Windows SCM runner). It moves through the states and tells listeners as a real
 * host does, on the calling thread.
 *
 * <p>{@link #start()} and {@link #stop()} block on gates the test opens ({@link #startsAtOnce()},
 * {@link #openStart()}, {@link #stopsAtOnce()}, {@link #openStop()}), so a test can look at the manager while a start
 * or a drain is under way; a gate not opened within 20 s fails the test. It counts reloads, pauses and resumes, and
 * can fail its start, fail as its start returns, fail while running, fail to pause or resume, or stop answering its
 * liveness check.
 *
 * {@snippet :
 * FakeManagedService service = FakeManagedService.named("users-service").startsAtOnce().stopsAtOnce();
 * manager.runManaged(service);
 * }
 */
public final class FakeManagedService implements ManagedService {

    private final String name;
    private final CountDownLatch startEntered = new CountDownLatch(1);
    private final CountDownLatch startGate = new CountDownLatch(1);
    private final CountDownLatch stopEntered = new CountDownLatch(1);
    private final CountDownLatch stopGate = new CountDownLatch(1);
    private final CountDownLatch reloaded = new CountDownLatch(1);
    private final AtomicInteger reloads = new AtomicInteger();
    private final AtomicInteger pauses = new AtomicInteger();
    private final AtomicInteger resumes = new AtomicInteger();
    private final List<Consumer<ServiceState>> stateListeners = new CopyOnWriteArrayList<>();
    private final List<ReloadListener> reloadListeners = new CopyOnWriteArrayList<>();
    private volatile Duration startTimeout = Duration.ofSeconds(20);
    private volatile Duration stopTimeout = Duration.ofSeconds(20);
    private volatile ServiceState state = ServiceState.NEW;
    private volatile String progress = "";
    private volatile boolean live = true;
    private volatile Optional<String> instance = Optional.empty();
    private volatile ManagedServiceException startFailure;
    private volatile boolean failsAsStartReturns;
    private volatile boolean failsToPause;
    private volatile boolean failsToResume;

    private FakeManagedService(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** Makes the fake run as this instance ({@link ManagedService#instance()}). */
    public FakeManagedService instance(String name) {
        this.instance = Optional.of(name);
        return this;
    }

    /** A fake with this name, 20 s start and stop bounds, and closed gates. */
    public static FakeManagedService named(String name) {
        return new FakeManagedService(name);
    }

    /** {@link #start()} does not wait for the test. */
    public FakeManagedService startsAtOnce() {
        startGate.countDown();
        return this;
    }

    /** {@link #stop()} does not wait for the test. */
    public FakeManagedService stopsAtOnce() {
        stopGate.countDown();
        return this;
    }

    /** The bound {@link #startTimeout()} reports. */
    public FakeManagedService startTimeout(Duration value) {
        this.startTimeout = Objects.requireNonNull(value, "value");
        return this;
    }

    /** The bound {@link #stopTimeout()} reports. */
    public FakeManagedService stopTimeout(Duration value) {
        this.stopTimeout = Objects.requireNonNull(value, "value");
        return this;
    }

    /** {@link #start()} fails with this service-specific exit code and the message of a port already in use. */
    public FakeManagedService failsToStartWith(int exitCode) {
        startFailure = new ManagedServiceException(
                "Port 8080 is already in use by another process; stop it or set http.port", exitCode, null);
        return this;
    }

    /**
     * {@link #start()} reaches RUNNING, then fails and returns normally in state FAILED: a host that failed on its own
     * as start returned, before a manager listening from then on could hear it.
     */
    public FakeManagedService failsAsStartReturns() {
        failsAsStartReturns = true;
        return this;
    }

    /** {@link #pause()} counts the pause, then throws an {@link IllegalStateException}; the state stays as it was. */
    public FakeManagedService failsToPause() {
        failsToPause = true;
        return this;
    }

    /** {@link #resume()} counts the resume, then throws an {@link IllegalStateException}; the state stays as it was. */
    public FakeManagedService failsToResume() {
        failsToResume = true;
        return this;
    }

    /** Lets a waiting {@link #start()} go on. */
    public void openStart() {
        startGate.countDown();
    }

    /** Lets a waiting {@link #stop()} finish its drain. */
    public void openStop() {
        stopGate.countDown();
    }

    /** Counted down when {@link #start()} is entered. */
    public CountDownLatch startEntered() {
        return startEntered;
    }

    /** Counted down when {@link #stop()} is entered. */
    public CountDownLatch stopEntered() {
        return stopEntered;
    }

    /** Counted down at the first {@link #reload()}. */
    public CountDownLatch reloaded() {
        return reloaded;
    }

    /** How many reloads were asked for. */
    public int reloads() {
        return reloads.get();
    }

    /** How many pauses were asked for. */
    public int pauses() {
        return pauses.get();
    }

    /** How many resumes were asked for. */
    public int resumes() {
        return resumes.get();
    }

    /** Makes {@link #isLive()} answer {@code value} (false: a wedged service). */
    public void live(boolean value) {
        live = value;
    }

    /** Sets what {@link #progress()} answers. */
    public void progress(String text) {
        progress = Objects.requireNonNull(text, "text");
    }

    /** Moves to {@code next} and tells the state listeners on this thread. */
    public void transition(ServiceState next) {
        state = next;
        stateListeners.forEach(listener -> listener.accept(next));
    }

    /** Fails while running, as a host whose stop action failed does. */
    public void failWhileRunning() {
        transition(ServiceState.FAILED);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<String> instance() {
        return instance;
    }

    @Override
    public void start() {
        transition(ServiceState.STARTING);
        startEntered.countDown();
        await(startGate, "start");
        if (startFailure != null) {
            transition(ServiceState.FAILED);
            throw startFailure;
        }
        transition(ServiceState.RUNNING);
        if (failsAsStartReturns) {
            transition(ServiceState.FAILED);
        }
    }

    @Override
    public ServiceState stop() {
        transition(ServiceState.STOPPING);
        stopEntered.countDown();
        await(stopGate, "stop");
        transition(ServiceState.STOPPED);
        return ServiceState.STOPPED;
    }

    @Override
    public void pause() {
        pauses.incrementAndGet();
        if (failsToPause) {
            throw new IllegalStateException("pause failed: the readiness check could not be turned off");
        }
        transition(ServiceState.PAUSED);
    }

    @Override
    public void resume() {
        resumes.incrementAndGet();
        if (failsToResume) {
            throw new IllegalStateException("resume failed: the readiness check could not be turned on");
        }
        transition(ServiceState.RUNNING);
    }

    /** Tells the reload listeners before and after, as a real host does, and reports "log level changed". */
    @Override
    public ReloadOutcome reload() {
        reloadListeners.forEach(ReloadListener::reloadStarting);
        reloads.incrementAndGet();
        ReloadOutcome outcome = new ReloadOutcome(true, "log level changed");
        reloaded.countDown();
        reloadListeners.forEach(listener -> listener.reloadFinished(outcome));
        return outcome;
    }

    @Override
    public ServiceState state() {
        return state;
    }

    @Override
    public String progress() {
        return progress.isEmpty() ? state.name() : progress;
    }

    @Override
    public Duration startTimeout() {
        return startTimeout;
    }

    @Override
    public Duration stopTimeout() {
        return stopTimeout;
    }

    @Override
    public boolean isLive() {
        return live;
    }

    @Override
    public void addStateListener(Consumer<ServiceState> listener) {
        stateListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void addReloadListener(ReloadListener listener) {
        reloadListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Starts, then stops: the foreground run of a service whose stop signal arrives at once. */
    @Override
    public int runInForeground() {
        start();
        stop();
        return 0;
    }

    private static void await(CountDownLatch gate, String what) {
        try {
            if (!gate.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("the test never opened the " + what + " gate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
