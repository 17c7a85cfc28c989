package jp.nmi.enclave.audit;

/**
 * The result of walking an audit log's hash chain.
 *
 * @param intact whether every link holds
 * @param events entries read (up to the first broken one)
 * @param headHash the hash of the last intact entry (GENESIS for an empty log)
 * @param brokenAtSeq the sequence number at which the chain breaks, or null
 * @param brokenAtLine the line (1-based) at which it breaks, or null
 * @param reason why it breaks, or null
 */
public record AuditVerification(boolean intact, long events, String headHash, Long brokenAtSeq, Integer brokenAtLine,
        String reason) {
    static AuditVerification ok(long events, String head) {
        return new AuditVerification(true, events, head, null, null, null);
    }

    static AuditVerification broken(long events, String head, long seq, int line, String reason) {
        return new AuditVerification(false, events, head, seq, line, reason);
    }
}
