package jp.nmi.enclave.audit;

import java.util.Map;

/**
 * One entry of the audit log: a record, its place in the log and its link in the hash chain.
 * {@code hash} is SHA-256 over the canonical JSON of every other field, {@code previousHash} the hash
 * of the entry before (64 zeros for the first), so that changing, removing or reordering an entry
 * breaks every link after it.
 */
public record AuditEvent(long seq, String at, String actor, String project, String action, String outcome,
        Map<String, Object> details, String previousHash, String hash) {
    public static final String GENESIS = "0".repeat(64);
}
