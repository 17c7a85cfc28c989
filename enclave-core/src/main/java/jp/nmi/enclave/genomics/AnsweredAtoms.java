package jp.nmi.enclave.genomics;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import jp.nmi.enclave.error.ValidationException;

/**
 * What a project's answers have told about its participants, as the atoms of the partition that
 * all the strata answered so far cut the participants into: two participants share an atom when
 * every answered stratum holds both or neither. Every count the service answers is a sum over a
 * union of atoms, so whatever can be worked out from the answers together, by subtraction or any
 * other linear combination, is a statistic of an atom or a union of atoms. A new stratum is answered
 * only if it leaves every atom whole or cut into pieces of at least the minimum: then no answer or
 * combination of answers describes fewer people than the minimum.
 *
 * <p>Participants are kept by a 64-bit key of their project pseudonym, so that the atoms survive a
 * rebuilt extract: a participant who left (an opt-out) is still in their atom, and asking again a
 * stratum that held them is refused (the difference would be them); one who joined is in no atom
 * yet (atom 0) and is cut out of it like anyone else.
 */
public final class AnsweredAtoms {
    static final int MAGIC = 0x454E4154; // "ENAT"

    private final Map<Long, Integer> atomOf;
    private final Map<Integer, Integer> size = new HashMap<>();
    private int next;

    private AnsweredAtoms(Map<Long, Integer> atomOf, int next) {
        this.atomOf = atomOf;
        this.next = next;
        atomOf.values().forEach(a -> size.merge(a, 1, Integer::sum));
    }

    public static AnsweredAtoms empty() {
        return new AnsweredAtoms(new HashMap<>(), 1);
    }

    /** The key a participant is kept by: the pseudonym's first 64 bits (it is a keyed hash), or a 64-bit hash of another id. */
    static long key(String participantId) {
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

    /**
     * Whether answering the stratum whose present participants are {@code members} (their keys)
     * would cut an atom into a piece smaller than {@code min}; {@code present} are all participants
     * now in the index (those in no atom are atom 0's).
     */
    public boolean wouldSingleOut(long[] members, long[] present, int min) {
        Map<Integer, Integer> in = new HashMap<>();
        for (long k : members) {
            in.merge(atomOf.getOrDefault(k, 0), 1, Integer::sum);
        }
        // atom 0: the present participants in no atom
        int zero = 0;
        for (long k : present) {
            if (!atomOf.containsKey(k)) {
                zero++;
            }
        }
        for (Map.Entry<Integer, Integer> e : in.entrySet()) {
            int inside = e.getValue();
            int whole = e.getKey() == 0 ? zero : size.get(e.getKey());
            int outside = whole - inside; // for an atom, who left the cohort is outside as well
            if (outside > 0 && (inside < min || outside < min)) {
                return true;
            }
        }
        return false;
    }

    /** Cuts the atoms by an answered stratum. */
    public void answered(long[] members) {
        Map<Integer, Integer> split = new HashMap<>();
        for (long k : members) {
            int a = atomOf.getOrDefault(k, 0);
            int b = split.computeIfAbsent(a, x -> next++);
            atomOf.put(k, b);
            size.merge(b, 1, Integer::sum);
            if (a != 0) {
                size.merge(a, -1, Integer::sum);
            }
        }
        size.values().removeIf(v -> v == 0);
    }

    public int atoms() {
        return size.size();
    }

    public void write(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(out, 1 << 16));
        d.writeInt(MAGIC);
        d.writeInt(next);
        d.writeInt(atomOf.size());
        for (Map.Entry<Long, Integer> e : atomOf.entrySet()) {
            d.writeLong(e.getKey());
            d.writeInt(e.getValue());
        }
        d.flush();
    }

    public static AnsweredAtoms read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
        if (d.readInt() != MAGIC) {
            throw new ValidationException("not a record of answered strata (bad magic number)");
        }
        int next = d.readInt();
        int n = d.readInt();
        Map<Long, Integer> atomOf = new HashMap<>(Math.max(16, n * 2));
        for (int i = 0; i < n; i++) {
            atomOf.put(d.readLong(), d.readInt());
        }
        return new AnsweredAtoms(atomOf, next);
    }
}
