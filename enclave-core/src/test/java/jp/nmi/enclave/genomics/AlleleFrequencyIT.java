package jp.nmi.enclave.genomics;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.ANALYST_KENJI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.StaticUserDirectory;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.project.OptoutApplier;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectOptouts;
import jp.nmi.enclave.project.ProjectPolicies;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectSpecParser;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;
import jp.nmi.enclave.testing.DemoFacts;
import jp.nmi.enclave.testing.ProjectFiles;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Allele frequencies through the real pieces: the demo enclave on HDFS, the index built with the
 * extract, Ranger's engine over the project's policies, the opt-out registry, the audit log; and
 * each member's counts against the same counts by their own governed SQL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AlleleFrequencyIT {
    @TempDir
    static java.nio.file.Path dir;

    static DemoEnclave enclave;
    static EnclaveSession session;
    static StaticUserDirectory users;
    static SecretKey key;

    @BeforeAll
    static void start() {
        enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(3000, 40, 11), Progress.NONE);
        users = new StaticUserDirectory(Map.of(ANALYST_ALICE, Set.of("demo-1", "academic"), ANALYST_KENJI, Set.of("demo-1", "industry"),
                "bob", Set.of("demo-2", "academic")));
        session = enclave.openProject("DEMO-1", new EnclaveSession.Settings("local[2]", 10_000, 2), Clock.systemUTC(), users);
        key = KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir)).key("project-demo-1").orElseThrow();
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.close();
        }
        if (enclave != null) {
            enclave.close();
        }
    }

    static AfService service(String project) {
        return new AfService(enclave.storage(), project, new RangerAuthorizer(new FilePolicySource(enclave.policyFile()),
                ProjectPolicies.SERVICE, Clock.systemUTC()), users, enclave.audit(), new HdfsQueryBudget(enclave.storage()),
                new ProjectOptouts(enclave.storage(), key, project));
    }

    static String firstVariant() {
        return (String) session.execute(ANALYST_ALICE, "SELECT min(variant_id) FROM variants").rows().get(0).get(0);
    }

    /**
     * Forgets what DEMO-1's members were answered (test only: the tests below compare many strata
     * with SQL, which the service would rightly refuse once their overlaps cut the cohort fine).
     */
    static void forget() throws java.io.IOException {
        Path genomics = new Path(enclave.storage().layout().project("DEMO-1"), "genomics");
        if (enclave.storage().fs().exists(genomics)) {
            for (org.apache.hadoop.fs.FileStatus f : enclave.storage().fs().listStatus(genomics)) {
                if (f.getPath().getName().startsWith("atoms-")) {
                    enclave.storage().fs().delete(f.getPath(), false);
                }
            }
        }
    }

    static AlleleFrequencies.Answer af(String user, String where) {
        return service("DEMO-1").query(user, Stratum.parse(where), new VariantSelection.All(), Optional.empty());
    }

    /** Per variant: {het, hom}, and the participants, by the member's own SQL. */
    static Map<String, int[]> bySql(String user, String condition) {
        StatementResult r = session.execute(user, "SELECT g.variant_id, SUM(CASE WHEN g.alt_count = 1 THEN 1 ELSE 0 END),"
                + " SUM(CASE WHEN g.alt_count = 2 THEN 1 ELSE 0 END) FROM genotypes g JOIN participants p"
                + " ON g.participant_id = p.participant_id WHERE " + condition + " GROUP BY g.variant_id");
        assertThat(r.status()).as(r.message()).isEqualTo(StatementResult.Status.OK);
        Map<String, int[]> out = new HashMap<>();
        for (List<Object> row : r.rows()) {
            out.put((String) row.get(0), new int[] {((Number) row.get(1)).intValue(), ((Number) row.get(2)).intValue()});
        }
        StatementResult n = session.execute(user, "SELECT count(*) FROM participants p WHERE " + condition);
        assertThat(n.status()).as(n.message()).isEqualTo(StatementResult.Status.OK);
        out.put("", new int[] {((Number) n.rows().get(0).get(0)).intValue()});
        return out;
    }

    static void sameAsSql(AlleleFrequencies.Answer a, Map<String, int[]> sql) {
        assertThat(a.rows()).isNotEmpty();
        for (AlleleFrequencies.Row r : a.rows()) {
            assertThat(r.participants()).isEqualTo(sql.get("")[0]);
            int[] hh = sql.getOrDefault(r.variant().id(), new int[] {0, 0});
            int ac = hh[0] + 2 * hh[1];
            AlleleFrequencies.Count expected = AlleleFrequencies.Count.of(ac, 10, r.alleleNumber());
            assertThat(r.alleleCount()).as(r.variant().id()).isEqualTo(expected);
            int n = r.participants();
            int homRef = n - hh[0] - hh[1];
            if (homRef >= 10 && hh[0] >= 10 && hh[1] >= 10) {
                assertThat(r.homRef()).as(r.variant().id()).isEqualTo(AlleleFrequencies.Count.of(homRef, 10, n));
                assertThat(r.het()).as(r.variant().id()).isEqualTo(AlleleFrequencies.Count.of(hh[0], 10, n));
                assertThat(r.homAlt()).as(r.variant().id()).isEqualTo(AlleleFrequencies.Count.of(hh[1], 10, n));
            } else {
                // a small cell: none is shown
                assertThat(List.of(r.het().shown(), r.homAlt().shown(), r.homRef().shown())).as(r.variant().id())
                        .containsOnly("suppressed");
            }
        }
    }

    /** The strata among {@code candidates} the service answers: at least ten participants, and at least ten outside. */
    static List<String> answerable(String user, Map<String, String> candidates) {
        ProjectState state = new ProjectStore(enclave.storage()).require("DEMO-1");
        Optional<String> audience = user.equals(ANALYST_KENJI) ? state.extract().audiences().keySet().stream().findFirst() : Optional.empty();
        AlleleIndex index = new AfIndexStore(enclave.storage(), Progress.NONE).load("DEMO-1", state.extract(), audience);
        int everyone = AlleleIndex.count(index.mask(Stratum.ALL));
        return candidates.keySet().stream().filter(w -> {
            int n = AlleleIndex.count(index.mask(Stratum.parse(w)));
            return n >= 10 && (everyone - n == 0 || everyone - n >= 10);
        }).toList();
    }

    static final Map<String, String> CANDIDATES = new java.util.LinkedHashMap<>(Map.of(
            "disease=C50", "p.participant_id IN (SELECT participant_id FROM diagnoses WHERE icd10 LIKE 'C50%')",
            "age_band=50-59|60-69", "p.age_band IN ('50-59', '60-69')",
            "age_band=30-39|40-49|50-59", "p.age_band IN ('30-39', '40-49', '50-59')",
            "region=Kanto|Kinki", "p.region IN ('Kanto', 'Kinki')",
            "region=Kanto|Kinki|Chubu", "p.region IN ('Kanto', 'Kinki', 'Chubu')",
            "sex=F,age_band=60-69|70-79|80-89", "p.sex = 'F' AND p.age_band IN ('60-69', '70-79', '80-89')"));

    @Test
    @Order(1)
    void aMembersCountsAreHerOwnSqlsCounts() throws Exception {
        List<String> strata = answerable(ANALYST_ALICE, CANDIDATES);
        assertThat(strata).hasSizeGreaterThanOrEqualTo(3);
        for (String where : strata) {
            forget();
            sameAsSql(af(ANALYST_ALICE, where), bySql(ANALYST_ALICE, CANDIDATES.get(where)));
        }
    }

    @Test
    @Order(2)
    void anIndustryMemberCountsOnlyTheParticipantsHisConsentFilterLeaves() throws Exception {
        forget();
        AlleleFrequencies.Answer kenji = af(ANALYST_KENJI, "disease=C50");
        sameAsSql(kenji, bySql(ANALYST_KENJI, CANDIDATES.get("disease=C50")));
        assertThat(kenji.rows().get(0).participants()).isLessThan(af(ANALYST_ALICE, "disease=C50").rows().get(0).participants());
        List<String> strata = answerable(ANALYST_KENJI, CANDIDATES);
        assertThat(strata).hasSizeGreaterThanOrEqualTo(2);
        for (String where : strata) {
            forget();
            sameAsSql(af(ANALYST_KENJI, where), bySql(ANALYST_KENJI, CANDIDATES.get(where)));
        }
    }

    @Test
    @Order(7)
    void queriesFromSeveralProcessesSpendOneBudgetAndSeeEachOthersAnswers() throws Exception {
        forget();
        // two services, each with its own records object: only the lock on HDFS serialises them, as between processes
        HdfsQueryBudget one = new HdfsQueryBudget(enclave.storage());
        HdfsQueryBudget two = new HdfsQueryBudget(enclave.storage());
        int before = one.used("DEMO-1", "carol");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> spent = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            HdfsQueryBudget b = i % 2 == 0 ? one : two;
            spent.add(pool.submit(() -> b.locked("DEMO-1", () -> b.spend("DEMO-1", "carol", 1, 1_000))));
        }
        for (java.util.concurrent.Future<?> f : spent) {
            f.get();
        }
        pool.shutdown();
        assertThat(one.used("DEMO-1", "carol")).isEqualTo(before + 40);
        assertThat(enclave.storage().fs().exists(new Path(new Path(enclave.storage().layout().project("DEMO-1"), "genomics"), "lock")))
                .isFalse();
    }

    @Test
    @Order(3)
    void outsidersAProjectWithoutGenotypesAndTheUnknownAreRefusedAndAudited() throws Exception {
        forget();
        assertThatThrownBy(() -> af("mallory", "disease=C50")).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: mallory is not a member of project DEMO-1");
        // a user the directory knows, whom DEMO-1's policies grant nothing
        assertThatThrownBy(() -> af("bob", "disease=C50")).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: bob may not read variants.variant_id (no Ranger policy allows it), which allele frequencies are"
                        + " drawn from");
        // DEMO-2 serves bob; without genotypes in its spec, it serves no frequencies
        assertThat(service("DEMO-2").query("bob", Stratum.ALL, new VariantSelection.All(), Optional.empty()).rows()).isNotEmpty();
        ProjectReconciler reconciler = new ProjectReconciler(enclave.storage(), KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir)),
                PolicyPublisher.file(enclave.policyFile()), enclave.audit(), "ops", Clock.systemUTC(), Progress.NONE);
        reconciler.apply(ProjectSpecParser.parse(DemoSpecs.yaml("DEMO-2").replace("  variants: [variant_id, chrom, pos, ref, alt]\n", "")
                .replace("  genotypes: [participant_id, variant_id, alt_count]\n", ""), "DEMO-2.yaml"));
        try {
            assertThatThrownBy(() -> service("DEMO-2").query("bob", Stratum.ALL, new VariantSelection.All(), Optional.empty()))
                    .isInstanceOf(ValidationException.class)
                    .hasMessage("project DEMO-2's extract holds no genotypes: its spec does not approve them");
        } finally {
            reconciler.apply(DemoSpecs.spec("DEMO-2"));
        }
        assertThatThrownBy(() -> service("DEMO-1").query(ANALYST_ALICE, Stratum.ALL, new VariantSelection.Ids(List.of("rs1")),
                Optional.empty())).hasMessage("variant rs1 is not in the project's genotypes");
        List<String> audit = Files.readAllLines(enclave.auditLog());
        assertThat(audit.stream().filter(l -> l.contains("\"action\":\"af.query\"") && l.contains("\"actor\":\"bob\"")
                && l.contains("\"outcome\":\"denied\""))).hasSize(1);
        assertThat(audit.stream().filter(l -> l.contains("\"action\":\"af.query\"") && l.contains("\"actor\":\"mallory\"")
                && l.contains("not a member"))).hasSize(1);
        assertThat(audit.stream().filter(l -> l.contains("\"action\":\"af.query\"") && l.contains("\"outcome\":\"allowed\""))).isNotEmpty();
    }

    @Test
    @Order(4)
    void theBudgetIsKeptOnHdfsAcrossServicesAndReported() throws Exception {
        forget();
        int before = new HdfsQueryBudget(enclave.storage()).used("DEMO-1", ANALYST_ALICE);
        AlleleFrequencies.Answer a = service("DEMO-1").query(ANALYST_ALICE, Stratum.ALL, new VariantSelection.Ids(List.of(firstVariant())),
                Optional.of(Attribute.SEX));
        assertThat(a.queriesUsed()).isEqualTo(before + 2);
        assertThat(a.queriesLeft()).isEqualTo(200 - before - 2); // DEMO-1's spec: af_query_budget 200
        assertThat(new HdfsQueryBudget(enclave.storage()).used("DEMO-1", ANALYST_ALICE)).isEqualTo(before + 2);
    }

    @Test
    @Order(5)
    void aMaskedAttributeIsNotAStratumForWhomItIsMasked() throws Exception {
        forget();
        ProjectReconciler reconciler = new ProjectReconciler(enclave.storage(), KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir)),
                PolicyPublisher.file(enclave.policyFile()), enclave.audit(), "ops", Clock.systemUTC(), Progress.NONE);
        String masked = DemoSpecs.yaml("DEMO-1").replace("masks:                      # first matching rule per column and member wins\n",
                "masks:                      # first matching rule per column and member wins\n"
                        + "  - {column: participants.region, mask: MASK_NULL, members: industry}\n");
        reconciler.apply(ProjectSpecParser.parse(masked, "DEMO-1.yaml"));
        try {
            assertThatThrownBy(() -> af(ANALYST_KENJI, "region=Kanto")).isInstanceOf(AccessDeniedException.class)
                    .hasMessage("Access denied: participants.region is masked for kenji: allele frequencies drawn from it would show what the"
                            + " mask hides");
            assertThatThrownBy(() -> service("DEMO-1").query(ANALYST_KENJI, Stratum.ALL, new VariantSelection.Ids(List.of(firstVariant())),
                    Optional.of(Attribute.REGION))).isInstanceOf(AccessDeniedException.class).hasMessageContaining("participants.region is masked");
            assertThat(af(ANALYST_KENJI, "disease=C50").rows()).isNotEmpty();
            String byRegion = answerable(ANALYST_ALICE, CANDIDATES).stream().filter(w -> w.startsWith("region=")).findFirst().orElseThrow();
            assertThat(af(ANALYST_ALICE, byRegion).rows()).isNotEmpty();
        } finally {
            reconciler.apply(DemoSpecs.spec("DEMO-1"));
        }
    }

    @Test
    @Order(6)
    void anOptOutLeavesEveryStratumFromTheNextQueryAndTheIndexIsRebuiltWithTheExtract() throws Exception {
        DemoFacts facts = new DemoFacts(enclave.storage(), key);
        KeyStoreFile keys = KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir));
        ProjectStore store = new ProjectStore(enclave.storage());
        ProjectState before = store.require("DEMO-1");
        // a woman of the extract who carries an alternative allele somewhere, by her hospital's patient ID
        Set<String> carriers = new java.util.HashSet<>();
        for (List<Object> row : session.execute(ANALYST_ALICE, "SELECT DISTINCT g.participant_id FROM genotypes g JOIN participants p"
                + " ON g.participant_id = p.participant_id WHERE p.sex = 'F'").rows()) {
            carriers.add((String) row.get(0));
        }
        List<String> patient = ProjectFiles.patients(dir.resolve("demo-source"), keys.providerKey(), facts, carriers, 1);
        assertThat(patient).hasSize(1);
        String cohort = CANDIDATES.get("disease=C50");
        forget();
        int women = af(ANALYST_ALICE, "disease=C50").rows().get(0).participants();
        assertThat(women).isEqualTo(bySql(ANALYST_ALICE, cohort).get("")[0]);

        java.nio.file.Path csv = dir.resolve("optout.csv");
        Files.writeString(csv, "patient_id,received_on\n" + patient.get(0) + ",2026-11-30\n");
        new OptoutApplier(enclave.storage(), keys, PolicyPublisher.file(enclave.policyFile()), enclave.audit(), "ops", Clock.systemUTC())
                .apply(csv);
        // her SQL leaves her out from the next statement; asking the same stratum again would give her genotypes by subtraction
        assertThat(bySql(ANALYST_ALICE, cohort).get("")[0]).isEqualTo(women - 1);
        assertThatThrownBy(() -> af(ANALYST_ALICE, "disease=C50")).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: the stratum disease=C50 would, with what the project's members were answered before, give away"
                        + " the frequencies of fewer than 10 participants");
        // the index leaves her out from the next query too
        ProjectState now = store.require("DEMO-1");
        AlleleIndex current = new AfIndexStore(enclave.storage(), Progress.NONE).load("DEMO-1", now.extract(), Optional.empty());
        assertThat(AlleleIndex.count(current.mask(Stratum.parse("disease=C50"), new ProjectOptouts(enclave.storage(), key, "DEMO-1").get())))
                .isEqualTo(women - 1);

        // the next apply rewrites the extract without her, and its index with it; the old build goes
        ProjectReconciler reconciler = new ProjectReconciler(enclave.storage(), keys, PolicyPublisher.file(enclave.policyFile()),
                enclave.audit(), "ops", Clock.systemUTC(), Progress.NONE);
        reconciler.apply(DemoSpecs.spec("DEMO-1"));
        ProjectState after = store.require("DEMO-1");
        assertThat(after.extract().build()).isNotEqualTo(before.extract().build());
        Path index = new Path(AfIndexStore.buildDir(after.extract()), AfIndexStore.DIRECTORY + "/" + AfIndexStore.PROJECT + ".idx");
        assertThat(enclave.storage().fs().exists(index)).isTrue();
        assertThat(enclave.storage().fs().exists(AfIndexStore.buildDir(before.extract()))).isFalse();
        AlleleIndex rebuilt = new AfIndexStore(enclave.storage(), Progress.NONE).load("DEMO-1", after.extract(), Optional.empty());
        assertThat(AlleleIndex.count(rebuilt.mask(Stratum.parse("disease=C50")))).isEqualTo(women - 1);
    }
}
