package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.CoreConfigKeys;
import dev.servicekit.core.Service;
import dev.servicekit.core.ServiceApplication;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.http.AuthConfigKeys;
import dev.servicekit.http.HttpConfigKeys;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Properties;

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
