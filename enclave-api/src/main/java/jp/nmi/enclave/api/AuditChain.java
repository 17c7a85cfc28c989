package jp.nmi.enclave.api;

import java.util.Optional;
import jp.nmi.enclave.db.EnclaveDatabase;

/**
 * A hash-chained audit trail that another component keeps in the enclave's PostgreSQL, verified by
 * {@code ./enclave audit verify} without knowing its schema. The egress service provides one
 * (found with {@link java.util.ServiceLoader}). Every trail anchors its events in
 * {@code audit_anchor.anchor} under its own name, so a command can tell from the anchors alone
 * which trails exist: one that has anchors and no verifier on the class path is reported and fails.
 */
public interface AuditChain {
    /** What the trail is called in reports, e.g. {@code egress audit}. */
    String name();

    /** The name its events are anchored under in {@code audit_anchor.anchor}. */
    String anchor();

    /** The trail's state, or empty if its owner has not created it yet (the service has never run). */
    Optional<Report> verify(EnclaveDatabase database);

    /**
     * @param intact whether every link holds
     * @param events entries read (up to the first broken one)
     * @param headHash the hash of the last intact entry
     * @param brokenAtSeq the sequence number at which the chain breaks, or null
     * @param brokenAtPosition the position (1-based) at which it breaks, or null
     * @param reason why it breaks, or null
     */
    record Report(boolean intact, long events, String headHash, Long brokenAtSeq, Integer brokenAtPosition, String reason) {}
}
