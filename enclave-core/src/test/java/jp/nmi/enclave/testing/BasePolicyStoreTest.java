package jp.nmi.enclave.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.policy.PolicyContent;
import jp.nmi.enclave.policy.PolicySource;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectPolicies;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.apache.ranger.plugin.util.ServicePolicies;
import org.junit.jupiter.api.Test;

/**
 * What every place the enclave keeps its Ranger policies must do, as a pair: the
 * {@link PolicyPublisher} operators' commands write with and the {@link PolicySource} sessions
 * read from. Run against the policy file (embedded) and Ranger Admin's REST API (production, over
 * the stand-in that follows its documented behaviour).
 */
public abstract class BasePolicyStoreTest {
    /** A new, empty store's publisher. */
    protected abstract PolicyPublisher publisher() throws Exception;

    /** The source reading the same store. */
    protected abstract PolicySource source() throws Exception;

    static List<RangerPolicy> demo(String id) {
        return ProjectPolicies.generate(DemoSpecs.spec(id), java.util.Set.of());
    }

    static void assertSameDecisions(List<RangerPolicy> actual, List<RangerPolicy> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (RangerPolicy e : expected) {
            assertThat(actual).as(e.getName()).anySatisfy(a -> assertThat(PolicyContent.same(a, e)).isTrue());
        }
    }

    @Test
    void whatIsPublishedIsWhatIsInForceAndWhatSessionsRead() throws Exception {
        PolicyPublisher p = publisher();
        List<RangerPolicy> demo1 = demo("DEMO-1");
        List<RangerPolicy> demo2 = demo("DEMO-2");
        p.publish(Map.of("DEMO-1", demo1, "DEMO-2", demo2));
        List<RangerPolicy> both = new java.util.ArrayList<>(demo1);
        both.addAll(demo2);
        assertSameDecisions(p.current(), both);
        ServicePolicies read = source().policiesIfChanged(null);
        assertThat(read).isNotNull();
        assertSameDecisions(read.getPolicies(), both);
    }

    @Test
    void aSourceSaysNothingChangedUntilSomethingIsPublished() throws Exception {
        PolicyPublisher p = publisher();
        p.publish(Map.of("DEMO-1", demo("DEMO-1")));
        PolicySource s = source();
        ServicePolicies first = s.policiesIfChanged(null);
        assertThat(first.getPolicyVersion()).isNotNull();
        assertThat(s.policiesIfChanged(first.getPolicyVersion())).isNull();
        p.publish(Map.of("DEMO-1", demo("DEMO-1"), "DEMO-2", demo("DEMO-2")));
        ServicePolicies second = s.policiesIfChanged(first.getPolicyVersion());
        assertThat(second).isNotNull();
        assertThat(second.getPolicyVersion()).isNotEqualTo(first.getPolicyVersion());
        assertSameDecisions(second.getPolicies(), both("DEMO-1", "DEMO-2"));
    }

    @Test
    void publishingWithoutAProjectRemovesItsPolicies() throws Exception {
        PolicyPublisher p = publisher();
        p.publish(Map.of("DEMO-1", demo("DEMO-1"), "DEMO-2", demo("DEMO-2")));
        p.publish(Map.of("DEMO-2", demo("DEMO-2")));
        assertSameDecisions(p.current(), demo("DEMO-2"));
        assertSameDecisions(source().policiesIfChanged(null).getPolicies(), demo("DEMO-2"));
    }

    static List<RangerPolicy> both(String a, String b) {
        List<RangerPolicy> out = new java.util.ArrayList<>(demo(a));
        out.addAll(demo(b));
        return out;
    }
}
