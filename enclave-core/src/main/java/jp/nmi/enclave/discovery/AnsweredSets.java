package jp.nmi.enclave.discovery;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * Every count discovery has shown, to anyone, under one policy: the set of participants it counted
 * and what was shown. A new count whose set differs from an earlier one's by fewer than the
 * threshold is shown as that earlier one was ({@link #earlierWithin}), so two overlapping queries
 * that differ in 1 to threshold-1 people answer exactly as two queries that differ in none. Kept
 * for all researchers together, so that two accounts cannot split a differencing pair.
 *
 * <p>A set is kept as the sorted upper 32 bits of its members' keys (keys are keyed hashes: two
 * people sharing 32 bits only ever make two sets look closer, never further apart). On HDFS, one
 * file per query under {@code discovery/answered-<policy>/}, numbered in the order written (under
 * the records' lock), delta-encoded; in memory only each set's size and where it is, with the sets
 * themselves read when a count of about their size is asked for, a bounded number kept.
 */
final class AnsweredSets {
    /** One shown count: its place in the order shown, its size, what was shown, where its members are kept. */
    record Shown(long seq, int size, String shown, String file, int index) {}

    private static final Map<String, AnsweredSets> LOADED = new ConcurrentHashMap<>();
    /** Earlier sets of about the same size compared with a new one, at most (the earliest). */
    static final int CANDIDATES = 512;
    /** Members kept in memory at most (4 bytes each): 64 MB. */
    private static final long CACHE_INTS = 16L << 20;

    private final EnclaveStorage storage;
    private final Path dir;
    private final TreeMap<Integer, List<Shown>> bySize = new TreeMap<>();
    private long lastFile;
    private long purgedSeen;
    /** Touched by each purge, so that every process reads the records again. */
    static final String PURGED = "purged";
    private long cachedInts;
    private final LinkedHashMap<String, int[][]> cache = new LinkedHashMap<>(16, 0.75f, true);
    /** In memory only (no storage): every set. */
    private final Map<String, int[][]> memory = new HashMap<>();

    private AnsweredSets(EnclaveStorage storage, Path dir) {
        this.storage = storage;
        this.dir = dir;
    }

    /** The records of the enclave at {@code storage} under {@code policy} (one instance per enclave in a process). */
    static AnsweredSets of(EnclaveStorage storage, DiscoveryPolicy policy) {
        Path dir = new Path(storage.layout().discovery(), "answered-" + policy.id());
        return LOADED.computeIfAbsent(storage.fileSystemUri() + "#" + dir, k -> new AnsweredSets(storage, dir));
    }

    /** Records kept in this process's memory only (tests of the rule itself). */
    static AnsweredSets inMemory() {
        return new AnsweredSets(null, null);
    }

    /** Forgets what this process read (tests that remove the records between cases). */
    static void forgetAll() {
        LOADED.clear();
    }

    /** The upper 32 bits of each key, sorted: how a set is kept. */
    static int[] members(long[] sortedKeys) {
        int[] out = new int[sortedKeys.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) (sortedKeys[i] >> 32);
        }
        return out;
    }

    /** Reads what other processes recorded since; call under the records' lock. */
    synchronized void refresh() {
        if (storage == null) {
            return;
        }
        try {
            // a purge (an opt-out) rewrote files already read: read everything again
            Path marker = new Path(storage.layout().discovery(), PURGED);
            long purged = storage.fs().exists(marker) ? storage.fs().getFileStatus(marker).getModificationTime() : 0;
            if (purged != purgedSeen) {
                bySize.clear();
                cache.clear();
                cachedInts = 0;
                lastFile = 0;
                purgedSeen = purged;
            }
            if (!storage.fs().exists(dir)) {
                return;
            }
            FileStatus[] files = storage.fs().listStatus(dir, p -> p.getName().matches("[0-9]{12}\\.bin"));
            Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            for (FileStatus f : files) {
                long n = Long.parseLong(f.getPath().getName().substring(0, 12));
                if (n <= lastFile) {
                    continue;
                }
                int[][] sets;
                String[] shown;
                try (DataInputStream in = new DataInputStream(storage.fs().open(f.getPath()))) {
                    int count = in.readInt();
                    sets = new int[count][];
                    shown = new String[count];
                    for (int i = 0; i < count; i++) {
                        shown[i] = in.readUTF();
                        sets[i] = readSet(in);
                    }
                }
                index(f.getPath().getName(), n, sets, shown);
                lastFile = n;
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the record of discovery answers in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void index(String file, long n, int[][] sets, String[] shown) {
        for (int i = 0; i < sets.length; i++) {
            bySize.computeIfAbsent(sets[i].length, k -> new ArrayList<>()).add(new Shown(n * 1000 + i, sets[i].length, shown[i], file, i));
        }
        keep(file, sets);
    }

    private void keep(String file, int[][] sets) {
        if (storage == null) {
            memory.put(file, sets);
            return;
        }
        long ints = Arrays.stream(sets).mapToLong(s -> s.length).sum();
        cache.put(file, sets);
        cachedInts += ints;
        var it = cache.entrySet().iterator();
        while (cachedInts > CACHE_INTS && it.hasNext()) {
            var e = it.next();
            if (e.getKey().equals(file)) {
                continue;
            }
            cachedInts -= Arrays.stream(e.getValue()).mapToLong(s -> s.length).sum();
            it.remove();
        }
    }

    private int[] set(Shown s) {
        int[][] sets = storage == null ? memory.get(s.file()) : cache.get(s.file());
        if (sets == null) {
            try (DataInputStream in = new DataInputStream(storage.fs().open(new Path(dir, s.file())))) {
                int count = in.readInt();
                sets = new int[count][];
                for (int i = 0; i < count; i++) {
                    in.readUTF();
                    sets[i] = readSet(in);
                }
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot read the record of discovery answers " + s.file() + ": " + e.getMessage(), e);
            }
            keep(s.file(), sets);
        }
        return sets[s.index()];
    }

    /**
     * The earliest shown count whose set differs from {@code members} by fewer than {@code minCount}
     * participants (in either direction), if any.
     */
    synchronized Optional<Shown> earlierWithin(int[] members, int minCount) {
        List<Shown> candidates = new ArrayList<>();
        for (List<Shown> same : bySize.subMap(members.length - minCount, false, members.length + minCount, false).values()) {
            candidates.addAll(same);
        }
        // earliest first, and no more than CANDIDATES of them: sets of one size flooded later cannot slow everyone's queries
        candidates.sort(java.util.Comparator.comparingLong(Shown::seq));
        for (Shown s : candidates.subList(0, Math.min(CANDIDATES, candidates.size()))) {
            if (differ(members, set(s), minCount) < minCount) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** |a △ b| for sorted arrays (as multisets), counting no further than {@code cap}. */
    static int differ(int[] a, int[] b, int cap) {
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
        return d >= cap ? d : d + (a.length - i) + (b.length - j);
    }

    /**
     * Records what a query showed for sets that no earlier count covered, after everything recorded
     * before; call under the records' lock, after {@link #refresh}.
     */
    synchronized void record(List<int[]> sets, List<String> shown) {
        if (sets.isEmpty()) {
            return;
        }
        long n = lastFile + 1;
        String name = String.format("%012d.bin", n);
        if (storage != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(sets.size());
                for (int i = 0; i < sets.size(); i++) {
                    out.writeUTF(shown.get(i));
                    writeSet(out, sets.get(i));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Path file = new Path(dir, name);
            Path tmp = new Path(dir, "." + name + ".tmp");
            try {
                storage.fs().mkdirs(dir);
                try (var out = storage.fs().create(tmp, true)) {
                    out.write(bytes.toByteArray());
                }
                // no overwrite: a file of this number written meanwhile means the lock was lost
                if (!storage.fs().rename(tmp, file)) {
                    storage.fs().delete(tmp, false);
                    throw new IOException(file + " exists: the records were written by another query meanwhile");
                }
            } catch (IOException e) {
                throw new EnclaveStorageException("cannot record discovery answers in " + dir + ": " + e.getMessage(), e);
            }
        }
        index(name, n, sets.toArray(new int[0][]), shown.toArray(new String[0]));
        lastFile = n;
    }

    static void writeSet(DataOutputStream out, int[] set) throws IOException {
        out.writeInt(set.length);
        long previous = Integer.MIN_VALUE;
        for (int v : set) {
            long delta = (long) v - previous; // sorted: never negative
            previous = v;
            while ((delta & ~0x7FL) != 0) {
                out.writeByte((int) ((delta & 0x7F) | 0x80));
                delta >>>= 7;
            }
            out.writeByte((int) delta);
        }
    }

    static int[] readSet(InputStream in) throws IOException {
        DataInputStream d = in instanceof DataInputStream x ? x : new DataInputStream(in);
        int[] set = new int[d.readInt()];
        long previous = Integer.MIN_VALUE;
        for (int i = 0; i < set.length; i++) {
            long delta = 0;
            int shift = 0;
            int b;
            do {
                b = d.readUnsignedByte();
                delta |= (long) (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            previous += delta;
            set[i] = (int) previous;
        }
        return set;
    }

    /**
     * Removes participants who opted out from every recorded set of every policy (they vanish from
     * derived data too); call under the records' lock. Sets only lose members, so they only come
     * closer to the sets counted from now on, which leave them out as well.
     *
     * @return the members removed
     */
    static long purge(EnclaveStorage storage, java.util.Set<Integer> removed) {
        long count = 0;
        Path root = storage.layout().discovery();
        try {
            if (!storage.fs().exists(root)) {
                return 0;
            }
            for (FileStatus d : storage.fs().listStatus(root, p -> p.getName().startsWith("answered-"))) {
                for (FileStatus f : storage.fs().listStatus(d.getPath(), p -> p.getName().matches("[0-9]{12}\\.bin"))) {
                    int[][] sets;
                    String[] shown;
                    try (DataInputStream in = new DataInputStream(storage.fs().open(f.getPath()))) {
                        int n = in.readInt();
                        sets = new int[n][];
                        shown = new String[n];
                        for (int i = 0; i < n; i++) {
                            shown[i] = in.readUTF();
                            sets[i] = readSet(in);
                        }
                    }
                    long before = count;
                    for (int i = 0; i < sets.length; i++) {
                        int[] kept = Arrays.stream(sets[i]).filter(m -> !removed.contains(m)).toArray();
                        count += sets[i].length - kept.length;
                        sets[i] = kept;
                    }
                    if (count == before) {
                        continue;
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    try (DataOutputStream out = new DataOutputStream(bytes)) {
                        out.writeInt(sets.length);
                        for (int i = 0; i < sets.length; i++) {
                            out.writeUTF(shown[i]);
                            writeSet(out, sets[i]);
                        }
                    }
                    jp.nmi.enclave.hdfs.HdfsFiles.writeAtomically(storage, f.getPath(), out -> out.write(bytes.toByteArray()));
                }
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot purge the record of discovery answers in " + root + ": " + e.getMessage(), e);
        }
        if (count > 0) {
            // every process reads the records again
            jp.nmi.enclave.hdfs.HdfsFiles.writeAtomically(storage, new Path(root, PURGED),
                    out -> out.write(Long.toString(System.currentTimeMillis()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return count;
    }

    synchronized int size() {
        return bySize.values().stream().mapToInt(List::size).sum();
    }
}
