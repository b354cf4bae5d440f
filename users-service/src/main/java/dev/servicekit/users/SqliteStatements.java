package dev.servicekit.users;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQLite connection and the statements prepared on it, kept for the connection's life: preparing a statement
 * again on every call (sqlite-jdbc's Java objects and {@code sqlite3_prepare_v2}) cost more CPU than SQLite's own
 * work for a read by id or an insert. The store's read connections ({@link SqliteReaders}) and its group-commit
 * writer ({@link SqliteGroupCommit}) each hold some. Used by one thread at a time.
 */
final class SqliteStatements {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteStatements.class);

    private final Connection connection;
    private final String description;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    /**
     * @param connection the connection, closed by {@link #close()}
     * @param description what the connection is, for messages ("a SQLite read connection")
     */
    SqliteStatements(Connection connection, String description) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * The statement for {@code sql}, prepared on first use and kept until {@link #forget()} or {@link #close()}. The
     * caller binds its parameters again on every use, closes its result sets and must not close the statement.
     */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement statement = prepared.get(sql);
        if (statement == null) {
            statement = connection.prepareStatement(sql);
            prepared.put(sql, statement);
        }
        return statement;
    }

    /** Runs {@code sql}, a statement without parameters, through its kept statement. */
    void execute(String sql) throws SQLException {
        prepare(sql).execute();
    }

    /** Closes and forgets the kept statements, so one a failed call left mid-step is prepared afresh. */
    void forget() {
        for (PreparedStatement statement : prepared.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                LOG.debug("Could not close a statement of {}: {}", description, e.getMessage());
            }
        }
        prepared.clear();
    }

    /** Whether the connection is closed (or cannot tell). */
    boolean isClosed() {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** Forgets the statements and closes the connection; a failure is logged, not thrown. */
    void close() {
        forget();
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("Could not close {}: {}", description, e.getMessage());
        }
    }
}
