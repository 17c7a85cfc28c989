package jp.nmi.enclave.policy;

import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Where Ranger policies come from: a {@code ServicePolicies} JSON file when embedded, Ranger
 * Admin's REST API in production. A source that cannot produce policies throws; the enclave then
 * refuses every statement until it can (fail closed), rather than serving stale decisions.
 */
public interface PolicySource {
    /** The Hive-type service that holds the enclave's policies unless the operators name another. */
    String DEFAULT_SERVICE = "enclave_hive";

    /** The service whose policies these are: what the authorizer's engine is built for. */
    default String serviceName() {
        return DEFAULT_SERVICE;
    }

    /**
     * Where these policies are kept, as publishing records it ({@code ProjectStore#policyPlace}):
     * {@code ranger:<service>} for Ranger Admin, {@code file} for a policy file.
     */
    String place();
    /**
     * The current policies, or null when they have not changed since {@code knownVersion}.
     *
     * @throws PolicyUnavailableException if the policies cannot be read or parsed
     */
    ServicePolicies policiesIfChanged(Long knownVersion);

    /** A human-readable name of the source, for messages. */
    String describe();
}
