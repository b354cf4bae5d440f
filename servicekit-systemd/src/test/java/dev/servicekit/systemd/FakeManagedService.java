package dev.servicekit.systemd;

import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.ReloadListener;
import dev.servicekit.spi.ReloadOutcome;
import dev.servicekit.spi.ServiceState;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A managed service the test drives through its states by hand, telling listeners as a real host does. */
final class FakeManagedService implements ManagedService {

    private final List<Consumer<ServiceState>> stateListeners = new CopyOnWriteArrayList<>();
    private final List<ReloadListener> reloadListeners = new CopyOnWriteArrayList<>();
    private final Duration startTimeout;
    private volatile ServiceState state = ServiceState.NEW;
    private volatile String progress = "";
    private volatile boolean live = true;

    FakeManagedService(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    /** Makes {@link #isLive()} answer {@code value} (false: a wedged service). */
    void live(boolean value) {
        live = value;
    }

    @Override
    public boolean isLive() {
        return live;
    }

    /** Moves to {@code next} and tells the state listeners on this thread. */
    void transition(ServiceState next) {
        state = next;
        stateListeners.forEach(l -> l.accept(next));
    }

    void progress(String text) {
        progress = text;
    }

    @Override
    public String name() {
        return "users-service";
    }

    @Override
    public void start() {
        transition(ServiceState.STARTING);
        transition(ServiceState.RUNNING);
    }

    @Override
    public ServiceState stop() {
        transition(ServiceState.STOPPING);
        transition(ServiceState.STOPPED);
        return ServiceState.STOPPED;
    }

    @Override
    public void pause() {
        transition(ServiceState.PAUSED);
    }

    @Override
    public void resume() {
        transition(ServiceState.RUNNING);
    }

    @Override
    public ReloadOutcome reload() {
        reloadListeners.forEach(ReloadListener::reloadStarting);
        ReloadOutcome outcome = new ReloadOutcome(true, "log level changed");
        reloadListeners.forEach(l -> l.reloadFinished(outcome));
        return outcome;
    }

    @Override
    public ServiceState state() {
        return state;
    }

    @Override
    public String progress() {
        return progress;
    }

    @Override
    public Duration startTimeout() {
        return startTimeout;
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(30);
    }

    @Override
    public void addStateListener(Consumer<ServiceState> listener) {
        stateListeners.add(listener);
    }

    @Override
    public void addReloadListener(ReloadListener listener) {
        reloadListeners.add(listener);
    }

    /** Starts, then stops: the foreground run of a service whose stop signal arrives at once. */
    @Override
    public int runInForeground() {
        start();
        stop();
        return 0;
    }
}
