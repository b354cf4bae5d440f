package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.spi.Diagnosis;
import java.nio.file.Path;
import java.util.List;

/**
 * A service that serves an HTTP API, as the toolkit hosts it (SPEC §17): the application declares its name, its own
 * configuration keys and what it opens at start — routes, readiness checks, status sections, its own reloadable
 * keys — and {@link HttpServiceHost} owns the rest: the command line, configuration and logging, both listeners
 * (API and management), the admin routes ({@code /admin/status}, {@code /admin/reload}, {@code /admin/loggers}),
 * health, metrics, pause and drain on state changes, JWT key discovery and creation, TLS, CORS, limits, and the
 * reload of every toolkit key.
 *
 * {@snippet :
 * public final class HelloApplication implements HttpApplication {
 *     public String name() { return "hello-service"; }
 *     public String version() { return "1.0"; }
 *     public void start(HttpServiceContext context) {
 *         context.routes(Route.get("/hello", (req, res) -> JsonBodies.send(res, Status.OK_200, Map.of("hello", "world"))));
 *     }
 *     public static void main(String[] args) { HttpServiceHost.main(new HelloApplication(), args); }
 * }
 * }
 */
public interface HttpApplication {

    /**
     * The service name, lower-case letters and digits in words joined by dashes, e.g. {@code users-service}; also the
     * command name, the installed service's name and the environment prefix. {@link HttpServiceHost} refuses any other
     * name with {@link IllegalArgumentException}.
     */
    String name();

    /** The application version, shown by {@code version} and {@code /admin/status}. */
    String version();

    /**
     * The application's own configuration keys; the toolkit adds its own ({@code http.*}, {@code management.*},
     * {@code limits.*}, {@code auth.*}, {@code log.*}, ...). A key marked reloadable needs a
     * {@linkplain HttpServiceContext#onReload reload step} that applies it, or reloads report it as needing a restart.
     */
    default List<ConfigKey<?>> configKeys() {
        return List.of();
    }

    /** Cross-key checks of the application's own keys; every problem is reported with the toolkit's (exit 78). */
    default List<ConfigProblem> checkConfig(Config config) {
        return List.of();
    }

    /**
     * Opens what the application needs (a store, say), in dependency order, registering each one's stop action, and
     * declares its routes and checks. Called on the starting thread after the metrics registry and the JWT keys are
     * ready and before either listener starts; the listeners start once this returns, and stop before the
     * application's stop actions run (so in-flight requests drain while the store is still open).
     *
     * @throws Exception any failure; what was registered is stopped and the start fails with the message. A
     *     {@link dev.servicekit.core.ConfigException} says the configuration names something this version cannot use
     *     (a database with a newer schema, say): {@code run} then exits with 78 like for any configuration error,
     *     other failures with 1
     */
    void start(HttpServiceContext context) throws Exception;

    /**
     * The application's own commands (picocli {@code @Command} objects), next to the built-in ones and the toolkit's
     * {@code token issue}.
     */
    default List<Object> commands(ServiceCli.CommandContext context) {
        return List.of();
    }

    /**
     * Directories besides the data directory that {@code config} has the service write (e.g. a backup directory),
     * as configured; {@code install} gives them the data directory's access (see
     * {@link dev.servicekit.core.ServiceApplication#writableDirectories}). The default: none.
     */
    default List<Path> writableDirectories(Config config) {
        return List.of();
    }

    /**
     * The application's own {@code doctor} checks with a valid {@code config}, printed after the toolkit's (the
     * listeners' certificates): say, whether its database answers with the configured credentials. Must not start
     * anything or change any file, and should be bounded to a few seconds; a check that cannot run is a finding
     * ({@link Diagnosis#notChecked}), and an exception becomes one failure of {@code application checks} without
     * losing the toolkit's. The default: none.
     */
    default List<Diagnosis> diagnose(Config config) {
        return List.of();
    }
}
