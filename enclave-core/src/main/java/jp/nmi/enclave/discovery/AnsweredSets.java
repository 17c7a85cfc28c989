package jp.nmi.enclave.discovery;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Every count discovery has shown, to anyone: the set of participants it counted (their keys,
 * sorted) and what was shown. A new count whose set differs from an earlier one's by fewer than the
 * threshold is shown as that earlier one was ({@link #earlierWithin}), so two overlapping queries
 * that differ in 1 to threshold-1 people answer exactly as two queries that differ in none: their
 * difference says nothing below the threshold. Kept for all researchers together, so that two
 * accounts cannot split a differencing pair between them.
 *
 * <p>On HDFS: one file per query under {@code discovery/answered/} (written under the records' lock,
 * named by sequence), read once per process and then only what is new.
 */
final class AnsweredSets {
    /** One shown count. */
    record Shown(long seq, long[] keys, String shown) {}

    private static final Map<String, AnsweredSets> LOADED = new ConcurrentHashMap<>();

    private final EnclaveStorage storage;
    private final Path dir;
    /** size -> the shown counts of sets of that size, in the order they were shown. */
    private final TreeMap<Integer, List<Shown>> bySize = new TreeMap<>();
    private final java.util.Set<String> read = new java.util.HashSet<>();
    private long next;

    private AnsweredSets(EnclaveStorage storage, Path dir) {
        this.storage = storage;
        this.dir = dir;
    }

    /** The records of the enclave at {@code storage} (one instance per enclave in a process); null storage: in memory only. */
    static AnsweredSets of(EnclaveStorage storage) {
        if (storage == null) {
            return new AnsweredSets(null, null);
        }
        Path dir = new Path(storage.layout().discovery(), "answered");
        return LOADED.computeIfAbsent(storage.fileSystemUri() + "#" + dir, k -> new AnsweredSets(storage, dir));
    }

    /** Reads what other processes recorded since; call under the records' lock. */
    synchronized void refresh() {
        if (storage == null) {
            return;
        }
        try {
            if (!storage.fs().exists(dir)) {
                return;
            }
            FileStatus[] files = storage.fs().listStatus(dir, p -> p.getName().endsWith(".bin"));
            Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            for (FileStatus f : files) {
                String name = f.getPath().getName();
                if (read.contains(name)) {
                    continue;
                }
                try (DataInputStream in = new DataInputStream(storage.fs().open(f.getPath()))) {
                    int n = in.readInt();
                    for (int i = 0; i < n; i++) {
                        String shown = in.readUTF();
                        long[] keys = new long[in.readInt()];
                        for (int k = 0; k < keys.length; k++) {
                            keys[k] = in.readLong();
                        }
                        add(new Shown(next++, keys, shown));
                    }
                }
                read.add(name);
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the record of discovery answers in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void add(Shown s) {
        bySize.computeIfAbsent(s.keys().length, k -> new ArrayList<>()).add(s);
    }

    /**
     * The earliest shown count whose set differs from {@code keys} by fewer than {@code minCount}
     * participants (in either direction), if any.
     */
    synchronized Optional<Shown> earlierWithin(long[] keys, int minCount) {
        Shown best = null;
        for (List<Shown> same : bySize.subMap(keys.length - minCount, false, keys.length + minCount, false).values()) {
            for (Shown s : same) {
                if ((best == null || s.seq() < best.seq()) && differ(keys, s.keys(), minCount) < minCount) {
                    best = s;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** |a △ b| for sorted arrays, counting no further than {@code cap}. */
    static int differ(long[] a, long[] b, int cap) {
        int i = 0;
        int j = 0;
        int d = 0;
        while (i < a.length && j < b.length && d < cap) {
            if (a[i] == b[j]) {
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
                d++;
            } else {
                j++;
                d++;
            }
        }
        return d + (a.length - i) + (b.length - j);
    }

    /** Records what a query showed (for sets that no earlier count covered); call under the records' lock. */
    synchronized void record(List<long[]> sets, List<String> shown) {
        if (sets.isEmpty()) {
            return;
        }
        if (storage != null) {
            String name = String.format("%016d-%s.bin", System.currentTimeMillis(), java.util.UUID.randomUUID());
            Path file = new Path(dir, name);
            Path tmp = new Path(dir, "." + name + ".tmp");
            try {
                storage.fs().mkdirs(dir);
                try (DataOutputStream out = new DataOutputStream(storage.fs().create(tmp, false))) {
                    out.writeInt(sets.size());
                    for (int i = 0; i < sets.size(); i++) {
                        out.writeUTF(shown.get(i));
                        out.writeInt(sets.get(i).length);
                        for (long k : sets.get(i)) {
                            out.writeLong(k);
                        }
                    }
                }
                if (!storage.fs().rename(tmp, file)) {
                    throw new IOException("rename to " + file + " failed");
                }
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot record discovery answers in " + dir + ": " + e.getMessage(), e);
            }
            read.add(name);
        }
        for (int i = 0; i < sets.size(); i++) {
            add(new Shown(next++, sets.get(i), shown.get(i)));
        }
    }

    /** Forgets what this process read (tests that remove the records between cases). */
    static void forgetAll() {
        LOADED.clear();
    }

    synchronized int size() {
        return bySize.values().stream().mapToInt(List::size).sum();
    }
}
