package dev.servicekit.core;

import dev.servicekit.spi.Progress;
import dev.servicekit.spi.ServiceManager;
import dev.servicekit.spi.ServiceManagers;
import dev.servicekit.spi.ServiceRef;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * What every command of one {@link ServiceCli} shares: the application, the process's environment and streams, the
 * service managers, and the one way configuration is loaded ({@link #bootstrap()}).
 */
record CliContext(
        ServiceApplication app,
        Map<String, String> environment,
        PrintStream out,
        PrintStream err,
        InputStream in,
        Supplier<ServiceManagers> managerSource,
        Runnable forceExit)
        implements ServiceCli.CommandContext {

    /**
     * The service managers, found on first use: loading them loads their classes and their loggers (and so
     * Logback), which verbs such as {@code version} never need.
     */
    ServiceManagers managers() {
        return managerSource.get();
    }

    ConfigBootstrap bootstrap() {
        return new ConfigBootstrap(app, environment, err);
    }

    @Override
    public Config loadConfig(ServiceCli.ConfigOptions options) {
        return bootstrap().read(options);
    }

    /**
     * The application's admin access to the management listener a live process recorded ({@code recorded}, from its
     * {@link RunningInstanceFile}: the port it chose when configured as 0), else to the configured one.
     *
     * @throws RuntimeException as {@link ServiceApplication#localAdminAccess(Config)}
     */
    Optional<LocalAdminAccess> adminAccess(Config config, Optional<java.net.URI> recorded) {
        return recorded.isPresent() ? app.localAdminAccess(config, recorded.get()) : app.localAdminAccess(config);
    }

    Progress progress() {
        return err::println;
    }

    /** The service (or its instance) that {@code target} and {@code --instance} name. */
    ServiceRef ref(TargetOptions target, InstanceOption instance) {
        return new ServiceRef(
                target.name != null ? target.name : app.name(),
                target.user,
                Optional.ofNullable(target.root),
                instance.value());
    }

    ServiceManager manager(TargetOptions target) {
        return managers().select(Optional.ofNullable(target.platform));
    }

    void printProblems(ConfigException e) {
        err.println(app.name() + ": invalid configuration, " + e.problems().size()
                + (e.problems().size() == 1 ? " problem:" : " problems:"));
        for (ConfigProblem problem : e.problems()) {
            err.println("  - " + problem);
        }
    }

    /** Options naming which installed service a manager command acts on. */
    static final class TargetOptions {
        @Option(names = "--name", paramLabel = "NAME", description = "Service name (default: the application's name).")
        String name;

        @Option(
                names = "--platform",
                paramLabel = "PLATFORM",
                description = "Service manager: windows, systemd, launchd or daemon (default: detected).")
        String platform;

        @Option(
                names = "--user",
                description = "A per-user service (systemd --user, LaunchAgents) instead of a system one.")
        boolean user;

        @Option(
                names = "--root",
                paramLabel = "DIR",
                description = "Write files under DIR instead of the live system; call no service manager.")
        Path root;
    }
}
