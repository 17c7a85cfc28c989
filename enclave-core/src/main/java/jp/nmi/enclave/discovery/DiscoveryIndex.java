package jp.nmi.enclave.discovery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.dataset.DatasetReader;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.genomics.AnsweredAtoms;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.optout.OptoutStore;

/**
 * The provider's published participants, for counting: a set of participants per value of each
 * participant field (sex, age band, region, DUO code, commercial use, genotypes, ICD-10 code; dense
 * bits or a sparse list, whichever is smaller), and the samples as columns (participant, biobank,
 * type, age at collection) so that the sample terms of a group hold for one and the same sample.
 * Participants are numbered in the order of their keys, so a set's keys come out sorted.
 *
 * <p>Built in one pass per table from the datasets' registry, without the participants who opted
 * out, and kept per publication and opt-out list: a new ingest or opt-out gives a new index. The
 * project extract selects its cohort through the same {@link #matching} so that what discovery
 * counted is what a project built from its criteria holds.
 */
public final class DiscoveryIndex {
    private static final Map<String, DiscoveryIndex> CACHE = new ConcurrentHashMap<>();

    private final String version;
    private final int participants;
    private final int words;
    private final String[] ids;
    private final long[] keys;
    private final Map<Criteria.Field, Map<String, Members>> values;
    private final long[] all;
    private final List<String> banks;
    private final List<String> types;
    private final int[] sampleParticipant;
    private final int[] sampleBank;
    private final int[] sampleType;
    private final int[] sampleAge;
    private final Members[][] held;

    /** A set of participants: dense bits, or the sorted numbers of a few. */
    private record Members(long[] bits, int[] few) {
        void orInto(long[] into) {
            if (bits != null) {
                for (int i = 0; i < into.length; i++) {
                    into[i] |= bits[i];
                }
            } else {
                for (int p : few) {
                    into[p >>> 6] |= 1L << (p & 63);
                }
            }
        }

        static Members of(long[] bits) {
            int n = count(bits);
            if ((long) n * 4 >= (long) bits.length * 8) {
                return new Members(bits, null);
            }
            int[] few = new int[n];
            int k = 0;
            for (int w = 0; w < bits.length; w++) {
                for (long b = bits[w]; b != 0; b &= b - 1) {
                    few[k++] = (w << 6) + Long.numberOfTrailingZeros(b);
                }
            }
            return new Members(null, few);
        }
    }

    private DiscoveryIndex(String version, String[] ids, long[] keys, Map<Criteria.Field, Map<String, Members>> values, List<String> banks,
            List<String> types, int[] sampleParticipant, int[] sampleBank, int[] sampleType, int[] sampleAge) {
        this.version = version;
        this.participants = ids.length;
        this.words = (participants + 63) >>> 6;
        this.ids = ids;
        this.keys = keys;
        this.values = values;
        this.banks = banks;
        this.types = types;
        this.sampleParticipant = sampleParticipant;
        this.sampleBank = sampleBank;
        this.sampleType = sampleType;
        this.sampleAge = sampleAge;
        // who holds a sample of each type at each biobank: sample terms without ages are unions of these
        this.held = new Members[banks.size()][types.size()];
        long[][][] bits = new long[banks.size()][types.size()][];
        for (int i = 0; i < sampleParticipant.length; i++) {
            long[] b = bits[sampleBank[i]][sampleType[i]];
            if (b == null) {
                b = bits[sampleBank[i]][sampleType[i]] = new long[(ids.length + 63) >>> 6];
            }
            b[sampleParticipant[i] >>> 6] |= 1L << (sampleParticipant[i] & 63);
        }
        for (int b = 0; b < banks.size(); b++) {
            for (int t = 0; t < types.size(); t++) {
                held[b][t] = bits[b][t] == null ? null : Members.of(bits[b][t]);
            }
        }
        this.all = new long[words];
        for (int p = 0; p < participants; p++) {
            all[p >>> 6] |= 1L << (p & 63);
        }
    }

    /** The index of the datasets published now, without those who opted out (built on first use). */
    public static DiscoveryIndex of(EnclaveStorage storage) {
        return of(storage, new DatasetRegistryStore(storage).require(), new OptoutStore(storage).read().pseudonyms());
    }

    /**
     * The index of these datasets without these participants (a project's extract: what its plan
     * read), each participant's consent as the datasets give it with every recorded consent change
     * on top (dynamic consent).
     */
    public static DiscoveryIndex of(EnclaveStorage storage, DatasetRegistry registry, Set<String> optedOut) {
        jp.nmi.enclave.consent.ConsentRegistry consents = new jp.nmi.enclave.consent.ConsentStore(storage).read();
        String version = registry.publication() + "+" + digest(optedOut) + "+" + consents.sequence() + "-"
                + digest(consents.entries().stream().map(e -> e.pseudonym() + " " + e.change().label() + " " + e.duoCodes() + " "
                        + e.commercialUseProhibited()).collect(java.util.stream.Collectors.toSet()));
        String key = storage.fileSystemUri() + "#" + version;
        DiscoveryIndex cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        synchronized (CACHE) {
            cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
            DiscoveryIndex built = build(storage, registry, optedOut, consents, version);
            CACHE.keySet().removeIf(k -> k.startsWith(storage.fileSystemUri() + "#"));
            CACHE.put(key, built);
            return built;
        }
    }

    /** A digest of who opted out: another list, even of the same length, is another index. */
    private static String digest(Set<String> optedOut) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (String p : new java.util.TreeSet<>(optedOut)) {
                md.update(p.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return java.util.HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static DiscoveryIndex build(EnclaveStorage storage, DatasetRegistry registry, Set<String> optedOut,
            jp.nmi.enclave.consent.ConsentRegistry consents, String version) {
        try {
            String fs = storage.fileSystemUri().toString();
            List<Object[]> rows = new ArrayList<>();
            Map<String, List<jp.nmi.enclave.consent.ConsentRegistry.Entry>> changes = new HashMap<>();
            consents.entries().forEach(e -> changes.computeIfAbsent(e.pseudonym(), p -> new ArrayList<>()).add(e));
            DatasetReader.scan(storage.configuration(), fs, entry(registry, "participants"),
                    List.of("participant_id", "sex", "age_band", "region", "commercial_use_prohibited", "duo_codes"), r -> {
                        if (!optedOut.contains((String) r[0])) {
                            List<jp.nmi.enclave.consent.ConsentRegistry.Entry> mine = changes.get((String) r[0]);
                            if (mine != null) {
                                @SuppressWarnings("unchecked")
                                List<String> duo = (List<String>) r[5];
                                var now = jp.nmi.enclave.consent.ConsentRegistry.fold(
                                        new jp.nmi.enclave.consent.ConsentRegistry.Consent(duo, Boolean.TRUE.equals(r[4])), mine);
                                r[4] = now.commercialUseProhibited();
                                r[5] = now.duoCodes();
                            }
                            rows.add(r);
                        }
                    });
            // numbered by key (the keys a record of answers keeps), ties by id
            rows.sort(Comparator.<Object[]>comparingLong(r -> AnsweredAtoms.keyOf((String) r[0])).thenComparing(r -> (String) r[0]));
            int n = rows.size();
            int w = (n + 63) >>> 6;
            String[] ids = new String[n];
            long[] keys = new long[n];
            Map<String, Integer> number = new HashMap<>(n * 2);
            for (int p = 0; p < n; p++) {
                ids[p] = (String) rows.get(p)[0];
                keys[p] = AnsweredAtoms.keyOf(ids[p]);
                number.put(ids[p], p);
            }
            Map<Criteria.Field, Map<String, long[]>> bits = new EnumMap<>(Criteria.Field.class);
            for (Criteria.Field f : Criteria.Field.values()) {
                bits.put(f, new TreeMap<>());
            }
            for (int p = 0; p < n; p++) {
                Object[] r = rows.get(p);
                set(bits, Criteria.Field.SEX, (String) r[1], p, w);
                set(bits, Criteria.Field.AGE_BAND, (String) r[2], p, w);
                set(bits, Criteria.Field.REGION, (String) r[3], p, w);
                // commercial use only where the consent says so: an unknown consent does not allow it
                set(bits, Criteria.Field.COMMERCIAL, Boolean.FALSE.equals(r[4]) ? "yes" : "no", p, w);
                if (r[5] instanceof List<?> codes) {
                    for (Object c : codes) {
                        set(bits, Criteria.Field.DUO, String.valueOf(c), p, w);
                    }
                }
            }
            rows.clear();
            DatasetReader.scan(storage.configuration(), fs, entry(registry, "diagnoses"), List.of("participant_id", "icd10"), r -> {
                Integer p = number.get((String) r[0]);
                if (p != null && r[1] != null) {
                    set(bits, Criteria.Field.ICD10, (String) r[1], p, w);
                }
            });
            Map<String, Integer> bankNo = new LinkedHashMap<>();
            Map<String, Integer> typeNo = new LinkedHashMap<>();
            List<int[]> samples = new ArrayList<>();
            DatasetReader.scan(storage.configuration(), fs, entry(registry, "samples"),
                    List.of("participant_id", "biobank", "sample_type", "age_at_collection"), r -> {
                        Integer p = number.get((String) r[0]);
                        if (p != null && r[1] != null && r[2] != null) {
                            int b = bankNo.computeIfAbsent((String) r[1], k -> bankNo.size());
                            int t = typeNo.computeIfAbsent((String) r[2], k -> typeNo.size());
                            samples.add(new int[] {p, b, t, r[3] == null ? -1 : ((Number) r[3]).intValue()});
                        }
                    });
            // names in sorted order, numbers remapped to it
            List<String> banks = bankNo.keySet().stream().sorted().toList();
            List<String> types = typeNo.keySet().stream().sorted().toList();
            int[] bankAt = new int[banks.size()];
            bankNo.forEach((name, i) -> bankAt[i] = banks.indexOf(name));
            int[] typeAt = new int[types.size()];
            typeNo.forEach((name, i) -> typeAt[i] = types.indexOf(name));
            int[] sp = new int[samples.size()];
            int[] sb = new int[samples.size()];
            int[] st = new int[samples.size()];
            int[] sa = new int[samples.size()];
            for (int i = 0; i < samples.size(); i++) {
                int[] x = samples.get(i);
                sp[i] = x[0];
                sb[i] = bankAt[x[1]];
                st[i] = typeAt[x[2]];
                sa[i] = x[3];
            }
            Set<Integer> genotyped = new HashSet<>();
            if (registry.dataset("genotypes").isPresent()) {
                DatasetReader.scan(storage.configuration(), fs, entry(registry, "genotypes"), List.of("participant_id"), r -> {
                    Integer p = number.get((String) r[0]);
                    if (p != null) {
                        genotyped.add(p);
                    }
                });
            }
            for (int p = 0; p < n; p++) {
                set(bits, Criteria.Field.GENOTYPES, genotyped.contains(p) ? "yes" : "no", p, w);
            }
            Map<Criteria.Field, Map<String, Members>> values = new EnumMap<>(Criteria.Field.class);
            bits.forEach((f, m) -> {
                Map<String, Members> out = new LinkedHashMap<>();
                m.forEach((v, b) -> out.put(v, Members.of(b)));
                values.put(f, out);
            });
            return new DiscoveryIndex(version, ids, keys, values, banks, types, sp, sb, st, sa);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the published datasets for discovery: " + e.getMessage(), e);
        }
    }

    private static DatasetRegistry.Entry entry(DatasetRegistry registry, String name) {
        return registry.dataset(name).orElseThrow(() -> new ValidationException("the published datasets have no " + name));
    }

    private static void set(Map<Criteria.Field, Map<String, long[]>> bits, Criteria.Field f, String value, int p, int w) {
        if (value == null) {
            return;
        }
        long[] b = bits.get(f).computeIfAbsent(value, k -> new long[w]);
        b[p >>> 6] |= 1L << (p & 63);
    }

    /** The publication and opt-out list this index was built from. */
    public String version() {
        return version;
    }

    public int participants() {
        return participants;
    }

    /** The biobanks, by name. */
    public List<String> biobanks() {
        return banks;
    }

    /** The sample types held anywhere, by name. */
    public List<String> sampleTypes() {
        return types;
    }

    /** The participants meeting the criteria. */
    public long[] match(Criteria c) {
        return match(c, List.of());
    }

    /**
     * The participants meeting the criteria with, in every group, {@code sampleTerms} added to the
     * group's positive sample terms (a breakdown per biobank or sample type: a matching sample there).
     */
    long[] match(Criteria c, List<Criteria.Term> sampleTerms) {
        long[] out = new long[words];
        for (List<Criteria.Term> group : c.anyOf()) {
            List<Criteria.Term> terms = new ArrayList<>(group);
            terms.addAll(sampleTerms);
            long[] g = group(terms);
            for (int i = 0; i < words; i++) {
                out[i] |= g[i];
            }
        }
        return out;
    }

    private long[] group(List<Criteria.Term> terms) {
        long[] g = all.clone();
        List<Criteria.Term> sample = new ArrayList<>();
        for (Criteria.Term t : terms) {
            if (t.field().ofSample() && !t.negated()) {
                sample.add(t);
                continue;
            }
            long[] any = t.field().ofSample() ? withSample(List.of(t.positive())) : withValue(t);
            for (int i = 0; i < words; i++) {
                g[i] &= t.negated() ? ~any[i] & all[i] : any[i];
            }
        }
        if (!sample.isEmpty()) {
            long[] any = withSample(sample);
            for (int i = 0; i < words; i++) {
                g[i] &= any[i];
            }
        }
        return g;
    }

    /** Participants having any of the term's values (an ICD-10 term: any code under it). */
    private long[] withValue(Criteria.Term t) {
        long[] any = new long[words];
        Map<String, Members> of = values.get(t.field());
        for (String v : t.values()) {
            if (t.field() == Criteria.Field.ICD10) {
                of.forEach((code, m) -> {
                    if (Icd10Catalog.covers(v, code)) {
                        m.orInto(any);
                    }
                });
            } else {
                Members m = of.get(v);
                if (m != null) {
                    m.orInto(any);
                }
            }
        }
        return any;
    }

    /** Participants with one sample meeting every term. */
    private long[] withSample(List<Criteria.Term> terms) {
        boolean[] bankOk = new boolean[banks.size()];
        boolean[] typeOk = new boolean[types.size()];
        Arrays.fill(bankOk, true);
        Arrays.fill(typeOk, true);
        List<int[]> ages = new ArrayList<>();
        for (Criteria.Term t : terms) {
            switch (t.field()) {
                case BIOBANK -> {
                    for (int b = 0; b < banks.size(); b++) {
                        bankOk[b] &= t.values().contains(banks.get(b));
                    }
                }
                case SAMPLE_TYPE -> {
                    for (int s = 0; s < types.size(); s++) {
                        typeOk[s] &= t.values().contains(types.get(s));
                    }
                }
                case AGE_AT_COLLECTION -> ages.add(t.values().stream().map(Criteria::ageRange).flatMapToInt(Arrays::stream).toArray());
                default -> throw new IllegalArgumentException(t.field() + " is not a sample field");
            }
        }
        long[] any = new long[words];
        if (ages.isEmpty()) {
            for (int b = 0; b < banks.size(); b++) {
                for (int t = 0; t < types.size(); t++) {
                    if (bankOk[b] && typeOk[t] && held[b][t] != null) {
                        held[b][t].orInto(any);
                    }
                }
            }
            return any;
        }
        for (int i = 0; i < sampleParticipant.length; i++) {
            if (bankOk[sampleBank[i]] && typeOk[sampleType[i]] && agesHold(ages, sampleAge[i])) {
                int p = sampleParticipant[i];
                any[p >>> 6] |= 1L << (p & 63);
            }
        }
        return any;
    }

    /** Every age term has a range holding {@code age} (an unknown age holds none). */
    private static boolean agesHold(List<int[]> ages, int age) {
        for (int[] ranges : ages) {
            boolean in = false;
            for (int i = 0; i < ranges.length; i += 2) {
                in |= age >= ranges[i] && age <= ranges[i + 1];
            }
            if (!in) {
                return false;
            }
        }
        return true;
    }

    /** The participants of one value of a participant field (for breakdowns). */
    long[] withValue(Criteria.Field f, String value) {
        long[] any = new long[words];
        Members m = values.get(f).get(value);
        if (m != null) {
            m.orInto(any);
        }
        return any;
    }

    /** The provider pseudonyms of the participants meeting the criteria (what a project's extract selects). */
    public Set<String> matching(Criteria c) {
        long[] set = match(c);
        Set<String> out = new HashSet<>(count(set) * 2);
        for (int w = 0; w < set.length; w++) {
            for (long b = set[w]; b != 0; b &= b - 1) {
                out.add(ids[(w << 6) + Long.numberOfTrailingZeros(b)]);
            }
        }
        return out;
    }

    public static int count(long[] set) {
        int n = 0;
        for (long w : set) {
            n += Long.bitCount(w);
        }
        return n;
    }

    static long[] and(long[] a, long[] b) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] & b[i];
        }
        return out;
    }

    /** The keys of a set's participants, in ascending (signed) order. */
    long[] keys(long[] set) {
        long[] out = new long[count(set)];
        int k = 0;
        for (int w = 0; w < set.length; w++) {
            for (long b = set[w]; b != 0; b &= b - 1) {
                out[k++] = keys[(w << 6) + Long.numberOfTrailingZeros(b)];
            }
        }
        return out;
    }

    /** How many participants each value of a participant field has in this index (for the benchmark's checks). */
    Optional<Integer> countOf(Criteria.Field f, String value) {
        Members m = values.get(f).get(value);
        return m == null ? Optional.empty() : Optional.of(m.bits() != null ? count(m.bits()) : m.few().length);
    }
}
