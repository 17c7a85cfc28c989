package jp.nmi.enclave.policy;

import static jp.nmi.enclave.testing.Personas.ALICE;
import static jp.nmi.enclave.testing.Personas.BOB;
import static jp.nmi.enclave.testing.Personas.KENJI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.ArrayList;
import java.util.Set;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.project.ProjectPolicies;
import org.apache.ranger.plugin.model.RangerPolicy;
import jp.nmi.enclave.policy.PolicyBuilder.Who;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranger's own policy engine behind the enclave's authorizer, on the demo policies and on fixtures. */
class TestRangerAuthorizer {
    @TempDir
    Path dir;

    /** The policies generated from the demo project specs. */
    static org.apache.ranger.plugin.util.ServicePolicies demoPolicies() {
        List<RangerPolicy> all = new ArrayList<>();
        for (String id : DemoSpecs.IDS) {
            all.addAll(ProjectPolicies.generate(DemoSpecs.spec(id), Set.of()));
        }
        return PolicyBuilder.servicePolicies(ProjectPolicies.SERVICE, 1, all);
    }

    private RangerAuthorizer demo() throws Exception {
        return demo(Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC));
    }

    private RangerAuthorizer demo(Clock clock) throws Exception {
        Path file = dir.resolve("policies.json");
        Files.write(file, ServicePoliciesJson.write(demoPolicies()));
        RangerAuthorizer a = new RangerAuthorizer(new FilePolicySource(file), ProjectPolicies.SERVICE, clock);
        a.refresh();
        return a;
    }

    @Test
    void membersReadTheirProjectOnly() throws Exception {
        RangerAuthorizer a = demo();
        assertThat(a.canSelect(ALICE, "demo_1", "participants", "sex")).isTrue();
        assertThat(a.canSelect(BOB, "demo_1", "participants", "sex")).isFalse();
        assertThat(a.canSelect(BOB, "demo_2", "participants", "sex")).isTrue();
        assertThat(a.canSelect(ALICE, "demo_2", "participants", "sex")).isFalse();
    }

    @Test
    void industryMembersAreDeniedExactBirthYears() throws Exception {
        RangerAuthorizer a = demo();
        assertThat(a.canSelect(ALICE, "demo_1", "participants", "birth_year")).isTrue();
        assertThat(a.canSelect(KENJI, "demo_1", "participants", "birth_year")).isFalse();
        assertThat(a.canSelect(KENJI, "demo_1", "participants", "age_band")).isTrue();
    }

    @Test
    void rowFiltersAndMasksComeFromTheFirstMatchingItem() throws Exception {
        RangerAuthorizer a = demo();
        assertThat(a.rowFilter(KENJI, "demo_1", "diagnoses").orElseThrow().expression())
                .isEqualTo("participant_id IN (SELECT participant_id FROM demo_1.enclave_consent WHERE NOT commercial_use_prohibited)");
        // the extract holds only the cohort: academic members need no row filter
        assertThat(a.rowFilter(ALICE, "demo_1", "diagnoses")).isEmpty();
        assertThat(a.rowFilter(KENJI, "demo_1", "variants")).isEmpty();
        assertThat(a.mask(ALICE, "demo_1", "participants", "enrolled_on").orElseThrow().type()).isEqualTo("MASK_DATE_SHOW_YEAR");
        assertThat(a.mask(ALICE, "demo_1", "clinical_notes", "note").orElseThrow().type()).isEqualTo("MASK_NULL");
        assertThat(a.mask(ALICE, "demo_1", "participants", "sex")).isEmpty();
        // nobody is granted the consent table the industry filter reads
        assertThat(a.canSelect(KENJI, "demo_1", "enclave_consent", "participant_id")).isFalse();
    }

    @Test
    void generatedPoliciesEndWithTheProject() throws Exception {
        // DEMO-1 runs to 2029-03-31 in Tokyo
        assertThat(demo(Clock.fixed(Instant.parse("2029-03-31T14:59:00Z"), ZoneOffset.UTC)).canSelect(ALICE, "demo_1", "participants", "sex"))
                .isTrue();
        assertThat(demo(Clock.fixed(Instant.parse("2029-03-31T15:00:01Z"), ZoneOffset.UTC)).canSelect(ALICE, "demo_1", "participants", "sex"))
                .isFalse();
    }

    @Test
    void validitySchedulesAreHonoured() throws Exception {
        PolicyBuilder b = new PolicyBuilder("svc", 1, new PolicyBuilder.Validity(LocalDate.of(2026, 4, 1), LocalDate.of(2026, 9, 30),
                ZoneId.of("Asia/Tokyo")));
        b.allow("time-bound", "db", List.of("t"), List.of("*"), Who.users("alice"), "select");
        Path file = dir.resolve("timed.json");
        Files.write(file, ServicePoliciesJson.write(PolicyBuilder.servicePolicies("svc", 7, b.policies())));
        assertThat(authorizer(file, Instant.parse("2026-06-01T00:00:00Z")).canSelect(ALICE, "db", "t", "c")).isTrue();
        assertThat(authorizer(file, Instant.parse("2026-03-31T14:59:59Z")).canSelect(ALICE, "db", "t", "c")).isFalse();
        // 2026-09-30 23:59:59 in Tokyo is 14:59:59 UTC
        assertThat(authorizer(file, Instant.parse("2026-09-30T14:59:00Z")).canSelect(ALICE, "db", "t", "c")).isTrue();
        assertThat(authorizer(file, Instant.parse("2026-09-30T15:00:01Z")).canSelect(ALICE, "db", "t", "c")).isFalse();
    }

    @Test
    void anUnreadablePolicySourceDeniesEverything() throws Exception {
        Path file = dir.resolve("policies.json");
        Files.write(file, ServicePoliciesJson.write(demoPolicies()));
        RangerAuthorizer a = new RangerAuthorizer(new FilePolicySource(file), ProjectPolicies.SERVICE,
                Clock.fixed(Instant.parse("2026-11-24T00:00:00Z"), ZoneOffset.UTC));
        assertThatThrownBy(() -> a.canSelect(ALICE, "demo_1", "participants", "sex"))
                .isInstanceOf(PolicyUnavailableException.class)
                .hasMessage("policies are unavailable (no policies loaded yet): every statement is refused until policy file "
                        + file.toAbsolutePath() + " can be read");
        a.refresh();
        assertThat(a.canSelect(ALICE, "demo_1", "participants", "sex")).isTrue();
        Files.writeString(file, "{ not json");
        assertThatThrownBy(a::refresh).isInstanceOf(PolicyUnavailableException.class)
                .hasMessageStartingWith("cannot parse policy file " + file.toAbsolutePath());
        assertThatThrownBy(() -> a.canSelect(ALICE, "demo_1", "participants", "sex"))
                .isInstanceOf(PolicyUnavailableException.class)
                .hasMessageContaining("every statement is refused until policy file");
        Files.delete(file);
        assertThatThrownBy(a::refresh).isInstanceOf(PolicyUnavailableException.class)
                .hasMessage("policy file " + file.toAbsolutePath() + " does not exist");
    }

    private static RangerAuthorizer authorizer(Path file, Instant now) {
        RangerAuthorizer a = new RangerAuthorizer(new FilePolicySource(file), "svc", Clock.fixed(now, ZoneOffset.UTC));
        a.refresh();
        return a;
    }
}
