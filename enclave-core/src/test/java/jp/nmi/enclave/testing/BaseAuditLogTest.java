package jp.nmi.enclave.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import jp.nmi.enclave.audit.AuditEvent;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.audit.AuditVerification;
import org.junit.jupiter.api.Test;

/**
 * What every {@link AuditLog} must do, whatever it is stored in (Iceberg's {@code CatalogTests}
 * style): run against the file log in the enclave's unit tests and against the egress service's
 * PostgreSQL chain in its integration tests.
 */
public abstract class BaseAuditLogTest {
    /** A new, empty log. */
    protected abstract AuditLog newLog() throws Exception;

    /** Changes the actor of event {@code seq} behind the log's back (as someone with access to its storage would). */
    protected abstract void alter(AuditLog log, long seq) throws Exception;

    /** Removes the last {@code n} events behind the log's back, with whatever bookkeeping the storage has. */
    protected abstract void cutOffTheEnd(AuditLog log, int n) throws Exception;

    protected static AuditRecord record(int i) {
        return new AuditRecord("alice", "DEMO-1", "sql.statement", "allowed", Map.of("statement", "SELECT " + i, "rows", i));
    }

    protected AuditLog logWith(int events) throws Exception {
        AuditLog log = newLog();
        for (int i = 1; i <= events; i++) {
            log.append(record(i));
        }
        return log;
    }

    @Test
    void appendsAreNumberedFromOneAndChained() throws Exception {
        AuditLog log = newLog();
        AuditEvent first = log.append(record(1));
        AuditEvent second = log.append(record(2));
        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.previousHash()).isEqualTo(AuditEvent.GENESIS);
        assertThat(second.seq()).isEqualTo(2);
        assertThat(second.previousHash()).isEqualTo(first.hash());
        assertThat(second.hash()).matches("[0-9a-f]{64}").isNotEqualTo(first.hash());
    }

    @Test
    void anIntactLogVerifiesWithItsHead() throws Exception {
        AuditLog log = logWith(4);
        AuditVerification v = log.verify();
        assertThat(v.intact()).as(v.reason()).isTrue();
        assertThat(v.events()).isEqualTo(4);
        assertThat(v.headHash()).matches("[0-9a-f]{64}");
    }

    @Test
    void anAlteredEventIsFoundWhereItIs() throws Exception {
        AuditLog log = logWith(5);
        alter(log, 3);
        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.brokenAtSeq()).isEqualTo(3);
        assertThat(v.events()).isEqualTo(2);
        assertThat(v.reason()).startsWith("event 3 was altered after it was written");
    }

    /** Issue 10: a chain cut short is still a valid chain; only an anchor its writer cannot rewrite tells. */
    @Test
    void eventsCutOffTheEndAreFound() throws Exception {
        AuditLog log = logWith(5);
        cutOffTheEnd(log, 2);
        AuditVerification v = log.verify();
        assertThat(v.intact()).isFalse();
        assertThat(v.reason()).contains("event 5 was anchored in").contains("(events were cut off its end)");
    }
}
