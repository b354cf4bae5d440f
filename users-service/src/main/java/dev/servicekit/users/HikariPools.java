package dev.servicekit.users;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.util.Objects;

/** Starts the stores' HikariCP pools. */
final class HikariPools {

    private HikariPools() {}

    /**
     * Starts {@code pool}, configured through its own setters, as {@code new HikariDataSource(config)} would start
     * it: the first connection is opened now, and a failure is thrown now.
     *
     * <p>The stores configure the pool itself (HikariCP's no-argument constructor) rather than a separate
     * {@link HikariConfig}: HikariCP copies a separate configuration into the pool field by field with reflection,
     * for which the JVM generates method-handle classes at run time on every start, even with an AOT cache
     * (docs/performance.md, "Classes generated at run time").
     *
     * @param pool a pool not started yet, fully configured
     * @return {@code pool}, started
     * @throws SQLException the first connection failed; {@code pool} is closed
     * @throws com.zaxxer.hikari.pool.HikariPool.PoolInitializationException the pool could not start for another
     *     reason; {@code pool} is closed
     */
    static HikariDataSource start(HikariDataSource pool) throws SQLException {
        Objects.requireNonNull(pool, "pool");
        try {
            pool.getConnection().close();
            return pool;
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw e;
        }
    }
}
