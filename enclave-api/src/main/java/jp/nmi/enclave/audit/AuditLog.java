package jp.nmi.enclave.audit;

/**
 * An append-only, hash-chained log of everything the enclave does on behalf of someone. Appends
 * are durable when they return; an append that cannot be written throws, and the action it records
 * must not proceed (or must be reported as failed).
 */
public interface AuditLog {
    /** Appends {@code record} as the next event and returns it with its sequence number and hashes. */
    AuditEvent append(AuditRecord record);

    /** Walks the whole chain and reports the first broken link, if any. */
    AuditVerification verify();
}
