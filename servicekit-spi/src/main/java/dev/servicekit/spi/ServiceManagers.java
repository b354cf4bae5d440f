package dev.servicekit.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds {@link ServiceManager}s on the class path with {@link ServiceLoader}, in {@link ServiceManager#order()}.
 */
public final class ServiceManagers {

    private final List<ServiceManager> managers;

    private ServiceManagers(List<ServiceManager> managers) {
        List<ServiceManager> sorted = new ArrayList<>(managers);
        sorted.sort(Comparator.comparingInt(ServiceManager::order).thenComparing(ServiceManager::platform));
        this.managers = List.copyOf(sorted);
    }

    /** The managers registered on the class path. */
    public static ServiceManagers load() {
        List<ServiceManager> found = new ArrayList<>();
        ServiceLoader.load(ServiceManager.class).forEach(found::add);
        return new ServiceManagers(found);
    }

    /** A fixed set of managers (tests). */
    public static ServiceManagers of(List<ServiceManager> managers) {
        return new ServiceManagers(managers);
    }

    /** Every manager, in order. */
    public List<ServiceManager> all() {
        return managers;
    }

    /**
     * The manager to use: the one named by {@code --platform}, else the first available one.
     *
     * @throws ServiceManagerException (exit 2 usage, or 1) naming the platforms there are
     */
    public ServiceManager select(Optional<String> platform) {
        if (platform.isPresent()) {
            String wanted = platform.get().toLowerCase(Locale.ROOT);
            return managers.stream()
                    .filter(m -> m.platform().equals(wanted))
                    .findFirst()
                    .orElseThrow(() -> new ServiceManagerException(
                            "--platform \"" + platform.get() + "\" is not available in this build; " + "choose one of "
                                    + names(),
                            ExitCode.USAGE));
        }
        return managers.stream()
                .filter(ServiceManager::isAvailable)
                .findFirst()
                .orElseThrow(() -> new ServiceManagerException(
                        "No service manager is available here (tried " + names() + "); choose one with --platform",
                        ExitCode.FAILURE));
    }

    private String names() {
        return managers.isEmpty()
                ? "(none installed)"
                : managers.stream().map(ServiceManager::platform).collect(Collectors.joining(", "));
    }
}
