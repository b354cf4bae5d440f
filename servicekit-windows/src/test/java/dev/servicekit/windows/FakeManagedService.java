package dev.servicekit.windows;

import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ManagedServiceException;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A ManagedService whose start and stop block on gates the test opens, and which counts the calls it gets. */
final class FakeManagedService implements ManagedService {

    final CountDownLatch startEntered = new CountDownLatch(1);
    final CountDownLatch startGate = new CountDownLatch(1);
    final CountDownLatch stopEntered = new CountDownLatch(1);
    final CountDownLatch drainGate = new CountDownLatch(1);
    final AtomicInteger reloads = new AtomicInteger();
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final CountDownLatch reloaded = new CountDownLatch(1);
    private final List<Consumer<ServiceState>> listeners = new CopyOnWriteArrayList<>();
    private volatile ServiceState state = ServiceState.NEW;
    private volatile ManagedServiceException startFailure;

    FakeManagedService startsAtOnce() {
        startGate.countDown();
        return this;
    }

    FakeManagedService stopsAtOnce() {
        drainGate.countDown();
        return this;
    }

    FakeManagedService failsToStartWith(int exitCode) {
        startFailure = new ManagedServiceException("Port 8080 is already in use by another process; stop it or set http.port", exitCode, null);
        return this;
    }

    @Override
    public String name() {
        return "users-service";
    }

    @Override
    public void start() {
        transition(ServiceState.STARTING);
        startEntered.countDown();
        await(startGate);
        if (startFailure != null) {
            transition(ServiceState.FAILED);
            throw startFailure;
        }
        transition(ServiceState.RUNNING);
    }

    @Override
    public ServiceState stop() {
        transition(ServiceState.STOPPING);
        stopEntered.countDown();
        await(drainGate);
        transition(ServiceState.STOPPED);
        return ServiceState.STOPPED;
    }

    @Override
    public void pause() {
        pauses.incrementAndGet();
        transition(ServiceState.PAUSED);
    }

    @Override
    public void resume() {
        resumes.incrementAndGet();
        transition(ServiceState.RUNNING);
    }

    @Override
    public ReloadOutcome reload() {
        reloads.incrementAndGet();
        reloaded.countDown();
        return new ReloadOutcome(true, "log level changed");
    }

    @Override
    public ServiceState state() {
        return state;
    }

    @Override
    public String progress() {
        return state.name();
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofSeconds(20);
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(20);
    }

    @Override
    public void addStateListener(Consumer<ServiceState> listener) {
        listeners.add(listener);
    }

    @Override
    public int runInForeground() {
        throw new UnsupportedOperationException("not used under the SCM");
    }

    void failWhileRunning() {
        transition(ServiceState.FAILED);
    }

    private void transition(ServiceState next) {
        state = next;
        listeners.forEach(l -> l.accept(next));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("test gate was never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
