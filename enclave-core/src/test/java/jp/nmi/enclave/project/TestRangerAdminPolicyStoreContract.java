package jp.nmi.enclave.project;

import jp.nmi.enclave.policy.PolicySource;
import jp.nmi.enclave.policy.RangerAdminClient;
import jp.nmi.enclave.policy.RangerAdminPolicySource;
import jp.nmi.enclave.testing.BasePolicyStoreTest;
import jp.nmi.enclave.testing.RangerAdminStandIn;
import org.junit.jupiter.api.AfterEach;

/**
 * The policy store contract over Ranger Admin's REST API: the public v2 policy API operators write
 * with, the plugin download endpoint sessions read from (a loopback stand-in that follows Ranger
 * Admin's documented behaviour; Ranger Admin itself is not available on these machines).
 */
class TestRangerAdminPolicyStoreContract extends BasePolicyStoreTest {
    private RangerAdminStandIn admin;

    private RangerAdminStandIn admin() throws Exception {
        if (admin == null) {
            admin = RangerAdminStandIn.start(ProjectPolicies.SERVICE, "enclave-ops", "s3cret-ranger");
        }
        return admin;
    }

    private RangerAdminClient client() throws Exception {
        return new RangerAdminClient(admin().uri(), "enclave-ops", "s3cret-ranger");
    }

    @Override
    protected PolicyPublisher publisher() throws Exception {
        return new RangerAdminPolicyPublisher(client(), ProjectPolicies.SERVICE);
    }

    @Override
    protected PolicySource source() throws Exception {
        return new RangerAdminPolicySource(client(), ProjectPolicies.SERVICE);
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }
}
