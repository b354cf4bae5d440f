package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.LocalAdminAccess;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceException;
import dev.servicekit.http.AuthConfigKeys;
import dev.servicekit.http.HttpConfigKeys;
import dev.servicekit.http.JwtIssuer;
import dev.servicekit.http.JwtKeySource;
import dev.servicekit.http.ManagementClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/** users-service as a Servicekit application: its name, version, configuration keys and service. */
public final class UsersServiceApplication implements ServiceApplication {

    static final ConfigSchema SCHEMA = ConfigSchema.builder()
            .add(HttpConfigKeys.all())
            .add(AuthConfigKeys.all())
            .add(UsersConfigKeys.all())
            .add(CoreConfigKeys.all())
            .check(CoreConfigKeys::check)
            .check(HttpConfigKeys::check)
            .check(AuthConfigKeys::check)
            .check(UsersConfigKeys::check)
            .build();

    private final Clock clock;
    private final PasswordHasher hasher;

    /** The application as shipped. */
    public UsersServiceApplication() {
        this(Clock.systemUTC(), PasswordHasher.create());
    }

    UsersServiceApplication(Clock clock, PasswordHasher hasher) {
        this.clock = clock;
        this.hasher = hasher;
    }

    @Override
    public String name() {
        return "users-service";
    }

    @Override
    public String version() {
        return Version.VALUE;
    }

    @Override
    public ConfigSchema configSchema() {
        return SCHEMA;
    }

    @Override
    public java.util.List<Object> commands(ServiceCli.CommandContext context) {
        return java.util.List.of(new TokenCommand(context, name(), clock));
    }

    /**
     * The management listener on loopback. With auth on and the HS256 secret file, a 60-second token with the
     * {@code admin} scope is minted from that file (whoever can read it can mint any token anyway); with a public
     * key or JWKS this process cannot sign, so it says how to reload instead.
     */
    @Override
    public Optional<LocalAdminAccess> localAdminAccess(Config config) {
        if (!config.get(AuthConfigKeys.ENABLED)) {
            return Optional.of(ManagementClient.forConfig(config, Optional.empty()));
        }
        JwtKeySource key = AuthKeys.resolve(config, name());
        if (!(key instanceof JwtKeySource.HmacSecret)) {
            throw new ServiceException("Cannot authenticate the reload: " + name() + " verifies tokens with "
                    + (config.find(AuthConfigKeys.JWKS_URL).isPresent() ? "a JWKS URL" : "a public key")
                    + " and this command cannot sign one. Use POST /admin/reload on the management listener with an admin"
                    + " token from your identity provider, or send SIGHUP to its process");
        }
        String token = JwtIssuer.create(AuthConfigKeys.settings(config, key, clock))
                .issue(RELOAD_SUBJECT, Set.of(AdminApi.ADMIN), RELOAD_TOKEN_TTL);
        return Optional.of(ManagementClient.forConfig(config, Optional.of(token)));
    }

    /** The subject of the token the {@code reload} verb mints for itself, as it shows in access logs. */
    static final String RELOAD_SUBJECT = "reload-verb";
    static final Duration RELOAD_TOKEN_TTL = Duration.ofSeconds(60);

    @Override
    public Service createService(Config config) {
        return new UsersService(config, clock, hasher);
    }

    /** The version Maven wrote into {@code users-service.properties} at build time. */
    static final class Version {
        static final String VALUE = load();

        private static String load() {
            try (InputStream in = UsersServiceApplication.class.getResourceAsStream("/users-service.properties")) {
                if (in == null) {
                    return "unknown";
                }
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
