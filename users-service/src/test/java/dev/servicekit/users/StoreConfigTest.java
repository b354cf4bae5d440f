package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreConfigTest {

    @TempDir
    Path dir;

    @Test
    void createUsesThePoolSizeAndTimeoutDefaults() {
        StoreConfig config = StoreConfig.create("memory:");

        assertThat(config.poolSize()).isEqualTo(4);
        assertThat(config.connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.username()).isEmpty();
        assertThat(config.passwordFile()).isEmpty();
    }

    @Test
    void anUnsupportedUrlIsRejectedWithTheSupportedForms() {
        assertThatThrownBy(() -> StoreConfig.create("mysql://db/users"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mysql://db/users'")
                .hasMessageContaining("jdbc:sqlite:<path>")
                .hasMessageContaining("jdbc:postgresql://host[:port]/database")
                .hasMessageContaining("memory:");
    }

    @Test
    void nearMissesGetADidYouMean() {
        assertThatThrownBy(() -> StoreConfig.create("sqlite:/var/lib/users.db"))
                .hasMessageContaining("did you mean 'jdbc:sqlite:/var/lib/users.db'?");
        assertThatThrownBy(() -> StoreConfig.create("memory")).hasMessageContaining("did you mean 'memory:'?");
        assertThatThrownBy(() -> StoreConfig.create("postgres://db:5432/users"))
                .hasMessageContaining("did you mean 'jdbc:postgresql://db:5432/users'?");
        assertThatThrownBy(() -> StoreConfig.create("postgresql://db/users?sslmode=require"))
                .hasMessageContaining("did you mean 'jdbc:postgresql://db/users?sslmode=require'?");
        assertThatThrownBy(() -> StoreConfig.create("jdbc:postgres://db/users"))
                .hasMessageContaining("did you mean 'jdbc:postgresql://db/users'?");
    }

    @Test
    void aNearMissWithCredentialsSuggestsTheUrlWithoutThemAndNeverRepeatsThePassword() {
        assertThatThrownBy(() -> StoreConfig.create("postgres://users:s3cret@db/users"))
                .hasMessageContaining("did you mean 'jdbc:postgresql://db/users'")
                .hasMessageContaining("store.username")
                .hasMessageContaining("store.password-file")
                .hasMessageContaining("'postgres://users:****@db/users'")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void postgresqlUrlsNameAHostAndADatabase() {
        StoreConfig config = StoreConfig.create("jdbc:postgresql://db.internal:5433/users?sslmode=require");

        assertThat(config.isPostgresql()).isTrue();
        assertThat(config.sqlitePath()).isEmpty();
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(5));
        for (String url : new String[] {"jdbc:postgresql:users", "jdbc:postgresql://db", "jdbc:postgresql://db/"}) {
            assertThatThrownBy(() -> StoreConfig.create(url))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + url + "'")
                    .hasMessageContaining("jdbc:postgresql://host[:port]/database");
        }
    }

    @Test
    void aPasswordInThePostgresqlUrlIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> StoreConfig.create("jdbc:postgresql://db/users?user=app&password=s3cret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'jdbc:postgresql://db/users?user=app&password=****'")
                .hasMessageContaining("'password' (set store.password-file)")
                .hasMessageContaining("'user' (set store.username)")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> StoreConfig.create("jdbc:postgresql://app:s3cret@db/users"))
                .hasMessageContaining("holds credentials")
                .hasMessageContaining("store.password-file")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void timeoutsTheStoreDerivesMayNotBeSetInTheUrl() {
        assertThatThrownBy(() -> StoreConfig.create("jdbc:postgresql://db/users?socketTimeout=0&connectTimeout=60"))
                .hasMessageContaining("'socketTimeout' (set store.timeout)")
                .hasMessageContaining("'connectTimeout' (set store.timeout)");
    }

    @Test
    void credentialsApplyOnlyToPostgresql() {
        Path file = dir.resolve("db-password");

        assertThatThrownBy(() -> StoreConfig.create("jdbc:sqlite:users.db").withCredentials("app", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store.username applies only to PostgreSQL")
                .hasMessageContaining("store.password-file applies only to PostgreSQL")
                .hasMessageContaining("'jdbc:sqlite:users.db'");
        assertThat(StoreConfig.create("jdbc:postgresql://db/users")
                        .withCredentials("app", file)
                        .username())
                .contains("app");
    }

    @Test
    void aPostgresqlUrlWithoutARoleCannotBeOpened() {
        StoreConfig config = StoreConfig.create("jdbc:postgresql://db/users");

        assertThat(config.missingRole())
                .map(StoreConfig.Problem::message)
                .hasValueSatisfying(message -> assertThat(message).contains("set store.username"));
        assertThatThrownBy(() -> UserStores.open(config, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store.username");
    }

    @Test
    void redactMasksPasswordsOnly() {
        assertThat(StoreConfig.redact("jdbc:postgresql://db/users?sslmode=require&PASSWORD=x&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/users?sslmode=require&PASSWORD=****&ssl=true");
        assertThat(StoreConfig.redact("postgres://u:p@db/users")).isEqualTo("postgres://u:****@db/users");
        assertThat(StoreConfig.redact("postgres://u@db/users")).isEqualTo("postgres://u@db/users");
        assertThat(StoreConfig.redact("jdbc:sqlite:/var/lib/a@b/users.db"))
                .isEqualTo("jdbc:sqlite:/var/lib/a@b/users.db");
    }

    @Test
    void sqliteUrlsMustNameAPlainFile() {
        for (String url : new String[] {
            "jdbc:sqlite:",
            "jdbc:sqlite::memory:",
            "jdbc:sqlite:users.db?journal_mode=DELETE",
            "jdbc:sqlite:file:users.db"
        }) {
            assertThatThrownBy(() -> StoreConfig.create(url))
                    .as(url)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + url + "'");
        }
    }

    @Test
    void everyInvalidFieldIsReportedAtOnce() {
        assertThatThrownBy(() -> new StoreConfig(
                        "nope", 0, Duration.ZERO, Duration.ofSeconds(-1), Optional.of("app"), Optional.empty(), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nope'")
                .hasMessageContaining("pool size '0'")
                .hasMessageContaining("connection timeout 'PT0S'")
                .hasMessageContaining("store timeout 'PT-1S'")
                .hasMessageContaining("store cache entries '-1' must be 0 (off) to 1000000")
                .hasMessageContaining("store.username applies only to PostgreSQL");
    }

    @Test
    void theCacheSizeIsZeroToAMillionWithTenThousandByDefault() {
        StoreConfig config = StoreConfig.create("jdbc:sqlite:" + dir.resolve("users.db"));
        assertThat(config.cacheMaxEntries()).isEqualTo(10_000);
        assertThat(config.withCacheMaxEntries(0).cacheMaxEntries()).isZero();
        assertThat(config.withCacheMaxEntries(1_000_000).cacheMaxEntries()).isEqualTo(1_000_000);
        assertThatThrownBy(() -> config.withCacheMaxEntries(1_000_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("store cache entries '1000001' must be 0 (off) to 1000000 (default 10000)");
    }

    @Test
    void openReturnsTheInMemoryStoreForMemoryUrls() {
        try (UserStore store = UserStores.open(StoreConfig.create("memory:"), Clock.systemUTC())) {
            assertThat(store).isInstanceOf(InMemoryUserStore.class);
        }
    }

    @Test
    void openReturnsASqliteStoreOnTheNamedFile() {
        Path file = dir.resolve("nested").resolve("users.db");

        try (UserStore store = UserStores.open(StoreConfig.create("jdbc:sqlite:" + file), Clock.systemUTC())) {
            assertThat(store).isInstanceOf(SqliteUserStore.class);
            assertThat(store.describe()).isEqualTo("sqlite " + file.toAbsolutePath());
            store.ping(Duration.ofSeconds(2));
        }
        assertThat(file).isRegularFile();
    }
}
