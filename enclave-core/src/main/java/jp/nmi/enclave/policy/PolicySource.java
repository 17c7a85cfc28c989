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
     * {@link #rangerPlace} for a service of a Ranger Admin, {@link #filePlace} for a policy file.
     */
    String place();

    /** A Ranger Admin's service as a place: {@code ranger:<scheme://host:port>#<service>}, the address normalized. */
    static String rangerPlace(java.net.URI admin, String service) {
        String scheme = admin.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = admin.getPort() >= 0 ? admin.getPort() : "https".equals(scheme) ? 443 : 80;
        return "ranger:" + scheme + "://" + admin.getHost().toLowerCase(java.util.Locale.ROOT) + ":" + port + "#" + service;
    }

    /** A policy file as a place: {@code file:<absolute path>}, its directory's links resolved (one file, however it is named). */
    static String filePlace(java.nio.file.Path file) {
        java.nio.file.Path absolute = file.toAbsolutePath().normalize();
        try {
            return "file:" + absolute.getParent().toRealPath().resolve(absolute.getFileName());
        } catch (java.io.IOException e) {
            return "file:" + absolute; // no directory yet: nothing was published there
        }
    }
    /**
     * The current policies, or null when they have not changed since {@code knownVersion}.
     *
     * @throws PolicyUnavailableException if the policies cannot be read or parsed
     */
    ServicePolicies policiesIfChanged(Long knownVersion);

    /** A human-readable name of the source, for messages. */
    String describe();
}
