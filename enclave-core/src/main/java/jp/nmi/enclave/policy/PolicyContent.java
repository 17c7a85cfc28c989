package jp.nmi.enclave.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * What a Ranger policy decides, without what a policy store adds to it (ids, GUIDs, versions,
 * times, authors, labels). Two policies with the same content grant, deny, filter and mask the
 * same, wherever they are kept; {@code project plan} uses it to notice a policy changed in Ranger
 * Admin behind the enclave's back.
 */
public final class PolicyContent {
    /**
     * The fields of {@link RangerPolicy} that are decisions; anything else a store may rewrite. The
     * service is where a policy is kept (the policy file's, or the Ranger Admin service named by
     * --ranger-service), not what it decides.
     */
    private static final Set<String> DECIDING = Set.of("name", "policyType", "policyPriority", "isEnabled", "isAuditEnabled",
            "resources", "additionalResources", "conditions", "policyItems", "denyPolicyItems", "allowExceptions", "denyExceptions",
            "dataMaskPolicyItems", "rowFilterPolicyItems", "validitySchedules", "isDenyAllElse", "zoneName");

    private PolicyContent() {}

    /** The deciding content of {@code policy} as a canonical JSON tree (no nulls, no empty lists or maps). */
    public static JsonNode of(RangerPolicy policy) {
        ObjectNode tree = ServicePoliciesJson.JSON.valueToTree(policy);
        tree.retain(DECIDING);
        return canonical(tree);
    }

    public static boolean same(RangerPolicy a, RangerPolicy b) {
        return of(a).equals(of(b));
    }

    /** Whether every policy of {@code wanted} is in {@code inForce} by name, with the same content. */
    public static boolean allInForce(List<RangerPolicy> wanted, List<RangerPolicy> inForce) {
        Map<String, JsonNode> byName = new java.util.HashMap<>();
        for (RangerPolicy p : inForce) {
            byName.put(p.getName(), of(p));
        }
        return wanted.stream().allMatch(w -> of(w).equals(byName.get(w.getName())));
    }

    private static JsonNode canonical(JsonNode node) {
        if (node instanceof ObjectNode o) {
            List<String> drop = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = canonical(e.getValue());
                if (v == null || v.isNull() || (v.isContainerNode() && v.isEmpty())) {
                    drop.add(e.getKey());
                } else {
                    o.set(e.getKey(), v);
                }
            }
            o.remove(drop);
            return o;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, canonical(a.get(i)));
            }
            return a;
        }
        return node;
    }
}
