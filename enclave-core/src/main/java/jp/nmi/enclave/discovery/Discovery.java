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
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.genomics.HdfsQueryBudget;
import jp.nmi.enclave.genomics.QueryBudget;
import jp.nmi.enclave.hdfs.EnclaveStorage;

/**
 * Cohort discovery before a project exists: how many of the provider's participants meet some
 * criteria, in all and per biobank (or per sample type, sex, region, age band), for registered
 * researchers, who see no records. Counts that cannot identify anyone ({@link DiscoveryPolicy}):
 *
 * <ul>
 *   <li>each count is perturbed by a whole number from -5 to +5, the same every time for the same
 *       set of people (a keyed hash of who is in it: asking again, or asking the same people another
 *       way, gives nothing new to average);
 *   <li>a perturbed count below the disclosure profile's threshold is shown as {@code <10}, zero
 *       included; every other count is rounded to a multiple of 10;
 *   <li>every count shown (total and cell) is kept with the set of people it counted, for all
 *       researchers together ({@link AnsweredSets}); a set that differs from one shown before, or
 *       from another of the same query, by fewer than the threshold is shown as that one was. Two
 *       overlapping queries that differ in 1 to 9 people therefore answer exactly as if they
 *       differed in none;
 *   <li>nothing is refused for what it would disclose (such a refusal is itself an answer), only
 *       for the budget and for bad input;
 *   <li>each researcher has a budget of queries, and every query is audited, answered or refused,
 *       with what was shown.
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
    private final HdfsQueryBudget budget;
    private final AnsweredSets answered;
    private final DiscoveryPolicy policy;
    private volatile long[] noiseKey;

    /** Discovery under the enclave's own policy ({@code /enclave/discovery/policy.yaml}, else the built-in one). */
    public Discovery(EnclaveStorage storage, AuditLog audit) {
        this(storage, audit, DiscoveryPolicy.of(requireNonNull(storage, "storage is null")));
    }

    public Discovery(EnclaveStorage storage, AuditLog audit, DiscoveryPolicy policy) {
        this.storage = requireNonNull(storage, "storage is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.policy = requireNonNull(policy, "policy is null");
        this.budget = new HdfsQueryBudget(storage, scope -> storage.layout().discovery());
        this.answered = AnsweredSets.of(storage, policy);
    }

    /** The records' directory, the operator's side of the enclave: nobody else may read who was counted where. */
    private void ensureRecords() {
        org.apache.hadoop.fs.Path dir = storage.layout().discovery();
        try {
            if (!storage.fs().exists(dir) || storage.fs().getFileStatus(dir).getPermission().toShort() != 0700) {
                jp.nmi.enclave.hdfs.HdfsFiles.mkdirs(storage, dir, 0700);
            }
        } catch (java.io.IOException e) {
            throw new EnclaveStorageException("cannot make the discovery records " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes participants who opted out from the record of shown counts (called when opt-outs are
     * applied: they vanish from derived data too).
     *
     * @return how many memberships were removed
     */
    public static long purge(EnclaveStorage storage, java.util.Set<String> pseudonyms) {
        if (pseudonyms.isEmpty()) {
            return 0;
        }
        java.util.Set<Integer> members = new java.util.HashSet<>();
        for (String p : pseudonyms) {
            members.add((int) (jp.nmi.enclave.genomics.AnsweredAtoms.keyOf(p) >> 32));
        }
        HdfsQueryBudget records = new HdfsQueryBudget(storage, scope -> storage.layout().discovery());
        try {
            if (!storage.fs().exists(storage.layout().discovery())) {
                return 0;
            }
        } catch (java.io.IOException e) {
            throw new EnclaveStorageException("cannot read the discovery records: " + e.getMessage(), e);
        }
        return records.locked(SCOPE, () -> AnsweredSets.purge(storage, members));
    }

    public DiscoveryPolicy policy() {
        return policy;
    }

    /** The index of the published datasets (built on first use). */
    public DiscoveryIndex index() {
        return DiscoveryIndex.of(storage);
    }

    /**
     * Counts the participants meeting {@code where}, and per value of {@code by}; audited, answered or not.
     *
     * @throws ValidationException for criteria or a breakdown it cannot read
     * @throws AccessDeniedException when the researcher's budget is spent
     */
    public Answer count(String user, String where, Optional<String> by) {
        requireNonNull(user, "user is null");
        Map<String, Object> details = new LinkedHashMap<>();
        // what was asked, as asked, but never more than the criteria may be long: the log is not a dumping ground
        details.put("criteria", where == null || where.length() <= Criteria.MAX_LENGTH ? where
                : where.substring(0, 200) + "... (" + where.length() + " characters)");
        by.ifPresent(b -> details.put("by", b.length() <= 32 ? b : b.substring(0, 32) + "... (" + b.length() + " characters)"));
        try {
            Criteria criteria = Criteria.parse(where);
            details.put("criteria", criteria.toString());
            checkNames(criteria);
            if (by.isPresent() && !BREAKDOWNS.contains(by.get())) {
                throw new ValidationException("--by " + by.get() + ": a breakdown is by one of " + String.join(", ", BREAKDOWNS));
            }
            DiscoveryIndex index = DiscoveryIndex.of(storage);
            details.put("datasets", index.version());
            // the sets first, outside the lock: the index never changes once built
            List<String> labels = new ArrayList<>();
            List<long[]> sets = new ArrayList<>();
            labels.add(null);
            sets.add(index.match(criteria));
            by.ifPresent(b -> cells(index, criteria, b, sets.get(0), labels, sets));
            List<long[]> keys = sets.stream().map(index::keys).toList();
            ensureRecords();
            long[] secret = noiseKey();
            Answer a = budget.locked(SCOPE, () -> {
                if (budget.used(SCOPE, user) >= policy.queriesPerResearcher()) {
                    throw new AccessDeniedException(user + " has asked the " + policy.queriesPerResearcher()
                            + " discovery queries a researcher may ask: the budget protects participants against queries that"
                            + " narrow in on someone; the provider's operator can raise it");
                }
                QueryBudget.Spent spent = budget.spend(SCOPE, user, 1, policy.queriesPerResearcher());
                answered.refresh();
                List<int[]> asked = new ArrayList<>();
                List<String> shown = new ArrayList<>();
                for (long[] k : keys) {
                    int[] members = AnsweredSets.members(k);
                    String s = answered.earlierWithin(members, policy.minCount()).map(AnsweredSets.Shown::shown).orElse(null);
                    // and within this query: a cell within 9 of the total (or of another cell) is shown as it was
                    for (int i = 0; s == null && i < asked.size(); i++) {
                        if (AnsweredSets.differ(members, asked.get(i), policy.minCount()) < policy.minCount()) {
                            s = shown.get(i);
                        }
                    }
                    asked.add(members);
                    shown.add(s == null ? shown(k, secret) : s);
                }
                // every set shown is recorded, answered afresh or as an earlier one (so that a set near it is answered
                // alike too), and every query writes: how long it takes says nothing about which it was
                budget.checkHeld(SCOPE);
                answered.record(asked, shown);
                Map<String, Count> cells = new LinkedHashMap<>();
                for (int i = 1; i < labels.size(); i++) {
                    cells.put(labels.get(i), Count.of(shown.get(i)));
                }
                return new Answer(criteria, Count.of(shown.get(0)), by, cells, spent.used(), spent.left(), precision());
            });
            details.put("total", a.total().shown());
            if (!a.breakdown().isEmpty()) {
                Map<String, String> cells = new LinkedHashMap<>();
                a.breakdown().forEach((k, v) -> cells.put(k, v.shown()));
                details.put("breakdown", cells);
            }
            details.put("queries_used", a.queriesUsed());
            audit.append(new AuditRecord(user, null, "discovery.query", "allowed", details));
            return a;
        } catch (RuntimeException e) {
            details.put("error", e.getMessage());
            audit.append(new AuditRecord(user, null, "discovery.query", e instanceof AccessDeniedException ? "denied" : "refused", details));
            throw e;
        }
    }

    /** Biobanks and sample types are the policy's: another name is a mistake, said as such. */
    private void checkNames(Criteria criteria) {
        for (List<Criteria.Term> group : criteria.anyOf()) {
            for (Criteria.Term t : group) {
                List<String> known = t.field() == Criteria.Field.BIOBANK ? policy.biobanks()
                        : t.field() == Criteria.Field.SAMPLE_TYPE ? policy.sampleTypes() : null;
                if (known != null) {
                    for (String v : t.values()) {
                        if (!known.contains(v)) {
                            throw new ValidationException("--where: " + t.field().label() + " '" + v + "' is not one of the provider's ("
                                    + String.join(", ", known) + ")");
                        }
                    }
                }
            }
        }
    }

    /** How counts are shown, in words. */
    public String precision() {
        return "each count perturbed by up to " + policy.noise() + " (the same for the same people), then under " + policy.minCount()
                + " shown as <" + policy.minCount() + " and others rounded to " + policy.roundTo() + "; a count within "
                + (policy.minCount() - 1) + " people of one shown before is shown as that one was";
    }

    /** The count shown for a set never shown before: perturbed by its own noise, then bounded or rounded. */
    String shown(long[] keys, long[] secret) {
        if (keys.length == 0) {
            return "<" + policy.minCount();
        }
        long v = (long) keys.length + perturbation(keys, secret, policy.noise());
        if (v < policy.minCount()) {
            return "<" + policy.minCount();
        }
        long r = Math.round((double) v / policy.roundTo()) * policy.roundTo();
        return Long.toString(Math.max(r, policy.minCount()));
    }

    /**
     * A whole number from -noise to +noise that depends only on who is in the set and on the
     * enclave's secret: the sum of the members' keyed hashes, hashed again.
     */
    static int perturbation(long[] keys, long[] secret, int noise) {
        if (noise == 0) {
            return 0;
        }
        long sum = 0;
        for (long k : keys) {
            sum += mix(k ^ secret[0]);
        }
        return (int) Long.remainderUnsigned(mix(sum ^ secret[1]), 2L * noise + 1) - noise;
    }

    /** MurmurHash3's 64-bit finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The enclave's secret for the noise ({@code discovery/noise.key}, made once, on the operator's side). */
    private long[] noiseKey() {
        long[] k = noiseKey;
        if (k != null) {
            return k;
        }
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(storage.layout().discovery(), "noise.key");
        try {
            if (!storage.fs().exists(file)) {
                byte[] fresh = new byte[16];
                new java.security.SecureRandom().nextBytes(fresh);
                try (var out = storage.fs().create(file, false)) {
                    out.write(fresh);
                    out.close();
                    storage.fs().setPermission(file, new org.apache.hadoop.fs.permission.FsPermission((short) 0600));
                } catch (org.apache.hadoop.fs.FileAlreadyExistsException made) {
                    // another process made it first: read theirs
                }
            }
            byte[] bytes;
            try (var in = storage.fs().open(file)) {
                bytes = in.readAllBytes();
            }
            if (bytes.length != 16) {
                throw new EnclaveStorageException(file + " is not a discovery key (16 bytes): remove it only on an enclave that has"
                        + " never answered, or restore it");
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            k = new long[] {b.getLong(), b.getLong()};
            noiseKey = k;
            return k;
        } catch (java.io.IOException e) {
            throw new EnclaveStorageException("cannot read the discovery key " + file + ": " + e.getMessage(), e);
        }
    }

    private void cells(DiscoveryIndex index, Criteria criteria, String by, long[] total, List<String> labels, List<long[]> sets) {
        switch (by) {
            case "biobank", "sample_type" -> {
                Criteria.Field f = by.equals("biobank") ? Criteria.Field.BIOBANK : Criteria.Field.SAMPLE_TYPE;
                // every label of the policy, always: a label never says that someone holds such a sample
                for (String value : f == Criteria.Field.BIOBANK ? policy.biobanks() : policy.sampleTypes()) {
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
