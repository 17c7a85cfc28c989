package jp.nmi.enclave.genomics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.ValidationException;

/**
 * Allele frequencies per stratum, as an analyst may see them: from the project's {@link AlleleIndex},
 * under the project's disclosure profile (its minimum count, 10 in the profiles shipped).
 *
 * <ul>
 *   <li>A stratum with fewer participants than the minimum is refused: its frequencies would
 *       describe a handful of people. So is one that leaves fewer than the minimum of the cohort out.
 *   <li>A stratum that, with what the project's members (of every audience) were answered before, would let the
 *       frequencies of fewer than the minimum be worked out is refused ({@link AnsweredAtoms}: no
 *       subtraction or other combination of answers, by one member or several, across opt-outs
 *       and rebuilt extracts). A per-attribute table leaves such strata out.
 *   <li>An allele count below the minimum, or whose complement (the reference alleles) is, is a
 *       bound ({@code <10}, {@code >90}), and so is the frequency computed from it. The three
 *       genotype counts are shown only when each is at least the minimum; otherwise all three are
 *       {@code suppressed}: with the participants and the allele count, two exact cells would give
 *       the third, and even bounds on them can (n = 50, allele count 59, two cells under 10 leaves
 *       one solution). With only those two numbers exact, every cell keeps several solutions.
 *   <li>Every stratum asked spends one query of the user's budget, answered or refused: the
 *       attacks that tell whether someone is in a cohort from its allele frequencies (Homer et al.
 *       2008) and the beacon re-identification attacks (Shringarpure and Bustamante 2015; Raisaro
 *       et al. 2017) need many queries. Every query is audited, refused ones too.
 * </ul>
 *
 * Allele numbers follow the chromosome: two per participant on autosomes, one per man and two per
 * woman on X, one per man on Y, one per participant on the mitochondrial genome.
 */
public final class AlleleFrequencies {
    /**
     * @param minCount the disclosure profile's minimum count (participants per stratum and per
     *     piece of what was answered, alleles and genotypes per cell)
     * @param queryBudget strata a user may ask for in this project
     */
    public record Policy(int minCount, int queryBudget) {
        public Policy {
            if (minCount < 1 || queryBudget < 0) {
                throw new IllegalArgumentException("minCount must be at least 1 and queryBudget not negative");
            }
        }
    }

    /** A count as shown: exact, or only a bound. */
    public record Count(int value, String shown) {
        static Count of(int value, int min, int total) {
            if (value < min) {
                return new Count(-1, "<" + min);
            }
            if (total - value < min) {
                return new Count(-1, ">" + (total - min));
            }
            return new Count(value, Integer.toString(value));
        }

        /** Not shown, because a cell of its row is small: with the participants and the allele count, bounds on the cells can pin them. */
        static Count suppressed() {
            return new Count(-1, "suppressed");
        }

        public boolean exact() {
            return value >= 0;
        }

        @Override
        public String toString() {
            return shown;
        }
    }

    /**
     * One variant in one stratum.
     *
     * @param participants in the stratum (never below the minimum: smaller strata are refused)
     * @param alleleCount alternative alleles
     * @param alleleNumber alleles observed
     * @param frequency alternative allele frequency, or a bound when the count is one
     */
    public record Row(String stratum, AlleleIndex.Variant variant, int participants, Count alleleCount, int alleleNumber, String frequency,
            Count homRef, Count het, Count homAlt) {}

    /**
     * What a query returns, with what is left of the user's budget after it.
     *
     * @param withheld strata of a per-attribute table left out (too small, or cutting what was answered too fine)
     */
    public record Answer(List<Row> rows, int queriesUsed, int queriesLeft, int withheld) {}

    private final String project;
    private final String audience;
    private final AlleleIndex index;
    private final Policy policy;
    private final QueryBudget budget;
    private final AuditLog audit;
    private final Supplier<Set<String>> excluded;

    public AlleleFrequencies(String project, AlleleIndex index, Policy policy, QueryBudget budget, AuditLog audit) {
        this(project, AfIndexStore.PROJECT, index, policy, budget, audit, Set::of);
    }

    /**
     * @param audience whose participants this index holds ({@link AfIndexStore#PROJECT}, or an audience's name); what
     *     was answered is recorded once for the project, across audiences
     * @param excluded project pseudonyms left out of every stratum (who opted out since the extract
     *     was written), read at each query
     */
    public AlleleFrequencies(String project, String audience, AlleleIndex index, Policy policy, QueryBudget budget, AuditLog audit,
            Supplier<Set<String>> excluded) {
        this.project = requireNonNull(project, "project is null");
        this.audience = requireNonNull(audience, "audience is null");
        this.index = requireNonNull(index, "index is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.budget = requireNonNull(budget, "budget is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.excluded = requireNonNull(excluded, "excluded is null");
    }

    /** One stratum. */
    public Answer query(String user, Stratum stratum, VariantSelection variants) {
        return answer(user, stratum, null, variants);
    }

    /** Every value of {@code by} in turn, within {@code base} (the per-attribute table). */
    public Answer byAttribute(String user, Stratum base, Attribute by, VariantSelection variants) {
        return answer(user, base, requireNonNull(by, "by is null"), variants);
    }

    /** The values a per-attribute table runs over: every one the enclave knows, for disease the 3-character categories present. */
    List<String> valuesOf(Attribute by) {
        if (by != Attribute.DISEASE) {
            return by.choices();
        }
        return index.valuesOf(Attribute.DISEASE).stream().map(c -> c.length() > 3 ? c.substring(0, 3) : c).distinct().sorted().toList();
    }

    private Answer answer(String user, Stratum base, Attribute by, VariantSelection variants) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("where", base.toString());
        if (by != null) {
            details.put("by", by.label());
        }
        details.put("variants", describe(variants));
        if (!audience.equals(AfIndexStore.PROJECT)) {
            details.put("audience", audience);
        }
        try {
            if (by != null && base.values().containsKey(by)) {
                throw new ValidationException("--by " + by.label() + " and --where " + by.label() + "=... together: leave " + by.label()
                        + " out of --where");
            }
            List<Stratum> strata = new ArrayList<>();
            if (by == null) {
                strata.add(base);
            } else {
                for (String value : valuesOf(by)) {
                    strata.add(base.with(by, value));
                }
            }
            List<Integer> selected = variants.resolve(index);
            Answer answer = budget.locked(project, () -> answerLocked(user, strata, by != null, selected, details));
            details.put("rows", answer.rows().size());
            if (answer.withheld() > 0) {
                details.put("strata_withheld", answer.withheld());
            }
            audit.append(new AuditRecord(user, project, "af.query", "allowed", details));
            return answer;
        } catch (RuntimeException e) {
            details.put("error", e.getMessage());
            audit.append(new AuditRecord(user, project, "af.query", e instanceof AccessDeniedException ? "denied" : "refused", details));
            throw e;
        }
    }

    /** Checking, spending and recording as one step, under the project's lock. */
    private Answer answerLocked(String user, List<Stratum> strata, boolean table, List<Integer> selected, Map<String, Object> details) {
        // every stratum asked spends its query, answered or not: a refusal says something too
        QueryBudget.Spent spent = budget.spend(project, user, strata.size(), policy.queryBudget());
        details.put("queries_used", spent.used());
        Set<String> out = excluded.get();
        int everyone = AlleleIndex.count(index.mask(Stratum.ALL, out));
        // on X and Y the allele number counts the men of the stratum: a count of another set, answered as well
        boolean bySex = selected.stream().map(v -> Chromosomes.of(index.variants().get(v).chrom()))
                .anyMatch(c -> c == Chromosomes.X || c == Chromosomes.Y);
        long[] men = index.mask(Stratum.parse("sex=M"), out);
        // one record per project, whatever the audience: the audiences' participants are the same people
        AnsweredAtoms atoms = budget.atoms(project, AfIndexStore.PROJECT);
        List<Segment> rows = new ArrayList<>();
        int withheld = 0;
        boolean cut = false;
        for (Stratum s : strata) {
            long[] mask = index.mask(s, out);
            int n = AlleleIndex.count(mask);
            long[] members = keys(mask);
            AnsweredAtoms after = null;
            String refusal = refusal(s, n, everyone);
            if (refusal == null) {
                after = atoms.answering(members);
                if (bySex) {
                    long[] menHere = and(mask, men);
                    int m = AlleleIndex.count(menHere);
                    if (m > 0 && m < n) {
                        after = after.answering(keys(menHere));
                    }
                }
                if (after.disclosesFewerThan(policy.minCount())) {
                    refusal = "the stratum " + s + " would, with what the project's members were answered before, give away the"
                            + " frequencies of fewer than " + policy.minCount() + " participants";
                }
            }
            if (refusal != null) {
                if (!table) {
                    throw new AccessDeniedException(refusal);
                }
                withheld++;
                continue; // a per-attribute table leaves such strata out, and says how many
            }
            rows.add(rows(s, mask, n, selected, out));
            atoms = after;
            cut = true;
        }
        if (cut) {
            budget.saveAtoms(project, AfIndexStore.PROJECT, atoms);
        }
        return new Answer(new Rows(rows), spent.used(), spent.left(), withheld);
    }

    /** Why a stratum is not answered, or null. Never a count: the reasons are the same for 1 and for 9. */
    private String refusal(Stratum s, int n, int everyone) {
        int min = policy.minCount();
        if (n < min) {
            return "the stratum " + s + " has fewer than " + min + " participants (the project's disclosure profile): its frequencies"
                    + " would describe too few people";
        }
        if (everyone - n > 0 && everyone - n < min) {
            return "the stratum " + s + " leaves out fewer than " + min + " of the project's participants: with the frequencies of"
                    + " everyone it would describe too few people";
        }
        return null;
    }

    private long[] keys(long[] mask) {
        long[] all = index.participantKeys();
        long[] out = new long[AlleleIndex.count(mask)];
        int k = 0;
        for (int w = 0; w < mask.length; w++) {
            long bits = mask[w];
            while (bits != 0) {
                int p = (w << 6) + Long.numberOfTrailingZeros(bits);
                out[k++] = all[p];
                bits &= bits - 1;
            }
        }
        return out;
    }

    /**
     * One stratum's answer, counted: the rows are made when read (a table of 70 strata over 100,000
     * variants is seven million rows, and most callers write them out one by one).
     */
    private Segment rows(Stratum s, long[] mask, int n, List<Integer> selected, Set<String> excluded) {
        int men = AlleleIndex.count(and(mask, index.mask(Stratum.parse("sex=M"))));
        int[] variants = new int[selected.size()];
        int[] counts = new int[2 * selected.size()];
        // contiguous runs of the selection are counted in one pass each
        int i = 0;
        while (i < selected.size()) {
            int from = selected.get(i);
            int j = i;
            while (j + 1 < selected.size() && selected.get(j + 1) == selected.get(j) + 1) {
                j++;
            }
            int to = selected.get(j) + 1;
            int[] c = index.genotypeCounts(s, excluded, from, to);
            for (int v = from; v < to; v++) {
                variants[i + v - from] = v;
            }
            System.arraycopy(c, 0, counts, 2 * i, c.length);
            i = j + 1;
        }
        return new Segment(s.toString(), n, men, variants, counts);
    }

    private record Segment(String stratum, int n, int men, int[] variants, int[] counts) {}

    /** The rows of several strata, made as they are read. */
    private final class Rows extends java.util.AbstractList<Row> {
        private final List<Segment> segments;
        private final int[] starts;
        private final int size;

        Rows(List<Segment> segments) {
            this.segments = segments;
            this.starts = new int[segments.size()];
            int total = 0;
            for (int k = 0; k < segments.size(); k++) {
                starts[k] = total;
                total += segments.get(k).variants().length;
            }
            this.size = total;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Row get(int i) {
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException(i);
            }
            int k = java.util.Arrays.binarySearch(starts, i);
            if (k < 0) {
                k = -k - 2;
            }
            while (k + 1 < starts.length && starts[k + 1] == i) {
                k++; // skip strata with no rows
            }
            Segment seg = segments.get(k);
            int at = i - starts[k];
            return row(seg.stratum(), index.variants().get(seg.variants()[at]), seg.n(), seg.men(), seg.counts()[2 * at],
                    seg.counts()[2 * at + 1]);
        }
    }

    private Row row(String stratum, AlleleIndex.Variant variant, int n, int men, int het, int hom) {
        int min = policy.minCount();
        int ac = het + 2 * hom;
        int an = alleleNumber(variant.chrom(), n, men);
        Count acShown = Count.of(ac, min, an);
        int homRef = n - het - hom;
        boolean cells = homRef >= min && het >= min && hom >= min;
        return new Row(stratum, variant, n, acShown, an, frequency(acShown, ac, an, min),
                cells ? Count.of(homRef, min, n) : Count.suppressed(), cells ? Count.of(het, min, n) : Count.suppressed(),
                cells ? Count.of(hom, min, n) : Count.suppressed());
    }


    private static long[] and(long[] a, long[] b) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] & b[i];
        }
        return out;
    }

    /** Alleles observed: by chromosome and sex (participants of unknown sex count as diploid on X, not on Y). */
    static int alleleNumber(String chrom, int n, int men) {
        return switch (Chromosomes.of(chrom)) {
            case X -> 2 * (n - men) + men;
            case Y -> men;
            case MT -> n;
            default -> 2 * n;
        };
    }

    /** The frequency as a decimal with six places, or a bound when the count is only a bound. */
    static String frequency(Count shown, int ac, int an, int min) {
        if (an == 0) {
            return "NA";
        }
        if (shown.exact()) {
            return format(ac, an);
        }
        return ac < min ? "<" + format(min, an) : ">" + format(an - min, an);
    }

    /** {@code a / b} with six decimals, rounded half up, in integers (exact, and far faster than String.format). */
    static String format(long a, long b) {
        long x = (a * 2_000_000L + b) / (2 * b);
        long whole = x / 1_000_000L;
        long frac = x % 1_000_000L;
        StringBuilder s = new StringBuilder(10).append(whole).append('.');
        String f = Long.toString(frac);
        for (int i = f.length(); i < 6; i++) {
            s.append('0');
        }
        return s.append(f).toString();
    }

    private static String describe(VariantSelection v) {
        if (v instanceof VariantSelection.Ids ids) {
            return ids.ids().size() <= 10 ? String.join(" ", ids.ids()) : ids.ids().size() + " variants";
        }
        if (v instanceof VariantSelection.Region r) {
            return r.chrom() + ":" + r.start() + "-" + r.end();
        }
        return "all";
    }
}
