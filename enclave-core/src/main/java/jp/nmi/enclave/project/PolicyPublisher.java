package jp.nmi.enclave.project;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * Where the projects' generated Ranger policies are put in force: the embedded enclave's policy
 * file ({@link FilePolicyPublisher}) or a production Ranger Admin ({@link RangerAdminPolicyPublisher}).
 * Either way, {@link #publish} makes the policies in force exactly the given ones, and
 * {@link #current} reads back what is in force, so that {@code project plan} notices drift.
 */
public interface PolicyPublisher {
    /** Makes {@code policies} (every active project's, by project) the enclave's policies in force. */
    void publish(Map<String, List<RangerPolicy>> policies);

    /** The enclave's policies in force, or empty when none were published yet. */
    List<RangerPolicy> current();

    /**
     * Every policy in force where the enclave's are kept, the enclave's and anybody else's: what a
     * revocation check must look at, since a policy that lost the enclave's label still grants.
     */
    default List<RangerPolicy> all() {
        return current();
    }

    /** Where the policies go, as recorded after a publish ({@link jp.nmi.enclave.policy.PolicySource#place()}). */
    String place();

    /** Where the policies go, for messages and certificates. */
    String describe();

    static PolicyPublisher file(Path file) {
        return new FilePolicyPublisher(file);
    }
}
