package jp.nmi.enclave.genomics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.error.ValidationException;

/**
 * What a project's answers have told about its participants. The participants fall into atoms:
 * two share an atom when every stratum answered so far holds both or neither. Every count the
 * service answers (participants, alleles, genotypes) is a sum over the atoms its stratum holds, so
 * the answers are linear equations in the atoms' sums, and what can be worked out from them, by
 * subtraction or any other combination, by one member or several, is whatever lies in the span of
 * their rows. An atom of fewer than the minimum whose unit vector lies in that span would be
 * disclosed: such a stratum is refused.
 *
 * <p>The span is kept as a reduced row echelon form modulo the Mersenne prime 2^61 - 1 (exact
 * integer arithmetic, pivots on the largest atoms; a combination that exists over the rationals
 * exists modulo the prime unless the prime divides a pivot, which for 0/1 rows of this size it
 * does not in practice). A stratum is refused when a row of the form would weigh fewer than the
 * minimum participants ({@link #disclosesFewerThan}). Marginal tables (every age band, both sexes,
 * every region) leave the cells of their cross-classification undetermined and are answered; a
 * stratum that, with earlier ones, pins a handful down (a subtraction, {@code A - B + C}, a table's
 * last cell, someone who left against someone who joined) is not.
 *
 * <p>Participants are kept by a 64-bit key of their project pseudonym, so the atoms survive a
 * rebuilt extract: who left (an opt-out) stays in their atom, and a stratum that would show the
 * answers without them is refused; who joined is in no atom yet (the unseen, never a column) and
 * enters one when a stratum holds them.
 */
public final class AnsweredAtoms {
    static final int MAGIC = 0x454E4132; // "ENA2"
    static final long P = (1L << 61) - 1;

    private final Map<Long, Integer> atomOf;
    /** Members of each atom (column), who left included. */
    private final List<Integer> size;
    /** The reduced rows, over the atoms; {@code pivots[i]} is row i's leading column. */
    private final List<long[]> rows;
    private final List<Integer> pivots;

    private AnsweredAtoms(Map<Long, Integer> atomOf, List<Integer> size, List<long[]> rows, List<Integer> pivots) {
        this.atomOf = atomOf;
        this.size = size;
        this.rows = rows;
        this.pivots = pivots;
    }

    public static AnsweredAtoms empty() {
        return new AnsweredAtoms(new HashMap<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    /** The key a participant is kept by: the pseudonym's first 64 bits (it is a keyed hash), or a 64-bit hash of another id. */
    static long key(String participantId) {
        return keyOf(participantId);
    }

    /** The key a participant is kept by (public for the other services that keep such records). */
    public static long keyOf(String participantId) {
        if (participantId.length() >= 16 && participantId.chars().limit(16).allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return Long.parseUnsignedLong(participantId.substring(0, 16), 16);
        }
        long h = 0xcbf29ce484222325L;
        for (byte b : participantId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The record as it would be after answering the stratum of {@code members} (their keys); this one is unchanged. */
    public AnsweredAtoms answering(long[] members) {
        Map<Long, Integer> atomOf = new HashMap<>(this.atomOf);
        List<Integer> size = new ArrayList<>(this.size);
        List<long[]> rows = new ArrayList<>(this.rows.size() + 1);
        for (long[] r : this.rows) {
            rows.add(r.clone());
        }
        List<Integer> pivots = new ArrayList<>(this.pivots);
        AnsweredAtoms next = new AnsweredAtoms(atomOf, size, rows, pivots);

        // members by atom; -1: unseen
        Map<Integer, List<Long>> byAtom = new HashMap<>();
        for (long k : members) {
            byAtom.computeIfAbsent(atomOf.getOrDefault(k, -1), x -> new ArrayList<>()).add(k);
        }
        List<Integer> inside = new ArrayList<>();
        for (Map.Entry<Integer, List<Long>> e : byAtom.entrySet()) {
            int atom = e.getKey();
            List<Long> keys = e.getValue();
            if (atom >= 0 && keys.size() == size.get(atom)) {
                inside.add(atom); // the whole atom: no cut
                continue;
            }
            // a new atom: the unseen who enter, or the part of an atom inside the stratum (a copy of its column)
            int fresh = next.addColumn(atom);
            for (long k : keys) {
                atomOf.put(k, fresh);
            }
            size.set(fresh, keys.size());
            if (atom >= 0) {
                size.set(atom, size.get(atom) - keys.size());
            }
            inside.add(fresh);
        }
        if (tooLarge(rows.size() + 1, size.size())) {
            // no size in the message: how many groups there are says which strata cut the cohort
            throw new jp.nmi.enclave.error.AccessDeniedException("the project's record of allele-frequency answers is full; no stratum"
                    + " that cuts it finer is answered (ask the operator)");
        }
        long[] row = new long[size.size()];
        for (int c : inside) {
            row[c] = 1;
        }
        next.insert(row);
        return next;
    }

    /**
     * Whether the answers let something about fewer than {@code min} participants be worked out: a
     * row of the reduced form whose atoms hold fewer than {@code min} participants in all (one small
     * atom, a union of small atoms such as a subtraction's remainder, or the difference between
     * someone who left and someone who joined). Pivots are taken on the largest atoms, so that what
     * is left on the small ones shows as rows of their own. Every row is a combination of answers, so
     * nothing flagged is a false alarm; a combination of small weight that no row shows can be
     * missed (finding the smallest one is NP-hard): the budget and the audit log stand behind it.
     */
    public boolean disclosesFewerThan(int min) {
        for (long[] r : rows) {
            long weight = 0;
            for (int j = 0; j < r.length && weight < min; j++) {
                if (r[j] != 0) {
                    weight += size.get(j);
                }
            }
            if (weight > 0 && weight < min) {
                return true;
            }
        }
        return false;
    }

    /** Atoms in the record: a member who asks strata only to cut the cohort fine cannot grow it without end. */
    public static final int MAX_ATOMS = 200_000;
    /** Cells of the reduced form (rows x atoms, 8 bytes each): kept under about 160 MB however the strata come. */
    public static final long MAX_CELLS = 20_000_000L;

    /** Whether a record of {@code rows} independent answers over {@code atoms} groups is past what it may hold. */
    static boolean tooLarge(int rows, int atoms) {
        return atoms > MAX_ATOMS || (long) rows * atoms > MAX_CELLS;
    }

    public int atoms() {
        return size.size();
    }

    private static boolean isUnit(long[] r, int c) {
        for (int j = 0; j < r.length; j++) {
            if (j != c && r[j] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A new column: a copy of {@code of}'s (zeros for the unseen); its index. */
    private int addColumn(int of) {
        int c = size.size();
        size.add(0);
        for (int i = 0; i < rows.size(); i++) {
            long[] r = rows.get(i);
            long[] wider = java.util.Arrays.copyOf(r, c + 1);
            wider[c] = of >= 0 ? r[of] : 0;
            rows.set(i, wider);
        }
        return c;
    }

    /** Adds a row to the span, keeping the form reduced. */
    private void insert(long[] row) {
        for (int i = 0; i < rows.size(); i++) {
            int c = pivots.get(i);
            if (row[c] != 0) {
                subtract(row, rows.get(i), row[c]);
            }
        }
        // the pivot on the largest atom: what remains on small atoms then shows in rows of its own
        int pivot = -1;
        for (int j = 0; j < row.length; j++) {
            if (row[j] != 0 && (pivot < 0 || size.get(j) > size.get(pivot))) {
                pivot = j;
            }
        }
        if (pivot < 0) {
            return; // nothing new: the answer was already implied
        }
        long inv = inverse(row[pivot]);
        for (int j = 0; j < row.length; j++) {
            row[j] = mul(row[j], inv);
        }
        for (int i = 0; i < rows.size(); i++) {
            long[] r = rows.get(i);
            if (r[pivot] != 0) {
                subtract(r, row, r[pivot]);
            }
        }
        rows.add(row);
        pivots.add(pivot);
    }

    /** {@code a -= f * b}, modulo P. */
    private static void subtract(long[] a, long[] b, long f) {
        for (int j = 0; j < a.length; j++) {
            if (b[j] != 0) {
                long x = a[j] - mul(f, b[j]);
                a[j] = x < 0 ? x + P : x;
            }
        }
    }

    static long mul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        long r = (lo & P) + (lo >>> 61) + (hi << 3);
        r = (r & P) + (r >>> 61);
        return r >= P ? r - P : r;
    }

    static long inverse(long a) {
        long result = 1;
        long base = a;
        long e = P - 2;
        while (e > 0) {
            if ((e & 1) != 0) {
                result = mul(result, base);
            }
            base = mul(base, base);
            e >>= 1;
        }
        return result;
    }

    public void write(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(out, 1 << 16));
        d.writeInt(MAGIC);
        d.writeInt(size.size());
        for (int s : size) {
            d.writeInt(s);
        }
        d.writeInt(atomOf.size());
        for (Map.Entry<Long, Integer> e : atomOf.entrySet()) {
            d.writeLong(e.getKey());
            d.writeInt(e.getValue());
        }
        d.writeInt(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            d.writeInt(pivots.get(i));
            long[] r = rows.get(i);
            int nonZero = 0;
            for (long x : r) {
                nonZero += x != 0 ? 1 : 0;
            }
            d.writeInt(nonZero);
            for (int j = 0; j < r.length; j++) {
                if (r[j] != 0) {
                    d.writeInt(j);
                    d.writeLong(r[j]);
                }
            }
        }
        d.flush();
    }

    public static AnsweredAtoms read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
        if (d.readInt() != MAGIC) {
            throw new ValidationException("not a record of answered strata (bad magic number)");
        }
        int columns = d.readInt();
        List<Integer> size = new ArrayList<>(columns);
        for (int i = 0; i < columns; i++) {
            size.add(d.readInt());
        }
        int n = d.readInt();
        Map<Long, Integer> atomOf = new HashMap<>(Math.max(16, n * 2));
        for (int i = 0; i < n; i++) {
            atomOf.put(d.readLong(), d.readInt());
        }
        int r = d.readInt();
        List<long[]> rows = new ArrayList<>(r);
        List<Integer> pivots = new ArrayList<>(r);
        for (int i = 0; i < r; i++) {
            pivots.add(d.readInt());
            long[] row = new long[columns];
            int nonZero = d.readInt();
            for (int k = 0; k < nonZero; k++) {
                row[d.readInt()] = d.readLong();
            }
            rows.add(row);
        }
        return new AnsweredAtoms(atomOf, size, rows, pivots);
    }
}
