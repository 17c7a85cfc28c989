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
import jp.nmi.enclave.demo.DemoProjects;
import jp.nmi.enclave.policy.PolicyBuilder.Who;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ranger's own policy engine behind the enclave's authorizer, on the demo policies and on fixtures. */
class TestRangerAuthorizer {
    @TempDir
    Path dir;

    private RangerAuthorizer demo() throws Exception {
        Path file = dir.resolve("policies.json");
        Files.write(file, ServicePoliciesJson.write(DemoProjects.policies()));
        RangerAuthorizer a = new RangerAuthorizer(new FilePolicySource(file), DemoProjects.SERVICE, Clock.systemUTC());
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
        assertThat(a.rowFilter(KENJI, "demo_1", "diagnoses").orElseThrow().expression()).contains("NOT commercial_use_prohibited");
        assertThat(a.rowFilter(ALICE, "demo_1", "diagnoses").orElseThrow().expression()).doesNotContain("commercial")
                .contains("icd10 LIKE 'C50%'");
        assertThat(a.rowFilter(ALICE, "demo_1", "variants")).isEmpty();
        assertThat(a.mask(ALICE, "demo_1", "participants", "participant_id").orElseThrow().type()).isEqualTo("MASK_HASH");
        assertThat(a.mask(ALICE, "demo_1", "clinical_notes", "note").orElseThrow().type()).isEqualTo("MASK_NULL");
        assertThat(a.mask(ALICE, "demo_1", "participants", "sex")).isEmpty();
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
        Files.write(file, ServicePoliciesJson.write(DemoProjects.policies()));
        RangerAuthorizer a = new RangerAuthorizer(new FilePolicySource(file), DemoProjects.SERVICE, Clock.systemUTC());
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
