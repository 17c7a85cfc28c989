package jp.nmi.enclave.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import jp.nmi.enclave.audit.AuditEvent;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.audit.AuditVerification;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.audit.JdbcAuditAnchor;
import jp.nmi.enclave.db.EnclaveDatabase;

/**
 * A command's audit log, opened before the command changes anything: the enclave's log file with every event
 * anchored in PostgreSQL (embedded: the enclave's own; with {@code --target}: the database named by
 * {@code --audit-anchor-jdbc}), or, only when an operator asked for it by name, unanchored.
 * Closing it stops an embedded database this command started.
 */
final class AuditTrail implements AuditLog, AutoCloseable {
    private final Supplier<Opened> opener;
    private Opened opened;

    private record Opened(FileAuditLog log, EnclaveDatabase database) {}

    private AuditTrail(Supplier<Opened> opener) {
        this.opener = opener;
    }

    /** The log of the embedded enclave in {@code dir}, anchored in its PostgreSQL. */
    static AuditTrail embedded(Path dir, Path file) {
        return new AuditTrail(() -> {
            EnclaveDatabase db = EnclaveDatabase.embedded(dir);
            return new Opened(new FileAuditLog(file, Clock.systemUTC(), new JdbcAuditAnchor(db.auditAnchorDataSource(),
                    "the enclave's PostgreSQL (audit_anchor.anchor)")), db);
        });
    }

    /** A log anchored in a production PostgreSQL, as {@code user} (password from {@code $ENCLAVE_AUDIT_ANCHOR_PASSWORD}). */
    static AuditTrail anchored(Path file, String jdbcUrl, String user) {
        return new AuditTrail(() -> {
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(jdbcUrl);
            ds.setUser(user);
            String password = System.getenv("ENCLAVE_AUDIT_ANCHOR_PASSWORD");
            if (password != null) {
                ds.setPassword(password);
            }
            return new Opened(new FileAuditLog(file, Clock.systemUTC(), new JdbcAuditAnchor(ds, jdbcUrl + " (audit_anchor.anchor)")), null);
        });
    }

    /** A log without anchors: its end can be cut off undetected. Only when asked for by name. */
    static AuditTrail unanchored(Path file) {
        return new AuditTrail(() -> new Opened(new FileAuditLog(file), null));
    }

    /** Opens it now (a command that changes something must be able to audit it before it starts). */
    AuditTrail open() {
        log();
        return this;
    }

    /** For commands that change nothing (plan): any append is a bug, refused. */
    static AuditTrail readOnly(Path file) {
        return new AuditTrail(() -> {
            throw new IllegalStateException("this command changes nothing and writes nothing to the audit log " + file);
        });
    }

    private synchronized FileAuditLog log() {
        if (opened == null) {
            opened = opener.get();
        }
        return opened.log();
    }

    @Override
    public AuditEvent append(AuditRecord record) {
        return log().append(record);
    }

    @Override
    public AuditVerification verify() {
        return log().verify();
    }

    @Override
    public synchronized void close() {
        if (opened != null && opened.database() != null) {
            opened.database().close();
        }
        opened = null;
    }
}
