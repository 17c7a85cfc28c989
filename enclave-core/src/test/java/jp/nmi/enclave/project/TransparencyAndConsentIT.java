package jp.nmi.enclave.project;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.cli.EnclaveCli;
import jp.nmi.enclave.consent.ConsentStore;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.hdfs.EmbeddedHdfs;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.CsvReader;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;
import jp.nmi.enclave.testing.DemoFacts;
import jp.nmi.enclave.testing.MutableClock;
import jp.nmi.enclave.testing.ParquetScan;
import jp.nmi.enclave.transparency.DataUseRegister;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Dynamic consent on a real HDFS and a real Spark session: consent changes from the provider's
 * consent system, applied with {@code enclave consent apply} as an operator runs it, take a
 * participant out of a commercial project at the next statement (base tables and the members'
 * derived tables) and out of its files and derived data at the next apply; a widened consent adds
 * nobody unless the spec asks for it. The tests run in order on one enclave root.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TransparencyAndConsentIT {
    @TempDir
    static Path tmp;

    static EmbeddedHdfs hdfs;
    static Path source;
    static EnclaveStorage storage;
    static Path keys;
    static Path policies;
    static Path audit;
    static EnclaveSession session;
    static DemoFacts facts;
    /** Source patient IDs by provider pseudonym. */
    static Map<String, String> patients = new java.util.HashMap<>();
    /** DEMO-3: DEMO-1's data for a commercial purpose. */
    static String commercialYaml;
    static String leaver;
    static String widener;
    static String returner;

    /** DEMO-3's register section: its partners' names and its outputs' descriptions are confidential. */
    static final String REGISTER = """
            register:
              summary: 乳がん治療薬の開発に向けた生殖細胞系列バリアントの解析
              organisations:
                - {name: 東都大学医学部, kind: academic}
                - {name: Example Pharma 株式会社, kind: industry}
              confidential: [organisations, outputs]
            """;

    @BeforeAll
    static void start() throws Exception {
        hdfs = EmbeddedHdfs.start(tmp.resolve("enclave"));
        source = tmp.resolve("source");
        DemoWorld.write(new DemoWorld.Parameters(700, 30, 21), source, Progress.NONE);
        storage = EnclaveStorage.connect(URI.create(hdfs.uri() + "/enclave"));
        keys = tmp.resolve("keys/keys.p12");
        policies = tmp.resolve("policies.json");
        audit = tmp.resolve("audit.jsonl");
        Ingest.run(storage, new Ingest.Request(source, keys, source.resolve("optout.csv")), Progress.NONE);
        new DirectoryStore(storage).write(DirectoryStore.DEMO_USERS.entrySet().stream()
                .map(e -> new DirectoryUser(e.getKey(), e.getValue(), null)).toList());
        commercialYaml = DemoSpecs.yaml("DEMO-1").replace("id: DEMO-1", "id: DEMO-3")
                .replaceFirst("commercial: false[^\\n]*", "commercial: true") + REGISTER;
        reconciler().apply(DemoSpecs.spec("DEMO-1"));
        reconciler().apply(spec(commercialYaml));
        session = DemoEnclave.open(storage, "DEMO-3", policies, new FileAuditLog(audit), keys,
                new EnclaveSession.Settings("local[2]", 10_000, 2), new MutableClock(Instant.parse("2026-11-30T03:00:00Z")),
                new ProjectDirectory(new ProjectStore(storage).members("DEMO-3").orElseThrow()));
        facts = new DemoFacts(storage, KeyStoreFile.openOrCreate(keys).key("project-demo-3").orElseThrow());
        Mac provider = Mac.getInstance("HmacSHA256");
        provider.init(KeyStoreFile.openOrCreate(keys).providerKey());
        try (CsvReader csv = new CsvReader(Files.newBufferedReader(source.resolve("participants.csv")), "participants.csv")) {
            csv.readHeader();
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                patients.put(HexFormat.of().formatHex(provider.doFinal(("participant:" + row.get(0)).getBytes(StandardCharsets.UTF_8))),
                        row.get(0));
            }
        }
        // who DEMO-3 holds: breast cancer, consent covering HMB, commercial use allowed
        Set<String> inProject = ids(new ProjectStore(storage).require("DEMO-3"));
        List<String> members = facts.cohort("C50").stream().filter(p -> inProject.contains(facts.projectPseudonym(p))).sorted().toList();
        leaver = members.get(0);
        returner = members.get(1);
        // breast cancer, but a consent that does not cover HMB (POA or another disease): not in DEMO-3
        widener = facts.rows("participants").stream().filter(r -> facts.cohort("C50").contains((String) r.get("participant_id")))
                .filter(r -> {
                    @SuppressWarnings("unchecked")
                    List<String> duo = (List<String>) r.get("duo_codes");
                    return !duo.contains("GRU") && !duo.contains("HMB");
                }).map(r -> (String) r.get("participant_id")).sorted().findFirst().orElseThrow();
        assertThat(inProject).doesNotContain(facts.projectPseudonym(widener));
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.close();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Test
    @Order(1)
    void aFeedThatContradictsItselfOrNamesUnknownChangesRecordsNothing() throws Exception {
        Path unknownKind = feed("bad-kind.csv", "patient_id,change,duo_codes,commercial_use\n" + patients.get(leaver) + ",revoke,,\n");
        Cli refused = cli("consent", "apply", unknownKind.toString());
        assertThat(refused.err()).isEqualTo("enclave consent apply: bad-kind.csv line 2: unknown change 'revoke' (known: narrow, widen,"
                + " withdraw-commercial, opt-out)\n");
        // a "narrow" that covers more than before: the feed is wrong, and nothing of it is recorded
        Path mislabelled = feed("mislabelled.json", "[{\"patient_id\": \"" + patients.get(returner) + "\", \"change\": \"narrow\","
                + " \"duo_codes\": \"DS:MONDO:0007254;NPU\", \"commercial_use\": \"prohibited\"},\n {\"patient_id\": \"" + patients.get(widener)
                + "\", \"change\": \"narrow\", \"duo_codes\": [\"GRU\"], \"commercial_use\": \"allowed\"}]");
        Cli contradicted = cli("consent", "apply", mislabelled.toString());
        assertThat(contradicted.err()).startsWith("enclave consent apply: mislabelled.json record 2: the change says narrow, but the"
                + " consent after it covers GRU, which the consent before it did not; nothing was recorded");
        Path npu = feed("npu.csv", "patient_id,change,duo_codes,commercial_use\n" + patients.get(leaver) + ",narrow,HMB;NPU,allowed\n");
        assertThat(cli("consent", "apply", npu.toString()).err()).isEqualTo("enclave consent apply: npu.csv line 2: commercial_use is"
                + " allowed but duo_codes forbid commercial use (NPU)\n");
        Path unknownPatient = feed("unknown.csv", "patient_id,change\nPT99999999,withdraw-commercial\n");
        assertThat(cli("consent", "apply", unknownPatient.toString()).err()).startsWith("enclave consent apply: unknown.csv: 1 patient"
                + " ID(s) match no patient the enclave knows: line 2; nothing was recorded.");
        // a file without its header line: the first patient ID would be a column name, and is never shown
        Path headless = feed("headless.csv", patients.get(leaver) + ",withdraw-commercial\n" + patients.get(returner) + ",opt-out\n");
        Cli noHeader = cli("consent", "apply", headless.toString());
        assertThat(noHeader.err()).isEqualTo("enclave consent apply: headless.csv line 1: unknown column in position 1 (not shown: not a"
                + " field name) (expected patient_id, change, duo_codes, commercial_use, changed_on; is the header line missing?)\n");
        Path shifted = feed("shifted.csv", "patient_id,change,duo_codes,commercial_use\n" + patients.get(leaver) + ",narrow,"
                + patients.get(returner) + ",allowed\n");
        Cli shiftedColumns = cli("consent", "apply", shifted.toString());
        assertThat(shiftedColumns.err()).startsWith("enclave consent apply: shifted.csv line 2: duo_codes is not a DUO list");
        assertThat(new ConsentStore(storage).read().entries()).isEmpty();
        String trail = Files.readString(audit);
        // no refusal names a patient, on the terminal or in the audit trail
        for (String p : List.of(leaver, returner, widener)) {
            assertThat(trail).doesNotContain(patients.get(p));
        }
        for (Cli c : List.of(refused, contradicted, noHeader, shiftedColumns)) {
            assertThat(c.err()).doesNotContain(patients.get(leaver)).doesNotContain(patients.get(returner));
        }
    }

    @Test
    @Order(2)
    void aWithdrawalLeavesTheCommercialProjectAtTheNextStatementAndAWideningAddsNobody() throws Exception {
        String leaverId = facts.projectPseudonym(leaver);
        String returnerId = facts.projectPseudonym(returner);
        ok("CREATE TABLE workspace.mine USING parquet AS SELECT participant_id, sex FROM participants");
        assertThat(ids(session.execute(ANALYST_ALICE, "SELECT participant_id FROM workspace.mine"))).contains(leaverId, returnerId);
        long before = count("SELECT count(*) FROM participants");
        Path changes = feed("changes.csv", "patient_id,change,duo_codes,commercial_use,changed_on\n"
                + patients.get(leaver) + ",withdraw-commercial,,,2026-11-28\n"
                + patients.get(widener) + ",widen,GRU,allowed,2026-11-28\n"
                + patients.get(returner) + ",narrow,DS:MONDO:0007254;NPU,prohibited,2026-11-28\n"
                + patients.get(returner) + ",widen,GRU,allowed,2026-11-29\n");

        Cli dry = cli("consent", "apply", changes.toString(), "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).startsWith("Would record 4 consent change(s) and 0 opt-out(s) from 4 line(s) (--dry-run: nothing recorded)\n")
                .contains("  DEMO-3     - 2 participant(s) would leave, ")
                .contains("             + 1 participant(s) whose consent now covers the purpose: not admitted (the spec does not set"
                        + " cohort.admit_widened_consent)");
        assertThat(new ConsentStore(storage).read().entries()).isEmpty();
        assertThat(count("SELECT count(*) FROM participants")).isEqualTo(before);

        Cli applied = cli("consent", "apply", changes.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        assertThat(applied.out()).startsWith("Recorded 4 consent change(s) and 0 opt-out(s) from 4 line(s).\n")
                .containsPattern("(?m)^  DEMO-3     - 2 participant\\(s\\) leave, [1-9][0-9,]* row\\(s\\) hidden from the next statement$")
                // DEMO-1 is not commercial, but has an industry member: the withdrawal hides the leaver there too until the next apply
                .containsPattern("(?m)^  DEMO-1     - 2 participant\\(s\\) leave, ");
        // at once, in the session that was open: base tables and the member's own derived table
        assertThat(count("SELECT count(*) FROM participants")).isEqualTo(before - 2);
        assertThat(ids(session.execute(ANALYST_ALICE, "SELECT participant_id FROM diagnoses"))).doesNotContain(leaverId, returnerId);
        assertThat(ids(session.execute(ANALYST_ALICE, "SELECT participant_id FROM workspace.mine"))).doesNotContain(leaverId, returnerId);
        assertThat(ids(session.execute(ANALYST_ALICE, "SELECT participant_id FROM participants")))
                .doesNotContain(facts.projectPseudonym(widener));
        // cohort discovery counts by the consent as it is now
        var index = jp.nmi.enclave.discovery.DiscoveryIndex.of(storage);
        assertThat(index.matching(jp.nmi.enclave.discovery.Criteria.parse("duo=GRU"))).contains(widener, returner);
        assertThat(index.matching(jp.nmi.enclave.discovery.Criteria.parse("commercial=yes"))).doesNotContain(leaver);
        // still in the files until the next apply; the plan says why it rebuilds
        assertThat(ids(new ProjectStore(storage).require("DEMO-3"))).contains(leaverId, returnerId);
        ProjectReconciler.Plan plan = reconciler().plan(spec(commercialYaml));
        assertThat(String.join("\n", plan.lines())).contains("4 consent change(s) since the last extract, 2 of them no longer covering"
                + " the purpose: removed physically now").contains("not admitted: <10 participant(s) whose consent widened (the spec does not set cohort.admit_widened_consent)");

        // an old change sent again would undo a newer narrowing: refused
        Path stale = feed("stale.csv", "patient_id,change,duo_codes,commercial_use,changed_on\n" + patients.get(returner)
                + ",widen,GRU,allowed,2026-11-20\n");
        assertThat(cli("consent", "apply", stale.toString()).err()).isEqualTo("enclave consent apply: stale.csv line 2: the change is"
                + " dated before a change already recorded for the same patient (the feed is out of order); nothing was recorded\n");
        assertThat(new ConsentStore(storage).read().entries()).hasSize(4);
        // a feed that overlaps the last one: what was recorded already is skipped, nothing is refused or recorded twice
        Cli overlap = cli("consent", "apply", changes.toString());
        assertThat(overlap.code()).as(overlap.err()).isZero();
        assertThat(overlap.out()).startsWith("Recorded 0 consent change(s) and 0 opt-out(s) from 4 line(s).\n");
        assertThat(new ConsentStore(storage).read().entries()).hasSize(4);

        // a lost consent registry is never read as "nobody changed their consent"
        org.apache.hadoop.fs.Path registry = storage.layout().consentRegistry();
        org.apache.hadoop.fs.Path aside = new org.apache.hadoop.fs.Path(registry.getParent(), "consent.json.aside");
        assertThat(storage.fs().rename(registry, aside)).isTrue();
        try {
            StatementResult lost = session.execute(ANALYST_ALICE, "SELECT participant_id FROM participants");
            assertThat(lost.status()).isNotEqualTo(StatementResult.Status.OK);
            assertThat(lost.rows()).isEmpty();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> reconciler().plan(spec(commercialYaml)))
                    .hasMessage("the consent registry holds 0 change(s), but project DEMO-3 has seen 4: it was lost or replaced;"
                            + " restore /enclave/optout/consent.json before anything else (nothing was changed)");
        } finally {
            assertThat(storage.fs().rename(aside, registry)).isTrue();
        }
        assertThat(count("SELECT count(*) FROM participants")).isEqualTo(before - 2);
    }

    @Test
    @Order(3)
    void theNextApplyRemovesLeaversFromTheFilesAndDerivedDataAndAdmitsNobodyUnasked() throws Exception {
        String leaverId = facts.projectPseudonym(leaver);
        String returnerId = facts.projectPseudonym(returner);
        reconciler().apply(spec(commercialYaml));
        ProjectState rebuilt = new ProjectStore(storage).require("DEMO-3");
        assertThat(ids(rebuilt)).doesNotContain(leaverId, returnerId, facts.projectPseudonym(widener));
        for (String table : List.of("diagnoses", "genotypes")) {
            assertThat(rows(rebuilt, table)).noneMatch(row -> Set.of(leaverId, returnerId).contains(row.get("participant_id")));
        }
        // who widened is remembered as not admitted, and stays out of later rebuilds
        assertThat(rebuilt.extract().notAdmitted().get(ProjectConsent.PROJECT)).containsExactlyInAnyOrder(widener, returner);
        // the member's derived table holds neither any more, in its files
        List<Object> derived = new ArrayList<>();
        var files = storage.fs().listFiles(new org.apache.hadoop.fs.Path(storage.layout().project("DEMO-3"), "workspace"), true);
        while (files.hasNext()) {
            org.apache.hadoop.fs.Path f = files.next().getPath();
            if (f.getName().endsWith(".parquet") && f.toString().contains("/mine/")) {
                ParquetScan.rows(storage, f).forEach(r -> derived.add(r.get("participant_id")));
            }
        }
        assertThat(derived).isNotEmpty().doesNotContain(leaverId, returnerId);
        assertThat(reconciler().plan(spec(commercialYaml)).isEmpty()).isTrue();
        // DEMO-1 (not commercial): the leaver is back for the academic member, never in the industry member's own files
        ProjectState demo1 = new ProjectStore(storage).require("DEMO-1");
        reconciler().apply(DemoSpecs.spec("DEMO-1"));
        demo1 = new ProjectStore(storage).require("DEMO-1");
        DemoFacts demo1Facts = new DemoFacts(storage, KeyStoreFile.openOrCreate(keys).key("project-demo-1").orElseThrow());
        assertThat(ids(demo1)).contains(demo1Facts.projectPseudonym(leaver));
        ProjectState.Table audience = demo1.extract().audiences().get(ProjectConsent.AUDIENCE).tables().get("participants");
        assertThat(ParquetScan.rows(storage, new DatasetRegistry.Entry("participants", demo1.extract().build(), audience.location(),
                audience.columns(), audience.rows(), audience.contentHash(), "", audience.files())).stream()
                .map(r -> r.get("participant_id"))).doesNotContain(demo1Facts.projectPseudonym(leaver));
    }

    @Test
    @Order(4)
    void allowingCommercialUseAgainPutsNobodyBackIntoTheIndustryAudienceUnasked() throws Exception {
        @SuppressWarnings("unchecked")
        List<String> codes = (List<String>) facts.rows("participants").stream().filter(r -> leaver.equals(r.get("participant_id")))
                .findFirst().orElseThrow().get("duo_codes");
        Path again = feed("again.csv", "patient_id,change,duo_codes,commercial_use,changed_on\n" + patients.get(leaver) + ",widen,"
                + String.join(";", codes) + ",allowed,2026-11-30\n");
        Cli applied = cli("consent", "apply", again.toString());
        assertThat(applied.code()).as(applied.err()).isZero();
        reconciler().apply(DemoSpecs.spec("DEMO-1"));
        ProjectState demo1 = new ProjectStore(storage).require("DEMO-1");
        DemoFacts demo1Facts = new DemoFacts(storage, KeyStoreFile.openOrCreate(keys).key("project-demo-1").orElseThrow());
        // still in the academic member's files, still not in the industry member's, and remembered as not admitted there
        assertThat(ids(demo1)).contains(demo1Facts.projectPseudonym(leaver));
        ProjectState.Table audience = demo1.extract().audiences().get(ProjectConsent.AUDIENCE).tables().get("participants");
        assertThat(ParquetScan.rows(storage, new DatasetRegistry.Entry("participants", demo1.extract().build(), audience.location(),
                audience.columns(), audience.rows(), audience.contentHash(), "", audience.files())).stream()
                .map(r -> r.get("participant_id"))).doesNotContain(demo1Facts.projectPseudonym(leaver));
        assertThat(demo1.extract().notAdmitted().get(ProjectConsent.AUDIENCE)).contains(leaver);
    }

    @Test
    @Order(5)
    void aSpecThatAdmitsWidenedConsentTakesThemAtItsNextApply() throws Exception {
        String admitting = commercialYaml.replace("  icd10: [C50]", "  icd10: [C50]\n  admit_widened_consent: true");
        ProjectReconciler.Plan plan = reconciler().plan(spec(admitting));
        assertThat(String.join("\n", plan.lines())).doesNotContain("not admitted");
        reconciler().apply(spec(admitting));
        ProjectState state = new ProjectStore(storage).require("DEMO-3");
        // the leaver allowed commercial use again (the test before): asked for, they are back too
        assertThat(ids(state)).contains(facts.projectPseudonym(widener), facts.projectPseudonym(returner), facts.projectPseudonym(leaver));
        assertThat(state.extract().notAdmitted()).isEmpty();
    }

    @Test
    @Order(6)
    void theRegisterHoldsWhatTheSpecsAndReleasesSayAndNothingConfidential() throws Exception {
        DataUseRegister register = new DataUseRegister(storage, Clock.fixed(Instant.parse("2026-11-30T03:00:00Z"), java.time.ZoneOffset.UTC));
        register.publishReleases(List.of(
                new DataUseRegister.Release("DEMO-1", "R-000001", "2026-11-20", "output", 2, "Survival by variant <script>alert(1)</script>"),
                new DataUseRegister.Release("DEMO-3", "R-000002", "2026-11-25", "output", 1, "Dose response in carriers (confidential)")));
        DataUseRegister.Register r = JSON.readValue(file("register.json"), DataUseRegister.Register.class);
        assertThat(r.projects()).extracting(DataUseRegister.Project::id).containsExactly("DEMO-1", "DEMO-3");
        DataUseRegister.Project demo1 = r.projects().get(0);
        ProjectSpec spec1 = DemoSpecs.spec("DEMO-1");
        assertThat(demo1.title()).isEqualTo(spec1.title());
        assertThat(demo1.purpose()).isEqualTo(new DataUseRegister.Purpose("HMB", null, false));
        assertThat(demo1.approvalReference()).isEqualTo("REC-2026-017");
        assertThat(demo1.approvalDate()).isEqualTo("2026-03-15");
        assertThat(demo1.datasets()).isEqualTo(new java.util.TreeMap<>(spec1.datasets()));
        assertThat(demo1.start()).isEqualTo("2026-04-01");
        assertThat(demo1.end()).isEqualTo("2029-03-31");
        assertThat(demo1.status()).isEqualTo("active");
        // no register section: the organisations' kinds only, from the members' affiliations
        assertThat(demo1.organisations()).containsExactly(new DataUseRegister.Organisation(null, "academic"),
                new DataUseRegister.Organisation(null, "industry"));
        assertThat(demo1.outputsReleased()).isEqualTo(1);
        assertThat(demo1.outputs()).containsExactly(new DataUseRegister.Output("2026-11-20", "output", 2,
                "Survival by variant <script>alert(1)</script>"));
        DataUseRegister.Project demo3 = r.projects().get(1);
        assertThat(demo3.purpose().commercial()).isTrue();
        assertThat(demo3.summary()).isEqualTo("乳がん治療薬の開発に向けた生殖細胞系列バリアントの解析");
        assertThat(demo3.organisations()).containsExactly(new DataUseRegister.Organisation(null, "academic"),
                new DataUseRegister.Organisation(null, "industry"));
        assertThat(demo3.withheld()).containsExactly("organisations", "outputs");
        assertThat(demo3.outputsReleased()).isEqualTo(1);
        assertThat(demo3.outputs()).containsExactly(new DataUseRegister.Output("2026-11-25", "output", 1, null));
        // nothing confidential and nothing about people in any file of the register, whoever reads it
        var files = storage.fs().listFiles(DataUseRegister.directory(storage), false);
        int read = 0;
        while (files.hasNext()) {
            String name = files.next().getPath().getName();
            String text = new String(file(name), StandardCharsets.UTF_8);
            read++;
            assertThat(text).as(name).doesNotContain("東都大学", "Example Pharma", "Dose response", "alice", "kenji")
                    .doesNotContainPattern("[0-9a-f]{64}");
            if (name.endsWith(".html")) {
                // people's words are escaped in the pages (the feed is JSON, served as such)
                assertThat(text).as(name).doesNotContain("<script>");
            }
            for (String p : List.of(leaver, widener, returner)) {
                assertThat(text).as(name).doesNotContain(p).doesNotContain(patients.get(p));
            }
        }
        assertThat(read).as("projects.json, releases.json, register.json, register.css and the two pages").isEqualTo(6);
        // the page in each language says the same, escaped
        String ja = new String(file("register.ja.html"), StandardCharsets.UTF_8);
        String en = new String(file("register.en.html"), StandardCharsets.UTF_8);
        assertThat(ja).startsWith("<!DOCTYPE html>\n<html lang=\"ja\">").contains("データ利用登録簿", "REC-2026-017",
                "保健・医療・生物医学研究", "非公開（機密）", "Survival by variant &lt;script&gt;alert(1)&lt;/script&gt;");
        assertThat(en).startsWith("<!DOCTYPE html>\n<html lang=\"en\">").contains("Data-use register", "REC-2026-017",
                "health, medical or biomedical research", "withheld (confidential)", spec1.title());
        // a release re-renders with the projects as the provider's side wrote them: nothing withheld comes back
        reconciler().apply(spec(commercialYaml));
        assertThat(new String(file("register.json"), StandardCharsets.UTF_8)).contains("\"outputsReleased\" : 1")
                .doesNotContain("Example Pharma");
        // a register that would hide an industry partner is refused
        String hiding = commercialYaml.replace("    - {name: Example Pharma 株式会社, kind: industry}\n", "");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spec(hiding))
                .hasMessage("DEMO-3.yaml line 47: register.organisations: names no industry organisation, but the project has industry members");
    }

    @Test
    @Order(7)
    void aClosedProjectIsOnTheRegisterAsDestroyedWithItsCertificateDate() throws Exception {
        session.close();
        session = null;
        new ProjectCloser(storage, KeyStoreFile.openOrCreate(keys), PolicyPublisher.file(policies), new FileAuditLog(audit), "ops",
                Clock.fixed(Instant.parse("2026-11-30T16:00:00Z"), java.time.ZoneOffset.UTC), Progress.NONE).close("DEMO-3", false, null, null);
        DataUseRegister.Register r = JSON.readValue(file("register.json"), DataUseRegister.Register.class);
        DataUseRegister.Project demo3 = r.projects().stream().filter(p -> p.id().equals("DEMO-3")).findFirst().orElseThrow();
        // 16:00 UTC is the next day in Tokyo
        assertThat(demo3.status()).isEqualTo("destroyed");
        assertThat(demo3.destroyedOn()).isEqualTo("2026-12-01");
        assertThat(demo3.outputsReleased()).isEqualTo(1);
        assertThat(new String(file("register.en.html"), StandardCharsets.UTF_8)).contains("closed, data destroyed");
    }

    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static byte[] file(String name) throws IOException {
        try (var in = storage.fs().open(new org.apache.hadoop.fs.Path(DataUseRegister.directory(storage), name))) {
            return in.readAllBytes();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    record Cli(int code, String out, String err) {}

    static Cli cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--target", hdfs.uri() + "/enclave", "--keystore", keys.toString(), "--policies", policies.toString(),
                "--audit-log", audit.toString(), "--operator", "ops", "--audit-unanchored"));
        CommandLine cl = EnclaveCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Cli(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    static Path feed(String name, String content) throws IOException {
        Path file = tmp.resolve("feeds").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    static ProjectReconciler reconciler() {
        return new ProjectReconciler(storage, KeyStoreFile.openOrCreate(keys), PolicyPublisher.file(policies), new FileAuditLog(audit), "ops",
                Clock.systemUTC(), Progress.NONE);
    }

    static ProjectSpec spec(String yaml) {
        return ProjectSpecParser.parse(yaml, "DEMO-3.yaml");
    }

    private static void ok(String sql) {
        StatementResult r = session.execute(ANALYST_ALICE, sql);
        assertThat(r.status()).as(r.message()).isEqualTo(StatementResult.Status.OK);
    }

    private static long count(String sql) {
        StatementResult r = session.execute(ANALYST_ALICE, sql);
        assertThat(r.status()).as(r.message()).isEqualTo(StatementResult.Status.OK);
        return (Long) r.rows().get(0).get(0);
    }

    private static Set<String> ids(StatementResult r) {
        assertThat(r.status()).as(r.message()).isEqualTo(StatementResult.Status.OK);
        return r.rows().stream().map(row -> (String) row.get(0)).collect(Collectors.toSet());
    }

    private static Set<String> ids(ProjectState state) throws IOException {
        return rows(state, "participants").stream().map(p -> (String) p.get("participant_id")).collect(Collectors.toSet());
    }

    private static List<Map<String, Object>> rows(ProjectState state, String table) throws IOException {
        ProjectState.Table t = state.extract().tables().get(table);
        return ParquetScan.rows(storage, new DatasetRegistry.Entry(table, state.extract().build(), t.location(), t.columns(),
                t.rows(), t.contentHash(), "", t.files()));
    }
}
