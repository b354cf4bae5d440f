package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicekit.testing.PostgresServer;
import dev.servicekit.testing.TestResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13, test 5: 10,000 users exported from a SQLite store and imported into another store. Counts and a content
 * checksum (every field, password hashes, timestamps and versions included) match; a user migrated with a password
 * logs in with it through the HTTP API of users-service running on the imported store; a second import changes
 * nothing; users created afterwards get greater ids.
 *
 * <p>Each target store is one entry of {@link #targets()}: adding a store (PostgreSQL) is adding an entry that opens
 * an empty store of that kind and says how users-service runs on it.
 */
class DataMigrationIT {

    static final int USERS = 10_000;
    static final String PASSWORD = "correct horse battery staple";

    /** A store to move the users into. */
    interface Target {
        /** Opens an empty store of this kind; {@code dir} is the test's own directory. */
        UserStore open(Path dir);

        /**
         * The {@code key=value} overrides that run users-service on the store {@link #open} opened in {@code dir}
         * (after it is closed), or empty when no other process can see it (memory).
         */
        Optional<List<String>> serviceOverrides(Path dir);
    }

    static final Target MEMORY = new Target() {
        @Override
        public UserStore open(Path dir) {
            return UserStores.open(StoreConfig.create("memory:"), Clock.systemUTC());
        }

        @Override
        public Optional<List<String>> serviceOverrides(Path dir) {
            return Optional.empty();
        }
    };

    static final Target SQLITE = new Target() {
        @Override
        public UserStore open(Path dir) {
            return UserStores.open(StoreConfig.create(url(dir)), Clock.systemUTC());
        }

        @Override
        public Optional<List<String>> serviceOverrides(Path dir) {
            return Optional.of(List.of("store.url=" + url(dir)));
        }

        private String url(Path dir) {
            return "jdbc:sqlite:" + dir.resolve("target").resolve("users.db");
        }
    };

    /** The PostgreSQL server of the PostgreSQL target, launched when that case runs; a database per case. */
    @AutoClose
    static PostgresServer postgres;

    static final Target POSTGRESQL = new Target() {
        private String url;
        private Path passwordFile;

        @Override
        public UserStore open(Path dir) {
            if (postgres == null) {
                postgres = TestPostgres.launchOrSkip(DataMigrationIT.class);
            }
            url = TestPostgres.freshDatabase(postgres);
            passwordFile = TestPostgres.passwordFile(postgres, dir);
            return UserStores.open(
                    TestPostgres.config(postgres, url, passwordFile, Duration.ofSeconds(10)), Clock.systemUTC());
        }

        @Override
        public Optional<List<String>> serviceOverrides(Path dir) {
            return Optional.of(List.of(
                    "store.url=" + url,
                    "store.username=" + postgres.username(),
                    "store.password-file=" + passwordFile));
        }
    };

    /** The stores users move into: the move the issue is about is SQLite to PostgreSQL. */
    static Stream<Named<Target>> targets() {
        return Stream.of(Named.of("memory", MEMORY), Named.of("sqlite", SQLITE), Named.of("postgresql", POSTGRESQL));
    }

    @TempDir
    static Path sourceDir;

    static Path exportFile;
    static String sourceChecksum;
    static long adaId;
    static long maxId;

    /**
     * The source: Ada created through the API of users-service on SQLite (so her hash is the one the service wrote),
     * then 9,999 more users with varied names, roles, versions, timestamps and hashes written into the same file.
     */
    @BeforeAll
    static void exportTenThousandUsersFromSqlite() throws SQLException {
        try (RunningUsersService source = RunningUsersService.start(sourceDir)) {
            TestResponse created = source.api.post(
                    "/api/v1/users",
                    "{\"name\":\"Ada\",\"email\":\"Ada@Example.org\",\"roles\":[\"admin\"],\"password\":\"" + PASSWORD
                            + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            adaId = created.json().path("id").asLong();
        }
        try (SqliteUserStore store =
                SqliteUserStore.open(sourceDir.resolve("users.db"), 2, Duration.ofSeconds(10), Clock.systemUTC())) {
            // One transaction for the 9,999 rows (10,000 single-user imports would be 10,000 fsyncs); the rows
            // are what importUser writes (SqliteUserStoreTest and the contract tests cover importUser itself).
            try (Connection connection = store.dataSource().getConnection();
                    PreparedStatement insert = connection.prepareStatement("INSERT INTO users (id, name, email,"
                            + " email_key, roles, password_hash, created_at, updated_at, version)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                connection.setAutoCommit(false);
                Instant base = Instant.parse("2024-05-06T07:08:09.123Z");
                for (int i = 1; i < USERS; i++) {
                    long created = base.plusMillis(i * 7919L).toEpochMilli();
                    String email = "user" + i + "@example.org";
                    insert.setLong(1, adaId + i * 3L); // gaps, as deletes leave them
                    insert.setString(2, "User " + i + (i % 10 == 0 ? " Zoë 山田" : ""));
                    insert.setString(3, email);
                    insert.setString(4, email);
                    insert.setString(5, i % 5 == 0 ? "" : "reader " + (i % 2 == 0 ? "writer" : "admin"));
                    insert.setString(6, i % 7 == 0 ? null : DataTransferTest.storedHash(i));
                    insert.setLong(7, created);
                    insert.setLong(8, created + (i % 13) * 1000L);
                    insert.setLong(9, 1 + i % 4);
                    insert.addBatch();
                }
                insert.executeBatch();
                connection.commit();
                connection.setAutoCommit(true);
            }
            maxId = adaId + (USERS - 1) * 3L;
            sourceChecksum = checksum(store);
            exportFile = sourceDir.resolve("users.jsonl");
            assertThat(DataTransfer.exportToFile(store, exportFile, Instant.now()))
                    .isEqualTo(USERS);
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void tenThousandUsersMoveWithTheirPasswordsAndASecondImportChangesNothing(Target target, @TempDir Path dir) {
        try (UserStore store = target.open(dir)) {
            DataTransfer.Import first = new DataTransfer.Import(store, exportFile);
            assertThat(first.check()).isEqualTo(USERS);
            assertThat(first.run()).isEqualTo(new DataTransfer.Counts(USERS, 0, 0));
            assertThat(checksum(store)).as("count and content").isEqualTo(sourceChecksum);

            DataTransfer.Import second = new DataTransfer.Import(store, exportFile);
            second.check();
            assertThat(second.run()).isEqualTo(new DataTransfer.Counts(0, 0, USERS));
            assertThat(checksum(store)).isEqualTo(sourceChecksum);

            if (target.serviceOverrides(dir).isEmpty()) {
                // No service can run on this store from outside: check the password as the token route does.
                UserCredentials ada = store.credentials("ada@example.org").orElseThrow();
                assertThat(PasswordHasher.withIterations(1000).matches(PASSWORD.toCharArray(), ada.passwordHash()))
                        .isTrue();
            }
            assertThat(store.create(UserDraft.withoutPassword("Newcomer", "new@example.org", List.of("reader")))
                            .id())
                    .isGreaterThan(maxId);
        }
        target.serviceOverrides(dir).ifPresent(overrides -> adaLogsInWithHerOldPassword(dir, overrides));
    }

    private static void adaLogsInWithHerOldPassword(Path dir, List<String> storeOverrides) {
        List<String> overrides = new ArrayList<>(List.of("auth.enabled=true"));
        overrides.addAll(storeOverrides);
        try (RunningUsersService service =
                RunningUsersService.start(dir.resolve("service"), overrides.toArray(String[]::new))) {
            TestResponse login = service.api.post(
                    "/api/v1/auth/token", "{\"email\":\"ada@example.org\",\"password\":\"" + PASSWORD + "\"}");
            assertThat(login.status()).as(login.body()).isEqualTo(200);
            String token = login.json().path("access_token").asText();

            TestResponse ada = service.api.get("/api/v1/users/" + adaId, "Authorization", "Bearer " + token);
            assertThat(ada.status()).as(ada.body()).isEqualTo(200);
            JsonNode body = ada.json();
            assertThat(body.path("email").asText()).isEqualTo("Ada@Example.org");
            assertThat(service.api
                            .post(
                                    "/api/v1/auth/token",
                                    "{\"email\":\"ada@example.org\",\"password\":\"wrong password\"}")
                            .status())
                    .isEqualTo(401);
        }
    }

    /** SHA-256 over every user in id order, every field included, and the count. */
    static String checksum(UserStore store) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        long count = store.exportAll(exported -> {
            User u = exported.user();
            String line = String.join(
                            "\u001f",
                            Long.toString(u.id()),
                            u.name(),
                            u.email(),
                            String.join(" ", u.roles()),
                            exported.passwordHash().orElse("\u0000"),
                            u.createdAt().toString(),
                            u.updatedAt().toString(),
                            Long.toString(u.version()))
                    + "\n";
            digest.update(line.getBytes(StandardCharsets.UTF_8));
        });
        return count + " users, sha256 " + HexFormat.of().formatHex(digest.digest());
    }
}
