package jp.nmi.enclave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.project.ProjectPolicies;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.junit.jupiter.api.Test;

/** What counts as the same policy wherever it is kept, and what is a change. */
class TestPolicyContent {
    private static RangerPolicy generated() {
        return ProjectPolicies.generate(DemoSpecs.spec("DEMO-1"), Set.of()).stream()
                .filter(p -> p.getPolicyType() == 0 && !p.getPolicyItems().isEmpty()).findFirst().orElseThrow();
    }

    @Test
    void whatAStoreAddsIsNotAChange() {
        RangerPolicy original = generated();
        RangerPolicy kept = ServicePoliciesJson.copy(original);
        kept.setId(4711L);
        kept.setGuid("0b7c9a2e-guid");
        kept.setVersion(7L);
        kept.setService("cm_hive");
        kept.setPolicyLabels(new ArrayList<>(List.of("enclave-managed", "project:DEMO-1")));
        kept.setCreatedBy("Admin");
        kept.setConditions(new ArrayList<>());
        assertThat(PolicyContent.same(original, kept)).isTrue();
        assertThat(PolicyContent.allInForce(List.of(original), List.of(kept))).isTrue();
    }

    @Test
    void whoMayDoWhatIsAChange() {
        RangerPolicy original = generated();
        RangerPolicy granted = ServicePoliciesJson.copy(original);
        granted.getPolicyItems().get(0).setUsers(new ArrayList<>(List.of("bob")));
        assertThat(PolicyContent.same(original, granted)).isFalse();
        RangerPolicy disabled = ServicePoliciesJson.copy(original);
        disabled.setIsEnabled(false);
        assertThat(PolicyContent.same(original, disabled)).isFalse();
        RangerPolicy timeless = ServicePoliciesJson.copy(original);
        timeless.setValiditySchedules(new ArrayList<>());
        assertThat(PolicyContent.same(original, timeless)).as("the project's dates are part of the decision").isFalse();
        assertThat(PolicyContent.allInForce(List.of(original), List.of(granted))).isFalse();
        assertThat(PolicyContent.allInForce(List.of(original), List.of())).isFalse();
    }
}
