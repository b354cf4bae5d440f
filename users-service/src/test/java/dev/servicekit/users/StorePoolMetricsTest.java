package dev.servicekit.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's pool meters on a real SQLite file: HikariCP's and the usage ratio the alert uses. */
class StorePoolMetricsTest {

    @TempDir
    Path dir;

    @Test
    void usageRatioFollowsBorrowedConnectionsAndTheMetersGoAwayWhenTheStoreCloses() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        UserStore store = UserStores.open(
                new StoreConfig("jdbc:sqlite:" + dir.resolve("users.db"), 4, Duration.ofSeconds(2)),
                Clock.systemUTC(),
                registry);
        try {
            assertThat(usageRatio(registry)).isZero();
            assertThat(registry.get("hikaricp.connections.max")
                            .tag("pool", "users-store")
                            .gauge()
                            .value())
                    .isEqualTo(4.0);

            List<Connection> borrowed = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    borrowed.add(((SqliteUserStore) store).dataSource().getConnection());
                }
                assertThat(usageRatio(registry)).isEqualTo(0.75);
            } finally {
                for (Connection connection : borrowed) {
                    connection.close();
                }
            }
            assertThat(usageRatio(registry)).isZero();
        } finally {
            store.close();
        }
        assertThat(registry.find(SqliteUserStore.USAGE_RATIO).gauges()).isEmpty();
        assertThat(registry.find("hikaricp.connections.active").gauges()).isEmpty();
    }

    @Test
    void theInMemoryStoreHasNoPoolAndRegistersNoMeters() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (UserStore store = UserStores.open(StoreConfig.create("memory:"), Clock.systemUTC(), registry)) {
            assertThat(store.describe()).startsWith("memory");
            assertThat(registry.getMeters()).isEmpty();
        }
    }

    private static double usageRatio(MeterRegistry registry) {
        return registry.get(SqliteUserStore.USAGE_RATIO)
                .tag("pool", "users-store")
                .gauge()
                .value();
    }
}
