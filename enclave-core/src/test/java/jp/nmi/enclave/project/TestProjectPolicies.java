package jp.nmi.enclave.project;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import jp.nmi.enclave.demo.DemoSpecs;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Ranger policies generated from the demo specs, compared with golden files under
 * {@code src/test/resources/golden/}. After an intended change, regenerate them with
 * {@code ENCLAVE_UPDATE_GOLDEN=1 mvn -pl enclave-core test -Dtest=TestProjectPolicies} and review the diff.
 */
class TestProjectPolicies {
    @ParameterizedTest
    @ValueSource(strings = {"DEMO-1", "DEMO-2"})
    void generatedPoliciesMatchTheGoldenFiles(String id) throws Exception {
        String generated = ProjectPolicies.toJson(ProjectPolicies.generate(DemoSpecs.spec(id), Set.of())) + "\n";
        Path golden = Path.of("src/test/resources/golden", id + ".policies.json");
        if (System.getenv("ENCLAVE_UPDATE_GOLDEN") != null) {
            Files.writeString(golden, generated, StandardCharsets.UTF_8);
        }
        assertThat(generated).as("regenerate with ENCLAVE_UPDATE_GOLDEN=1 if the change is intended")
                .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DEMO-1"})
    void pendingOptOutsAreFilteredForEveryoneUntilTheNextRewrite(String id) {
        List<RangerPolicy> policies = ProjectPolicies.generate(DemoSpecs.spec(id), Set.of("bbb", "aaa"));
        RangerPolicy diagnoses = policies.stream().filter(p -> p.getName().equals("DEMO-1: rows of diagnoses")).findFirst().orElseThrow();
        assertThat(diagnoses.getRowFilterPolicyItems()).hasSize(2);
        assertThat(diagnoses.getRowFilterPolicyItems().get(0).getUsers()).containsExactly("kenji");
        assertThat(diagnoses.getRowFilterPolicyItems().get(0).getRowFilterInfo().getFilterExpr())
                .endsWith(" AND participant_id NOT IN ('aaa', 'bbb')");
        assertThat(diagnoses.getRowFilterPolicyItems().get(1).getGroups()).containsExactly("demo-1");
        assertThat(diagnoses.getRowFilterPolicyItems().get(1).getRowFilterInfo().getFilterExpr())
                .isEqualTo("participant_id NOT IN ('aaa', 'bbb')");
        // every policy lasts exactly the project's dates, in Tokyo time
        assertThat(policies).allSatisfy(p -> {
            assertThat(p.getValiditySchedules()).hasSize(1);
            assertThat(p.getValiditySchedules().get(0).getStartTime()).isEqualTo("2026/04/01 00:00:00");
            assertThat(p.getValiditySchedules().get(0).getEndTime()).isEqualTo("2029/03/31 23:59:59");
            assertThat(p.getValiditySchedules().get(0).getTimeZone()).isEqualTo("Asia/Tokyo");
        });
    }
}
