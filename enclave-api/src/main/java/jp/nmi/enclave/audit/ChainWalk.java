package jp.nmi.enclave.audit;

/**
 * Walks a hash chain one event at a time, whatever it is stored in: each event must carry the next
 * sequence number, link to the hash of the one before and hash to what it says. The first event
 * that does not is the broken link.
 */
public final class ChainWalk {
    private String previous = AuditEvent.GENESIS;
    private long expectedSeq = 1;
    private long events;

    /** The verification that ends the walk at {@code e} (at {@code position}, 1-based), or null if {@code e} holds. */
    public AuditVerification step(AuditEvent e, int position) {
        if (e.seq() != expectedSeq) {
            return broken(expectedSeq, position, "expected event " + expectedSeq + " but found event " + e.seq()
                    + " (an event was removed or reordered)");
        }
        if (!previous.equals(e.previousHash())) {
            return broken(e.seq(), position, "event " + e.seq() + " does not link to the event before it (previousHash "
                    + e.previousHash() + ", expected " + previous + ")");
        }
        String recomputed = AuditHashing.hash(e);
        if (!recomputed.equals(e.hash())) {
            return broken(e.seq(), position, "event " + e.seq() + " was altered after it was written (its hash is " + e.hash()
                    + ", its content hashes to " + recomputed + ")");
        }
        previous = e.hash();
        expectedSeq++;
        events++;
        return null;
    }

    /** The walk ends at an entry that cannot even be read. */
    public AuditVerification unreadable(int position, String reason) {
        return broken(expectedSeq, position, reason);
    }

    public AuditVerification broken(long seq, int position, String reason) {
        return AuditVerification.broken(events, previous, seq, position, reason);
    }

    public AuditVerification intact() {
        return AuditVerification.ok(events, previous);
    }

    public long events() {
        return events;
    }

    public String head() {
        return previous;
    }
}
