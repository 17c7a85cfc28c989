package jp.nmi.enclave.project;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * The lines of a plan that say exactly what changes, before and after: {@code + } added,
 * {@code - } removed (destroyed), {@code ~ } changed. Nothing here reads data beyond counts, and no
 * line names a participant.
 */
final class PlanDetails {
    private PlanDetails() {}

    /** Datasets and columns approved before and after. */
    static List<String> datasets(Map<String, List<String>> before, Map<String, List<String>> after) {
        List<String> out = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        for (String d : names) {
            List<String> b = before.get(d);
            List<String> a = after.get(d);
            if (b == null) {
                out.add("+ dataset " + d + " (" + String.join(", ", a) + ")");
            } else if (a == null) {
                out.add("- dataset " + d + " (" + b.size() + " columns)");
            } else {
                for (String c : a) {
                    if (!b.contains(c)) {
                        out.add("+ column " + d + "." + c);
                    }
                }
                for (String c : b) {
                    if (!a.contains(c)) {
                        out.add("- column " + d + "." + c);
                    }
                }
            }
        }
        return out;
    }

    static String cohort(ProjectSpec.Cohort c) {
        List<String> parts = new ArrayList<>();
        add(parts, "icd10", c.icd10());
        add(parts, "age_bands", c.ageBands());
        add(parts, "sex", c.sex());
        add(parts, "regions", c.regions());
        add(parts, "sample_types", c.sampleTypes());
        if (!c.criteria().isEmpty()) {
            parts.add("criteria " + c.criteria());
        }
        return parts.isEmpty() ? "everyone whose consent covers the purpose" : String.join("; ", parts);
    }

    private static void add(List<String> parts, String name, List<String> values) {
        if (!values.isEmpty()) {
            parts.add(name + " " + String.join(", ", values));
        }
    }

    static String purpose(ProjectSpec.Purpose p) {
        return p.code() + (p.disease() == null ? "" : " " + p.disease()) + (p.commercial() ? ", commercial" : ", non-commercial");
    }

    /** Counts below this are shown as a bound: a plan must not become a way to count a handful of people. */
    static final int SMALL = 10;

    static String count(long n) {
        return n > 0 && n < SMALL ? "<" + SMALL : String.format(Locale.ROOT, "%,d", n);
    }

    static String participants(long before, long after) {
        long d = after - before;
        boolean small = (before > 0 && before < SMALL) || (after > 0 && after < SMALL) || (d != 0 && Math.abs(d) < SMALL);
        return "~ participants: " + count(before) + " -> " + count(after)
                + (small ? "" : String.format(Locale.ROOT, " (%s%,d)", d >= 0 ? "+" : "", d));
    }

    /** Members added, removed and changed; each changes who may use the project's notebooks. */
    static List<String> members(List<jp.nmi.enclave.project.ProjectMember> before, List<jp.nmi.enclave.project.ProjectMember> after) {
        Map<String, jp.nmi.enclave.project.ProjectMember> b = new LinkedHashMap<>();
        before.forEach(m -> b.put(m.user(), m));
        Map<String, jp.nmi.enclave.project.ProjectMember> a = new LinkedHashMap<>();
        after.forEach(m -> a.put(m.user(), m));
        List<String> out = new ArrayList<>();
        for (jp.nmi.enclave.project.ProjectMember m : after) {
            jp.nmi.enclave.project.ProjectMember was = b.get(m.user());
            if (was == null) {
                out.add("+ member " + m.user() + " (" + m.role() + ", " + m.affiliation() + "): gains the data, the outbox and the"
                        + " project's notebooks");
            } else if (!was.equals(m)) {
                out.add("~ member " + m.user() + ": " + was.role() + ", " + was.affiliation() + " -> " + m.role() + ", " + m.affiliation());
            }
        }
        for (jp.nmi.enclave.project.ProjectMember m : before) {
            if (!a.containsKey(m.user())) {
                out.add("- member " + m.user() + " (" + m.role() + ", " + m.affiliation() + "): loses the data, the outbox and the"
                        + " project's notebooks at once (workspace files stay, owned by the project)");
            }
        }
        return out;
    }

    /** Policies added, removed and changed, each with what it decides. */
    static List<String> policies(List<RangerPolicy> before, List<RangerPolicy> after) {
        Map<String, RangerPolicy> b = byName(before);
        Map<String, RangerPolicy> a = byName(after);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, RangerPolicy> e : a.entrySet()) {
            RangerPolicy was = b.get(e.getKey());
            String now = describe(e.getValue());
            if (was == null) {
                out.add("+ policy " + e.getKey() + ": " + now);
            } else if (!describe(was).equals(now)) {
                out.add("~ policy " + e.getKey() + ": " + describe(was) + " -> " + now);
            } else if (!validity(was).equals(validity(e.getValue()))) {
                out.add("~ policy " + e.getKey() + ": valid " + validity(was) + " -> " + validity(e.getValue()));
            }
        }
        for (String name : b.keySet()) {
            if (!a.containsKey(name)) {
                out.add("- policy " + name + ": " + describe(b.get(name)));
            }
        }
        return out;
    }

    private static Map<String, RangerPolicy> byName(List<RangerPolicy> policies) {
        Map<String, RangerPolicy> out = new TreeMap<>();
        policies.forEach(p -> out.put(p.getName(), p));
        return out;
    }

    private static String validity(RangerPolicy p) {
        if (p.getValiditySchedules() == null || p.getValiditySchedules().isEmpty()) {
            return "always";
        }
        var v = p.getValiditySchedules().get(0);
        return v.getStartTime() + " to " + v.getEndTime();
    }

    /** What a policy decides, in one line (a row filter's condition is counted, not shown: it may list pseudonyms). */
    static String describe(RangerPolicy p) {
        String resource = resource(p);
        int type = p.getPolicyType() == null ? RangerPolicy.POLICY_TYPE_ACCESS : p.getPolicyType();
        if (type == RangerPolicy.POLICY_TYPE_DATAMASK) {
            List<String> items = new ArrayList<>();
            for (var i : p.getDataMaskPolicyItems()) {
                items.add(i.getDataMaskInfo().getDataMaskType() + " for " + who(i.getUsers(), i.getGroups()));
            }
            return "mask " + resource + ": " + String.join("; ", items);
        }
        if (type == RangerPolicy.POLICY_TYPE_ROWFILTER) {
            List<String> items = new ArrayList<>();
            for (var i : p.getRowFilterPolicyItems()) {
                String filter = i.getRowFilterInfo() == null ? "" : String.valueOf(i.getRowFilterInfo().getFilterExpr());
                items.add(who(i.getUsers(), i.getGroups()) + " (" + (filter.contains("commercial_use_prohibited") ? "consent" : "")
                        + (filter.contains("commercial_use_prohibited") && filter.contains("NOT IN") ? " and " : "")
                        + (filter.contains("NOT IN") ? "opt-outs since the extract" : "") + ")");
            }
            return "filter rows of " + resource + " for " + String.join("; ", items);
        }
        List<String> parts = new ArrayList<>();
        for (var i : p.getPolicyItems()) {
            parts.add("allow " + accesses(i) + " to " + who(i.getUsers(), i.getGroups()));
        }
        for (var i : p.getDenyPolicyItems()) {
            parts.add("deny " + accesses(i) + " to " + who(i.getUsers(), i.getGroups()));
        }
        return String.join("; ", parts) + " on " + resource;
    }

    private static String accesses(RangerPolicy.RangerPolicyItem i) {
        return String.join(",", i.getAccesses().stream().map(RangerPolicy.RangerPolicyItemAccess::getType).toList());
    }

    private static String who(List<String> users, List<String> groups) {
        List<String> out = new ArrayList<>();
        if (groups != null && !groups.isEmpty()) {
            out.add("group " + String.join(",", groups));
        }
        if (users != null && !users.isEmpty()) {
            out.add(String.join(",", users));
        }
        return String.join(" and ", out);
    }

    private static String resource(RangerPolicy p) {
        Map<String, RangerPolicy.RangerPolicyResource> r = p.getResources();
        String db = values(r.get("database"));
        String table = values(r.get("table"));
        String column = values(r.get("column"));
        return db + "." + table + (column.isEmpty() || column.equals("*") ? "" : " (" + column + ")");
    }

    private static String values(RangerPolicy.RangerPolicyResource r) {
        return r == null || r.getValues() == null ? "" : String.join(", ", r.getValues());
    }
}
