package jp.nmi.egress.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import javax.sql.DataSource;
import jp.nmi.enclave.audit.AuditEvent;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.audit.AuditVerification;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The egress service's audit trail: hash-chained events in PostgreSQL, each written on the
 * connection of the transaction that makes the change it records, so both commit or neither does.
 */
public final class EgressAudit {
    private final DataSource dataSource;
    private final JdbcAuditLog log;

    public EgressAudit(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.log = new JdbcAuditLog(dataSource, clock);
    }

    /**
     * Records an event in the current transaction.
     *
     * @throws IllegalStateException if there is no transaction: an event must commit with its change
     */
    public AuditEvent record(String actor, String project, jp.nmi.egress.request.AuditAction action, String outcome,
            jp.nmi.egress.request.AuditDetails typed) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("audit event " + action.label() + " outside a transaction");
        }
        action.check(typed);
        Map<String, Object> details = typed.toMap();
        Connection c = DataSourceUtils.getConnection(dataSource);
        try {
            return log.append(c, new AuditRecord(actor, project, action.label(), outcome, details));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record audit event " + action + ": " + e.getMessage(), e);
        } finally {
            DataSourceUtils.releaseConnection(c, dataSource);
        }
    }

    public AuditVerification verify() {
        return log.verify();
    }
}
