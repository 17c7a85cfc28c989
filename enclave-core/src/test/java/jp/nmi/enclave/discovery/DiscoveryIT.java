package jp.nmi.enclave.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import jp.nmi.enclave.dataset.Region;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.optout.OptoutRegistry;
import jp.nmi.enclave.optout.OptoutStore;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectSpec;
import jp.nmi.enclave.project.ProjectSpecParser;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.testing.DemoFacts;
import jp.nmi.enclave.testing.EnclaveProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery through the real datasets on HDFS (issue 17): every count against the same count made
 * directly from the datasets' rows, differencing, the budget and the audit, and a saved result
 * applied as a project.
 */
class DiscoveryIT {
    @TempDir
    static Path dir;

    static DemoEnclave enclave;
    static DemoFacts facts;
    static Map<String, Map<String, Object>> participants;

    @BeforeAll
    static void start() throws Exception {
        enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(3000, 20, 23), Progress.NONE);
        facts = new DemoFacts(enclave.storage(), null);
        participants = facts.rows("participants").stream().collect(Collectors.toMap(r -> (String) r.get("participant_id"), r -> r));
    }

    @AfterAll
    static void stop() {
        if (enclave != null) {
            enclave.close();
        }
    }

    /** Each test starts with no answers on record, so that its counts are the datasets' own. */
    @BeforeEach
    void forget() throws Exception {
        enclave.storage().fs().delete(enclave.storage().layout().discovery(), true);
        AnsweredSets.forgetAll();
    }

    static Discovery discovery() {
        return new Discovery(enclave.storage(), enclave.audit(), DiscoveryPolicy.builtIn());
    }

    /** The participants a predicate on their row selects, directly from the datasets. */
    static Set<String> where(Predicate<Map<String, Object>> p) {
        return participants.values().stream().filter(p).map(r -> (String) r.get("participant_id")).collect(Collectors.toSet());
    }

    static Set<String> withSample(String type, String bank) {
        return facts.rows("samples").stream().filter(r -> (type == null || type.equals(r.get("sample_type")))
                && (bank == null || bank.equals(r.get("biobank")))).map(r -> (String) r.get("participant_id")).collect(Collectors.toSet());
    }

    /** What a count of {@code n} people can be shown as: perturbed by -5..5, then bounded or rounded. */
    static Set<String> possible(int n) {
        Set<String> out = new java.util.TreeSet<>();
        if (n == 0) {
            return Set.of("<10");
        }
        for (int d = -5; d <= 5; d++) {
            int v = n + d;
            out.add(v < 10 ? "<10" : Integer.toString((int) Math.max(10, Math.round(v / 10.0) * 10)));
        }
        return out;
    }

    /** Counts with an empty record: the datasets' count, perturbed, bounded and rounded. */
    static String fresh(String criteria) throws Exception {
        new DiscoveryIT().forget();
        return discovery().count("rita", criteria, Optional.empty()).total().shown();
    }

    @Test
    void countsAreTheDatasetsCountsThroughTheHierarchyAndAndOrNot() throws Exception {
        Set<String> c50 = facts.cohort("C50");
        assertThat(facts.rows("diagnoses").stream().map(r -> (String) r.get("icd10")).filter(c -> c.startsWith("C50."))
                .distinct().count()).as("the demo world has several C50 subcodes").isGreaterThan(1);
        assertThat(c50.size()).isGreaterThan(100);
        // the hierarchy: a category covers its subcategories, a block or chapter its categories
        assertThat(fresh("icd10=C50")).isIn(possible(c50.size()));
        Set<String> neoplasms = facts.rows("diagnoses").stream().filter(r -> ((String) r.get("icd10")).compareTo("C00") >= 0
                && ((String) r.get("icd10")).substring(0, 3).compareTo("D48") <= 0).map(r -> (String) r.get("participant_id"))
                .collect(Collectors.toSet());
        assertThat(neoplasms).containsAll(c50).hasSizeGreaterThan(c50.size());
        assertThat(fresh("icd10=C00-D48")).isIn(possible(neoplasms.size()));
        assertThat(fresh("icd10=C50.9")).isIn(possible(facts.cohort("C50.9").size()));
        // and, or, not
        Set<String> women = where(r -> "F".equals(r.get("sex")));
        assertThat(fresh("icd10=C50,sex=F")).isIn(possible(DemoFacts.intersect(c50, women).size()));
        Set<String> either = new HashSet<>(c50);
        either.addAll(facts.cohort("F03"));
        assertThat(fresh("icd10=C50;icd10=F03")).isIn(possible(either.size()));
        Set<String> notKanto = new HashSet<>(c50);
        notKanto.removeAll(where(r -> "Kanto".equals(r.get("region"))));
        assertThat(fresh("icd10=C50,region!=Kanto")).isIn(possible(notKanto.size()));
        // consent: commercial use only where the consent allows it explicitly
        Set<String> commercial = where(r -> Boolean.FALSE.equals(r.get("commercial_use_prohibited")));
        assertThat(fresh("icd10=C50,commercial=yes")).isIn(possible(DemoFacts.intersect(c50, commercial).size()));
        // a sample of the type asked, per biobank; and someone with no sample at a biobank
        new DiscoveryIT().forget();
        Discovery.Answer byBank = discovery().count("rita", "icd10=C50,sample_type=dna", Optional.of("biobank"));
        assertThat(byBank.total().shown()).isIn(possible(DemoFacts.intersect(c50, withSample("dna", null)).size()));
        assertThat(byBank.breakdown().keySet()).containsExactly("Chuo Biobank", "Hokuto Biobank", "Nishi Biobank");
        byBank.breakdown().forEach((bank, count) -> assertThat(count.shown()).as(bank)
                .isIn(possible(DemoFacts.intersect(c50, withSample("dna", bank)).size())));
        // every sample type of the policy is a cell, held or not: a label never says that someone holds such a sample
        new DiscoveryIT().forget();
        Discovery.Answer byType = discovery().count("rita", "icd10=C50", Optional.of("sample_type"));
        assertThat(byType.breakdown().keySet()).containsExactlyElementsOf(DiscoveryPolicy.builtIn().sampleTypes());
        assertThat(facts.rows("samples").stream().map(r -> r.get("sample_type")).distinct().toList()).doesNotContain("tissue_frozen");
        assertThat(byType.breakdown().get("tissue_frozen").shown()).isIn(possible(0));
        Set<String> notChuo = new HashSet<>(c50);
        notChuo.removeAll(withSample(null, "Chuo Biobank"));
        assertThat(fresh("icd10=C50,biobank!=Chuo Biobank")).isIn(possible(notChuo.size()));
        // a count under 10 is a bound, whatever it is, none included
        assertThat(fresh("icd10=C50,age_band=0-9")).isEqualTo("<10");
        // through the index the project extract uses: exactly the datasets' participants
        assertThat(discovery().index().matching(Criteria.parse("icd10=C50,region!=Kanto"))).isEqualTo(notKanto);
    }

    @Test
    void aDifferencingAttackAcrossTwoOverlappingQueriesLearnsNothingBelowTheThreshold() {
        Set<String> c50 = facts.cohort("C50");
        Map<String, Integer> c50ByRegion = Region.labels().stream().collect(Collectors.toMap(r -> r,
                r -> DemoFacts.intersect(c50, where(p -> r.equals(p.get("region")))).size()));
        String small = c50ByRegion.entrySet().stream().filter(e -> e.getValue() >= 1 && e.getValue() <= 9).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError("the demo world has no region with 1 to 9 of C50: " + c50ByRegion));
        String large = c50ByRegion.entrySet().stream().filter(e -> e.getValue() >= 20).map(Map.Entry::getKey).findFirst().orElseThrow();
        Discovery d = discovery();
        String all = d.count("mallory", "icd10=C50", Optional.empty()).total().shown();
        // C50 outside a region holding 1 to 9 of them: answered exactly as C50 itself, as if the region held none,
        // and to a second account too, so that two accounts cannot split the pair between them
        assertThat(d.count("trent", "icd10=C50,region!=" + small, Optional.empty()).total().shown()).isEqualTo(all);
        assertThat(d.count("mallory", "icd10=C50,region!=" + small, Optional.empty()).total().shown()).isEqualTo(all);
        // a difference of 10 or more is a count like any other, rounded
        Set<String> withoutLarge = new HashSet<>(c50);
        withoutLarge.removeAll(where(p -> large.equals(p.get("region"))));
        assertThat(d.count("mallory", "icd10=C50,region!=" + large, Optional.empty()).total().shown())
                .isIn(possible(withoutLarge.size()));
        // the answer to the pair never depends on whether the small group holds someone: the same pair with a region
        // holding none of C50 (or, when every region holds some, with an impossible age band) answers alike
        String none = c50ByRegion.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).findFirst().orElse(null);
        String emptyExclusion = none != null ? "region!=" + none : "age_band!=0-9";
        assertThat(d.count("trent", "icd10=C50," + emptyExclusion, Optional.empty()).total().shown()).isEqualTo(all);
    }

    /**
     * Issue 17, hostile review: a total and its cells were compared only with earlier queries, so
     * with a breakdown by sex, "women of a region, or the men of a small group" against its own
     * women's cell told whether the small group held anyone. Each set is now compared with the
     * query's earlier ones too.
     */
    @Test
    void aCellWithinNineOfItsOwnTotalIsShownAsTheTotal() {
        Set<String> c50 = facts.cohort("C50");
        String[] smallMen = null;
        for (String r : Region.labels()) {
            for (String band : jp.nmi.enclave.dataset.AgeBands.labels()) {
                int n = where(p -> "M".equals(p.get("sex")) && r.equals(p.get("region")) && band.equals(p.get("age_band"))).size();
                if (n >= 1 && n <= 9 && smallMen == null) {
                    smallMen = new String[] {r, band};
                }
            }
        }
        assertThat(smallMen).as("the demo world has a small group of men").isNotNull();
        Discovery.Answer a = discovery().count("mallory", "icd10=C50,sex=F;sex=M,region=" + smallMen[0] + ",age_band=" + smallMen[1],
                Optional.of("sex"));
        assertThat(c50.size()).isGreaterThan(100);
        assertThat(a.breakdown().get("F").shown()).isEqualTo(a.total().shown());
        assertThat(a.breakdown().get("M").shown()).isEqualTo("<10");
    }

    @Test
    void namesAreThePolicysAndTheEnclavesOwnPolicyApplies() throws Exception {
        assertThatThrownBy(() -> discovery().count("rita", "icd10=C50,biobank=Minami Biobank", Optional.empty()))
                .isInstanceOf(jp.nmi.enclave.error.ValidationException.class)
                .hasMessage("--where: biobank 'Minami Biobank' is not one of the provider's (Chuo Biobank, Hokuto Biobank, Nishi Biobank)");
        assertThatThrownBy(() -> discovery().count("rita", "icd10=C50,sample_type=dna\u2028x", Optional.empty()))
                .isInstanceOf(jp.nmi.enclave.error.ValidationException.class).hasMessageContaining("sample_type cannot be");
        // a refusal for bad criteria is audited too
        assertThat(Files.readAllLines(enclave.auditLog()).stream().filter(l -> l.contains("Minami Biobank")
                && l.contains("\"outcome\":\"refused\""))).hasSize(1);
        var policy = DiscoveryPolicy.location(enclave.storage());
        try (var out = enclave.storage().fs().create(policy, true)) {
            out.write(new String(DiscoveryPolicy.class.getResourceAsStream("/discovery/policy.yaml").readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8).replace("round_to: 10", "round_to: 5").replace("noise: 5", "noise: 0")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        try {
            Discovery exact = new Discovery(enclave.storage(), enclave.audit());
            assertThat(exact.policy().roundTo()).isEqualTo(5);
            int n = facts.cohort("C50").size();
            assertThat(exact.count("rita", "icd10=C50", Optional.empty()).total().value()).isEqualTo((int) (Math.round(n / 5.0) * 5));
        } finally {
            enclave.storage().fs().delete(policy, false);
        }
    }

    @Test
    void theBudgetIsEnforcedAndEveryQueryAudited() throws Exception {
        Discovery d = new Discovery(enclave.storage(), enclave.audit(), DiscoveryPolicy.builtIn().withQueriesPerResearcher(2));
        assertThat(d.count("peggy", "sex=F", Optional.empty()).queriesLeft()).isEqualTo(1);
        assertThat(d.count("peggy", "sex=F", Optional.of("region")).queriesLeft()).isZero();
        assertThatThrownBy(() -> d.count("peggy", "sex=M", Optional.empty())).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: peggy has asked the 2 discovery queries a researcher may ask: the budget protects participants"
                        + " against queries that narrow in on someone; the provider's operator can raise it");
        // another researcher's budget is their own
        assertThat(d.count("victor", "sex=M", Optional.empty()).queriesUsed()).isEqualTo(1);
        List<String> audit = Files.readAllLines(enclave.auditLog());
        List<String> peggy = audit.stream().filter(l -> l.contains("\"action\":\"discovery.query\"") && l.contains("\"actor\":\"peggy\""))
                .toList();
        assertThat(peggy).hasSize(3);
        assertThat(peggy.get(1)).contains("\"criteria\":\"sex=F\"", "\"by\":\"region\"", "\"outcome\":\"allowed\"", "\"breakdown\":{\"Chubu\":");
        assertThat(peggy.get(2)).contains("\"outcome\":\"denied\"", "\"criteria\":\"sex=M\"");
        // an unknown breakdown is refused, audited, and spends nothing
        assertThatThrownBy(() -> d.count("victor", "sex=M", Optional.of("blood_type")))
                .hasMessage("--by blood_type: a breakdown is by one of biobank, sample_type, sex, region, age_band");
        assertThat(d.count("victor", "sex=F", Optional.empty()).queriesUsed()).isEqualTo(2);
    }

    @Test
    void aParticipantWhoOptedOutIsNotCounted() throws Exception {
        Set<String> c50 = facts.cohort("C50");
        String leaving = c50.stream().sorted().findFirst().orElseThrow();
        DiscoveryIndex before = discovery().index();
        assertThat(before.matching(Criteria.parse("icd10=C50"))).contains(leaving);
        discovery().count("rita", "icd10=C50", Optional.of("biobank"));
        OptoutStore store = new OptoutStore(enclave.storage());
        OptoutRegistry registry = store.read();
        store.publish(registry.with(List.of(new OptoutRegistry.Entry(leaving, "2026-11-30", "2026-11-30T00:00:00Z"))));
        try {
            DiscoveryIndex after = discovery().index();
            assertThat(after.version()).isNotEqualTo(before.version());
            assertThat(after.matching(Criteria.parse("icd10=C50"))).doesNotContain(leaving).hasSize(c50.size() - 1);
            // and from the record of shown counts (derived data): the total and the cell of each biobank holding a sample of theirs
            long banks = facts.rows("samples").stream().filter(r -> leaving.equals(r.get("participant_id"))).map(r -> r.get("biobank"))
                    .distinct().count();
            assertThat(Discovery.purge(enclave.storage(), Set.of(leaving))).isEqualTo(1 + banks);
            assertThat(Discovery.purge(enclave.storage(), Set.of(leaving))).isZero();
            // the record's directory is the operator's alone
            assertThat(enclave.storage().fs().getFileStatus(enclave.storage().layout().discovery()).getPermission().toShort())
                    .isEqualTo((short) 0700);
        } finally {
            store.publish(registry);
        }
    }

    @Test
    void aSavedResultAppliedAsAProjectHoldsTheCohortThatWasCounted() throws Exception {
        Criteria criteria = Criteria.parse("icd10=C50,sample_type=dna,duo=GRU|HMB;icd10=F03,genotypes=yes,duo=GRU|HMB");
        Discovery.Answer answer = discovery().count("alice", criteria.toString(), Optional.of("biobank"));
        String yaml = DraftSpec.yaml("BC-2027", "alice", answer, LocalDate.of(2026, 11, 30));
        assertThat(yaml).contains("id: BC-2027\n", "cohort:\n  criteria: \"" + criteria + "\"\n", "# Counted: " + answer.total().shown());
        Path file = dir.resolve("BC-2027.yaml");
        Files.writeString(file, yaml);
        ProjectSpec spec = ProjectSpecParser.parse(file);
        assertThat(spec.cohort().criteria()).isEqualTo(criteria.toString());
        ProjectReconciler reconciler = new ProjectReconciler(enclave.storage(), KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir)),
                PolicyPublisher.file(enclave.policyFile()), enclave.audit(), "ops", Clock.systemUTC(), Progress.NONE);
        reconciler.apply(spec);
        Set<String> counted = discovery().index().matching(criteria);
        Set<String> expected = DemoFacts.intersect(counted, facts.consentCoversHmb());
        assertThat(counted).hasSizeGreaterThan(20);
        int held = new ProjectStore(enclave.storage()).require("BC-2027").extract().participants();
        assertThat(held).isEqualTo(expected.size());
        // the DUO term of the criteria already asked for consent that covers the purpose: what was counted is what is held
        assertThat(held).isEqualTo(counted.size());
        assertThat(answer.total().shown()).isIn(possible(counted.size()));
    }

    @Test
    void theCommandPrintsTheTotalAndTheBreakdownAndSavesTheDraft() throws Exception {
        enclave.close();
        try {
            // an empty cohort first (with answers on record, it may show a nearby set's count)
            EnclaveProcess.Result csv = EnclaveProcess.run(List.of(), "discover", "--embedded", dir.toString(), "--where",
                    "icd10=C50,age_band=0-9", "--format", "csv");
            assertThat(csv.exitCode()).as(csv.stderr()).isZero();
            assertThat(csv.stdout()).isEqualTo("group,participants\ntotal,<10\n");
            Path draft = dir.resolve("draft.yaml");
            EnclaveProcess.Result r = EnclaveProcess.run(List.of(), "discover", "--embedded", dir.toString(), "--where",
                    "icd10=C50,sample_type=dna,sex=F", "--by", "biobank", "--format", "json", "--save-spec", draft.toString(),
                    "--project-id", "BC-2028");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            JsonNode j = new ObjectMapper().readTree(r.stdout());
            assertThat(j.get("criteria").asText()).isEqualTo("icd10=C50,sample_type=dna,sex=F");
            assertThat(j.get("total").isInt()).as(r.stdout()).isTrue();
            assertThat(j.get("by").asText()).isEqualTo("biobank");
            assertThat(j.get("breakdown").size()).isEqualTo(3);
            assertThat(r.stderr()).contains("embedded-cli has used 2 discovery queries");
            assertThat(Files.readString(draft)).contains("id: BC-2028", "criteria: \"icd10=C50,sample_type=dna,sex=F\"");
            EnclaveProcess.Result bad = EnclaveProcess.run(List.of(), "discover", "--embedded", dir.toString(), "--where", "icd10=breast");
            assertThat(bad.exitCode()).isEqualTo(1);
            assertThat(bad.stderr()).contains("--where: icd10 cannot be 'breast' (expected an ICD-10 code, prefix or range such as C50,"
                    + " F03.1 or C00-D48)");
        } finally {
            enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(3000, 20, 23), Progress.NONE);
        }
    }
}
