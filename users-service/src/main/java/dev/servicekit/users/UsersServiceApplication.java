package dev.servicekit.users;

import dev.servicekit.core.Config;
import dev.servicekit.core.ConfigKey;
import dev.servicekit.core.ConfigProblem;
import dev.servicekit.core.ConfigSchema;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.http.HttpApplication;
import dev.servicekit.http.HttpServiceContext;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.spi.Diagnosis;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * users-service as a Servicekit HTTP application: its name, version, store keys, and its domain
 * ({@link UsersService}). Everything else — listeners, admin routes, auth, reload, the command line — is the
 * toolkit's ({@link HttpServiceHost}).
 */
public final class UsersServiceApplication implements HttpApplication {

    /**
     * The logger, found when first used: a field would start logging (Logback's auto-configuration) as soon as this
     * class loads, which CLI verbs such as {@code status} do without ever logging.
     */
    private static Logger log() {
        return LoggerFactory.getLogger(UsersServiceApplication.class);
    }

    private final Clock clock;
    private final Function<Config, PasswordHasher> hasher;

    /**
     * The application as shipped. Its password hasher (and the secure random generator behind it, which loads the
     * security providers) is made when the service starts, not for every verb, with {@code password.pbkdf2-iterations}.
     */
    public UsersServiceApplication() {
        this.clock = Clock.systemUTC();
        this.hasher = UsersServiceApplication::configuredHasher;
    }

    UsersServiceApplication(Clock clock, PasswordHasher hasher) {
        this.clock = clock;
        this.hasher = config -> hasher;
    }

    private static PasswordHasher configuredHasher(Config config) {
        int iterations = config.get(UsersConfigKeys.PASSWORD_ITERATIONS);
        if (iterations < UsersConfigKeys.RECOMMENDED_PASSWORD_ITERATIONS) {
            log().warn(
                            "password.pbkdf2-iterations is {}, below the {} OWASP recommends for PBKDF2-HMAC-SHA256: new"
                                    + " password hashes are cheaper to guess",
                            iterations,
                            UsersConfigKeys.RECOMMENDED_PASSWORD_ITERATIONS);
        }
        return PasswordHasher.withIterations(iterations);
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
    public List<ConfigKey<?>> configKeys() {
        return UsersConfigKeys.all();
    }

    @Override
    public List<ConfigProblem> checkConfig(Config config) {
        return UsersConfigKeys.check(config);
    }

    /** {@code data export}/{@code import} ({@link DataCommand}), {@code backup} ({@link BackupCommand}), {@code restore}. */
    @Override
    public List<Object> commands(ServiceCli.CommandContext context) {
        return List.of(
                new DataCommand(context, name(), clock),
                new BackupCommand(context, name(), version(), clock),
                new RestoreCommand(context, name(), clock));
    }

    /** {@code backup.dir} when scheduled backups are on: {@code install} gives it the data directory's access. */
    @Override
    public List<Path> writableDirectories(Config config) {
        return config.get(UsersConfigKeys.BACKUP_INTERVAL).isZero()
                ? List.of()
                : List.of(config.get(UsersConfigKeys.BACKUP_DIR));
    }

    /**
     * {@code store}: whether {@code run} could open the configured store and at which schema version, read-only and
     * bounded by {@code store.timeout} plus a few seconds ({@link StoreCheck}).
     */
    @Override
    public List<Diagnosis> diagnose(Config config) {
        return List.of(StoreCheck.diagnose(UsersConfigKeys.storeConfig(config)));
    }

    @Override
    public void start(HttpServiceContext context) {
        new UsersService(clock, hasher.apply(context.config())).start(context);
    }

    /** Every configuration key of users-service, the toolkit's included (docs/configuration.md is rendered from it). */
    static ConfigSchema schema() {
        return HttpServiceHost.schema(new UsersServiceApplication());
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
