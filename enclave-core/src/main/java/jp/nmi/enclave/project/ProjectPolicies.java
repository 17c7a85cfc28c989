package jp.nmi.enclave.project;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;
import jp.nmi.enclave.policy.PolicyBuilder;
import jp.nmi.enclave.policy.PolicyBuilder.FilterItem;
import jp.nmi.enclave.policy.PolicyBuilder.MaskItem;
import jp.nmi.enclave.policy.PolicyBuilder.Who;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * The Ranger policies a project spec means, generated, never written by hand:
 *
 * <ul>
 *   <li>access: members may select the approved columns of the approved tables, nothing else;
 *   <li>denials: {@code DENY} rules deny a column to the members they name;
 *   <li>masks: per column, one policy whose items follow the spec's rules in order;
 *   <li>row filters: on every person-level table, industry members of a non-commercial project see
 *       only participants whose consent allows commercial use; participants who opted out since the
 *       extract was written are filtered out for everyone until the next rewrite;
 *   <li>every policy is valid from the project's start to its end (Asia/Tokyo).
 * </ul>
 *
 * Policy ids are stable per project, so the output can be compared with golden files.
 */
public final class ProjectPolicies {
    public static final String SERVICE = jp.nmi.enclave.policy.PolicySource.DEFAULT_SERVICE;
    public static final ZoneId ZONE = ZoneId.of("Asia/Tokyo");
    /** A table of the extract the policies read (through the enclave's own evaluation), never the analysts. */
    public static final String CONSENT_TABLE = "enclave_consent";

    static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private ProjectPolicies() {}

    /**
     * @param optedOut project pseudonyms of participants in the extract who opted out since it was written
     */
    public static List<RangerPolicy> generate(ProjectSpec spec, Set<String> optedOut) {
        PolicyBuilder b = new PolicyBuilder(SERVICE, firstId(spec.id()),
                new PolicyBuilder.Validity(spec.start(), spec.end(), ZONE));
        String db = spec.database();
        Who members = Who.groups(spec.group());
        for (Map.Entry<String, List<String>> t : sorted(spec.datasets()).entrySet()) {
            b.allow(spec.id() + ": members read " + t.getKey(), db, List.of(t.getKey()), t.getValue(), members, "select");
        }
        for (ProjectSpec.MaskRule rule : spec.masks()) {
            if (rule.isDenial()) {
                List<String> users = users(spec, rule.members());
                if (!users.isEmpty()) {
                    b.deny(spec.id() + ": " + rule.members() + " may not read " + rule.column(), db, List.of(rule.table()),
                            List.of(rule.columnName()), new Who(users, List.of()), "select");
                }
            }
        }
        Map<String, List<ProjectSpec.MaskRule>> masksByColumn = new LinkedHashMap<>();
        for (ProjectSpec.MaskRule rule : spec.masks()) {
            if (!rule.isDenial()) {
                masksByColumn.computeIfAbsent(rule.column(), c -> new ArrayList<>()).add(rule);
            }
        }
        for (Map.Entry<String, List<ProjectSpec.MaskRule>> e : masksByColumn.entrySet()) {
            List<MaskItem> items = new ArrayList<>();
            for (ProjectSpec.MaskRule rule : e.getValue()) {
                Who who = rule.members().equals("all") ? members : new Who(users(spec, rule.members()), List.of());
                if (!who.users().isEmpty() || !who.groups().isEmpty()) {
                    items.add(new MaskItem(who, rule.mask(), rule.value()));
                }
            }
            ProjectSpec.MaskRule first = e.getValue().get(0);
            b.mask(spec.id() + ": mask " + e.getKey(), db, first.table(), first.columnName(), items);
        }
        List<String> industry = spec.members().stream().filter(jp.nmi.enclave.project.ProjectMember::isIndustry).map(jp.nmi.enclave.project.ProjectMember::user).toList();
        boolean consentFilter = !industry.isEmpty() && !spec.purpose().commercial();
        String optout = optedOut.isEmpty() ? null : "participant_id NOT IN (" + String.join(", ",
                new TreeSet<>(optedOut).stream().map(p -> "'" + p + "'").toList()) + ")";
        for (String table : sorted(spec.datasets()).keySet()) {
            if (!ProjectSpecParser.PERSON_TABLES.contains(table)) {
                continue;
            }
            List<FilterItem> items = new ArrayList<>();
            if (consentFilter) {
                String commercial = "participant_id IN (SELECT participant_id FROM " + db + "." + CONSENT_TABLE
                        + " WHERE NOT commercial_use_prohibited)";
                items.add(new FilterItem(new Who(industry, List.of()), optout == null ? commercial : commercial + " AND " + optout));
            }
            if (optout != null) {
                items.add(new FilterItem(members, optout));
            }
            if (!items.isEmpty()) {
                b.rowFilter(spec.id() + ": rows of " + table, db, table, items);
            }
        }
        return b.policies();
    }

    /** The first policy id of a project: stable, and far from every other project's. */
    static long firstId(String projectId) {
        CRC32 crc = new CRC32();
        crc.update(projectId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return (crc.getValue() % 1_000_000L) * 1_000L + 1;
    }

    public static String toJson(List<RangerPolicy> policies) {
        try {
            return JSON.writeValueAsString(policies);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise policies: " + e.getMessage(), e);
        }
    }

    public static List<RangerPolicy> fromJson(String json) throws IOException {
        return JSON.readValue(json, new TypeReference<List<RangerPolicy>>() {});
    }

    private static List<String> users(ProjectSpec spec, String selector) {
        return spec.membersOf(selector).stream().map(jp.nmi.enclave.project.ProjectMember::user).toList();
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        Map<String, V> out = new LinkedHashMap<>();
        map.keySet().stream().sorted().forEach(k -> out.put(k, map.get(k)));
        return out;
    }
}
