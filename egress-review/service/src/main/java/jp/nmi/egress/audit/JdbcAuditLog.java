package jp.nmi.egress.audit;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import javax.sql.DataSource;
import jp.nmi.enclave.audit.AuditAnchor;
import jp.nmi.enclave.audit.AuditEvent;
import jp.nmi.enclave.audit.AuditHashing;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.audit.AuditVerification;
import jp.nmi.enclave.audit.ChainWalk;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.audit.JdbcAuditAnchor;
import jp.nmi.enclave.error.EnclaveStorageException;

/**
 * The audit chain in a relational database (the egress service's PostgreSQL), so that a state change
 * and the event recording it commit in one transaction. Events hash exactly as {@link FileAuditLog}'s
 * do; {@code details} is stored as canonical JSON text, never as {@code jsonb}, which would reorder
 * keys and renormalise numbers and so change what was hashed.
 *
 * <p>Expected schema (created by the egress service's migrations):
 * <pre>
 * audit_event(seq bigint primary key, at text, actor text, project text, action text, outcome text,
 *             details text, previous_hash text, hash text)
 * audit_head(id int primary key, seq bigint, hash text)      -- one row, id = 1: the end of the chain
 * </pre>
 * Appends lock the head row, so concurrent transactions chain one after the other; a transaction
 * that rolls back takes its event with it and leaves no gap. Each event is also anchored in
 * {@code audit_anchor.anchor}, in the same transaction (see {@link JdbcAuditAnchor}).
 */
public final class JdbcAuditLog implements AuditLog {
    /** The name this chain is anchored under in {@code audit_anchor.anchor}. */
    public static final String ANCHOR_NAME = "egress";

    private final DataSource dataSource;
    private final Clock clock;

    public JdbcAuditLog(DataSource dataSource, Clock clock) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Appends in a transaction of its own. */
    @Override
    public AuditEvent append(AuditRecord record) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                AuditEvent e = append(c, record);
                c.commit();
                return e;
            } catch (SQLException | RuntimeException ex) {
                c.rollback();
                throw ex;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new EnclaveStorageException("cannot append to the audit chain: " + e.getMessage(), e);
        }
    }

    /**
     * Appends within the caller's transaction on {@code c}: the event exists if and only if the
     * caller commits.
     */
    public AuditEvent append(Connection c, AuditRecord r) throws SQLException {
        requireNonNull(r, "record is null");
        long seq;
        String previous;
        try (PreparedStatement head = c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE");
                ResultSet rs = head.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the audit chain has no head row: the database was not migrated");
            }
            seq = rs.getLong(1) + 1;
            previous = rs.getString(2);
        }
        AuditEvent draft = new AuditEvent(seq, clock.instant().toString(), r.actor(), r.project(), r.action(), r.outcome(),
                r.details(), previous, null);
        AuditEvent event = new AuditEvent(seq, draft.at(), r.actor(), r.project(), r.action(), r.outcome(), r.details(), previous,
                AuditHashing.hash(draft));
        // One statement for the event, the head and the anchor: the head's row lock is held until the
        // commit, and every round trip under it is one more for each writer queued behind.
        try (PreparedStatement write = c.prepareStatement("WITH event AS (INSERT INTO audit_event (seq, at, actor, project, action,"
                + " outcome, details, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)),"
                + " head AS (UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1) "
                + JdbcAuditAnchor.INSERT)) {
            write.setLong(1, event.seq());
            write.setString(2, event.at());
            write.setString(3, event.actor());
            write.setString(4, event.project());
            write.setString(5, event.action());
            write.setString(6, event.outcome());
            write.setString(7, canonical(event.details()));
            write.setString(8, event.previousHash());
            write.setString(9, event.hash());
            write.setLong(10, event.seq());
            write.setString(11, event.hash());
            // in the same transaction, where the service's role can add but never change or remove
            write.setString(12, ANCHOR_NAME);
            write.setLong(13, event.seq());
            write.setString(14, event.hash());
            write.executeUpdate();
        }
        return event;
    }

    @Override
    public AuditVerification verify() {
        try (Connection c = dataSource.getConnection()) {
            return verify(c);
        } catch (SQLException e) {
            throw new EnclaveStorageException("cannot read the audit chain: " + e.getMessage(), e);
        }
    }

    /**
     * Walks the chain in sequence order; the "line" of a broken link is its position (1-based). The
     * head row and the events are read in one REPEATABLE READ snapshot, so an event appended
     * meanwhile is not mistaken for events removed from the end.
     */
    public static AuditVerification verify(Connection c) throws SQLException {
        ChainWalk walk = new ChainWalk();
        boolean auto = c.getAutoCommit();
        int isolation = c.getTransactionIsolation();
        if (!auto) {
            throw new IllegalStateException("the audit chain is verified in a snapshot of its own: pass a connection outside a transaction");
        }
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
            Long headSeq = null;
            String headHash = null;
            try (PreparedStatement head = c.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
                    ResultSet rs = head.executeQuery()) {
                if (rs.next()) {
                    headSeq = rs.getLong(1);
                    headHash = rs.getString(2);
                }
            }
            try (PreparedStatement q = c.prepareStatement("SELECT seq, at, actor, project, action, outcome, details, previous_hash, hash"
                    + " FROM audit_event ORDER BY seq")) {
                // PostgreSQL streams with a fetch size only inside a transaction.
                q.setFetchSize(1000);
                try (ResultSet rs = q.executeQuery()) {
                    java.util.Map<Long, String> hashes = new java.util.HashMap<>();
                    while (rs.next()) {
                        int position = (int) (walk.events() + 1);
                        long seq = rs.getLong(1);
                        AuditEvent e;
                        try {
                            e = new AuditEvent(seq, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                                    AuditHashing.readDetails(rs.getString(7)), rs.getString(8), rs.getString(9));
                        } catch (java.io.IOException | RuntimeException ex) {
                            return walk.broken(seq, position, "event " + seq + " has unreadable details: " + ex.getMessage());
                        }
                        AuditVerification broken = walk.step(e, position);
                        if (broken != null) {
                            return broken;
                        }
                        hashes.put(e.seq(), e.hash());
                    }
                    // the anchors, which the service's role can add to but never change: a chain cut
                    // short or rewritten together with its head row still does not match them
                    String mismatch = AuditAnchor.mismatch(JdbcAuditAnchor.read(c, ANCHOR_NAME), hashes::get, walk.events(),
                            "audit_anchor.anchor");
                    if (mismatch != null) {
                        return walk.broken(walk.events() + 1, (int) (walk.events() + 1), mismatch);
                    }
                }
            }
            if (headSeq == null) {
                return walk.broken(walk.events() + 1, (int) (walk.events() + 1), "the chain has no head row (audit_head was emptied):"
                        + " whether events were removed from the end cannot be told");
            }
            if (headSeq != walk.events() || !headHash.equals(walk.head())) {
                // Events cut off the end of the chain leave it intact up to there: the head row tells.
                return walk.broken(walk.events() + 1, (int) (walk.events() + 1), "the chain ends at event " + walk.events()
                        + " but its head records event " + headSeq + " (events were removed from the end)");
            }
            return walk.intact();
        } finally {
            c.commit();
            c.setTransactionIsolation(isolation);
            c.setAutoCommit(auto);
        }
    }

    static String canonical(Map<String, Object> details) {
        return AuditHashing.canonicalJson(details);
    }
}
