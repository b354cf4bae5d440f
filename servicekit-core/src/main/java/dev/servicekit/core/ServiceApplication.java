package dev.servicekit.core;

import java.util.Locale;

/**
 * What an application tells Servicekit about itself: its name, version, configuration schema, and how
 * to build its {@link Service} from a validated configuration. {@link ServiceCli} turns it into the
 * whole command line ({@code run}, {@code config validate}, {@code config show}, {@code version}, ...).
 *
 * {@snippet :
 * public static void main(String[] args) {
 *     ServiceCli.main(new UsersServiceApplication(), args);
 * }
 * }
 */
public interface ServiceApplication {

    /**
     * System property in every JVM option list {@code install} writes ({@code =shipped} in
     * {@link #defaultJvmOptions()}, {@code =given} added to {@code --jvm-option}s): the jar's launcher
     * ({@code dev.servicekit.launcher.Launcher#JVM_OPTIONS_PROPERTY}, the same name) never restarts such a JVM to
     * give it the shipped options: {@value}.
     */
    String JVM_OPTIONS_PROPERTY = "servicekit.jvm-options";

    /**
     * The service name, lower-case letters and digits in words joined by dashes, e.g. {@code users-service}; also the
     * command name, the installed service's name and the environment prefix ({@link #checkIdentity}).
     */
    String name();

    /** The application version, shown by {@code version} and {@code /admin/status}; not blank. */
    String version();

    /**
     * Refuses a name and a version that would break only later: the name is the command's, the service manager's (a
     * systemd unit, a Windows service, a launchd label), part of file names and the environment prefix, so a space, an
     * upper-case letter or an underscore breaks one of them (a unit systemd refuses at install, variables no shell can
     * set); a blank version is what {@code version}, {@code status} and {@code /admin/status} would show. Called by
     * {@link ServiceCli#builder} (and by hosts that wrap an application of their own, before anything runs).
     *
     * @throws IllegalArgumentException if the name is not lower-case words joined by dashes, or the version is blank
     */
    static void checkIdentity(ServiceApplication app) {
        String name = java.util.Objects.requireNonNull(app.name(), "name()");
        if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("The service name \"" + name + "\" must be lower-case letters and"
                    + " digits in words joined by '-', starting with a letter (e.g. notes-service): it names the"
                    + " command, the installed service, its files and its environment variables (NOTES_SERVICE_...)");
        }
        if (java.util.Objects.requireNonNull(app.version(), "version()").isBlank()) {
            throw new IllegalArgumentException("The version of \"" + name + "\" is blank: version, status and"
                    + " /admin/status show it; return the release (e.g. \"1.0\")");
        }
    }

    /** Every configuration key the application accepts, including {@link CoreConfigKeys#all()}. */
    ConfigSchema configSchema();

    /**
     * Builds the service from a validated configuration. Must not open resources: that happens in
     * {@link Service#start(StartContext)}.
     */
    Service createService(Config config);

    /**
     * JVM options that {@code install} puts in the service's command line unless {@code --jvm-option} is
     * given (measured in {@code bench/}; see docs/performance.md):
     * <ul>
     *   <li>the Serial collector and a bounded heap that starts small: a service should never size itself
     *       from the machine, and a small service idles in far less memory this way;</li>
     *   <li>exit on out-of-memory, so the service manager restarts a clean process;</li>
     *   <li>C2's thresholds five times the JVM's ({@code -XX:Tier4*Threshold}): on one core the compilers took more
     *       CPU than the start itself, C2 most of it, on methods the start runs a few thousand times and a request
     *       never again; under load the methods that matter reach five times the count within seconds. Measured on
     *       one pinned core: the first 200 0.15–0.3 s sooner, the same throughput once warm. C1's thresholds stay:
     *       raising them too ({@code -XX:Tier3*Threshold} × 5, or {@code -XX:CompileThresholdScaling=5}, which
     *       scales C2's four given here as well) saved 0.07–0.1 s more and cost 4–10 % more CPU per request;</li>
     *   <li>the native heap given back to the system every second ({@code -XX:TrimNativeHeapInterval}, glibc):
     *       glibc keeps what the start-up and the JIT compilers freed, about 17 MB at idle and 50 MB after load.
     *       The option is experimental in the first JDK 21 updates that have it (hence the unlock) and unknown to
     *       21.0.0, which the leading {@code -XX:+IgnoreUnrecognizedVMOptions} lets start without it;</li>
     *   <li>an application class-data archive ({@code <name>.jsa}, relative to the service's working
     *       directory, which every service manager sets to the data directory) that the JVM writes when the
     *       service first stops and maps at every later start ({@code -XX:+AutoCreateSharedArchive}, JDK 19+;
     *       it is rewritten by itself after a JDK or jar change). Its log lines are silenced: the archive is
     *       an optimisation, and a start without it is only slower;</li>
     *   <li>{@code -Dservicekit.jvm-options=shipped}: tells the jar's launcher that this JVM already has them, so
     *       that {@code run} is not started again to get them (see {@code dev.servicekit.launcher.Launcher}).</li>
     * </ul>
     */
    default java.util.List<String> defaultJvmOptions() {
        return java.util.List.of(
                "-XX:+IgnoreUnrecognizedVMOptions",
                "-XX:+UseSerialGC",
                "-Xms16m",
                "-Xmx128m",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:Tier4InvocationThreshold=25000",
                "-XX:Tier4MinInvocationThreshold=3000",
                "-XX:Tier4CompileThreshold=75000",
                "-XX:Tier4BackEdgeThreshold=200000",
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:TrimNativeHeapInterval=1000",
                "-D" + JVM_OPTIONS_PROPERTY + "=shipped",
                "-XX:SharedArchiveFile=" + name() + ".jsa",
                "-XX:+AutoCreateSharedArchive",
                "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off");
    }

    /**
     * The application's own commands (picocli {@code @Command} objects), added next to the built-in ones,
     * e.g. {@code token issue}. They read the configuration through {@code context}.
     */
    default java.util.List<Object> commands(ServiceCli.CommandContext context) {
        return java.util.List.of();
    }

    /**
     * How the {@code reload} verb reaches this application's running instance when no service manager runs it:
     * typically its management listener on loopback, with whatever credential the application can mint for
     * itself. Called only by that verb, with the configuration it loaded (the same {@code --config} and
     * {@code --set} the instance was started with). The default, empty, means there is no such way, and the verb
     * says so.
     *
     * @throws RuntimeException (a {@link ServiceException}) when the configuration rules it out, e.g. a
     *         management listener that is not on loopback, or keys the application cannot sign with; the message
     *         says what to do instead
     */
    default java.util.Optional<LocalAdminAccess> localAdminAccess(Config config) {
        return java.util.Optional.empty();
    }

    /**
     * The same access as {@link #localAdminAccess(Config)}, but to the management listener at {@code managementUri}:
     * the address a running instance recorded in its data directory ({@code status} and {@code doctor} use it, so a
     * listener on a port chosen at start is found too). The default: {@link #localAdminAccess(Config)}, which ignores
     * the address.
     *
     * @throws RuntimeException (a {@link ServiceException}) as {@link #localAdminAccess(Config)}
     */
    default java.util.Optional<LocalAdminAccess> localAdminAccess(Config config, java.net.URI managementUri) {
        return localAdminAccess(config);
    }

    /**
     * The sockets the service listens on with {@code config}, by name ({@code api}, {@code management}), each with
     * the keys that set it, for {@code doctor}'s "port free or held by whom" check. A port 0 (chosen at start) is
     * not checked. The default: none.
     */
    default java.util.List<ListenAddress> listenAddresses(Config config) {
        return java.util.List.of();
    }

    /**
     * The application's own {@code doctor} checks with a valid {@code config} (an HTTP host: TLS certificates and
     * their expiry). Must not start anything or change any file; never throws: a check that cannot run is a finding.
     * The default: none.
     */
    default java.util.List<dev.servicekit.spi.Diagnosis> diagnose(Config config) {
        return java.util.List.of();
    }

    /**
     * Directories besides the data directory that {@code config} has the service write (e.g. a backup directory),
     * as configured (a relative one is under the data directory, the working directory). {@code install} passes them to the service manager, which gives them the data directory's access
     * where it restricts that (Windows: the same ACL). The default: none.
     */
    default java.util.List<java.nio.file.Path> writableDirectories(Config config) {
        return java.util.List.of();
    }

    /**
     * The application's own class: {@code install} puts the jar it was loaded from on the installed command line.
     * Adapters (such as the HTTP host's) answer with the class they adapt.
     */
    default Class<?> applicationClass() {
        return getClass();
    }

    /** The prefix of environment variables: the name upper-cased with dashes as underscores ({@code USERS_SERVICE}). */
    default String environmentPrefix() {
        return name().toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
