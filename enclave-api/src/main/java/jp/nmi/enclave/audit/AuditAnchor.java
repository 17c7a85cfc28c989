package jp.nmi.enclave.audit;

import java.util.SortedMap;

/**
 * Where an audit log's head is anchored: somewhere its writer may add to but never change or take
 * away from. A hash chain alone detects an altered, removed or reordered event, but not events cut
 * off its end (what remains is still a valid chain); anchors do, and they catch a rewritten tail:
 * the anchor of an event says what that event's hash was when it was written.
 */
public interface AuditAnchor {
    /**
     * Records that event {@code seq} of {@code log} has {@code hash}.
     *
     * @throws jp.nmi.enclave.error.EnclaveStorageException if it cannot be recorded (the action it
     *     records must then not proceed)
     */
    void anchor(String log, long seq, String hash);

    /** Every anchor of {@code log}: event number to hash. */
    SortedMap<Long, String> anchors(String log);

    /** Where the anchors are, for messages. */
    String describe();

    /**
     * Why a chain of {@code events} events (hash of each by number) does not match its anchors, or
     * null if it does: an anchored event must be there with the anchored hash.
     */
    public static String mismatch(SortedMap<Long, String> anchors, java.util.function.LongFunction<String> hashOf, long events,
            String where) {
        if (!anchors.isEmpty() && anchors.lastKey() > events) {
            return "the log ends at event " + events + " but event " + anchors.lastKey() + " was anchored in " + where
                    + " (events were cut off its end)";
        }
        for (var a : anchors.entrySet()) {
            String hash = hashOf.apply(a.getKey());
            if (!a.getValue().equals(hash)) {
                return "event " + a.getKey() + " is not the event anchored in " + where + " (the log was rewritten from there)";
            }
        }
        return null;
    }
}
