package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Policies from Ranger Admin, over the REST endpoint Ranger's own plugins poll
 * ({@code GET /service/plugins/policies/download/<service>}): 200 with {@code ServicePolicies}
 * JSON when they changed since {@code lastKnownVersion}, 304 when not. Any other answer, or none,
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

    @Override
    public ServicePolicies policiesIfChanged(Long knownVersion) {
        return admin.download(serviceName, knownVersion, pluginId);
    }

    @Override
    public String describe() {
        return "Ranger Admin " + admin.baseUri() + " (service " + serviceName + ")";
    }
}
