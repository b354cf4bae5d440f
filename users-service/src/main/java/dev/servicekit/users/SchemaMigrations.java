package dev.servicekit.users;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
 * <p>{@link #currentVersion} tells, with one query, that a database is already exactly at this build's schema, so
 * that a start can skip Flyway (its scan of the class path, its validation and its few hundred classes) when Flyway
 * would change nothing.
 *
 * <p>Several instances may migrate one PostgreSQL database at once: Flyway holds a PostgreSQL advisory lock while
 * it migrates, so each migration runs exactly once and the others wait, then find nothing to do.
 */
final class SchemaMigrations {

    private SchemaMigrations() {}

    /** One migration script as Flyway records it once applied: its version and Flyway's checksum of it. */
    record Script(String version, int checksum) {
        Script {
            Objects.requireNonNull(version, "version");
        }
    }

    /**
     * The schema version of {@code dataSource} when its Flyway history ({@code flyway_schema_history}) holds exactly
     * {@code scripts}, each applied successfully with the same checksum and nothing else: then {@link #migrate} would
     * apply nothing, its validation would pass and there is nothing newer to refuse. Empty in every other case (no
     * history yet, a migration missing, failed, edited or newer than {@code scripts}, or the query fails), and the
     * caller runs {@link #migrate}, which decides as before.
     *
     * @param scripts every migration script of the location, oldest first, as Flyway resolves them (a test holds
     *     them equal)
     */
    static Optional<String> currentVersion(DataSource dataSource, List<Script> scripts) {
        Objects.requireNonNull(dataSource, "dataSource");
        if (scripts.isEmpty()) {
            return Optional.empty();
        }
        List<Script> applied = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT version, checksum, type, success FROM flyway_schema_history ORDER BY installed_rank")) {
            while (rows.next()) {
                String version = rows.getString(1);
                int checksum = rows.getInt(2);
                if (version == null || rows.wasNull() || !"SQL".equals(rows.getString(3)) || !rows.getBoolean(4)) {
                    return Optional.empty();
                }
                applied.add(new Script(version, checksum));
            }
        } catch (SQLException e) {
            return Optional.empty(); // most often: no history table yet, a new database
        }
        return sameScripts(applied, scripts) ? Optional.of(scripts.getLast().version()) : Optional.empty();
    }

    /**
     * Whether both lists hold the same scripts in the same order. Compared field by field, not with the record's
     * {@code equals}: a record's first {@code equals} links an {@code ObjectMethods} call site, for which the JVM
     * generates method-handle classes at run time, even with an AOT cache, and this runs on every start
     * (docs/performance.md, "Classes generated at run time").
     */
    static boolean sameScripts(List<Script> a, List<Script> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Script x = a.get(i);
            Script y = b.get(i);
            if (x.checksum() != y.checksum() || !x.version().equals(y.version())) {
                return false;
            }
        }
        return true;
    }

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
                // All pending migrations in one transaction, under one hold of Flyway's lock (PostgreSQL's advisory
                // lock). Without it Flyway takes the lock again for each migration, so instances starting together
                // could each apply some of them; a failure would leave the first ones applied. With it, one instance
                // upgrades the schema as a whole and the others wait, then find nothing to do (docs/fleet.md).
                .group(true)
                .load();
        if (hasHistory(dataSource)) {
            // A database without Flyway's history has nothing newer to refuse: the check before is skipped there
            // (Flyway's first scan and info, about 20 ms of a first start), the check after is not.
            refuseNewer(flyway, database);
        }
        MigrateResult result = flyway.migrate();
        refuseNewer(flyway, database);
        return result;
    }

    /**
     * Whether {@code dataSource} has a table named {@code flyway_schema_history} in any schema (where Flyway records
     * what it applied), or cannot tell: only a database that surely has none is answered {@code false}.
     */
    static boolean hasHistory(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            return hasHistory(connection);
        } catch (SQLException e) {
            return true; // the check runs, as before, and Flyway reports what is wrong with the database
        }
    }

    /** Whether {@code connection}'s database has a table named {@code flyway_schema_history} in any schema. */
    static boolean hasHistory(Connection connection) throws SQLException {
        DatabaseMetaData metadata = connection.getMetaData();
        try (ResultSet tables = metadata.getTables(null, null, "flyway_schema_history", null)) {
            return tables.next();
        }
    }

    /**
     * The newest version {@code flyway_schema_history} records as applied successfully, read with one query that
     * changes nothing; empty when it records none. For {@code doctor} ({@link StoreCheck}), which reads a database
     * without Flyway: Flyway would scan the class path and log.
     *
     * @throws SQLException if the table is missing or cannot be read
     */
    static Optional<MigrationVersion> newestApplied(Connection connection) throws SQLException {
        MigrationVersion newest = null;
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL")) {
            while (rows.next()) {
                MigrationVersion version = MigrationVersion.fromVersion(rows.getString(1));
                if (newest == null || version.compareTo(newest) > 0) {
                    newest = version;
                }
            }
        }
        return Optional.ofNullable(newest);
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
