package jp.nmi.enclave.discovery;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.dataset.AgeBands;
import jp.nmi.enclave.dataset.Region;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.genomics.HdfsQueryBudget;
import jp.nmi.enclave.genomics.QueryBudget;
import jp.nmi.enclave.hdfs.EnclaveStorage;

/**
 * Cohort discovery before a project exists: how many of the provider's participants meet some
 * criteria, in all and per biobank (or per sample type, sex, region, age band), for registered
 * researchers, who see no records. Counts that cannot identify anyone:
 *
 * <ul>
 *   <li>a count below the disclosure profile's threshold is shown as {@code <10}, zero included, so
 *       "none" and "a few" look the same;
 *   <li>every other count is rounded to a multiple of 10;
 *   <li>every count shown (total and cell) is kept with the set of people it counted, for all
 *       researchers together ({@link AnsweredSets}); a set that differs from one already shown by
 *       fewer than the threshold is shown as that one was. Two overlapping queries that differ in
 *       1 to 9 people therefore answer exactly as if they differed in none, and a refusal never
 *       says anything: nothing is refused for what it would disclose, only for the budget;
 *   <li>each researcher has a budget of queries;
 *   <li>every query is audited, answered or refused.
 * </ul>
 */
public final class Discovery {
    /** A count as shown: rounded, or a bound. */
    public record Count(int value, String shown) {
        static Count of(String shown) {
            return shown.startsWith("<") ? new Count(-1, shown) : new Count(Integer.parseInt(shown), shown);
        }

        public boolean isBound() {
            return value < 0;
        }

        /** The count as a JSON value: a number, or the bound's text. */
        public Object json() {
            return isBound() ? shown : (Object) value;
        }

        @Override
        public String toString() {
            return shown;
        }
    }

    /** An answer: the total and the breakdown, as shown, and what is left of the researcher's budget. */
    public record Answer(Criteria criteria, Count total, Optional<String> by, Map<String, Count> breakdown, int queriesUsed, int queriesLeft,
            String precision) {}

    /** What a breakdown may be by. */
    public static final List<String> BREAKDOWNS = List.of("biobank", "sample_type", "sex", "region", "age_band");

    /** The scope of the records: one for the whole enclave, so that accounts cannot split a differencing pair. */
    private static final String SCOPE = "enclave";

    private final EnclaveStorage storage;
    private final AuditLog audit;
    private final QueryBudget budget;
    private final AnsweredSets answered;
    private final DiscoveryPolicy policy;

    public Discovery(EnclaveStorage storage, AuditLog audit, DiscoveryPolicy policy) {
        this.storage = requireNonNull(storage, "storage is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.budget = new HdfsQueryBudget(storage, scope -> storage.layout().discovery());
        this.answered = AnsweredSets.of(storage);
    }

    public DiscoveryPolicy policy() {
        return policy;
    }

    /** The biobanks and sample types a researcher can choose from (names of the provider's collections, not counts). */
    public DiscoveryIndex index() {
        return DiscoveryIndex.of(storage);
    }

    /**
     * Counts the participants meeting {@code criteria}, and per value of {@code by}.
     *
     * @throws ValidationException for an unknown breakdown
     * @throws AccessDeniedException when the researcher's budget is spent
     */
    public Answer count(String user, Criteria criteria, Optional<String> by) {
        requireNonNull(user, "user is null");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("criteria", criteria.toString());
        by.ifPresent(b -> details.put("by", b));
        try {
            if (by.isPresent() && !BREAKDOWNS.contains(by.get())) {
                throw new ValidationException("--by " + by.get() + ": a breakdown is by one of " + String.join(", ", BREAKDOWNS));
            }
            DiscoveryIndex index = DiscoveryIndex.of(storage);
            details.put("datasets", index.version());
            Answer a = budget.locked(SCOPE, () -> {
                int used = budget.used(SCOPE, user);
                if (used >= policy.queriesPerResearcher()) {
                    throw new AccessDeniedException(user + " has asked the " + policy.queriesPerResearcher()
                            + " discovery queries a researcher may ask: the budget protects participants against queries that"
                            + " narrow in on someone; the provider's operator can raise it");
                }
                QueryBudget.Spent spent = budget.spend(SCOPE, user, 1, policy.queriesPerResearcher());
                answered.refresh();
                List<String> labels = new ArrayList<>();
                List<long[]> sets = new ArrayList<>();
                labels.add(null);
                sets.add(index.match(criteria));
                by.ifPresent(b -> cells(index, criteria, b, sets.get(0), labels, sets));
                List<long[]> fresh = new ArrayList<>();
                List<String> freshShown = new ArrayList<>();
                List<String> shown = new ArrayList<>();
                for (long[] set : sets) {
                    long[] keys = index.keys(set);
                    Optional<AnsweredSets.Shown> earlier = answered.earlierWithin(keys, policy.minCount());
                    String s = earlier.map(AnsweredSets.Shown::shown).orElseGet(() -> shown(keys.length));
                    if (earlier.isEmpty()) {
                        fresh.add(keys);
                        freshShown.add(s);
                    }
                    shown.add(s);
                }
                answered.record(fresh, freshShown);
                Map<String, Count> cells = new LinkedHashMap<>();
                for (int i = 1; i < labels.size(); i++) {
                    cells.put(labels.get(i), Count.of(shown.get(i)));
                }
                return new Answer(criteria, Count.of(shown.get(0)), by, cells, spent.used(), spent.left(), precision());
            });
            details.put("total", a.total().shown());
            details.put("queries_used", a.queriesUsed());
            audit.append(new AuditRecord(user, null, "discovery.query", "allowed", details));
            return a;
        } catch (RuntimeException e) {
            details.put("error", e.getMessage());
            audit.append(new AuditRecord(user, null, "discovery.query", e instanceof AccessDeniedException ? "denied" : "refused", details));
            throw e;
        }
    }

    /** How counts are shown, in words. */
    public String precision() {
        return "counts under " + policy.minCount() + " shown as <" + policy.minCount() + ", others rounded to " + policy.roundTo()
                + "; a count within " + (policy.minCount() - 1) + " people of one shown before is shown as that one was";
    }

    private String shown(int n) {
        if (n < policy.minCount()) {
            return "<" + policy.minCount();
        }
        long r = Math.round((double) n / policy.roundTo()) * policy.roundTo();
        return Long.toString(Math.max(r, policy.minCount()));
    }

    private static void cells(DiscoveryIndex index, Criteria criteria, String by, long[] total, List<String> labels, List<long[]> sets) {
        switch (by) {
            case "biobank", "sample_type" -> {
                Criteria.Field f = by.equals("biobank") ? Criteria.Field.BIOBANK : Criteria.Field.SAMPLE_TYPE;
                for (String value : f == Criteria.Field.BIOBANK ? index.biobanks() : index.sampleTypes()) {
                    labels.add(value);
                    sets.add(index.match(criteria, List.of(new Criteria.Term(f, false, List.of(value)))));
                }
            }
            default -> {
                Criteria.Field f = Criteria.Field.of(by).orElseThrow();
                List<String> values = switch (f) {
                    case AGE_BAND -> AgeBands.labels();
                    case REGION -> Region.labels();
                    default -> List.of("F", "M");
                };
                for (String value : values) {
                    labels.add(value);
                    sets.add(DiscoveryIndex.and(total, index.withValue(f, value)));
                }
            }
        }
    }
}
