package jp.nmi.enclave.genomics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.policy.ColumnMask;
import jp.nmi.enclave.policy.Principal;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.policy.RowFilter;
import jp.nmi.enclave.project.ProjectSpec;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;

/**
 * Allele-frequency queries of a project's members, under the same policies as their SQL: the user
 * must be a member, the project active, and Ranger must let them read every column the answer is
 * drawn from, unmasked (the attributes they stratify by among them): frequencies by region are
 * region, for whoever may not see region. Row filters are honoured when they are the ones the
 * enclave writes (industry members of a non-commercial project count only participants whose
 * consent allows it, through their audience's index; who opted out since the extract was written
 * is left out of every stratum); any other row filter is refused, since it cannot be evaluated here.
 */
public final class AfService {
    private final EnclaveStorage storage;
    private final String projectId;
    private final RangerAuthorizer authorizer;
    private final UserDirectory directory;
    private final AuditLog audit;
    private final QueryBudget budget;
    private final Supplier<Set<String>> optouts;

    public AfService(EnclaveStorage storage, String projectId, RangerAuthorizer authorizer, UserDirectory directory, AuditLog audit,
            QueryBudget budget, Supplier<Set<String>> optouts) {
        this.storage = requireNonNull(storage, "storage is null");
        this.projectId = requireNonNull(projectId, "projectId is null");
        this.authorizer = requireNonNull(authorizer, "authorizer is null");
        this.directory = requireNonNull(directory, "directory is null");
        this.audit = requireNonNull(audit, "audit is null");
        this.budget = requireNonNull(budget, "budget is null");
        this.optouts = requireNonNull(optouts, "optouts is null");
    }

    /** One stratum, or with {@code by} every value of that attribute within it. */
    public AlleleFrequencies.Answer query(String user, Stratum where, VariantSelection variants, Optional<Attribute> by) {
        AlleleFrequencies af;
        try {
            af = frequencies(user, where, by);
        } catch (RuntimeException e) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("where", where.toString());
            by.ifPresent(b -> details.put("by", b.label()));
            details.put("error", e.getMessage());
            audit.append(new AuditRecord(user, projectId, "af.query", e instanceof AccessDeniedException ? "denied" : "refused", details));
            throw e;
        }
        return by.isPresent() ? af.byAttribute(user, where, by.get(), variants) : af.query(user, where, variants);
    }

    private static final Pattern PROJECT_ID = Pattern.compile("[A-Z][A-Z0-9-]{1,31}");

    private AlleleFrequencies frequencies(String user, Stratum where, Optional<Attribute> by) {
        if (!PROJECT_ID.matcher(projectId).matches()) {
            throw new jp.nmi.enclave.error.NotFoundException("no project '" + projectId + "'");
        }
        ProjectState state = new ProjectStore(storage).require(projectId);
        if (!projectId.equals(state.id())) {
            throw new jp.nmi.enclave.error.NotFoundException("no project '" + projectId + "'");
        }
        if (!state.isActive() || state.extract() == null) {
            throw new AccessDeniedException("project " + projectId + " is " + state.status() + "; it answers no queries");
        }
        Principal principal = directory.principal(user).orElseThrow(() -> new AccessDeniedException(user
                + " is not a member of project " + projectId));
        if (!AfIndexStore.applies(state.extract().tables())) {
            throw new ValidationException("project " + projectId + "'s extract holds no genotypes: its spec does not approve them");
        }
        // the policies in force now, from where they were last published: a change (a revocation, a new mask, a publish
        // elsewhere) holds from the next query
        new ProjectStore(storage).checkServedFrom(projectId, authorizer.source());
        authorizer.refresh();
        ProjectSpec spec = state.spec();
        Optional<String> audience = state.extract().audiences().entrySet().stream()
                .filter(a -> principal.groups().stream().anyMatch(a.getValue().groups()::contains)).map(Map.Entry::getKey).findFirst();
        Set<String> filtered = checkAccess(principal, spec.database(), where, by, audience.isPresent());
        AlleleIndex index = new AfIndexStore(storage, Progress.NONE).load(projectId, state.extract(), audience);
        Supplier<Set<String>> excluded = filtered.isEmpty() ? optouts : () -> {
            Set<String> all = new java.util.HashSet<>(optouts.get());
            all.addAll(filtered);
            return all;
        };
        return new AlleleFrequencies(projectId, audience.orElse(AfIndexStore.PROJECT), index,
                new AlleleFrequencies.Policy(Profile.named(spec.disclosureProfile()).minCount(), spec.afQueryBudget()), budget, audit,
                excluded);
    }

    /**
     * Every column the answer is drawn from must be readable, unmasked; row filters only as the
     * enclave writes them.
     *
     * @return the participants the member's row filters leave out by name (applied to every stratum)
     */
    private Set<String> checkAccess(Principal principal, String database, Stratum where, Optional<Attribute> by, boolean inAudience) {
        Set<String> filtered = new java.util.HashSet<>();
        Map<String, List<String>> columns = new LinkedHashMap<>();
        columns.put("variants", List.of("variant_id", "chrom", "pos", "ref", "alt"));
        columns.put("genotypes", List.of("participant_id", "variant_id", "alt_count"));
        List<String> participants = new ArrayList<>(List.of("participant_id"));
        List<Attribute> used = new ArrayList<>(where.values().keySet());
        by.ifPresent(used::add);
        for (Attribute a : used) {
            if (a == Attribute.DISEASE) {
                columns.put("diagnoses", List.of("participant_id", "icd10"));
            } else {
                participants.add(a.label());
            }
        }
        columns.put("participants", participants);
        for (Map.Entry<String, List<String>> t : columns.entrySet()) {
            for (String c : t.getValue()) {
                if (!authorizer.canSelect(principal, database, t.getKey(), c)) {
                    throw new AccessDeniedException(principal.user() + " may not read " + t.getKey() + "." + c
                            + " (no Ranger policy allows it), which allele frequencies " + (participants.contains(c) && !c.equals("participant_id")
                            ? "by " + c + " are drawn from" : "are drawn from"));
                }
                Optional<ColumnMask> mask = authorizer.mask(principal, database, t.getKey(), c);
                if (mask.isPresent() && !"MASK_NONE".equalsIgnoreCase(mask.get().type())) {
                    throw new AccessDeniedException(t.getKey() + "." + c + " is masked for " + principal.user()
                            + ": allele frequencies drawn from it would show what the mask hides");
                }
            }
            Optional<RowFilter> filter = authorizer.rowFilter(principal, database, t.getKey());
            if (filter.isPresent()) {
                if (t.getKey().equals("variants")) {
                    throw new AccessDeniedException("a row filter applies to variants (policy " + filter.get().policyId()
                            + "): allele frequencies cannot honour it, so they are not served; ask the operator");
                }
                filtered.addAll(checkFilter(filter.get(), database, t.getKey(), inAudience));
            }
        }
        return filtered;
    }

    private static final Pattern OPTOUT = Pattern.compile("participant_id NOT IN \\('[0-9a-f]{8,128}'(, '[0-9a-f]{8,128}')*\\)");
    private static final Pattern ID = Pattern.compile("'([0-9a-f]{8,128})'");

    /**
     * A row filter is honoured only in the forms {@code ProjectPolicies} writes: the consent filter
     * of industry members (whose audience index holds only those participants), the opt-out filter
     * (applied from the opt-out registry at every query, a superset of it), or both joined by AND.
     */
    private Set<String> checkFilter(RowFilter filter, String database, String table, boolean inAudience) {
        String consent = "participant_id IN (SELECT participant_id FROM " + database + "." + jp.nmi.enclave.project.ProjectPolicies.CONSENT_TABLE
                + " WHERE NOT commercial_use_prohibited)";
        String e = filter.expression() == null ? "" : filter.expression().strip();
        boolean ok;
        String notIn = "";
        if (e.startsWith(consent)) {
            String rest = e.substring(consent.length());
            ok = inAudience && (rest.isEmpty() || (rest.startsWith(" AND ") && OPTOUT.matcher(rest.substring(5)).matches()));
            notIn = rest;
        } else {
            ok = OPTOUT.matcher(e).matches();
            notIn = e;
        }
        if (!ok) {
            throw new AccessDeniedException("a row filter the enclave did not write applies to " + table + " (policy " + filter.policyId()
                    + "): allele frequencies cannot honour it, so they are not served; ask the operator");
        }
        // whoever the filter names is left out, whether or not the opt-out registry names them too
        Set<String> out = new java.util.HashSet<>();
        java.util.regex.Matcher m = ID.matcher(notIn);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
