package jp.nmi.enclave.genomics;

import static java.util.Objects.requireNonNull;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jp.nmi.enclave.error.ValidationException;

/**
 * Genotypes and the four clinical attributes of one cohort, bit-packed so that a stratum's allele
 * counts over all variants are two population counts per 64 participants and variant, in this
 * process, without a Spark job.
 *
 * <p>Participants are numbered in the order given; each attribute is a bit set over them (one per
 * age band, sex and region value, one per ICD-10 code present), so a stratum is the AND over
 * attributes of the OR over its values. Each variant has two bit sets over the participants: one
 * for heterozygous and one for homozygous-alternative genotypes (reference homozygotes are the
 * rest: the datasets store no missing calls). Multi-allelic sites come in split, one biallelic
 * variant per alternative allele.
 */
public final class AlleleIndex {
    /** The file format: magic, then version. */
    static final int MAGIC = 0x454E4146; // "ENAF"
    static final int VERSION = 3;

    /** One variant as the datasets name it. */
    public record Variant(String id, String chrom, int pos, String ref, String alt) {}

    private final int participants;
    private final String[] participantIds;
    private final Map<String, Integer> participantIndex;
    private final int words;
    private final List<Variant> variants;
    private final Map<String, Integer> variantIndex;
    private final Map<Attribute, Map<String, long[]>> attributeBits;
    private final long[] het;
    private final long[] hom;
    /**
     * Precomputed counts per attribute value (for disease, per 3-character category), {@code [2v]}
     * heterozygous and {@code [2v + 1]} homozygous alternative: a stratum of one attribute (the
     * per-attribute tables) is a sum of these, without touching the genotype planes.
     */
    private final Map<Attribute, Map<String, int[]>> valueCounts;
    /** The same over everyone. */
    private final int[] totalCounts;

    private AlleleIndex(String[] participantIds, List<Variant> variants, Map<Attribute, Map<String, long[]>> attributeBits, long[] het,
            long[] hom, Map<Attribute, Map<String, int[]>> valueCounts, int[] totalCounts) {
        this.participants = participantIds.length;
        this.participantIds = participantIds;
        Map<String, Integer> pidx = new HashMap<>();
        for (int i = 0; i < participantIds.length; i++) {
            pidx.put(participantIds[i], i);
        }
        this.participantIndex = pidx;
        this.words = wordsFor(participants);
        this.variants = List.copyOf(variants);
        this.attributeBits = attributeBits;
        this.het = het;
        this.hom = hom;
        this.valueCounts = valueCounts != null ? valueCounts : valueCounts(participantIds.length, variants.size(), attributeBits, het, hom);
        this.totalCounts = totalCounts != null ? totalCounts : totals(variants.size(), wordsFor(participantIds.length), het, hom);
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < variants.size(); i++) {
            idx.put(variants.get(i).id(), i);
        }
        this.variantIndex = idx;
    }

    static int wordsFor(int n) {
        return (n + 63) >>> 6;
    }

    /** Variants per tile: within a tile, one word of the participants is stored for its 64 variants side by side. */
    static final int TILE = 64;

    /**
     * Where variant {@code v}'s word {@code i} is in a plane of {@code w} words per variant. Tiled, so
     * that a stratum reading only some words reads them for 64 variants at a time, contiguously (a
     * small stratum's words are a few in thousands: read variant by variant, each would cost a cache
     * line for eight bytes).
     */
    static int at(int v, int i, int w) {
        return (v / TILE) * (TILE * w) + i * TILE + (v % TILE);
    }

    /** The length of a plane of {@code m} variants. */
    static int planeLength(int m, int w) {
        return Math.multiplyExact(Math.multiplyExact((m + TILE - 1) / TILE, TILE), w);
    }

    public int participants() {
        return participants;
    }

    public List<Variant> variants() {
        return variants;
    }

    private volatile long[] participantKeys;

    /** Each participant's key ({@link AnsweredAtoms#key}), by number. */
    long[] participantKeys() {
        long[] k = participantKeys;
        if (k == null) {
            k = new long[participants];
            for (int i = 0; i < participants; i++) {
                k[i] = AnsweredAtoms.key(participantIds[i]);
            }
            participantKeys = k;
        }
        return k;
    }

    /** The variant's position in {@link #variants}, or -1. */
    public int indexOf(String variantId) {
        return variantIndex.getOrDefault(variantId, -1);
    }

    /** The values of an attribute present in the cohort (for disease: the ICD-10 codes), sorted. */
    public List<String> valuesOf(Attribute a) {
        return List.copyOf(new java.util.TreeSet<>(attributeBits.get(a).keySet()));
    }

    /** The participants of a stratum, as a bit set over the index's participants. */
    public long[] mask(Stratum stratum) {
        return mask(stratum, java.util.Set.of());
    }

    /**
     * The participants of a stratum but those {@code excluded} (project pseudonyms: who opted out
     * since the extract was written, left out from the next query as every statement leaves them out).
     */
    public long[] mask(Stratum stratum, java.util.Set<String> excluded) {
        long[] mask = new long[words];
        Arrays.fill(mask, -1L);
        clearTail(mask);
        for (Map.Entry<Attribute, List<String>> e : stratum.values().entrySet()) {
            long[] any = new long[words];
            Map<String, long[]> bits = attributeBits.get(e.getKey());
            for (String value : e.getValue()) {
                if (e.getKey() == Attribute.DISEASE) {
                    // a code or prefix: every code under it
                    for (Map.Entry<String, long[]> code : bits.entrySet()) {
                        if (code.getKey().startsWith(value)) {
                            or(any, code.getValue());
                        }
                    }
                } else {
                    long[] b = bits.get(value);
                    if (b != null) {
                        or(any, b);
                    }
                }
            }
            for (int i = 0; i < words; i++) {
                mask[i] &= any[i];
            }
        }
        for (String id : excluded) {
            Integer p = participantIndex.get(id);
            if (p != null) {
                mask[p >>> 6] &= ~(1L << (p & 63));
            }
        }
        return mask;
    }

    public static int count(long[] mask) {
        int n = 0;
        for (long w : mask) {
            n += Long.bitCount(w);
        }
        return n;
    }

    /**
     * Genotype counts of the masked participants for variants {@code from} (inclusive) to {@code to}
     * (exclusive): {@code out[2 * (v - from)]} heterozygous, {@code out[2 * (v - from) + 1]}
     * homozygous alternative.
     */
    public int[] genotypeCounts(long[] mask, int from, int to) {
        int[] out = new int[2 * (to - from)];
        // only the words where the stratum has anyone: small strata skip most of each variant's bits
        int nonZero = 0;
        int[] at = new int[words];
        for (int i = 0; i < words; i++) {
            if (mask[i] != 0) {
                at[nonZero++] = i;
            }
        }
        int k = nonZero;
        int chunk = 2048; // a multiple of TILE
        int chunks = (to - from + chunk - 1) / chunk;
        java.util.stream.IntStream range = java.util.stream.IntStream.range(0, chunks);
        // in parallel only where it pays: a few thousand word pairs are faster on one thread
        if ((long) (to - from) * k > 4_000_000L) {
            range = range.parallel();
        }
        range.forEach(c -> {
            int start = from + c * chunk;
            int end = Math.min(to, start + chunk);
            int[] h = new int[TILE];
            int[] a = new int[TILE];
            for (int t0 = start - start % TILE; t0 < end; t0 += TILE) {
                java.util.Arrays.fill(h, 0);
                java.util.Arrays.fill(a, 0);
                int tileBase = (t0 / TILE) * (TILE * words);
                for (int j = 0; j < k; j++) {
                    int i = at[j];
                    long m = mask[i];
                    int base = tileBase + i * TILE;
                    for (int x = 0; x < TILE; x++) {
                        h[x] += Long.bitCount(het[base + x] & m);
                        a[x] += Long.bitCount(hom[base + x] & m);
                    }
                }
                for (int v = Math.max(t0, start); v < Math.min(t0 + TILE, end); v++) {
                    out[2 * (v - from)] = h[v - t0];
                    out[2 * (v - from) + 1] = a[v - t0];
                }
            }
        });
        return out;
    }

    /**
     * Genotype counts of a stratum but those {@code excluded}, for variants {@code from} to
     * {@code to} (as {@link #genotypeCounts(long[], int, int)} lays them out): from the precomputed
     * counts when the stratum is everyone or one attribute (several disjoint values of age band, sex
     * or region, or one disease category), less the excluded in it; otherwise from the bit planes.
     */
    public int[] genotypeCounts(Stratum stratum, java.util.Set<String> excluded, int from, int to) {
        int[] out = precomputed(stratum, from, to);
        if (out == null) {
            return genotypeCounts(mask(stratum, excluded), from, to);
        }
        if (!excluded.isEmpty()) {
            long[] in = mask(stratum);
            for (String id : excluded) {
                Integer p = participantIndex.get(id);
                if (p == null || (in[p >>> 6] & (1L << (p & 63))) == 0) {
                    continue;
                }
                int word = p >>> 6;
                long bit = 1L << (p & 63);
                for (int v = from; v < to; v++) {
                    int x = at(v, word, words);
                    if ((het[x] & bit) != 0) {
                        out[2 * (v - from)]--;
                    } else if ((hom[x] & bit) != 0) {
                        out[2 * (v - from) + 1]--;
                    }
                }
            }
        }
        return out;
    }

    /** The counts from the precomputed ones, or null when the stratum is not one they can give. */
    private int[] precomputed(Stratum stratum, int from, int to) {
        if (stratum.values().isEmpty()) {
            return java.util.Arrays.copyOfRange(totalCounts, 2 * from, 2 * to);
        }
        if (stratum.values().size() != 1) {
            return null;
        }
        Map.Entry<Attribute, List<String>> only = stratum.values().entrySet().iterator().next();
        Map<String, int[]> counts = valueCounts.get(only.getKey());
        if (only.getKey() == Attribute.DISEASE && (only.getValue().size() != 1 || only.getValue().get(0).length() != 3)) {
            return null; // codes overlap across categories' sums, and finer codes are not precomputed
        }
        int[] out = new int[2 * (to - from)];
        for (String value : only.getValue()) {
            int[] c = counts.get(value);
            if (c != null) {
                for (int i = 0; i < out.length; i++) {
                    out[i] += c[2 * from + i];
                }
            }
        }
        return out;
    }

    /** Per value of each attribute (diseases by category), each variant's genotype counts. */
    private static Map<Attribute, Map<String, int[]>> valueCounts(int n, int m, Map<Attribute, Map<String, long[]>> attributeBits,
            long[] het, long[] hom) {
        int w = wordsFor(n);
        List<Attribute> attrs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<long[]> sets = new ArrayList<>();
        for (Attribute a : Attribute.values()) {
            Map<String, long[]> bits = attributeBits.get(a);
            if (a == Attribute.DISEASE) {
                Map<String, long[]> categories = new TreeMap<>();
                bits.forEach((code, b) -> {
                    long[] c = categories.computeIfAbsent(code.length() > 3 ? code.substring(0, 3) : code, k -> new long[w]);
                    or(c, b);
                });
                bits = categories;
            }
            for (Map.Entry<String, long[]> e : new TreeMap<>(bits).entrySet()) {
                attrs.add(a);
                names.add(e.getKey());
                sets.add(e.getValue());
            }
        }
        int k = sets.size();
        int[][] counts = new int[k][2 * m];
        // variant by variant, each word of genotypes read once and skipped when no one carries the allele there
        int tiles = (m + TILE - 1) / TILE;
        java.util.stream.IntStream.range(0, tiles).parallel().forEach(t -> {
            int tileBase = t * TILE * w;
            int variantsHere = Math.min(TILE, m - t * TILE);
            for (int i = 0; i < w; i++) {
                int base = tileBase + i * TILE;
                for (int x = 0; x < variantsHere; x++) {
                    long h = het[base + x];
                    long a = hom[base + x];
                    if ((h | a) == 0) {
                        continue;
                    }
                    int v = t * TILE + x;
                    for (int j = 0; j < k; j++) {
                        long s = sets.get(j)[i];
                        if (s != 0) {
                            counts[j][2 * v] += Long.bitCount(h & s);
                            counts[j][2 * v + 1] += Long.bitCount(a & s);
                        }
                    }
                }
            }
        });
        Map<Attribute, Map<String, int[]>> out = new java.util.EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) {
            out.put(a, new HashMap<>());
        }
        for (int j = 0; j < k; j++) {
            out.get(attrs.get(j)).put(names.get(j), counts[j]);
        }
        return out;
    }

    private static int[] totals(int m, int w, long[] het, long[] hom) {
        int[] out = new int[2 * m];
        java.util.stream.IntStream.range(0, m).parallel().forEach(v -> {
            int h = 0;
            int a = 0;
            for (int i = 0; i < w; i++) {
                int x = at(v, i, w);
                h += Long.bitCount(het[x]);
                a += Long.bitCount(hom[x]);
            }
            out[2 * v] = h;
            out[2 * v + 1] = a;
        });
        return out;
    }

    /** Bytes the index takes in memory (and, within a few bytes per name, on disk). */
    public long sizeBytes() {
        long b = 16L * het.length + 4L * totalCounts.length;
        for (Map<String, long[]> bits : attributeBits.values()) {
            b += 8L * bits.size() * words;
        }
        for (Map<String, int[]> c : valueCounts.values()) {
            b += 4L * c.size() * totalCounts.length;
        }
        return b;
    }

    private void clearTail(long[] mask) {
        int rest = participants & 63;
        if (rest != 0) {
            mask[words - 1] &= (1L << rest) - 1;
        }
    }

    private static void or(long[] into, long[] from) {
        for (int i = 0; i < into.length; i++) {
            into[i] |= from[i];
        }
    }

    /**
     * Writes the index. It holds the participants' project pseudonyms (so that opt-outs can be left
     * out at query time), and so is kept where the extract is: never in an analyst's reach.
     */
    public void write(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeInt(VERSION);
        d.writeInt(participants);
        d.writeInt(variants.size());
        for (String id : participantIds) {
            d.writeUTF(id);
        }
        for (Variant v : variants) {
            d.writeUTF(v.id());
            d.writeUTF(v.chrom());
            d.writeInt(v.pos());
            d.writeUTF(v.ref());
            d.writeUTF(v.alt());
        }
        for (Attribute a : Attribute.values()) {
            Map<String, long[]> bits = attributeBits.get(a);
            d.writeInt(bits.size());
            for (Map.Entry<String, long[]> e : new TreeMap<>(bits).entrySet()) {
                d.writeUTF(e.getKey());
                writeLongs(d, e.getValue());
            }
        }
        writeLongs(d, het);
        writeLongs(d, hom);
        for (Attribute a : Attribute.values()) {
            Map<String, int[]> counts = valueCounts.get(a);
            d.writeInt(counts.size());
            for (Map.Entry<String, int[]> e : new TreeMap<>(counts).entrySet()) {
                d.writeUTF(e.getKey());
                writeInts(d, e.getValue());
            }
        }
        writeInts(d, totalCounts);
        d.flush();
    }

    public static AlleleIndex read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(in, 1 << 20));
        if (d.readInt() != MAGIC) {
            throw new ValidationException("not an allele-frequency index (bad magic number)");
        }
        int version = d.readInt();
        if (version != VERSION) {
            throw new ValidationException("allele-frequency index version " + version + " is not " + VERSION + "; rebuild it");
        }
        int n = d.readInt();
        int m = d.readInt();
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = d.readUTF();
        }
        List<Variant> variants = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            variants.add(new Variant(d.readUTF(), d.readUTF(), d.readInt(), d.readUTF(), d.readUTF()));
        }
        int w = wordsFor(n);
        Map<Attribute, Map<String, long[]>> bits = new java.util.EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) {
            int k = d.readInt();
            Map<String, long[]> values = new HashMap<>();
            for (int i = 0; i < k; i++) {
                values.put(d.readUTF(), readLongs(d, w));
            }
            bits.put(a, values);
        }
        long[] het = readLongs(d, planeLength(m, w));
        long[] hom = readLongs(d, planeLength(m, w));
        Map<Attribute, Map<String, int[]>> counts = new java.util.EnumMap<>(Attribute.class);
        for (Attribute a : Attribute.values()) {
            int k = d.readInt();
            Map<String, int[]> values = new HashMap<>();
            for (int i = 0; i < k; i++) {
                values.put(d.readUTF(), readInts(d, 2 * m));
            }
            counts.put(a, values);
        }
        int[] totals = readInts(d, 2 * m);
        return new AlleleIndex(ids, variants, bits, het, hom, counts, totals);
    }

    private static void writeLongs(DataOutputStream d, long[] values) throws IOException {
        byte[] buf = new byte[8 * 8192];
        for (int i = 0; i < values.length; i += 8192) {
            int len = Math.min(8192, values.length - i);
            java.nio.ByteBuffer.wrap(buf).asLongBuffer().put(values, i, len);
            d.write(buf, 0, 8 * len);
        }
    }

    private static void writeInts(DataOutputStream d, int[] values) throws IOException {
        byte[] buf = new byte[4 * 8192];
        for (int i = 0; i < values.length; i += 8192) {
            int len = Math.min(8192, values.length - i);
            java.nio.ByteBuffer.wrap(buf).asIntBuffer().put(values, i, len);
            d.write(buf, 0, 4 * len);
        }
    }

    private static int[] readInts(DataInputStream d, int count) throws IOException {
        int[] out = new int[count];
        byte[] buf = new byte[4 * 8192];
        for (int i = 0; i < count; i += 8192) {
            int len = Math.min(8192, count - i);
            d.readFully(buf, 0, 4 * len);
            java.nio.ByteBuffer.wrap(buf, 0, 4 * len).asIntBuffer().get(out, i, len);
        }
        return out;
    }

    private static long[] readLongs(DataInputStream d, int count) throws IOException {
        long[] out = new long[count];
        byte[] buf = new byte[8 * 8192];
        for (int i = 0; i < count; i += 8192) {
            int len = Math.min(8192, count - i);
            d.readFully(buf, 0, 8 * len);
            java.nio.ByteBuffer.wrap(buf, 0, 8 * len).asLongBuffer().get(out, i, len);
        }
        return out;
    }

    /**
     * Collects participants and variants, then genotypes straight into the bit planes (so that a
     * cohort of 10^10 genotypes needs no more than the planes themselves), then packs the attributes.
     */
    public static final class Builder {
        private final List<String> participantIds = new ArrayList<>();
        private final Map<String, Integer> participantIndex = new HashMap<>();
        private final List<String[]> attributes = new ArrayList<>();
        private final List<List<String>> diseases = new ArrayList<>();
        private final List<Variant> variants = new ArrayList<>();
        private final Map<String, Integer> variantIndex = new HashMap<>();
        private long[] het;
        private long[] hom;
        private int words;

        /** A participant with their age band, sex and region (null if unknown) and ICD-10 codes. */
        public Builder participant(String id, String ageBand, String sex, String region, java.util.Collection<String> icd10) {
            requireNonNull(id, "id is null");
            checkOpen();
            if (participantIndex.putIfAbsent(id, participantIds.size()) != null) {
                throw new ValidationException("participant listed twice in the index input");
            }
            participantIds.add(id);
            attributes.add(new String[] {ageBand, sex, region});
            diseases.add(List.copyOf(icd10));
            return this;
        }

        public Builder variant(Variant v) {
            checkOpen();
            if (variantIndex.putIfAbsent(v.id(), variants.size()) != null) {
                throw new ValidationException("variant " + v.id() + " listed twice in the index input");
            }
            variants.add(v);
            return this;
        }

        /** A non-reference genotype: {@code altCount} 1 (heterozygous) or 2 (homozygous alternative). */
        public Builder genotype(String participantId, String variantId, int altCount) {
            Integer p = participantIndex.get(participantId);
            Integer v = variantIndex.get(variantId);
            if (p == null || v == null) {
                return this; // a genotype of someone outside the cohort, or of a variant not indexed: not counted
            }
            return genotype(p, v, altCount);
        }

        /** The same, by the participant's and the variant's numbers in the order they were added. */
        public Builder genotype(int p, int v, int altCount) {
            if (het == null) {
                words = wordsFor(participantIds.size());
                het = new long[planeLength(variants.size(), words)];
                hom = new long[het.length];
            }
            if (altCount != 1 && altCount != 2) {
                throw new ValidationException("variant " + variants.get(v).id() + ": alt_count must be 1 or 2");
            }
            int word = at(v, p >>> 6, words);
            long bit = 1L << (p & 63);
            if (((het[word] | hom[word]) & bit) != 0) {
                throw new ValidationException("variant " + variants.get(v).id() + ": a participant has two genotypes in the index input");
            }
            (altCount == 1 ? het : hom)[word] |= bit;
            return this;
        }

        /**
         * A whole variant's genotypes at once, as bit sets over the participants in the order they
         * were added (from a plink .bed, say): far faster than one call per genotype.
         */
        public Builder variantPlanes(int v, long[] hetWords, long[] homWords) {
            if (het == null) {
                words = wordsFor(participantIds.size());
                het = new long[planeLength(variants.size(), words)];
                hom = new long[het.length];
            }
            if (hetWords.length != words || homWords.length != words) {
                throw new IllegalArgumentException("a variant's planes have " + words + " words");
            }
            for (int i = 0; i < words; i++) {
                if ((hetWords[i] & homWords[i]) != 0) {
                    throw new ValidationException("variant " + variants.get(v).id() + ": a participant has two genotypes in the index input");
                }
            }
            for (int i = 0; i < words; i++) {
                het[at(v, i, words)] = hetWords[i];
                hom[at(v, i, words)] = homWords[i];
            }
            return this;
        }

        private void checkOpen() {
            if (het != null) {
                throw new IllegalStateException("participants and variants come before genotypes");
            }
        }

        public AlleleIndex build() {
            int n = participantIds.size();
            int w = wordsFor(n);
            if (het == null) {
                het = new long[planeLength(variants.size(), w)];
                hom = new long[het.length];
            }
            Map<Attribute, Map<String, long[]>> bits = new java.util.EnumMap<>(Attribute.class);
            for (Attribute a : Attribute.values()) {
                bits.put(a, new HashMap<>());
            }
            for (int p = 0; p < n; p++) {
                String[] attrs = attributes.get(p);
                for (int k = 0; k < 3; k++) {
                    if (attrs[k] != null) {
                        set(bits.get(Attribute.values()[k]).computeIfAbsent(attrs[k], x -> new long[w]), p);
                    }
                }
                for (String code : diseases.get(p)) {
                    set(bits.get(Attribute.DISEASE).computeIfAbsent(code, x -> new long[w]), p);
                }
            }
            AlleleIndex index = new AlleleIndex(participantIds.toArray(String[]::new), variants, bits, het, hom, null, null);
            het = null;
            hom = null;
            return index;
        }

        private static void set(long[] bits, int p) {
            bits[p >>> 6] |= 1L << (p & 63);
        }
    }
}
