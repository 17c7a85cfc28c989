package jp.nmi.enclave.project;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.policy.PolicyContent;
import jp.nmi.enclave.policy.PolicyUnavailableException;
import jp.nmi.enclave.policy.RangerAdminClient;
import jp.nmi.enclave.policy.ServicePoliciesJson;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * The projects' policies kept in a production Ranger Admin, reconciled by name: a generated policy
 * missing there is created, one that differs (edited in Ranger's UI, say) is put back, and a policy
 * the enclave made that no active project generates any more (a closed project's) is deleted.
 *
 * <p>The enclave's policies carry the label {@value #LABEL}; policies without it belong to somebody
 * else and are never changed. A policy of somebody else's with the name of a generated one stops the
 * publication with a message rather than being taken over. Ranger's plugins, the enclave's sessions
 * among them, see the change at their next download.
 */
public final class RangerAdminPolicyPublisher implements PolicyPublisher {
    /** The label on every policy the enclave keeps in Ranger Admin. */
    public static final String LABEL = "enclave-managed";

    private final RangerAdminClient admin;
    private final String service;

    public RangerAdminPolicyPublisher(RangerAdminClient admin, String service) {
        this.admin = requireNonNull(admin, "admin is null");
        this.service = requireNonNull(service, "service is null");
    }

    /** What one publication changed in Ranger Admin. */
    public record Changes(int created, int updated, int deleted, int unchanged) {}

    @Override
    public void publish(Map<String, List<RangerPolicy>> policies) {
        reconcile(policies);
    }

    /** Makes the enclave's policies in Ranger Admin exactly {@code policies}; returns what changed. */
    public Changes reconcile(Map<String, List<RangerPolicy>> policies) {
        Map<String, RangerPolicy> wanted = new LinkedHashMap<>();
        for (Map.Entry<String, List<RangerPolicy>> project : policies.entrySet()) {
            for (RangerPolicy p : project.getValue()) {
                if (wanted.put(p.getName(), forAdmin(p, project.getKey())) != null) {
                    throw new IllegalStateException("two generated policies are named '" + p.getName() + "'");
                }
            }
        }
        Map<String, RangerPolicy> ours = new HashMap<>();
        Map<String, RangerPolicy> theirs = new HashMap<>();
        for (RangerPolicy p : admin.policies(service)) {
            (isOurs(p) ? ours : theirs).put(p.getName(), p);
        }
        // somebody else's policy with a generated name, or named like a project's policy (a label removed
        // in Ranger's UI, say): the enclave neither takes it over nor leaves it granting unseen
        List<String> taken = theirs.keySet().stream().filter(name -> wanted.containsKey(name) || isProjectPolicyName(name)).sorted()
                .toList();
        if (!taken.isEmpty()) {
            throw new PolicyUnavailableException("Ranger Admin at " + admin.baseUri() + " has policies in service " + service
                    + " named like the enclave's but not labelled " + LABEL + ": " + taken + "; remove them, or label them "
                    + LABEL + " so that the enclave reconciles them (it changes only policies with that label)");
        }
        int created = 0;
        int updated = 0;
        int unchanged = 0;
        int deleted = 0;
        // Sessions download the policies after every write, so no moment between two writes may grant
        // more than the spec: grants that go away go first, then the restrictions (denials, masks, row
        // filters) are put in place, and only then the grants that are new or changed.
        for (RangerPolicy p : ours.values()) {
            if (!wanted.containsKey(p.getName()) && isGrant(p)) {
                admin.delete(p.getId(), p.getName());
                deleted++;
            }
        }
        List<RangerPolicy> ordered = new java.util.ArrayList<>(wanted.values());
        ordered.sort(java.util.Comparator.comparing(RangerAdminPolicyPublisher::isGrant));
        for (RangerPolicy w : ordered) {
            RangerPolicy existing = ours.get(w.getName());
            if (existing == null) {
                admin.create(w);
                created++;
            } else if (!PolicyContent.same(existing, w) || !labels(existing).equals(labels(w))) {
                w.setId(existing.getId());
                w.setGuid(existing.getGuid());
                admin.update(existing.getId(), w);
                updated++;
            } else {
                unchanged++;
            }
        }
        for (RangerPolicy p : ours.values()) {
            if (!wanted.containsKey(p.getName()) && !isGrant(p)) {
                admin.delete(p.getId(), p.getName());
                deleted++;
            }
        }
        return new Changes(created, updated, deleted, unchanged);
    }

    /**
     * Whether {@code p} only grants (an access policy without deny items): every other policy
     * restricts (denials, masks, row filters) and is in place before any grant and removed after.
     */
    static boolean isGrant(RangerPolicy p) {
        int type = p.getPolicyType() == null ? RangerPolicy.POLICY_TYPE_ACCESS : p.getPolicyType();
        return type == RangerPolicy.POLICY_TYPE_ACCESS && (p.getDenyPolicyItems() == null || p.getDenyPolicyItems().isEmpty());
    }

    @Override
    public List<RangerPolicy> current() {
        return admin.policies(service).stream().filter(RangerAdminPolicyPublisher::isOurs).toList();
    }

    @Override
    public List<RangerPolicy> all() {
        return admin.policies(service);
    }

    /** Generated policy names are {@code <project id>: <what>}, project ids as specs spell them (DEMO-1). */
    static boolean isProjectPolicyName(String name) {
        return name != null && name.matches("[A-Z][A-Z0-9-]{1,31}:.+");
    }

    @Override
    public String place() {
        return jp.nmi.enclave.policy.PolicySource.rangerPlace(admin.baseUri(), service);
    }

    @Override
    public String describe() {
        return "Ranger Admin " + admin.baseUri() + " (service " + service + ")";
    }

    private static boolean isOurs(RangerPolicy p) {
        return p.getPolicyLabels() != null && p.getPolicyLabels().contains(LABEL);
    }

    private static List<String> labels(RangerPolicy p) {
        return p.getPolicyLabels() == null ? List.of() : p.getPolicyLabels().stream().sorted().toList();
    }

    /** A copy as Ranger Admin takes it: no id (Ranger assigns one), this service, the enclave's labels. */
    private RangerPolicy forAdmin(RangerPolicy p, String project) {
        RangerPolicy copy = ServicePoliciesJson.copy(p);
        copy.setId(null);
        copy.setGuid(null);
        copy.setVersion(null);
        copy.setService(service);
        copy.setPolicyLabels(new ArrayList<>(List.of(LABEL, "project:" + project)));
        return copy;
    }
}
