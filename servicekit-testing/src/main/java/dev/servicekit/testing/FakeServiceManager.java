package dev.servicekit.testing;

import dev.servicekit.spi.InstallRequest;
import dev.servicekit.spi.InstalledLaunch;
import dev.servicekit.spi.ManagedService;
import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagerException;
import dev.servicekit.spi.ServiceRef;
import dev.servicekit.spi.ServiceStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A {@link ServiceManager} that records what the command line asks of it, for tests of the verbs: install requests,
 * one line per other call ({@code "stop users-service"}), the last service it was asked about. The test sets the
 * status it reports, a failure every call throws, and what {@code runManaged} does.
 *
 * {@snippet :
 * FakeServiceManager manager = FakeServiceManager.named("fake", true);
 * ServiceCli.builder(app).managers(ServiceManagers.of(List.of(manager))).build().execute("stop");
 * assertThat(manager.calls()).containsExactly("stop demo-service");
 * }
 */
public final class FakeServiceManager implements ServiceManager {

    private final String platform;
    private final boolean available;
    private final int order;
    private final List<InstallRequest> installed = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile ServiceStatus status = ServiceStatus.notInstalled();
    private volatile Optional<ServiceManagerException> failure = Optional.empty();
    private volatile Optional<ServiceRef> lastRef = Optional.empty();
    private volatile Function<ManagedService, OptionalInt> runManaged = service -> OptionalInt.empty();
    private volatile Optional<InstalledLaunch> launch = Optional.empty();

    private FakeServiceManager(String platform, boolean available, int order) {
        this.platform = Objects.requireNonNull(platform, "platform");
        this.available = available;
        this.order = order;
    }

    /** A manager for {@code platform}, available or not, ordered by the order managers are created in a test. */
    public static FakeServiceManager named(String platform, boolean available) {
        return new FakeServiceManager(platform, available, available ? 1 : 2);
    }

    /** What {@link #status} reports from now on (default: not installed). */
    public FakeServiceManager reports(ServiceStatus value) {
        this.status = Objects.requireNonNull(value, "value");
        return this;
    }

    /** Every call from now on throws {@code value}. */
    public FakeServiceManager failsWith(ServiceManagerException value) {
        this.failure = Optional.of(value);
        return this;
    }

    /** What {@link #installedLaunch} answers from now on (empty until set). */
    public FakeServiceManager launches(InstalledLaunch value) {
        launch = Optional.of(value);
        return this;
    }

    /** What {@link #runManaged} does (default: answers that it did not launch this process). */
    public FakeServiceManager runsManaged(Function<ManagedService, OptionalInt> value) {
        this.runManaged = Objects.requireNonNull(value, "value");
        return this;
    }

    /** The install requests received (dry runs are not installs). */
    public List<InstallRequest> installed() {
        return List.copyOf(installed);
    }

    /** One line per uninstall, start, stop or reload: verb and service name. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** The service the last call named. */
    public Optional<ServiceRef> lastRef() {
        return lastRef;
    }

    private void call(String what, ServiceRef ref) {
        failure.ifPresent(e -> {
            throw e;
        });
        lastRef = Optional.of(ref);
        calls.add(what + " " + ref.id());
    }

    @Override
    public String platform() {
        return platform;
    }

    @Override
    public int order() {
        return order;
    }

    @Override
    public boolean isAvailable() {
        return available;
    }

    @Override
    public String describeInstall(InstallRequest request) {
        return "plan for " + request.name() + "\n";
    }

    @Override
    public void install(InstallRequest request, Progress progress) {
        failure.ifPresent(e -> {
            throw e;
        });
        installed.add(request);
        progress.step(platform + ": installed " + request.name());
    }

    @Override
    public void uninstall(ServiceRef service, Progress progress) {
        call("uninstall", service);
    }

    @Override
    public void start(ServiceRef service, Progress progress) {
        call("start", service);
    }

    @Override
    public void stop(ServiceRef service, Progress progress) {
        call("stop", service);
    }

    @Override
    public void reload(ServiceRef service, Progress progress) {
        call("reload", service);
    }

    @Override
    public ServiceStatus status(ServiceRef service) {
        failure.ifPresent(e -> {
            throw e;
        });
        return status;
    }

    @Override
    public Optional<InstalledLaunch> installedLaunch(ServiceRef service) {
        lastRef = Optional.of(service);
        return launch;
    }

    @Override
    public OptionalInt runManaged(ManagedService service) {
        return runManaged.apply(service);
    }
}
