package dev.servicekit.users;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Migrates a store's schema with Flyway, refusing a schema that is newer than this build knows.
 *
 * <p>Flyway by default ignores applied migrations it has no script for when their version is above its newest
 * ("future" migrations) and would let this older build run on a schema it does not understand. So the applied
 * versions are compared with the newest local one before migrating, and again after (another instance may have
 * migrated meanwhile), and a newer schema throws {@link SchemaTooNewException}.
 *
 * <p>Several instances may migrate one PostgreSQL database at once: Flyway holds a PostgreSQL advisory lock while
 * it migrates, so each migration runs exactly once and the others wait, then find nothing to do.
 */
final class SchemaMigrations {

    private SchemaMigrations() {}

    /**
     * Migrates {@code dataSource} to the newest migration in {@code location}.
     *
     * @param database names the database in messages, for example {@code "SQLite database '/var/lib/users.db'"}
     * @return Flyway's result
     * @throws SchemaTooNewException if the database has a schema version newer than {@code location}'s newest
     * @throws org.flywaydb.core.api.FlywayException if Flyway fails
     */
    static MigrateResult migrate(DataSource dataSource, String location, String database) {
        Objects.requireNonNull(dataSource, "dataSource");
        Flyway flyway = Flyway.configure(SchemaMigrations.class.getClassLoader())
                .dataSource(dataSource)
                .locations(location)
                .failOnMissingLocations(true)
                .load();
        refuseNewer(flyway, database);
        MigrateResult result = flyway.migrate();
        refuseNewer(flyway, database);
        return result;
    }

    private static void refuseNewer(Flyway flyway, String database) {
        MigrationInfo[] all = flyway.info().all();
        Optional<MigrationVersion> newer = Arrays.stream(all)
                .filter(info -> info.getState() == MigrationState.FUTURE_SUCCESS
                        || info.getState() == MigrationState.FUTURE_FAILED)
                .map(MigrationInfo::getVersion)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder());
        if (newer.isEmpty()) {
            return;
        }
        String newestKnown = Arrays.stream(all)
                .filter(info -> info.getState().isResolved())
                .map(MigrationInfo::getVersion)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .map(MigrationVersion::getVersion)
                .orElse("none");
        throw new SchemaTooNewException(database, newer.get().getVersion(), newestKnown);
    }
}
