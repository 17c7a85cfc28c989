package jp.nmi.enclave.genomics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.error.AccessDeniedException;

/**
 * Allele frequencies per stratum, as an analyst may see them: from the project's {@link AlleleIndex},
 * under the project's disclosure profile.
 *
 * <ul>
 *   <li>A stratum with fewer participants than the profile's minimum count is refused: its
 *       frequencies would describe a handful of people.
 *   <li>An allele or genotype count below the minimum is shown as a bound ({@code <10}), never
 *       exactly, and so is a count whose complement is below it (the reference alleles, when
 *       almost everyone carries the alternative); a frequency computed from a bounded count is
 *       bounded too.
 *   <li>A stratum that differs from the whole cohort, or from a stratum the user was answered
 *       before, by fewer participants than the minimum is refused: subtracting the two answers
 *       would give the frequencies of those few (the differencing attack the egress checks guard
 *       against too).
 *   <li>Every stratum asked spends one query of the user's budget: the attacks that tell
 *       whether someone is in a cohort from its allele frequencies (Homer et al. 2008) and the
 *       beacon re-identification attacks (Shringarpure and Bustamante 2015; Raisaro et al. 2017)
 *       need many queries. Every query is audited, refused ones too.
 * </ul>
 */
public final class AlleleFrequencies {
    /**
     * @param minCount the disclosure profile's minimum count (participants per stratum, alleles and genotypes per cell)
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
     * @param alleleNumber alleles observed (twice the participants: no missing calls)
     * @param frequency alternative allele frequency, or a bound when the count is one
     */
    public record Row(String stratum, AlleleIndex.Variant variant, int participants, Count alleleCount, int alleleNumber, String frequency,
            Count homRef, Count het, Count homAlt) {}

    /**
     * What a query returns, with what is left of the user's budget after it.
     *
     * @param withheld strata of a per-attribute table left out (too small, or too close to another)
     */
    public record Answer(List<Row> rows, int queriesUsed, int queriesLeft, int withheld) {}

    private final String project;
    private final AlleleIndex index;
    private final Policy policy;
    private final QueryBudget budget;
    private final AuditLog audit;
    private final java.util.function.Supplier<java.util.Set<String>> excluded;

    public AlleleFrequencies(String project, AlleleIndex index, Policy policy, QueryBudget budget, AuditLog audit) {
        this(project, index, policy, budget, audit, java.util.Set::of);
    }

    /**
     * @param excluded project pseudonyms left out of every stratum (who opted out since the extract
     *     was written), read at each query
     */
    public AlleleFrequencies(String project, AlleleIndex index, Policy policy, QueryBudget budget, AuditLog audit,
            java.util.function.Supplier<java.util.Set<String>> excluded) {
        this.excluded = requireNonNull(excluded, "excluded is null");
        this.project = requireNonNull(project, "project is null");
        this.index = requireNonNull(index, "index is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.budget = requireNonNull(budget, "budget is null");
        this.audit = requireNonNull(audit, "audit is null");
    }

    /** One stratum. */
    public Answer query(String user, Stratum stratum, VariantSelection variants) {
        return answer(user, stratum, List.of(stratum), variants, null);
    }

    /** Every value of {@code by} in turn, within {@code base} (the per-attribute table). */
    public Answer byAttribute(String user, Stratum base, Attribute by, VariantSelection variants) {
        if (base.values().containsKey(by)) {
            throw new jp.nmi.enclave.error.ValidationException("--by " + by.label() + " and --where " + by.label() + "=... together:"
                    + " leave " + by.label() + " out of --where");
        }
        List<Stratum> strata = new ArrayList<>();
        for (String value : valuesOf(by)) {
            strata.add(base.with(by, value));
        }
        return answer(user, base, strata, variants, by);
    }

    /** The values a per-attribute table runs over: every one the enclave knows, for disease the 3-character categories present. */
    List<String> valuesOf(Attribute by) {
        if (by != Attribute.DISEASE) {
            return by.choices();
        }
        return index.valuesOf(Attribute.DISEASE).stream().map(c -> c.length() > 3 ? c.substring(0, 3) : c).distinct().sorted().toList();
    }

    private Answer answer(String user, Stratum base, List<Stratum> strata, VariantSelection variants, Attribute by) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("where", base.toString());
        if (by != null) {
            details.put("by", by.label());
        }
        details.put("variants", describe(variants));
        try {
            List<Integer> selected = variants.resolve(index);
            // every stratum asked spends its query, answered or not: a refusal says something too
            QueryBudget.Spent spent = budget.spend(project, user, strata.size(), policy.queryBudget());
            details.put("queries_used", spent.used());
            java.util.Set<String> out = excluded.get();
            long[] everyone = index.mask(Stratum.ALL, out);
            List<long[]> earlier = new ArrayList<>();
            List<String> earlierNames = new ArrayList<>();
            for (String t : budget.answered(project, user)) {
                earlier.add(index.mask(Stratum.parse(t), out));
                earlierNames.add(t);
            }
            List<Row> rows = new ArrayList<>();
            List<String> answered = new ArrayList<>();
            int withheld = 0;
            for (Stratum s : strata) {
                long[] mask = index.mask(s, out);
                int n = AlleleIndex.count(mask);
                String refusal = refusal(s, mask, n, everyone, earlier, earlierNames);
                if (refusal != null) {
                    if (by == null) {
                        throw new AccessDeniedException(refusal);
                    }
                    withheld++;
                    continue; // a per-attribute table leaves such strata out, and says how many
                }
                rows.addAll(rows(s, mask, n, selected));
                answered.add(s.toString());
                earlier.add(mask);
                earlierNames.add(s.toString());
            }
            budget.remember(project, user, answered);
            details.put("rows", rows.size());
            if (withheld > 0) {
                details.put("strata_withheld", withheld);
            }
            audit.append(new AuditRecord(user, project, "af.query", "allowed", details));
            return new Answer(rows, spent.used(), spent.left(), withheld);
        } catch (RuntimeException e) {
            details.put("error", e.getMessage());
            audit.append(new AuditRecord(user, project, "af.query", e instanceof AccessDeniedException ? "denied" : "refused", details));
            throw e;
        }
    }

    /**
     * Why a stratum is not answered, or null: it holds fewer participants than the minimum, or it
     * differs from the whole cohort or from a stratum this user was answered before by fewer than
     * the minimum (then the two answers, subtracted, would describe those few: a differencing attack).
     */
    private String refusal(Stratum s, long[] mask, int n, long[] everyone, List<long[]> earlier, List<String> earlierNames) {
        int min = policy.minCount();
        if (n < min) {
            return "the stratum " + s + " has fewer than " + min + " participants (the project's disclosure profile): its frequencies"
                    + " would describe too few people";
        }
        int outside = difference(mask, everyone);
        if (outside > 0 && outside < min) {
            return "the stratum " + s + " leaves out fewer than " + min + " of the project's participants: with the frequencies of"
                    + " everyone it would describe too few people";
        }
        for (int i = 0; i < earlier.size(); i++) {
            int d = difference(mask, earlier.get(i));
            if (d > 0 && d < min) {
                return "the stratum " + s + " differs from " + earlierNames.get(i) + ", which you were answered before, by fewer than "
                        + min + " participants: the two answers together would describe too few people";
            }
        }
        return null;
    }

    /** Participants in one of the two sets and not the other. */
    static int difference(long[] a, long[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Long.bitCount(a[i] ^ b[i]);
        }
        return d;
    }

    private List<Row> rows(Stratum s, long[] mask, int n, List<Integer> selected) {
        int min = policy.minCount();
        String name = s.toString();
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
            int[] counts = index.genotypeCounts(mask, from, to);
            for (int v = from; v < to; v++) {
                int het = counts[2 * (v - from)];
                int hom = counts[2 * (v - from) + 1];
                int ac = het + 2 * hom;
                int an = 2 * n;
                Count acShown = Count.of(ac, min, an);
                out.add(new Row(name, index.variants().get(v), n, acShown, an, frequency(acShown, ac, an, min),
                        Count.of(n - het - hom, min, n), Count.of(het, min, n), Count.of(hom, min, n)));
            }
            i = j + 1;
        }
        return out;
    }

    /** The frequency as a decimal with six places, or a bound when the count is only a bound. */
    static String frequency(Count shown, int ac, int an, int min) {
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
