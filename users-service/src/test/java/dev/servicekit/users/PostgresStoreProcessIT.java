package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicekit.testing.PostgresServer;
import dev.servicekit.testing.ServiceProcess;
import dev.servicekit.testing.TestHttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * users-service.jar (shaded) in a child JVM on a real PostgreSQL: Flyway finds its PostgreSQL support in the shaded
 * jar and migrates; a database whose schema a newer release migrated makes {@code run} exit with 78 and say so, for
 * PostgreSQL and SQLite; bad PostgreSQL settings are all listed (exit 78) without echoing a password.
 */
class PostgresStoreProcessIT {

    static final Duration WAIT = Duration.ofSeconds(60);

    @AutoClose
    static PostgresServer postgres;

    @TempDir
    Path dir;

    @BeforeAll
    static void launchPostgres() {
        postgres = TestPostgres.launchOrSkip(PostgresStoreProcessIT.class);
    }

    private ServiceProcess start(String name, String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--set",
                "http.port=0",
                "--set",
                "management.port=0",
                "--set",
                "data-dir=" + dir.resolve("data"),
                "--set",
                "auth.enabled=false"));
        for (String setting : settings) {
            args.addAll(List.of("--set", setting));
        }
        return UsersServiceProcessIT.smallJvm(dir)
                .outputName(name)
                .args(args.toArray(String[]::new))
                .start();
    }

    private String[] postgresSettings(String url) {
        return new String[] {
            "store.url=" + url,
            "store.username=" + postgres.username(),
            "store.password-file=" + TestPostgres.passwordFile(postgres, dir)
        };
    }

    private static void addFutureMigration(String url, String version) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (99, '" + version + "', 'from the"
                    + " future', 'SQL', 'V" + version + "__from_the_future.sql', 0, 'app', 1, true)");
        }
    }

    @Test
    void theShadedJarMigratesAndServesFromPostgresqlAndKeepsTheDataAcrossARestart() {
        String[] settings = postgresSettings(TestPostgres.freshDatabase(postgres));
        long id;
        try (ServiceProcess first = start("first", settings)) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:"
                    + first.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1));
            var created = api.post("/api/v1/users", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            id = created.json().path("id").asLong();
            first.signal("TERM");
            assertThat(first.awaitExit(WAIT)).isZero();
            assertThat(first.output()).contains("2 migration(s) applied now").contains("Opened PostgreSQL user store");
            assertThat(first.output()).doesNotContain(postgres.password());
        }
        try (ServiceProcess second = start("second", settings)) {
            TestHttpClient api = TestHttpClient.create("http://127.0.0.1:"
                    + second.awaitOutput(UsersServiceProcessIT.API, WAIT).group(1));
            assertThat(api.get("/api/v1/users/" + id).body()).contains("ada@example.com");
            second.signal("TERM");
            assertThat(second.awaitExit(WAIT)).isZero();
            assertThat(second.output()).contains("0 migration(s) applied now");
        }
    }

    @Test
    void aPostgresqlSchemaNewerThanThisReleaseKnowsExits78AndSaysSo() throws SQLException {
        String url = TestPostgres.freshDatabase(postgres);
        String[] settings = postgresSettings(url);
        StoreConfig config =
                TestPostgres.config(postgres, url, TestPostgres.passwordFile(postgres, dir), Duration.ofSeconds(5));
        PostgresUserStore.open(config, Clock.systemUTC(), Optional.empty()).close(); // migrated by this release
        addFutureMigration(url, "3");

        try (ServiceProcess service = start("newer-postgresql", settings)) {
            assertThat(service.awaitExit(WAIT)).as(service.output()).isEqualTo(78);
            assertThat(service.output())
                    .contains("store.url")
                    .contains("has schema version '3', newer than this version of users-service knows (newest '2')")
                    .contains("Run that release (or a newer one), or restore a backup");
        }
    }

    @Test
    void aSqliteSchemaNewerThanThisReleaseKnowsExits78AndSaysSo() throws SQLException {
        Path file = dir.resolve("data").resolve("users.db");
        SqliteUserStore.open(file, 2, Duration.ofSeconds(1), Clock.systemUTC()).close();
        SchemaMigrationsTest.addFutureMigration(file, "99");

        try (ServiceProcess service = start("newer-sqlite")) {
            assertThat(service.awaitExit(WAIT)).as(service.output()).isEqualTo(78);
            assertThat(service.output())
                    .contains("SQLite database '" + file + "' has schema version '99'")
                    .contains("restore a backup");
        }
    }

    @Test
    void badPostgresqlSettingsAreAllListedWithExit78AndNoPasswordIsEchoed() throws Exception {
        Path shared = dir.resolve("shared-password");
        Files.writeString(shared, postgres.password() + "\n");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));

        try (ServiceProcess service = start(
                "bad-settings",
                "store.url=" + postgres.jdbcUrl() + "?password=in-the-url-secret",
                "store.password-file=" + shared,
                "store.timeout=0s")) {
            assertThat(service.awaitExit(WAIT)).as(service.output()).isEqualTo(78);
            assertThat(service.output())
                    .contains("'password' (set store.password-file)")
                    .contains("password=****")
                    .contains("chmod 600 " + shared)
                    .contains("store timeout 'PT0S' must be positive")
                    .contains("set store.username")
                    .doesNotContain("in-the-url-secret")
                    .doesNotContain(postgres.password());
        }
    }
}
