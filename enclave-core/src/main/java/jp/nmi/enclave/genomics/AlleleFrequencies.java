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
 *   <li>A stratum that would cut what the project's audience was answered before into a piece
 *       smaller than the minimum is refused ({@link AnsweredAtoms}): then no subtraction or other
 *       combination of answers, by one member or several, across opt-outs and rebuilt extracts,
 *       describes fewer people than the minimum. A per-attribute table leaves such strata out.
 *   <li>An allele count below the minimum, or whose complement (the reference alleles) is, is a
 *       bound ({@code <10}, {@code >90}), and so is the frequency computed from it. The three
 *       genotype counts are shown only when each is at least the minimum; otherwise none is exact
 *       ({@code <10} for a small one, {@code >=10} for the others), since with the participants and
 *       the allele count two exact cells would give the third.
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

        /** Not shown exactly because another cell of its row is small. */
        static Count withheld(int min) {
            return new Count(-1, ">=" + min);
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
     * @param audience whose answers this index gives ({@link AfIndexStore#PROJECT}, or an audience's name): they share what was answered
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
        long[] everyone = index.mask(Stratum.ALL, out);
        long[] present = keys(everyone);
        AnsweredAtoms atoms = budget.atoms(project, audience);
        List<Row> rows = new ArrayList<>();
        int withheld = 0;
        boolean cut = false;
        for (Stratum s : strata) {
            long[] mask = index.mask(s, out);
            int n = AlleleIndex.count(mask);
            long[] members = keys(mask);
            String refusal = refusal(s, n, present.length, members, present, atoms);
            if (refusal != null) {
                if (!table) {
                    throw new AccessDeniedException(refusal);
                }
                withheld++;
                continue; // a per-attribute table leaves such strata out, and says how many
            }
            rows.addAll(rows(s, mask, n, selected, out));
            atoms.answered(members);
            cut = true;
        }
        if (cut) {
            budget.saveAtoms(project, audience, atoms);
        }
        return new Answer(rows, spent.used(), spent.left(), withheld);
    }

    /** Why a stratum is not answered, or null. Never a count: the reasons are the same for 1 and for 9. */
    private String refusal(Stratum s, int n, int everyone, long[] members, long[] present, AnsweredAtoms atoms) {
        int min = policy.minCount();
        if (n < min) {
            return "the stratum " + s + " has fewer than " + min + " participants (the project's disclosure profile): its frequencies"
                    + " would describe too few people";
        }
        if (everyone - n > 0 && everyone - n < min) {
            return "the stratum " + s + " leaves out fewer than " + min + " of the project's participants: with the frequencies of"
                    + " everyone it would describe too few people";
        }
        if (atoms.wouldSingleOut(members, present, min)) {
            return "the stratum " + s + " would set apart fewer than " + min + " participants from what the project's members were"
                    + " answered before: the answers together would describe too few people";
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

    private List<Row> rows(Stratum s, long[] mask, int n, List<Integer> selected, Set<String> excluded) {
        int min = policy.minCount();
        String name = s.toString();
        int men = AlleleIndex.count(and(mask, index.mask(Stratum.parse("sex=M"))));
        List<Row> out = new ArrayList<>(selected.size());
        // contiguous runs of the selection are counted in one pass each
        int i = 0;
        while (i < selected.size()) {
            int from = selected.get(i);
            int j = i;
            while (j + 1 < selected.size() && selected.get(j + 1) == selected.get(j) + 1) {
                j++;
            }
            int to = selected.get(j) + 1;
            int[] counts = index.genotypeCounts(s, excluded, from, to);
            for (int v = from; v < to; v++) {
                AlleleIndex.Variant variant = index.variants().get(v);
                int het = counts[2 * (v - from)];
                int hom = counts[2 * (v - from) + 1];
                int ac = het + 2 * hom;
                int an = alleleNumber(variant.chrom(), n, men);
                Count acShown = Count.of(ac, min, an);
                int homRef = n - het - hom;
                boolean cells = homRef >= min && het >= min && hom >= min;
                out.add(new Row(name, variant, n, acShown, an, frequency(acShown, ac, an, min),
                        cells ? Count.of(homRef, min, n) : small(homRef, min), cells ? Count.of(het, min, n) : small(het, min),
                        cells ? Count.of(hom, min, n) : small(hom, min)));
            }
            i = j + 1;
        }
        return out;
    }

    private static Count small(int value, int min) {
        return value < min ? new Count(-1, "<" + min) : Count.withheld(min);
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
            return format((double) ac / an);
        }
        return ac < min ? "<" + format((double) min / an) : ">" + format((double) (an - min) / an);
    }

    static String format(double f) {
        return String.format(java.util.Locale.ROOT, "%.6f", f);
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
