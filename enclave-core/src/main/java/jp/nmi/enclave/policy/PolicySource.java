package jp.nmi.enclave.policy;

import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Where Ranger policies come from: a {@code ServicePolicies} JSON file when embedded, Ranger
 * Admin's REST API in production. A source that cannot produce policies throws; the enclave then
 * refuses every statement until it can (fail closed), rather than serving stale decisions.
 */
public interface PolicySource {
    /**
     * The current policies, or null when they have not changed since {@code knownVersion}.
     *
     * @throws PolicyUnavailableException if the policies cannot be read or parsed
     */
    ServicePolicies policiesIfChanged(Long knownVersion);

    /** A human-readable name of the source, for messages. */
    String describe();
}
