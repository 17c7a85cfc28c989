package jp.nmi.enclave.testing;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.audit.AuditAnchor;

/** Anchors in memory, beside the PostgreSQL ones, for unit tests of what anchors catch. Append-only, like the real ones. */
public final class InMemoryAuditAnchor implements AuditAnchor {
    private final Map<String, SortedMap<Long, String>> anchors = new ConcurrentHashMap<>();

    @Override
    public synchronized void anchor(String log, long seq, String hash) {
        SortedMap<Long, String> m = anchors.computeIfAbsent(log, l -> new TreeMap<>());
        if (m.containsKey(seq)) {
            throw new IllegalStateException("event " + seq + " of " + log + " is anchored already");
        }
        m.put(seq, hash);
    }

    @Override
    public synchronized SortedMap<Long, String> anchors(String log) {
        return new TreeMap<>(anchors.getOrDefault(log, new TreeMap<>()));
    }

    @Override
    public String describe() {
        return "memory";
    }
}
