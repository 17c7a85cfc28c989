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

    @org.junit.jupiter.api.Test
    void noStateBetweenTwoWritesGrantsWithoutTheRestrictionsThatComeWithTheGrant() throws Exception {
        // sessions download after every write: a new project's grants must not be in force before its
        // denials, masks and row filters; nor a new mask's grant before the mask
        PolicyPublisher p = publisher();
        java.util.List<org.apache.ranger.plugin.model.RangerPolicy> first = ProjectPolicies.generate(jp.nmi.enclave.demo.DemoSpecs.spec("DEMO-1"),
                java.util.Set.of());
        p.publish(java.util.Map.of("DEMO-1", first));
        assertEveryStateHasTheRestrictionsOf(first);
        org.assertj.core.api.Assertions.assertThat(admin().history()).hasSizeGreaterThan(3);
        org.assertj.core.api.Assertions.assertThat(first).anySatisfy(x -> org.assertj.core.api.Assertions.assertThat(
                RangerAdminPolicyPublisher.isGrant(x)).isTrue()).anySatisfy(x -> org.assertj.core.api.Assertions.assertThat(
                RangerAdminPolicyPublisher.isGrant(x)).isFalse());
    }

    @org.junit.jupiter.api.Test
    void anAnswerForAnotherServiceOrAnOlderVersionIsRefused() throws Exception {
        // a misrouting proxy or a Ranger Admin restored from an old backup: never put older policies back in force
        java.util.concurrent.atomic.AtomicReference<String> answer = new java.util.concurrent.atomic.AtomicReference<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            byte[] body = answer.get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            RangerAdminPolicySource s = new RangerAdminPolicySource(new RangerAdminClient(java.net.URI.create("http://127.0.0.1:"
                    + server.getAddress().getPort()), "enclave-ops", "x"), ProjectPolicies.SERVICE);
            answer.set("{\"serviceName\":\"other_hive\",\"policyVersion\":5,\"policies\":[]}");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.policiesIfChanged(null))
                    .hasMessageEndingWith("answered for service 'other_hive' when asked for enclave_hive");
            answer.set("{\"serviceName\":\"enclave_hive\",\"policyVersion\":5,\"policies\":[]}");
            org.assertj.core.api.Assertions.assertThat(s.policiesIfChanged(null).getPolicyVersion()).isEqualTo(5L);
            answer.set("{\"serviceName\":\"enclave_hive\",\"policyVersion\":3,\"policies\":[]}");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.policiesIfChanged(5L))
                    .hasMessageContaining("sent policy version 3 of service enclave_hive after version 5");
        } finally {
            server.stop(0);
        }
    }

    private void assertEveryStateHasTheRestrictionsOf(java.util.List<org.apache.ranger.plugin.model.RangerPolicy> wanted) throws Exception {
        java.util.Set<String> restrictions = new java.util.TreeSet<>();
        for (org.apache.ranger.plugin.model.RangerPolicy w : wanted) {
            if (!RangerAdminPolicyPublisher.isGrant(w)) {
                restrictions.add(w.getName());
            }
        }
        for (java.util.List<org.apache.ranger.plugin.model.RangerPolicy> state : admin().history()) {
            boolean grants = state.stream().anyMatch(RangerAdminPolicyPublisher::isGrant);
            java.util.Set<String> present = new java.util.TreeSet<>();
            state.forEach(x -> present.add(x.getName()));
            if (grants) {
                org.assertj.core.api.Assertions.assertThat(present).as("a state that grants").containsAll(restrictions);
            }
        }
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
    }
}
