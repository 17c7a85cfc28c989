package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.apache.ranger.plugin.model.RangerPolicy.RangerDataMaskPolicyItem;
import org.apache.ranger.plugin.model.RangerPolicy.RangerPolicyItem;
import org.apache.ranger.plugin.model.RangerPolicy.RangerPolicyItemAccess;
import org.apache.ranger.plugin.model.RangerPolicy.RangerPolicyItemDataMaskInfo;
import org.apache.ranger.plugin.model.RangerPolicy.RangerPolicyItemRowFilterInfo;
import org.apache.ranger.plugin.model.RangerPolicy.RangerPolicyResource;
import org.apache.ranger.plugin.model.RangerPolicy.RangerRowFilterPolicyItem;
import org.apache.ranger.plugin.model.RangerValiditySchedule;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Builds Ranger policies (Hive service definition) with Ranger's own model classes, so that what
 * the enclave generates is exactly what Ranger Admin stores and serves: access (policy type 0),
 * data masks (1) and row filters (2), each optionally bounded by a validity schedule.
 */
public final class PolicyBuilder {
    /** Ranger's validity schedule format. */
    private static final DateTimeFormatter SCHEDULE = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss", Locale.ROOT);

    /** Who a policy item applies to. */
    public record Who(List<String> users, List<String> groups) {
        public Who {
            users = List.copyOf(users);
            groups = List.copyOf(groups);
        }

        public static Who users(String... users) {
            return new Who(List.of(users), List.of());
        }

        public static Who groups(String... groups) {
            return new Who(List.of(), List.of(groups));
        }
    }

    /** A row filter for some principals: the first matching item of a policy wins. */
    public record FilterItem(Who who, String expression) {}

    /** A mask for some principals: the first matching item of a policy wins. */
    public record MaskItem(Who who, String type, String valueExpression) {}

    /** A validity window in whole days, in a time zone (the project's dates). */
    public record Validity(LocalDate start, LocalDate end, ZoneId zone) {
        RangerValiditySchedule schedule() {
            return new RangerValiditySchedule(start.atStartOfDay().format(SCHEDULE), end.atTime(23, 59, 59).format(SCHEDULE),
                    zone.getId(), new ArrayList<>());
        }
    }

    private final String service;
    private final Validity validity;
    private long nextId;
    private final List<RangerPolicy> policies = new ArrayList<>();

    /** @param validity applies to every policy built, or null for none */
    public PolicyBuilder(String service, long firstId, Validity validity) {
        this.service = requireNonNull(service, "service is null");
        this.nextId = firstId;
        this.validity = validity;
    }

    public PolicyBuilder allow(String name, String database, List<String> tables, List<String> columns, Who who, String... accesses) {
        RangerPolicy p = policy(name, RangerPolicy.POLICY_TYPE_ACCESS, resources(database, tables, columns));
        p.setPolicyItems(new ArrayList<>(List.of(item(who, accesses))));
        policies.add(p);
        return this;
    }

    public PolicyBuilder deny(String name, String database, List<String> tables, List<String> columns, Who who, String... accesses) {
        RangerPolicy p = policy(name, RangerPolicy.POLICY_TYPE_ACCESS, resources(database, tables, columns));
        p.setDenyPolicyItems(new ArrayList<>(List.of(item(who, accesses))));
        policies.add(p);
        return this;
    }

    public PolicyBuilder rowFilter(String name, String database, String table, List<FilterItem> items) {
        RangerPolicy p = policy(name, RangerPolicy.POLICY_TYPE_ROWFILTER, resources(database, List.of(table), null));
        List<RangerRowFilterPolicyItem> out = new ArrayList<>();
        for (FilterItem f : items) {
            out.add(new RangerRowFilterPolicyItem(new RangerPolicyItemRowFilterInfo(f.expression()),
                    new ArrayList<>(List.of(new RangerPolicyItemAccess("select", true))), new ArrayList<>(f.who().users()),
                    new ArrayList<>(f.who().groups()), new ArrayList<>(), new ArrayList<>(), false));
        }
        p.setRowFilterPolicyItems(out);
        policies.add(p);
        return this;
    }

    public PolicyBuilder mask(String name, String database, String table, String column, List<MaskItem> items) {
        RangerPolicy p = policy(name, RangerPolicy.POLICY_TYPE_DATAMASK, resources(database, List.of(table), List.of(column)));
        List<RangerDataMaskPolicyItem> out = new ArrayList<>();
        for (MaskItem m : items) {
            out.add(new RangerDataMaskPolicyItem(new ArrayList<>(List.of(new RangerPolicyItemAccess("select", true))),
                    new RangerPolicyItemDataMaskInfo(m.type(), null, m.valueExpression()), new ArrayList<>(m.who().users()),
                    new ArrayList<>(m.who().groups()), new ArrayList<>(), new ArrayList<>(), false));
        }
        p.setDataMaskPolicyItems(out);
        policies.add(p);
        return this;
    }

    public List<RangerPolicy> policies() {
        return List.copyOf(policies);
    }

    /** The policies as Ranger Admin would serve them to a plugin. */
    public static ServicePolicies servicePolicies(String service, long version, List<RangerPolicy> policies) {
        ServicePolicies sp = new ServicePolicies();
        sp.setServiceName(service);
        sp.setServiceId(1L);
        sp.setPolicyVersion(version);
        sp.setPolicies(new ArrayList<>(policies));
        sp.setServiceDef(ServicePoliciesJson.hiveServiceDef());
        return sp;
    }

    private RangerPolicy policy(String name, int type, Map<String, RangerPolicyResource> resources) {
        RangerPolicy p = new RangerPolicy();
        p.setId(nextId++);
        p.setService(service);
        p.setName(name);
        p.setPolicyType(type);
        p.setIsEnabled(true);
        p.setIsAuditEnabled(true);
        p.setResources(resources);
        if (validity != null) {
            p.setValiditySchedules(new ArrayList<>(List.of(validity.schedule())));
        }
        return p;
    }

    private static Map<String, RangerPolicyResource> resources(String database, List<String> tables, List<String> columns) {
        Map<String, RangerPolicyResource> r = new HashMap<>();
        r.put("database", new RangerPolicyResource(new ArrayList<>(List.of(database)), false, false));
        r.put("table", new RangerPolicyResource(new ArrayList<>(tables), false, false));
        if (columns != null) {
            r.put("column", new RangerPolicyResource(new ArrayList<>(columns), false, false));
        }
        return r;
    }

    private static RangerPolicyItem item(Who who, String... accesses) {
        List<RangerPolicyItemAccess> a = new ArrayList<>();
        for (String access : accesses) {
            a.add(new RangerPolicyItemAccess(access, true));
        }
        RangerPolicyItem item = new RangerPolicyItem(a, new ArrayList<>(who.users()), new ArrayList<>(who.groups()),
                new ArrayList<>(), new ArrayList<>(), false);
        return item;
    }
}
