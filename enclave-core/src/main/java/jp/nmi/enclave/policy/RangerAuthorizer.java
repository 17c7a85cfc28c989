package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.Date;
import java.util.Optional;
import org.apache.ranger.authorization.hadoop.config.RangerPluginConfig;
import org.apache.ranger.plugin.policyengine.RangerAccessRequest;
import org.apache.ranger.plugin.policyengine.RangerAccessRequestImpl;
import org.apache.ranger.plugin.policyengine.RangerAccessResourceImpl;
import org.apache.ranger.plugin.policyengine.RangerAccessResult;
import org.apache.ranger.plugin.policyengine.RangerPolicyEngineOptions;
import org.apache.ranger.plugin.service.RangerBasePlugin;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Decisions from Ranger's own policy engine ({@link RangerBasePlugin}, Hive service definition:
 * database / table / column): access, row filters and column masks, evaluated at the current time
 * so that validity schedules (time-bound policies) are honoured.
 *
 * <p>Policies are loaded synchronously from the {@link PolicySource} by {@link #refresh()}, which
 * the enclave calls before every statement; there is no background refresher whose failure could
 * go unnoticed. If the source cannot be read, or Ranger keeps an older engine than the policies it
 * was given, every decision fails with {@link PolicyUnavailableException}: deny, never guess.
 *
 * <p>Thread-safe.
 */
public final class RangerAuthorizer {
    /** Ranger service type: the stock Hive service definition. */
    public static final String SERVICE_TYPE = "hive";

    private final PolicySource source;
    private final Clock clock;
    private final RangerBasePlugin plugin;
    private volatile Long loadedVersion;
    private volatile String unavailable = "no policies loaded yet";

    public RangerAuthorizer(PolicySource source, String serviceName, Clock clock) {
        this.source = requireNonNull(source, "source is null");
        this.clock = requireNonNull(clock, "clock is null");
        RangerPolicyEngineOptions options = new RangerPolicyEngineOptions();
        options.disablePolicyRefresher = true;
        options.disableTagRetriever = true;
        options.disableUserStoreRetriever = true;
        options.cacheAuditResults = false;
        RangerPluginConfig config = new RangerPluginConfig(SERVICE_TYPE, requireNonNull(serviceName, "serviceName is null"),
                "enclave", null, null, options);
        // Audit goes to the enclave's own hash-chained log, not Ranger's audit back ends.
        config.set("xasecure.audit.is.enabled", "false");
        this.plugin = new RangerBasePlugin(config);
    }

    /** Loads the source's policies if they changed. @throws PolicyUnavailableException if they cannot be loaded */
    public synchronized void refresh() {
        ServicePolicies policies;
        try {
            policies = source.policiesIfChanged(loadedVersion);
        } catch (PolicyUnavailableException e) {
            unavailable = e.getMessage();
            loadedVersion = null;
            throw e;
        }
        if (policies == null) {
            return;
        }
        plugin.setPolicies(policies);
        // Ranger keeps its old engine when a new one fails to build, and only logs it: check.
        long engineVersion = plugin.getPoliciesVersion();
        if (policies.getPolicyVersion() == null || engineVersion != policies.getPolicyVersion()) {
            unavailable = "Ranger did not accept the policies of " + source.describe() + " (version " + policies.getPolicyVersion()
                    + "; its engine holds version " + engineVersion + ")";
            loadedVersion = null;
            throw new PolicyUnavailableException(unavailable);
        }
        loadedVersion = policies.getPolicyVersion();
        unavailable = null;
    }

    /** Whether {@code principal} may select {@code column} of {@code database.table}. */
    public boolean canSelect(Principal principal, String database, String table, String column) {
        return evaluateAccess(principal, database, table, column, "select", false).getIsAllowed();
    }

    /** Whether {@code principal} may select anything of the table (any column: for {@code count(*)}). */
    public boolean canSelectAnyColumn(Principal principal, String database, String table) {
        return evaluateAccess(principal, database, table, null, "select", true).getIsAllowed();
    }

    /** Whether {@code principal} holds {@code accessType} (create, update, drop, ...) on the table. */
    public boolean canAccessTable(Principal principal, String database, String table, String accessType) {
        return evaluateAccess(principal, database, table, null, accessType, false).getIsAllowed();
    }

    /** The policy id that decided a column access, for the audit trail; -1 if none. */
    public long accessPolicy(Principal principal, String database, String table, String column) {
        return evaluateAccess(principal, database, table, column, "select", false).getPolicyId();
    }

    public Optional<RowFilter> rowFilter(Principal principal, String database, String table) {
        checkAvailable();
        RangerAccessResult result = plugin.evalRowFilterPolicies(request(principal, database, table, null, "select", false), null);
        if (result != null && result.isRowFilterEnabled()) {
            return Optional.of(new RowFilter(result.getPolicyId(), result.getFilterExpr()));
        }
        return Optional.empty();
    }

    public Optional<ColumnMask> mask(Principal principal, String database, String table, String column) {
        checkAvailable();
        RangerAccessResult result = plugin.evalDataMaskPolicies(request(principal, database, table, column, "select", false), null);
        if (result != null && result.isMaskEnabled()) {
            return Optional.of(new ColumnMask(result.getPolicyId(), result.getMaskType(), result.getMaskedValue()));
        }
        return Optional.empty();
    }

    /** The loaded policy version, or null while the policies are unavailable. */
    public Long loadedVersion() {
        return loadedVersion;
    }

    /** Where its policies are read ({@link PolicySource#place()}). */
    public PolicySource source() {
        return source;
    }

    public String sourceDescription() {
        return source.describe();
    }

    private RangerAccessResult evaluateAccess(Principal principal, String database, String table, String column, String accessType,
            boolean anyDescendant) {
        checkAvailable();
        RangerAccessResult result = plugin.isAccessAllowed(request(principal, database, table, column, accessType, anyDescendant), null);
        if (result == null) {
            throw new PolicyUnavailableException("Ranger returned no decision for " + database + "." + table
                    + (column == null ? "" : "." + column));
        }
        return result;
    }

    private RangerAccessRequest request(Principal principal, String database, String table, String column, String accessType,
            boolean anyDescendant) {
        requireNonNull(principal, "principal is null");
        RangerAccessResourceImpl resource = new RangerAccessResourceImpl();
        resource.setValue("database", database);
        resource.setValue("table", table);
        if (column != null) {
            resource.setValue("column", column);
        }
        RangerAccessRequestImpl request = new RangerAccessRequestImpl(resource, accessType, principal.user(), principal.groups(), null);
        request.setAccessTime(Date.from(clock.instant()));
        request.setAction(accessType.toUpperCase(java.util.Locale.ROOT));
        request.setClusterName("enclave");
        if (anyDescendant) {
            request.setResourceMatchingScope(RangerAccessRequest.ResourceMatchingScope.SELF_OR_DESCENDANTS);
        }
        return request;
    }

    private void checkAvailable() {
        String reason = unavailable;
        if (reason != null) {
            throw new PolicyUnavailableException("policies are unavailable (" + reason + "): every statement is refused until "
                    + source.describe() + " can be read");
        }
    }
}
