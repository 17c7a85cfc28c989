package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Policies from Ranger Admin, over the REST endpoint Ranger's own plugins poll
 * with authentication ({@code GET /service/plugins/secure/policies/download/<service>}): 200 with
 * {@code ServicePolicies} JSON when they changed since {@code lastKnownVersion}, 304 when not. Any
 * other answer, or none, an answer for another service or an older version than one already seen,
 * means the policies are unavailable, and the session serves nothing.
 */
public final class RangerAdminPolicySource implements PolicySource {
    private final RangerAdminClient admin;
    private final String serviceName;
    private final String pluginId;

    public RangerAdminPolicySource(RangerAdminClient admin, String serviceName) {
        this.admin = requireNonNull(admin, "admin is null");
        this.serviceName = requireNonNull(serviceName, "serviceName is null");
        this.pluginId = "enclave@" + ProcessHandle.current().pid() + "-" + serviceName;
    }

    /** The newest version this source has handed out: an older one later is refused (a restored or misrouted Ranger Admin). */
    private long newest = Long.MIN_VALUE;

    @Override
    public synchronized ServicePolicies policiesIfChanged(Long knownVersion) {
        ServicePolicies p = admin.download(serviceName, knownVersion, pluginId);
        if (p == null) {
            return null;
        }
        if (!serviceName.equals(p.getServiceName())) {
            throw new PolicyUnavailableException("Ranger Admin at " + admin.baseUri() + " answered for service '" + p.getServiceName()
                    + "' when asked for " + serviceName);
        }
        if (p.getPolicyVersion() == null || p.getPolicyVersion() < newest) {
            throw new PolicyUnavailableException("Ranger Admin at " + admin.baseUri() + " sent policy version " + p.getPolicyVersion()
                    + " of service " + serviceName + " after version " + newest + " (older policies are never put back in force)");
        }
        newest = p.getPolicyVersion();
        return p;
    }

    @Override
    public String serviceName() {
        return serviceName;
    }

    @Override
    public String place() {
        return PolicySource.rangerPlace(admin.baseUri(), serviceName);
    }

    @Override
    public String describe() {
        return "Ranger Admin " + admin.baseUri() + " (service " + serviceName + ")";
    }
}
