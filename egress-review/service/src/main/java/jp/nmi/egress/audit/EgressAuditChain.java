package jp.nmi.egress.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import jp.nmi.enclave.api.AuditChain;
import jp.nmi.enclave.audit.AuditVerification;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.error.EnclaveStorageException;

/**
 * The egress service's audit chain as {@code ./enclave audit verify} sees it: the service's own
 * schema stays here, and the command learns only the result.
 */
public final class EgressAuditChain implements AuditChain {
    @Override
    public String name() {
        return "egress audit";
    }

    @Override
    public String anchor() {
        return JdbcAuditLog.ANCHOR_NAME;
    }

    @Override
    public Optional<Report> verify(EnclaveDatabase database) {
        if (!migrated(database)) {
            return Optional.empty();
        }
        AuditVerification v = new JdbcAuditLog(database.dataSource(), Clock.systemUTC()).verify();
        return Optional.of(new Report(v.intact(), v.events(), v.headHash(), v.brokenAtSeq(), v.brokenAtLine(), v.reason()));
    }

    /** Whether the service's migrations have created its audit table. */
    private static boolean migrated(EnclaveDatabase database) {
        try (Connection c = database.dataSource().getConnection();
                var rs = c.getMetaData().getTables(null, "public", "audit_event", null)) {
            return rs.next();
        } catch (SQLException e) {
            throw new EnclaveStorageException("cannot read the egress database at " + database.jdbcUrl() + ": " + e.getMessage(), e);
        }
    }
}
