package dev.servicekit.http;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.ListenAddress;
import dev.servicekit.core.LocalAdminAccess;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceException;
import dev.servicekit.spi.Diagnosis;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Hosts an {@link HttpApplication}: the whole command line ({@code run}, {@code install}, {@code reload},
 * {@code token issue}, ...), configuration with the toolkit's keys, logging, and the service described on
 * {@link HttpApplication}. An application's {@code main} is one line.
 *
 * {@snippet :
 * public static void main(String[] args) {
 *     HttpServiceHost.main(new HelloApplication(), args);   // never returns
 * }
 * }
 *
 * <p>For tests and embedding, {@link #application} gives the same application as a {@link ServiceApplication}:
 * {@code ServiceCli.builder(HttpServiceHost.application(app)).build().start("http.port=0", "management.port=0")} starts
 * it in this JVM exactly as {@code run} would.
 */
public final class HttpServiceHost {

    /** The subject of the token the {@code reload} verb mints for itself, as it shows in access logs. */
    static final String RELOAD_SUBJECT = "reload-verb";
    /** How long that token lives. */
    static final Duration RELOAD_TOKEN_TTL = Duration.ofSeconds(60);

    private HttpServiceHost() {}

    /**
     * Runs the command line for {@code app} with the process's environment and exits the JVM with the verb's exit code.
     * For {@code run} and {@code service}, work the start needs later (Helidon's service registry, the JVM's management
     * beans, the first token verification's classes) begins at once on a thread of its own, unless
     * {@code -Dservicekit.warm-up=false}.
     */
    public static void main(HttpApplication app, String... args) {
        // run/service: Helidon's registry, the management beans and the first token check load on another core
        // while this thread reads the command line and the configuration (StartupWarmUp).
        StartupWarmUp.begin(args);
        ServiceCli.main(application(app), args);
    }

    /** The application as the command line runs it, with the system clock. */
    public static ServiceApplication application(HttpApplication app) {
        return application(app, Clock.systemUTC());
    }

    /**
     * The application as the command line runs it, with {@code clock} for token times and timestamps (tests).
     *
     * @throws IllegalArgumentException if {@link HttpApplication#name()} is not lower-case words joined by dashes, or
     *     {@link HttpApplication#version()} is blank
     */
    public static ServiceApplication application(HttpApplication app, Clock clock) {
        Hosted hosted = new Hosted(Objects.requireNonNull(app, "app"), Objects.requireNonNull(clock, "clock"));
        ServiceApplication.checkIdentity(hosted);
        return hosted;
    }

    /**
     * Every key the hosted application accepts, in documentation order: the API and management listeners, limits,
     * authentication, the application's own keys, then the core keys (data directory, logging, shutdown, reload, and
     * a shared source such as etcd when its module is on the class path), with every check.
     */
    public static ConfigSchema schema(HttpApplication app) {
        return ConfigSchema.builder()
                .add(HttpConfigKeys.all())
                .add(AuthConfigKeys.all())
                .add(app.configKeys())
                .add(CoreConfigKeys.all())
                .check(CoreConfigKeys::check)
                .check(HttpConfigKeys::check)
                .check(AuthConfigKeys::check)
                .check(app::checkConfig)
                .build();
    }

    /**
     * A client for the management listener on loopback that {@code config} names, for commands that ask the running
     * instance to do something ({@code reload}, an application's {@code backup}). With auth on and the HS256 secret
     * file, it carries a 60-second token with the {@code admin} scope minted from that file (whoever can read it can
     * mint any token anyway); with a public key or JWKS this process cannot sign, so it says what to do instead.
     *
     * @param name the service name, for messages and key discovery
     * @throws ServiceException when no client can be made (see {@link ManagementClient#forConfig}, or a key this
     *         process cannot sign with)
     */
    public static ManagementClient managementClient(String name, Config config, Clock clock) {
        return ManagementClient.forConfig(config, adminToken(name, config, clock));
    }

    /** A 60-second admin token minted from the HS256 secret file; empty when auth is off. */
    private static Optional<String> adminToken(String name, Config config, Clock clock) {
        if (!config.get(AuthConfigKeys.ENABLED)) {
            return Optional.empty();
        }
        JwtKeySource key = AuthKeys.resolve(config, name);
        if (!(key instanceof JwtKeySource.HmacSecret)) {
            throw new ServiceException("Cannot authenticate to the management listener: " + name
                    + " verifies tokens with "
                    + (config.find(AuthConfigKeys.JWKS_URL).isPresent() ? "a JWKS URL" : "a public key")
                    + " and this command cannot sign one. Use the /admin endpoint on the management listener with an"
                    + " admin token from your identity provider (for a reload, SIGHUP to its process works too)");
        }
        return Optional.of(JwtIssuer.create(AuthConfigKeys.settings(config, key, clock))
                .issue(RELOAD_SUBJECT, Set.of(AdminRoutes.ADMIN), RELOAD_TOKEN_TTL));
    }

    /** An {@link HttpApplication} as core's command line sees it. */
    private static final class Hosted implements ServiceApplication {
        private final HttpApplication app;
        private final Clock clock;
        private ConfigSchema schema;

        Hosted(HttpApplication app, Clock clock) {
            this.app = app;
            this.clock = clock;
        }

        @Override
        public String name() {
            return app.name();
        }

        @Override
        public String version() {
            return app.version();
        }

        /** Built on first use: a verb that reads no configuration ({@code version}) does not pay for it. */
        @Override
        public synchronized ConfigSchema configSchema() {
            if (schema == null) {
                schema = schema(app);
            }
            return schema;
        }

        @Override
        public Class<?> applicationClass() {
            return app.getClass();
        }

        @Override
        public List<java.nio.file.Path> writableDirectories(Config config) {
            return app.writableDirectories(config);
        }

        @Override
        public Service createService(Config config) {
            return new HttpService(app, config, clock);
        }

        @Override
        public List<Object> commands(ServiceCli.CommandContext context) {
            List<Object> commands = new ArrayList<>(app.commands(context));
            commands.add(new TokenCommand(context, app.name(), clock));
            return commands;
        }

        /**
         * The management listener on loopback. With auth on and the HS256 secret file, a 60-second token with the
         * {@code admin} scope is minted from that file (whoever can read it can mint any token anyway); with a public
         * key or JWKS this process cannot sign, so it says how to reload instead.
         */
        @Override
        public Optional<LocalAdminAccess> localAdminAccess(Config config) {
            return Optional.of(managementClient(app.name(), config, clock));
        }

        /**
         * The management listener a running instance recorded, on loopback only and without TLS (this client speaks
         * plain HTTP, so a token never leaves the machine). Without a token this process can mint, the health route
         * still answers and {@code /admin/status} says it was refused.
         */
        @Override
        public Optional<LocalAdminAccess> localAdminAccess(Config config, java.net.URI managementUri) {
            if (!"http".equals(managementUri.getScheme()) || !HttpService.isLoopback(managementUri.getHost())) {
                throw new ServiceException("the management listener at " + managementUri
                        + " is not plain HTTP on loopback, which this command does not ask; use GET /admin/status"
                        + " there with an admin token");
            }
            Optional<String> token;
            try {
                token = adminToken(app.name(), config, clock);
            } catch (RuntimeException e) {
                token = Optional.empty();
            }
            return Optional.of(ManagementClient.create(managementUri, token));
        }

        @Override
        public List<ListenAddress> listenAddresses(Config config) {
            return List.of(
                    new ListenAddress(
                            "api",
                            config.get(HttpConfigKeys.HTTP_HOST),
                            config.get(HttpConfigKeys.HTTP_PORT),
                            HttpConfigKeys.HTTP_PORT.name()),
                    new ListenAddress(
                            "management",
                            config.get(HttpConfigKeys.MANAGEMENT_HOST),
                            config.get(HttpConfigKeys.MANAGEMENT_PORT),
                            HttpConfigKeys.MANAGEMENT_PORT.name()));
        }

        @Override
        public List<Diagnosis> diagnose(Config config) {
            List<Diagnosis> findings = new ArrayList<>(TlsCertificateCheck.diagnose(config, clock));
            try {
                findings.addAll(app.diagnose(config));
            } catch (RuntimeException e) {
                findings.add(Diagnosis.failure(
                        "application checks",
                        "the check itself failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()),
                        "report this; the other checks are unaffected"));
            }
            return findings;
        }
    }
}
