package dev.servicekit.users;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code restore --from FILE} into a PostgreSQL store ({@link RestoreCommand} checks the listener and verifies the
 * backup first). In order: takes the schema's {@link PostgresStoreLock} exclusively without waiting, and refuses when
 * it cannot (every open store, a running {@code pg_dump} backup and another restore hold it, from any host); refuses
 * too while sessions with {@code application_name} {@value #SERVICE_APPLICATION_NAME} are connected to the database
 * (an instance of a release without the lock, or one that lost its lock connection and has not taken it again);
 * moves every table of the role's current schema into a new schema {@code before_restore_<UTC time>} in one
 * transaction; restores ({@code pg_restore --no-owner --no-acl --single-transaction --exit-on-error}, or the JSON
 * Lines import into a freshly migrated schema); if that fails, drops what it created and moves the tables back. The
 * lock is held on one connection from before the move until the restore or the move back has ended, so no store
 * opens (and migrates an empty schema) halfway through.
 */
final class PostgresRestore {

    /** The {@code application_name} the store's connections carry ({@link PostgresUserStore}). */
    static final String SERVICE_APPLICATION_NAME = PostgresUserStore.APPLICATION_NAME;
    /** The prefix of the schema the replaced tables move to: {@code before_restore_20261204t050102z}. */
    static final String ASIDE_PREFIX = "before_restore_";

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** Why the restore did not start: the service runs, or a backup or another restore does. Nothing was changed. */
    static final class RunningException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** Whether an instance of the service holds the store (else a backup, another restore or a session by hand). */
        private final boolean instance;

        RunningException(String message, boolean instance) {
            super(message);
            this.instance = instance;
        }

        boolean instance() {
            return instance;
        }
    }

    /** What a restore did: the schema the replaced tables moved to (empty when there were none), and which. */
    record Result(Optional<String> asideSchema, List<String> movedTables) {}

    private final StoreConfig config;
    private final PostgresBackups.Target target;
    private final PGSimpleDataSource source;
    private final Clock clock;

    PostgresRestore(StoreConfig config, Optional<String> password, Clock clock) {
        this.config = config;
        this.target = PostgresBackups.Target.of(config, password);
        this.source = target.dataSource(config, PostgresBackups.TOOL_APPLICATION_NAME);
        this.clock = clock;
    }

    /**
     * Restores {@code payload} (verified, of {@code manifest}'s format) into the store.
     *
     * @throws RunningException if a store, a backup or another restore holds the lock, or an instance is connected
     *     (nothing changed)
     * @throws StoreException if connecting, moving aside or restoring fails (the tables are moved back)
     */
    Result restore(Path payload, BackupManifest manifest) {
        if (manifest.payload().equals(BackupManifest.PG_DUMP)
                && PostgresBackups.tool("pg_restore").isEmpty()) {
            throw new StoreException("pg_restore is not on PATH nor in /usr/lib/postgresql/*/bin; install Debian's"
                    + " postgresql-client to restore a pg_dump backup. Nothing was changed.");
        }
        return PostgresStoreLock.onOwnSession(
                source, this::prepareFailure, lock -> restoreHolding(lock, payload, manifest));
    }

    private StoreException prepareFailure(SQLException e) {
        return new StoreException(
                "Cannot prepare the restore in PostgreSQL database '" + target.database() + "': " + e.getMessage()
                        + "; check that PostgreSQL runs, that the role owns the tables and may create a schema"
                        + " (CREATE on the database). Nothing was changed.",
                e);
    }

    /** The restore, on {@code connection}, which holds the lock exclusively once this has taken it. */
    private Result restoreHolding(Connection connection, Path payload, BackupManifest manifest) {
        String schema;
        List<String> tables;
        String aside = ASIDE_PREFIX + STAMP.format(clock.instant()).toLowerCase(java.util.Locale.ROOT);
        try {
            PostgresStoreLock.Key key = PostgresStoreLock.key(connection);
            if (!PostgresStoreLock.tryExclusive(connection, key)) {
                throw held(connection, key);
            }
            running(connection).ifPresent(message -> {
                throw new RunningException(
                        message + " that does not hold the store's " + key.describe() + " (a release before the lock,"
                                + " or one that lost its lock connection and has not taken the lock again)",
                        true);
            });
            connection.setAutoCommit(false);
            schema = key.schema();
            tables = tables(connection, schema);
            if (!tables.isEmpty()) {
                aside = freeSchemaName(connection, aside);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SET LOCAL lock_timeout = '10s'");
                    statement.execute("CREATE SCHEMA " + PostgresBackups.quoteIdentifier(aside));
                    for (String table : tables) {
                        statement.execute("ALTER TABLE " + qualified(schema, table) + " SET SCHEMA "
                                + PostgresBackups.quoteIdentifier(aside));
                    }
                }
            }
            connection.commit();
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            throw prepareFailure(e);
        }
        try {
            if (manifest.payload().equals(BackupManifest.PG_DUMP)) {
                pgRestore(payload);
            } else {
                importExport(payload);
            }
        } catch (RuntimeException e) {
            try {
                moveBack(connection, schema, tables, aside);
            } catch (SQLException | RuntimeException back) {
                e.addSuppressed(back);
                throw new StoreException(
                        "The restore failed (" + e.getMessage() + "), and moving the replaced tables"
                                + " back from schema '" + aside + "' failed too (" + back.getMessage()
                                + "); move them back"
                                + " by hand (ALTER TABLE " + aside + ".<table> SET SCHEMA " + schema + ")",
                        e);
            }
            throw new StoreException(
                    e.getMessage() + "; the database is as it was (the replaced tables were moved" + " back)", e);
        }
        return new Result(tables.isEmpty() ? Optional.empty() : Optional.of(aside), tables);
    }

    /** Why the lock could not be taken: who holds it, and the sessions of the service connected. */
    private RunningException held(Connection connection, PostgresStoreLock.Key key) throws SQLException {
        List<PostgresStoreLock.Holder> holders = PostgresStoreLock.holders(connection, key);
        Optional<String> sessions = running(connection);
        boolean instance = sessions.isPresent()
                || holders.stream().anyMatch(holder -> holder.applicationName().equals(SERVICE_APPLICATION_NAME));
        String by = " is held by " + PostgresStoreLock.Holder.describe(holders, "another session");
        String what =
                instance ? "an instance of " + SERVICE_APPLICATION_NAME + " holds the store" : "the store is in use";
        return new RunningException(
                what + ": the " + key.describe() + " in PostgreSQL database '" + target.database() + "'" + by
                        + sessions.map(s -> "; " + s).orElse(""),
                instance);
    }

    /**
     * Why the database is in use by the service, or empty: sessions named {@value #SERVICE_APPLICATION_NAME}
     * connected to this database, from any host.
     */
    private Optional<String> running(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT count(*), string_agg(DISTINCT coalesce(host(client_addr), 'local socket'), ', ')"
                        + " FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND application_name = ? AND pid <> pg_backend_pid()")) {
            select.setString(1, SERVICE_APPLICATION_NAME);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                long sessions = rows.getLong(1);
                if (sessions == 0) {
                    return Optional.empty();
                }
                return Optional.of(sessions + " connection(s) of " + SERVICE_APPLICATION_NAME + " to PostgreSQL"
                        + " database '" + target.database() + "' are open (from " + rows.getString(2) + ", per"
                        + " pg_stat_activity): an instance runs");
            }
        }
    }

    /** The ordinary tables of {@code schema}, by name. */
    private static List<String> tables(Connection connection, String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename")) {
            select.setString(1, schema);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
        }
        return tables;
    }

    private static String freeSchemaName(Connection connection, String wanted) throws SQLException {
        String name = wanted;
        for (int n = 2; ; n++) {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
                select.setString(1, name);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        return name;
                    }
                }
            }
            name = wanted + "_" + n;
        }
    }

    private static String qualified(String schema, String table) {
        return PostgresBackups.quoteIdentifier(schema) + "." + PostgresBackups.quoteIdentifier(table);
    }

    private void pgRestore(Path payload) {
        Path pgRestore = PostgresBackups.tool("pg_restore").orElseThrow();
        List<String> command = new ArrayList<>(
                List.of(pgRestore.toString(), "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error"));
        command.addAll(target.arguments());
        command.addAll(List.of("--dbname=" + target.database(), payload.toString()));
        PostgresBackups.Ran ran = PostgresBackups.run(command, target, null);
        if (ran.exitCode() != 0) {
            throw new StoreException(pgRestore + " failed (exit " + ran.exitCode() + "): "
                    + ran.stderr().strip());
        }
    }

    private void importExport(Path payload) {
        // Without the lock: this restore holds it exclusively, on another session.
        try (UserStore store = PostgresUserStore.openForRestore(config, clock)) {
            DataTransfer.Import load = DataTransfer.Import.restoring(store, payload);
            load.check();
            load.run();
        } catch (ExportFileException e) {
            throw new StoreException("the import of '" + payload + "' failed: " + e.getMessage(), e);
        }
    }

    /**
     * Drops what a failed restore created in {@code schema} and moves the replaced tables back, in one transaction: on
     * the lock's connection, or on a new one when that one has ended (the lock with it: the move back matters more).
     */
    private void moveBack(Connection lock, String schema, List<String> tables, String aside) throws SQLException {
        if (lock.isValid(5)) {
            moveBackOn(lock, schema, tables, aside);
            return;
        }
        try (Connection connection = source.getConnection()) {
            moveBackOn(connection, schema, tables, aside);
        }
    }

    private static void moveBackOn(Connection connection, String schema, List<String> tables, String aside)
            throws SQLException {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            for (String created : tables(connection, schema)) {
                statement.execute("DROP TABLE " + qualified(schema, created) + " CASCADE");
            }
            for (String table : tables) {
                statement.execute("ALTER TABLE " + qualified(aside, table) + " SET SCHEMA "
                        + PostgresBackups.quoteIdentifier(schema));
            }
            if (!tables.isEmpty()) {
                statement.execute("DROP SCHEMA " + PostgresBackups.quoteIdentifier(aside));
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }
}
