package jp.nmi.enclave.audit;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.sql.DataSource;
import jp.nmi.enclave.error.EnclaveStorageException;

/**
 * Anchors in PostgreSQL ({@code audit_anchor.anchor}, created by the database's administrator; see
 * {@link jp.nmi.enclave.db.EnclaveDatabase#anchorSchema()}): the role a log's writer connects as may
 * insert and select anchors, and a trigger refuses every update and delete. One connection is kept
 * open and reused; appends to one log are serialised by their writer already.
 */
public final class JdbcAuditAnchor implements AuditAnchor {
    public static final String INSERT = "INSERT INTO audit_anchor.anchor (log, seq, hash) VALUES (?, ?, ?)";

    private final DataSource dataSource;
    private final String where;
    private Connection connection;

    public JdbcAuditAnchor(DataSource dataSource, String where) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
        this.where = requireNonNull(where, "where is null");
    }

    @Override
    public synchronized void anchor(String log, long seq, String hash) {
        try {
            insert(connection(), log, seq, hash);
        } catch (SQLException first) {
            // a connection the server closed meanwhile: once more, on a new one
            close();
            try {
                insert(connection(), log, seq, hash);
            } catch (SQLException e) {
                throw new EnclaveStorageException("cannot anchor event " + seq + " of the audit log " + log + " in " + where + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** Adds an anchor within the caller's transaction on {@code c}. */
    static void insert(Connection c, String log, long seq, String hash) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(INSERT)) {
            s.setString(1, log);
            s.setLong(2, seq);
            s.setString(3, hash);
            s.executeUpdate();
        }
    }

    @Override
    public SortedMap<Long, String> anchors(String log) {
        try (Connection c = dataSource.getConnection()) {
            return read(c, log);
        } catch (SQLException e) {
            throw new EnclaveStorageException("cannot read the audit anchors in " + where + ": " + e.getMessage(), e);
        }
    }

    /** The names of the logs anchored here, sorted. */
    public static java.util.List<String> logs(Connection c) throws SQLException {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT log FROM audit_anchor.anchor ORDER BY log");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    public static SortedMap<Long, String> read(Connection c, String log) throws SQLException {
        SortedMap<Long, String> out = new TreeMap<>();
        // ?::text: an exact text = text comparison, which no operator planted in a writable schema can shadow
        try (PreparedStatement s = c.prepareStatement("SELECT seq, hash FROM audit_anchor.anchor WHERE log OPERATOR(pg_catalog.=) ?::text"
                + " ORDER BY seq")) {
            s.setString(1, log);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    @Override
    public String describe() {
        return where;
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void close() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // it is being replaced
        }
        connection = null;
    }
}
