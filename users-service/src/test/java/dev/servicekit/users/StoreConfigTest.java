package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
    }

    @Test
    void anUnsupportedUrlIsRejectedWithTheSupportedForms() {
        assertThatThrownBy(() -> StoreConfig.create("mysql://db/users"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'mysql://db/users'")
                .hasMessageContaining("jdbc:sqlite:<path>")
                .hasMessageContaining("memory:");
    }

    @Test
    void nearMissesGetADidYouMean() {
        assertThatThrownBy(() -> StoreConfig.create("sqlite:/var/lib/users.db"))
                .hasMessageContaining("did you mean 'jdbc:sqlite:/var/lib/users.db'?");
        assertThatThrownBy(() -> StoreConfig.create("memory")).hasMessageContaining("did you mean 'memory:'?");
        assertThatThrownBy(() -> StoreConfig.create("jdbc:postgresql://db/users"))
                .hasMessageContaining("PostgreSQL is not supported yet");
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
        assertThatThrownBy(() -> new StoreConfig("nope", 0, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nope'")
                .hasMessageContaining("pool size '0'")
                .hasMessageContaining("timeout 'PT0S'");
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
