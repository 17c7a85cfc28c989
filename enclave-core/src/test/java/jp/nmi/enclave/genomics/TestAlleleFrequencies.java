package jp.nmi.enclave.genomics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.error.AccessDeniedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protections: small strata refused, small counts bounded, the budget, the audit. */
class TestAlleleFrequencies {
    static final SyntheticCohort COHORT = TestAlleleIndex.COHORT;

    @TempDir
    Path dir;

    Path auditFile;
    AlleleFrequencies af;

    @BeforeEach
    void setUp() {
        auditFile = dir.resolve("audit.jsonl");
        af = new AlleleFrequencies("DEMO-1", TestAlleleIndex.INDEX, new AlleleFrequencies.Policy(10, 30), HdfsQueryBudget.inMemory(),
                new FileAuditLog(auditFile));
    }

    @Test
    void aStratumOfFewerThanTheMinimumIsRefusedAndAudited() throws Exception {
        Stratum tiny = Stratum.parse("age_band=90-99,sex=M,region=Kyushu,disease=N18");
        assertThat(AlleleIndex.count(TestAlleleIndex.INDEX.mask(tiny))).isLessThan(10);
        assertThatThrownBy(() -> af.query("alice", tiny, new VariantSelection.All())).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: the stratum age_band=90-99,sex=M,region=Kyushu,disease=N18 has fewer than 10 participants"
                        + " (the project's disclosure profile): its frequencies would describe too few people");
        String last = Files.readAllLines(auditFile).get(0);
        assertThat(last).contains("\"action\":\"af.query\"").contains("\"outcome\":\"denied\"")
                .contains("\"where\":\"age_band=90-99,sex=M,region=Kyushu,disease=N18\"");
        // the message says fewer than the minimum, never how many
        assertThat(last).doesNotContainPattern("has [0-9]+ participants");
    }

    @Test
    void countsBelowTheMinimumAreBoundsAndSoAreTheirFrequencies() {
        AlleleFrequencies.Answer a = af.query("alice", Stratum.parse("sex=F"), new VariantSelection.All());
        assertThat(a.rows()).hasSize(COHORT.variants);
        boolean sawLow = false;
        boolean sawHigh = false;
        for (AlleleFrequencies.Row r : a.rows()) {
            int[] exact = TestAlleleIndex.INDEX.genotypeCounts(TestAlleleIndex.INDEX.mask(Stratum.parse("sex=F")),
                    TestAlleleIndex.INDEX.indexOf(r.variant().id()), TestAlleleIndex.INDEX.indexOf(r.variant().id()) + 1);
            int ac = exact[0] + 2 * exact[1];
            if (ac < 10) {
                sawLow = true;
                assertThat(r.alleleCount().shown()).isEqualTo("<10");
                assertThat(r.frequency()).startsWith("<");
            } else if (r.alleleNumber() - ac < 10) {
                sawHigh = true;
                assertThat(r.alleleCount().shown()).isEqualTo(">" + (r.alleleNumber() - 10));
                assertThat(r.frequency()).startsWith(">");
            } else {
                assertThat(r.alleleCount().shown()).isEqualTo(Integer.toString(ac));
                assertThat(r.frequency()).isEqualTo(AlleleFrequencies.format((double) ac / r.alleleNumber()));
            }
            for (AlleleFrequencies.Count g : List.of(r.homRef(), r.het(), r.homAlt())) {
                assertThat(g.exact() ? g.value() >= 10 && r.participants() - g.value() >= 10 : g.shown().matches("[<>][0-9]+")).isTrue();
            }
        }
        assertThat(sawLow).as("the cohort has rare variants").isTrue();
        assertThat(sawHigh).as("the cohort has variants where the alternative is almost fixed").isTrue();
    }

    @Test
    void theBudgetIsSpentPerStratumReportedAndEnforcedWithoutSpendingOnRefusal() throws Exception {
        AlleleFrequencies.Answer first = af.query("alice", Stratum.parse("sex=F"), new VariantSelection.Ids(List.of("v1")));
        assertThat(first.queriesUsed()).isEqualTo(1);
        assertThat(first.queriesLeft()).isEqualTo(29);
        // the per-region table: 8 strata at once
        AlleleFrequencies.Answer table = af.byAttribute("alice", Stratum.ALL, Attribute.REGION, new VariantSelection.Ids(List.of("v1")));
        assertThat(table.queriesUsed()).isEqualTo(9);
        assertThat(table.queriesLeft()).isEqualTo(21);
        // strata too small for the table are left out, not shown
        assertThat(table.rows()).allSatisfy(r -> assertThat(r.participants()).isGreaterThanOrEqualTo(10));
        af.byAttribute("alice", Stratum.ALL, Attribute.AGE_BAND, new VariantSelection.Ids(List.of("v1")));  // 11 more: 20 used
        assertThatThrownBy(() -> af.byAttribute("alice", Stratum.ALL, Attribute.AGE_BAND, new VariantSelection.All()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: alice has used 20 of the 30 allele-frequency queries project DEMO-1 allows (10 left; this one"
                        + " needs 11): the budget protects participants against membership inference; the operator can raise it in the"
                        + " project's spec");
        // refused whole for the budget: nothing spent; and another user's budget is their own
        assertThat(af.query("alice", Stratum.parse("sex=M"), new VariantSelection.Ids(List.of("v2"))).queriesLeft()).isEqualTo(9);
        assertThat(af.query("kenji", Stratum.parse("sex=M"), new VariantSelection.Ids(List.of("v2"))).queriesLeft()).isEqualTo(29);
        List<String> events = Files.readAllLines(auditFile);
        assertThat(events).hasSize(6);
        assertThat(events.get(2)).contains("\"by\":\"age_band\"").contains("\"outcome\":\"allowed\"");
        assertThat(events.get(3)).contains("\"outcome\":\"denied\"").contains("has used 20 of the 30");
    }

    @Test
    void aStratumCloseToAnotherThisUserWasAnsweredOrToEveryoneIsRefused() {
        String allButKyushu = "region=Hokkaido|Tohoku|Kanto|Chubu|Kinki|Chugoku|Shikoku";
        int kyushu = AlleleIndex.count(TestAlleleIndex.INDEX.mask(Stratum.parse("region=Kyushu")));
        int womenInKyushu = AlleleIndex.count(TestAlleleIndex.INDEX.mask(Stratum.parse("sex=F,region=Kyushu")));
        assertThat(kyushu).isBetween(1, 9);
        assertThat(womenInKyushu).isBetween(1, 9);
        // everyone's frequencies minus these would be Kyushu's few
        assertThatThrownBy(() -> af.query("alice", Stratum.parse(allButKyushu), new VariantSelection.All()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: the stratum " + allButKyushu + " leaves out fewer than 10 of the project's participants: with the"
                        + " frequencies of everyone it would describe too few people");
        af.query("alice", Stratum.parse("sex=F"), new VariantSelection.Ids(List.of("v1")));
        assertThatThrownBy(() -> af.query("alice", Stratum.parse("sex=F," + allButKyushu), new VariantSelection.All()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: the stratum sex=F," + allButKyushu + " differs from sex=F, which you were answered before, by"
                        + " fewer than 10 participants: the two answers together would describe too few people");
        // another user was not answered sex=F: the same stratum is theirs to ask
        assertThat(af.query("kenji", Stratum.parse("sex=F," + allButKyushu), new VariantSelection.Ids(List.of("v1"))).rows()).hasSize(1);
        // refusals spend their query: a refusal says something too
        assertThat(af.query("alice", Stratum.parse("sex=M"), new VariantSelection.Ids(List.of("v1"))).queriesUsed()).isEqualTo(4);
    }

    @Test
    void perDiseaseTablesRunOverTheCategoriesPresent() {
        assertThat(af.valuesOf(Attribute.DISEASE)).containsExactlyElementsOf(SyntheticCohort.DISEASES.stream().sorted().toList());
        assertThatThrownBy(() -> af.byAttribute("alice", Stratum.parse("sex=F"), Attribute.SEX, new VariantSelection.All()))
                .hasMessage("--by sex and --where sex=... together: leave sex out of --where");
    }
}
