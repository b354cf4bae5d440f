package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.servicekit.core.ConfigException;
import dev.servicekit.core.ServiceCli;
import dev.servicekit.core.ServiceHost;
import dev.servicekit.http.HttpServiceHost;
import dev.servicekit.testing.LogCapture;
import dev.servicekit.testing.TestHttpClient;
import dev.servicekit.testing.TestResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code password.pbkdf2-iterations} on the application as shipped: the hashes it writes, and its warning. */
class PasswordIterationsTest {

    @TempDir
    Path dir;

    private ServiceHost start(String... overrides) {
        String[] args = java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(
                                "http.port=0",
                                "management.port=0",
                                "data-dir=" + dir,
                                "auth.enabled=false",
                                "reload.watch=false"),
                        java.util.stream.Stream.of(overrides))
                .toArray(String[]::new);
        return ServiceCli.builder(HttpServiceHost.application(new UsersServiceApplication()))
                .environment(Map.of())
                .build()
                .start(args);
    }

    private String storedHash(String email) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("users.db"));
                Statement statement = connection.createStatement();
                ResultSet rows =
                        statement.executeQuery("SELECT password_hash FROM users WHERE email = '" + email + "'")) {
            assertThat(rows.next()).as("a row for " + email).isTrue();
            return rows.getString(1);
        }
    }

    @Test
    void newHashesUseTheConfiguredCountAndALowCountIsWarnedAbout() throws Exception {
        try (LogCapture log = LogCapture.of(UsersServiceApplication.class.getName())) {
            ServiceHost host = start("password.pbkdf2-iterations=20000");
            try {
                TestResponse created = TestHttpClient.create(
                                host.endpoints().get("api").toString())
                        .post(
                                "/api/v1/users",
                                "{\"name\":\"Ada\",\"email\":\"ada@example.org\",\"password\":\"correct horse battery\"}");
                assertThat(created.status()).as(created.body()).isEqualTo(201);
            } finally {
                host.stop();
            }
            assertThat(log.events()).anySatisfy(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getFormattedMessage()).contains("password.pbkdf2-iterations is 20000", "600000");
            });
        }
        String hash = storedHash("ada@example.org");
        assertThat(hash).startsWith("pbkdf2-sha256$20000$");
        assertThat(PasswordHasher.withIterations(600_000).matches("correct horse battery".toCharArray(), hash))
                .as("checked with the count stored in the hash, whatever the hasher's own")
                .isTrue();
    }

    @Test
    void theDefaultIsOwaspsCountWithoutAWarning() {
        try (LogCapture log = LogCapture.of(UsersServiceApplication.class.getName())) {
            ServiceHost host = start();
            host.stop();
            assertThat(log.events()).noneMatch(event -> event.getLevel() == Level.WARN);
        }
        assertThat(UsersServiceApplication.schema().keys())
                .filteredOn(key -> key.name().equals("password.pbkdf2-iterations"))
                .singleElement()
                .satisfies(key -> assertThat(key.defaultValue()).isEqualTo(java.util.Optional.of(600_000)));
    }

    @Test
    void aCountBelowTenThousandIsAConfigurationErrorNamingTheKey() {
        Assertions.assertThatThrownBy(() -> start("password.pbkdf2-iterations=5000"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("password.pbkdf2-iterations")
                .hasMessageContaining("5000");
    }
}
