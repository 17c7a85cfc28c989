package jp.nmi.enclave.demo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.enclave.directory.StaticUserDirectory;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.policy.PolicyBuilder;
import jp.nmi.enclave.policy.PolicyBuilder.FilterItem;
import jp.nmi.enclave.policy.PolicyBuilder.MaskItem;
import jp.nmi.enclave.policy.PolicyBuilder.Who;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * The demo world's two projects (ARCHITECTURE.md section 6) and the Ranger policies that govern
 * them: {@code DEMO-1} (breast cancer, C50.x; alice academic, kenji industry) and {@code DEMO-2}
 * (dementia, F00-F03 and G30; bob academic). Industry members never see participants whose
 * consent prohibits commercial use, nor exact birth years; everyone sees per-project keyed
 * pseudonyms, the year of exact dates, and no free text.
 */
public final class DemoProjects {
    public static final String SERVICE = "enclave_hive";

    /** A project member and their affiliation ({@code academic} or {@code industry}). */
    public record Member(String user, String affiliation) {
        public boolean isIndustry() {
            return affiliation.equals("industry");
        }
    }

    /** A demo project: id, SQL database, members, and its cohort as a condition on diagnoses. */
    public record Project(String id, String database, List<Member> members, String cohortCondition) {
        public String group() {
            return id.toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Project DEMO_1 = new Project("DEMO-1", "demo_1",
            List.of(new Member("alice", "academic"), new Member("kenji", "industry")), "icd10 LIKE 'C50%'");
    public static final Project DEMO_2 = new Project("DEMO-2", "demo_2",
            List.of(new Member("bob", "academic")),
            "icd10 LIKE 'F00%' OR icd10 LIKE 'F01%' OR icd10 LIKE 'F02%' OR icd10 LIKE 'F03%' OR icd10 LIKE 'G30%'");
    public static final List<Project> ALL = List.of(DEMO_1, DEMO_2);

    static final List<String> PERSON_TABLES = List.of("participants", "diagnoses", "samples", "lab_results", "clinical_notes", "genotypes");
    static final List<String> ALL_TABLES = List.of("participants", "diagnoses", "samples", "lab_results", "clinical_notes", "variants", "genotypes");
    static final Map<String, String> EXACT_DATES = Map.of("participants", "enrolled_on", "diagnoses", "diagnosed_on",
            "samples", "collected_on", "lab_results", "measured_on", "clinical_notes", "written_on");

    private DemoProjects() {}

    public static Project byId(String id) {
        return ALL.stream().filter(p -> p.id().equalsIgnoreCase(id)).findFirst()
                .orElseThrow(() -> new jp.nmi.enclave.error.NotFoundException("no demo project " + id + " (demo projects: DEMO-1, DEMO-2)"));
    }

    /** Users and the groups policies name them by: the project, and their affiliation. */
    public static UserDirectory directory() {
        Map<String, Set<String>> groups = new HashMap<>();
        for (Project p : ALL) {
            for (Member m : p.members()) {
                groups.computeIfAbsent(m.user(), u -> new HashSet<>()).addAll(List.of(p.group(), m.affiliation()));
            }
        }
        return new StaticUserDirectory(groups);
    }

    public static ServicePolicies policies() {
        List<RangerPolicy> all = new ArrayList<>();
        long firstId = 100;
        for (Project p : ALL) {
            all.addAll(policies(p, firstId));
            firstId += 100;
        }
        return PolicyBuilder.servicePolicies(SERVICE, 1, all);
    }

    static List<RangerPolicy> policies(Project p, long firstId) {
        PolicyBuilder b = new PolicyBuilder(SERVICE, firstId, null);
        String db = p.database();
        String cohort = "participant_id IN (SELECT participant_id FROM " + db + ".diagnoses WHERE " + p.cohortCondition() + ")";
        String commercial = "participant_id IN (SELECT participant_id FROM " + db + ".participants WHERE NOT commercial_use_prohibited)";
        String[] industry = p.members().stream().filter(Member::isIndustry).map(Member::user).toArray(String[]::new);

        b.allow(p.id() + ": members read the project's tables", db, ALL_TABLES, List.of("*"), Who.groups(p.group()), "select");
        if (industry.length > 0) {
            b.deny(p.id() + ": industry members do not see exact birth years", db, List.of("participants"), List.of("birth_year"),
                    Who.users(industry), "select");
        }
        for (String table : PERSON_TABLES) {
            List<FilterItem> items = new ArrayList<>();
            if (industry.length > 0) {
                items.add(new FilterItem(Who.users(industry), "(" + cohort + ") AND " + commercial));
            }
            items.add(new FilterItem(Who.groups(p.group()), cohort));
            b.rowFilter(p.id() + ": cohort of " + table, db, table, items);
            b.mask(p.id() + ": project pseudonyms in " + table, db, table, "participant_id",
                    List.of(new MaskItem(Who.groups(p.group()), "MASK_HASH", null)));
        }
        b.mask(p.id() + ": project pseudonyms of samples", db, "samples", "sample_id",
                List.of(new MaskItem(Who.groups(p.group()), "MASK_HASH", null)));
        b.mask(p.id() + ": no free text", db, "clinical_notes", "note", List.of(new MaskItem(Who.groups(p.group()), "MASK_NULL", null)));
        EXACT_DATES.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                b.mask(p.id() + ": year only of " + e.getKey() + "." + e.getValue(), db, e.getKey(), e.getValue(),
                        List.of(new MaskItem(Who.groups(p.group()), "MASK_DATE_SHOW_YEAR", null))));
        return b.policies();
    }
}
