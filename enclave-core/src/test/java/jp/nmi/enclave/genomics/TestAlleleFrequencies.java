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
                assertThat(r.frequency()).isEqualTo(String.format(java.util.Locale.ROOT, "%.6f", (double) ac / r.alleleNumber()));
            }
            List<AlleleFrequencies.Count> cells = List.of(r.homRef(), r.het(), r.homAlt());
            // the cells are all exact or all suppressed: with the participants and the allele count, two would give the third,
            // and bounds on them can pin them too
            assertThat(cells.stream().filter(AlleleFrequencies.Count::exact).count()).isIn(0L, 3L);
            for (AlleleFrequencies.Count g : cells) {
                assertThat(g.exact() ? g.value() >= 10 && r.participants() - g.value() >= 10 : g.shown().equals("suppressed")).isTrue();
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
        // the per-region table: 8 strata at once, spent whether answered or withheld
        AlleleFrequencies.Answer table = af.byAttribute("alice", Stratum.ALL, Attribute.REGION, new VariantSelection.Ids(List.of("v1")));
        assertThat(table.queriesUsed()).isEqualTo(9);
        assertThat(table.queriesLeft()).isEqualTo(21);
        assertThat(table.withheld()).isPositive(); // Kyushu has fewer than 10
        assertThat(table.rows()).allSatisfy(r -> assertThat(r.participants()).isGreaterThanOrEqualTo(10));
        af.byAttribute("alice", Stratum.ALL, Attribute.AGE_BAND, new VariantSelection.Ids(List.of("v1")));  // 11 more: 20 used
        assertThatThrownBy(() -> af.byAttribute("alice", Stratum.ALL, Attribute.AGE_BAND, new VariantSelection.All()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: alice has used 20 of the 30 allele-frequency queries project DEMO-1 allows (10 left; this one"
                        + " needs 11): the budget protects participants against membership inference; the operator can raise it in the"
                        + " project's spec");
        // refused whole for the budget: nothing spent; and another user's budget is their own
        assertThat(af.query("alice", Stratum.parse("sex=F"), new VariantSelection.Ids(List.of("v2"))).queriesLeft()).isEqualTo(9);
        assertThat(af.query("kenji", Stratum.parse("sex=F"), new VariantSelection.Ids(List.of("v2"))).queriesLeft()).isEqualTo(29);
        List<String> events = Files.readAllLines(auditFile);
        assertThat(events).hasSize(6);
        assertThat(events.get(2)).contains("\"by\":\"age_band\"").contains("\"outcome\":\"allowed\"");
        assertThat(events.get(3)).contains("\"outcome\":\"denied\"").contains("has used 20 of the 30");
    }

    @Test
    void aStratumLeavingOutAHandfulOfEveryoneIsRefused() {
        String allButKyushu = "region=Hokkaido|Tohoku|Kanto|Chubu|Kinki|Chugoku|Shikoku";
        assertThat(AlleleIndex.count(TestAlleleIndex.INDEX.mask(Stratum.parse("region=Kyushu")))).isBetween(1, 9);
        assertThatThrownBy(() -> af.query("alice", Stratum.parse(allButKyushu), new VariantSelection.All()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: the stratum " + allButKyushu + " leaves out fewer than 10 of the project's participants: with the"
                        + " frequencies of everyone it would describe too few people");
        // refusals spend their query: a refusal says something too
        assertThat(af.query("alice", Stratum.parse("sex=M"), new VariantSelection.Ids(List.of("v1"))).queriesUsed()).isEqualTo(2);
    }

    @Test
    void noCombinationOfAnswersSetsApartFewerThanTheMinimumNotEvenByThreeStrataOrTwoMembers() {
        String allButKyushu = "region=Hokkaido|Tohoku|Kanto|Chubu|Kinki|Chugoku|Shikoku";
        // A - B + C: A = women in their 40s; B = women in their 40s or 50s outside Kyushu; C = women in their 50s outside Kyushu.
        // Every two differ by more than 10, but A - B + C is the women in their 40s in Kyushu: a handful.
        Stratum a = Stratum.parse("sex=F,age_band=40-49");
        Stratum b = Stratum.parse("sex=F,age_band=40-49|50-59," + allButKyushu);
        Stratum c = Stratum.parse("sex=F,age_band=50-59," + allButKyushu);
        assertThat(AlleleIndex.count(TestAlleleIndex.INDEX.mask(Stratum.parse("sex=F,age_band=40-49,region=Kyushu")))).isBetween(1, 9);
        af.query("alice", a, new VariantSelection.Ids(List.of("v1")));
        // A and B alone pin nothing down: A - B is the Kyushu women in their 40s minus those outside Kyushu in their 50s
        af.query("alice", b, new VariantSelection.Ids(List.of("v1")));
        String refused = "Access denied: the stratum " + c + " would, with what the project's members were answered before, give away the"
                + " frequencies of fewer than 10 participants";
        assertThatThrownBy(() -> af.query("alice", c, new VariantSelection.All())).isInstanceOf(AccessDeniedException.class)
                .hasMessage(refused);
        // another member of the same audience is told no more: what alice was answered, she could pass on
        assertThatThrownBy(() -> af.query("kenji", c, new VariantSelection.All())).isInstanceOf(AccessDeniedException.class)
                .hasMessage(refused);
        // the same stratum again cuts nothing
        assertThat(af.query("alice", a, new VariantSelection.Ids(List.of("v2"))).rows()).hasSize(1);
    }

    @Test
    void theMarginalTablesOfEveryAttributeAreAnsweredTheirCrossCellsStayUnknown() {
        af = new AlleleFrequencies("DEMO-1", TestAlleleIndex.INDEX, new AlleleFrequencies.Policy(10, 1000), HdfsQueryBudget.inMemory(),
                new FileAuditLog(auditFile));
        int answered = 0;
        int withheld = 0;
        for (Attribute a : Attribute.values()) {
            AlleleFrequencies.Answer t = af.byAttribute("alice", Stratum.ALL, a, new VariantSelection.Ids(List.of("v1")));
            answered += t.rows().size();
            withheld += t.withheld();
        }
        // every stratum of at least 10 with at least 10 outside it; none withheld for what the others told
        int expected = 0;
        int everyone = AlleleIndex.count(TestAlleleIndex.INDEX.mask(Stratum.ALL));
        for (Attribute a : Attribute.values()) {
            for (String v : af.valuesOf(a)) {
                int n = AlleleIndex.count(TestAlleleIndex.INDEX.mask(Stratum.ALL.with(a, v)));
                expected += n >= 10 && (everyone - n >= 10 || everyone == n) ? 1 : 0;
            }
        }
        assertThat(answered).isEqualTo(expected);
        assertThat(answered + withheld).isEqualTo(11 + 2 + 8 + af.valuesOf(Attribute.DISEASE).size());
    }

    @Test
    void aPerAttributeTableWithholdsEnoughThatTheBaseMinusTheRestIsNoHandful() {
        Stratum base = Stratum.parse("sex=F");
        af.query("alice", base, new VariantSelection.Ids(List.of("v1")));
        AlleleFrequencies.Answer t = af.byAttribute("alice", base, Attribute.REGION, new VariantSelection.Ids(List.of("v1")));
        assertThat(t.withheld()).isGreaterThanOrEqualTo(1);
        int answered = t.rows().stream().mapToInt(AlleleFrequencies.Row::participants).sum();
        int women = AlleleIndex.count(TestAlleleIndex.INDEX.mask(base));
        // the women in the withheld regions, all together: at least the minimum, or none
        assertThat(women - answered).satisfiesAnyOf(d -> assertThat(d).isZero(), d -> assertThat(d).isGreaterThanOrEqualTo(10));
    }

    @Test
    void anOptOutDoesNotMakeAStratumAskedAgainTheOnePersonsGenotypes() {
        java.util.Set<String> out = new java.util.HashSet<>();
        AlleleFrequencies withOptouts = new AlleleFrequencies("DEMO-1", AfIndexStore.PROJECT, TestAlleleIndex.INDEX,
                new AlleleFrequencies.Policy(10, 30), HdfsQueryBudget.inMemory(), new FileAuditLog(dir.resolve("audit2.jsonl")), () -> out);
        Stratum women = Stratum.parse("sex=F");
        int before = withOptouts.query("alice", women, new VariantSelection.All()).rows().get(0).participants();
        out.add(COHORT.participantId(COHORT.firstWoman()));
        assertThatThrownBy(() -> withOptouts.query("alice", women, new VariantSelection.All())).isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("give away the frequencies of fewer than 10 participants");
        // a stratum that cuts her atom into large pieces is still answered, without her
        AlleleFrequencies.Answer older = withOptouts.query("alice", Stratum.parse("sex=F,age_band=20-29|30-39|40-49|50-59"),
                new VariantSelection.Ids(List.of("v1")));
        assertThat(older.rows().get(0).participants()).isLessThan(before);
    }

    @Test
    void frequenciesHaveSixDecimalsRoundedHalfUp() {
        assertThat(AlleleFrequencies.format(1, 3)).isEqualTo("0.333333");
        assertThat(AlleleFrequencies.format(2, 3)).isEqualTo("0.666667");
        assertThat(AlleleFrequencies.format(1, 2_000_000)).isEqualTo("0.000001");
        assertThat(AlleleFrequencies.format(0, 7)).isEqualTo("0.000000");
        assertThat(AlleleFrequencies.format(7, 7)).isEqualTo("1.000000");
        assertThat(AlleleFrequencies.format(5, 256)).isEqualTo("0.019531");
    }

    @Test
    void whatOneAudienceWasAnsweredCountsForTheOtherToo() {
        // the industry members' index leaves out three participants (their consent prohibits commercial use)
        AlleleIndex.Builder b = new AlleleIndex.Builder();
        for (int p = 3; p < COHORT.participants; p++) {
            b.participant(COHORT.participantId(p), COHORT.ageBand[p], COHORT.sex[p], COHORT.region[p], COHORT.icd10.get(p));
        }
        for (int v = 0; v < COHORT.variants; v++) {
            b.variant(COHORT.variant(v));
        }
        for (int p = 3; p < COHORT.participants; p++) {
            for (int v = 0; v < COHORT.variants; v++) {
                if (COHORT.altCount(p, v) > 0) {
                    b.genotype(COHORT.participantId(p), COHORT.variant(v).id(), COHORT.altCount(p, v));
                }
            }
        }
        QueryBudget shared = HdfsQueryBudget.inMemory();
        AlleleFrequencies academic = new AlleleFrequencies("DEMO-1", AfIndexStore.PROJECT, TestAlleleIndex.INDEX,
                new AlleleFrequencies.Policy(10, 30), shared, new FileAuditLog(dir.resolve("audit5.jsonl")), java.util.Set::of);
        AlleleFrequencies industry = new AlleleFrequencies("DEMO-1", "commercial-use", b.build(), new AlleleFrequencies.Policy(10, 30),
                shared, new FileAuditLog(dir.resolve("audit5.jsonl")), java.util.Set::of);
        academic.query("alice", Stratum.ALL, new VariantSelection.Ids(List.of("v1")));
        // everyone as kenji sees them is everyone but those three: the difference would be their genotypes
        assertThatThrownBy(() -> industry.query("kenji", Stratum.ALL, new VariantSelection.Ids(List.of("v1"))))
                .isInstanceOf(AccessDeniedException.class).hasMessageContaining("give away the frequencies of fewer than 10");
    }

    @Test
    void onXTheAlleleNumberCountsTheMenSoTheirFewIsNotToldThere() {
        AlleleIndex.Builder b = new AlleleIndex.Builder();
        for (int p = 0; p < 40; p++) {
            b.participant("p" + p, "60-69", p < 35 ? "F" : "M", "Kanto", List.of("C50.9"));
        }
        for (int p = 0; p < 15; p++) {
            b.participant("q" + p, "60-69", "M", "Kanto", List.of("I10"));
        }
        b.variant(new AlleleIndex.Variant("1:100:A:G", "1", 100, "A", "G"));
        b.variant(new AlleleIndex.Variant("X:100:A:G", "X", 100, "A", "G"));
        AlleleIndex small = b.build();
        AlleleFrequencies f = new AlleleFrequencies("DEMO-1", small, new AlleleFrequencies.Policy(10, 100), HdfsQueryBudget.inMemory(),
                new FileAuditLog(dir.resolve("audit3.jsonl")));
        // 40 with C50, 5 of them men: on chromosome 1 the stratum is answered, on X its allele number (2 x 35 + 5) would say 5
        assertThat(f.query("alice", Stratum.parse("disease=C50"), new VariantSelection.Ids(List.of("1:100:A:G"))).rows().get(0)
                .alleleNumber()).isEqualTo(80);
        assertThatThrownBy(() -> f.query("alice", Stratum.parse("disease=C50"), new VariantSelection.Ids(List.of("X:100:A:G"))))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: the stratum disease=C50 would, with what the project's members were answered before, give away"
                        + " the frequencies of fewer than 10 participants");
        // everyone's men on X, less the I10 stratum (all men), would be the C50 men: refused too
        assertThatThrownBy(() -> f.query("alice", Stratum.ALL, new VariantSelection.Ids(List.of("X:100:A:G"))))
                .isInstanceOf(AccessDeniedException.class).hasMessageContaining("give away the frequencies of fewer than 10");
        // asked first, everyone on X is answered: 35 women and 20 men, both at least 10
        AlleleFrequencies fresh = new AlleleFrequencies("DEMO-1", small, new AlleleFrequencies.Policy(10, 100), HdfsQueryBudget.inMemory(),
                new FileAuditLog(dir.resolve("audit4.jsonl")));
        assertThat(fresh.query("alice", Stratum.ALL, new VariantSelection.Ids(List.of("X:100:A:G"))).rows().get(0).alleleNumber())
                .isEqualTo(2 * 35 + 20);
    }

    @Test
    void allelesObservedFollowTheChromosome() {
        assertThat(AlleleFrequencies.alleleNumber("1", 100, 40)).isEqualTo(200);
        assertThat(AlleleFrequencies.alleleNumber("chrX", 100, 40)).isEqualTo(160);
        assertThat(AlleleFrequencies.alleleNumber("Y", 100, 40)).isEqualTo(40);
        assertThat(AlleleFrequencies.alleleNumber("chrM", 100, 40)).isEqualTo(100);
        assertThat(AlleleFrequencies.alleleNumber("MT", 100, 40)).isEqualTo(100);
        assertThat(Chromosomes.canonical("chr01")).isEqualTo("1");
        assertThat(VariantSelection.region("chrM:1-100")).isEqualTo(new VariantSelection.Region("MT", 1, 100));
    }

    @Test
    void aRowNeverPinsASmallGenotypeCell() {
        // every way a row can be: three cells summing to n, the allele count from them
        for (int n = 10; n <= 40; n++) {
            for (int het = 0; het <= n; het++) {
                for (int hom = 0; het + hom <= n; hom++) {
                    boolean anySmall = n - het - hom < 10 || het < 10 || hom < 10;
                    AlleleFrequencies.Count ac = AlleleFrequencies.Count.of(het + 2 * hom, 10, 2 * n);
                    if (anySmall && ac.exact()) {
                        // with only n and the allele count exact, the cells have at least two solutions
                        int solutions = 0;
                        for (int h2 = 0; h2 <= n; h2++) {
                            int rest = het + 2 * hom - h2;
                            if (rest >= 0 && rest % 2 == 0 && h2 + rest / 2 <= n) {
                                solutions++;
                            }
                        }
                        assertThat(solutions).as("n=%d het=%d hom=%d", n, het, hom).isGreaterThan(1);
                    }
                }
            }
        }
    }

    @Test
    void perDiseaseTablesRunOverTheCategoriesPresent() {
        assertThat(af.valuesOf(Attribute.DISEASE)).containsExactlyElementsOf(SyntheticCohort.DISEASES.stream().sorted().toList());
        assertThatThrownBy(() -> af.byAttribute("alice", Stratum.parse("sex=F"), Attribute.SEX, new VariantSelection.All()))
                .hasMessage("--by sex and --where sex=... together: leave sex out of --where");
    }
}
