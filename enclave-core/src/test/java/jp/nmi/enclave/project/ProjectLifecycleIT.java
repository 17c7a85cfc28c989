package jp.nmi.enclave.project;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.ANALYST_BOB;
import static jp.nmi.enclave.testing.Personas.ANALYST_KENJI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.cli.EnclaveCli;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.ValidationException;
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
import jp.nmi.enclave.testing.Personas;
import jp.nmi.enclave.testing.RangerAdminStandIn;
import jp.nmi.enclave.policy.PolicyContent;
import jp.nmi.enclave.policy.RangerAdminClient;
import jp.nmi.enclave.policy.RangerAdminPolicySource;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.policy.ServicePoliciesJson;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Projects as code on a real HDFS (one MiniDFSCluster) and, where queries matter, a real Spark
 * session. Tests that need a project from scratch get their own enclave root on the cluster; the
 * query tests share one root with DEMO-1 and DEMO-2 applied and run in order, the opt-out last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProjectLifecycleIT {
    @TempDir
    static Path tmp;

    static EmbeddedHdfs hdfs;
    static Path source;
    static final AtomicInteger ROOTS = new AtomicInteger();
    static Root shared;
    static EnclaveSession session;
    static MutableClock clock = new MutableClock(Instant.parse("2026-11-24T03:00:00Z"));

    /** An enclave root on the cluster with its own key store, policy file and audit log. */
    record Root(EnclaveStorage storage, Path keys, Path policies, Path audit) {
        KeyStoreFile keyStore() {
            return KeyStoreFile.openOrCreate(keys);
        }

        ProjectReconciler reconciler() {
            return new ProjectReconciler(storage, keyStore(), PolicyPublisher.file(policies), new FileAuditLog(audit), "ops",
                    Clock.systemUTC(), Progress.NONE);
        }

        ProjectStore store() {
            return new ProjectStore(storage);
        }

        String target() {
            return hdfs.uri() + storage.layout().root().toUri().getPath();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        hdfs = EmbeddedHdfs.start(tmp.resolve("enclave"));
        source = tmp.resolve("source");
        DemoWorld.write(new DemoWorld.Parameters(700, 30, 21), source, Progress.NONE);
        shared = freshRoot();
        shared.reconciler().apply(DemoSpecs.spec("DEMO-1"));
        shared.reconciler().apply(DemoSpecs.spec("DEMO-2"));
        session = DemoEnclave.open(shared.storage(), "DEMO-1", shared.policies(), new FileAuditLog(shared.audit()), shared.keys(),
                new EnclaveSession.Settings("local[2]", 10_000, 2), clock,
                new ProjectDirectory(shared.store().members("DEMO-1").orElseThrow()));
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

    static Root freshRoot() {
        int n = ROOTS.incrementAndGet();
        EnclaveStorage storage = EnclaveStorage.connect(URI.create(hdfs.uri() + "/enclave-" + n));
        Root root = new Root(storage, tmp.resolve("keys-" + n + "/keys.p12"), tmp.resolve("policies-" + n + ".json"),
                tmp.resolve("audit-" + n + ".jsonl"));
        Ingest.run(storage, new Ingest.Request(source, root.keys(), source.resolve("optout.csv")), Progress.NONE);
        // the demo's people, as the directory knows them: project members are checked against it
        new DirectoryStore(storage).write(DirectoryStore.DEMO_USERS.entrySet().stream()
                .map(e -> new DirectoryUser(e.getKey(), e.getValue(), null)).toList());
        return root;
    }

    record Cli(int code, String out, String err) {}

    static Cli cli(String... args) {
        CommandLine cl = EnclaveCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Cli(cl.execute(args), out.toString(), err.toString());
    }

    static Path specFile(String id, String yaml) throws IOException {
        Path file = tmp.resolve("specs-" + ROOTS.get()).resolve(id + ".yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        return file;
    }

    static String[] rootOptions(Root r) {
        return new String[] {"--target", r.target(), "--keystore", r.keys().toString(), "--policies", r.policies().toString(),
            "--audit-log", r.audit().toString(), "--operator", "ops", "--audit-unanchored"};
    }

    static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    // ---- apply ------------------------------------------------------------------------------

    @Test
    void planPrintsWhatApplyChangesAndASecondApplyChangesNothing() throws Exception {
        Root r = freshRoot();
        Path spec = specFile("DEMO-1", DemoSpecs.yaml("DEMO-1"));
        Cli plan = cli(concat(new String[] {"project", "plan", spec.toString()}, rootOptions(r)));
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).startsWith("Plan for DEMO-1 (Germline variants and outcomes in breast cancer): 9 changes")
                .contains("create   key project-demo-1: the project's own pseudonym key")
                .contains("create   " + r.storage().layout().project("DEMO-1").toUri().getPath() + "/workspace: 0700 enclave:demo-1, ACL none")
                .contains("create   " + r.storage().layout().project("DEMO-1").toUri().getPath() + "/outbox: 0770 enclave:demo-1, ACL"
                        + " default:user:alice:rwx,default:user:egress:r-x,default:user:kenji:rwx,user:alice:rwx,user:egress:r-x,"
                        + "user:kenji:rwx")
                .contains("build    extract: first extract from publication")
                .contains("create   Ranger policies: 20 policies valid 2026-04-01 to 2029-03-31");
        // plan changed nothing
        assertThat(r.store().state("DEMO-1")).isEmpty();
        assertThat(r.keyStore().key("project-demo-1")).isEmpty();

        // with --target, a change needs an audit log anchored where its writer cannot rewrite it (issue 10)
        List<String> unanchored = new ArrayList<>(List.of(rootOptions(r)));
        unanchored.remove("--audit-unanchored");
        Cli refused = cli(concat(new String[] {"project", "apply", spec.toString()}, unanchored.toArray(new String[0])));
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("with --target the audit log is anchored where its writer cannot rewrite it: give"
                + " --audit-anchor-jdbc URL");
        assertThat(r.store().state("DEMO-1")).isEmpty();

        Cli apply = cli(concat(new String[] {"project", "apply", spec.toString()}, rootOptions(r)));
        assertThat(apply.code()).as(apply.err()).isZero();
        // apply made exactly the planned changes
        assertThat(apply.out().lines().filter(l -> l.startsWith("  ")).toList())
                .isEqualTo(plan.out().lines().filter(l -> l.startsWith("  ")).toList());
        Cli again = cli(concat(new String[] {"project", "apply", spec.toString()}, rootOptions(r)));
        assertThat(again.out()).isEqualTo("No changes: DEMO-1 is already as its spec says.\n");
        assertThat(cli(concat(new String[] {"project", "plan", spec.toString()}, rootOptions(r))).out())
                .isEqualTo("No changes: DEMO-1 is as its spec says.\n");
        List<String> audit = Files.readAllLines(r.audit());
        assertThat(audit.stream().filter(l -> l.contains("\"action\":\"project.apply\"")).count()).isEqualTo(1);

        Cli list = cli(concat(new String[] {"project", "list"}, rootOptions(r)));
        assertThat(list.out()).contains("DEMO-1       active  2026-04-01 2029-03-31       2");
        Cli show = cli(concat(new String[] {"project", "show", "DEMO-1"}, rootOptions(r)));
        assertThat(show.out()).contains("members:     alice (lead, academic), kenji (analyst, industry)").contains("cohort:      ICD-10 C50");
    }

    @Test
    void aChangedSpecProducesExactlyThePlannedChanges() {
        Root r = freshRoot();
        ProjectReconciler reconciler = r.reconciler();
        reconciler.apply(DemoSpecs.spec("DEMO-1"));
        String changed = DemoSpecs.yaml("DEMO-1")
                .replace("  - user: kenji", "  - user: bob\n    role: analyst\n    affiliation: academic\n  - user: kenji")
                .replace("  lab_results: [participant_id, test_code, value, unit, measured_on]\n", "")
                .replace("  - {column: lab_results.measured_on, mask: MASK_DATE_SHOW_YEAR, members: all}\n", "");
        ProjectSpec spec = ProjectSpecParser.parse(changed, "DEMO-1.yaml");
        ProjectReconciler.Plan plan = reconciler.plan(spec);
        assertThat(plan.changes()).extracting(ProjectReconciler.Change::action, ProjectReconciler.Change::target).containsExactly(
                org.assertj.core.groups.Tuple.tuple("update", "/enclave-" + ROOTS.get() + "/projects/DEMO-1"),
                org.assertj.core.groups.Tuple.tuple("update", "/enclave-" + ROOTS.get() + "/projects/DEMO-1/outbox"),
                org.assertj.core.groups.Tuple.tuple("build", "extract"),
                org.assertj.core.groups.Tuple.tuple("update", "project.json"),
                org.assertj.core.groups.Tuple.tuple("update", "members.json"),
                org.assertj.core.groups.Tuple.tuple("update", "Ranger policies"));
        assertThat(plan.changes().get(2).detail()).isEqualTo("rebuild: approved datasets or columns changed");
        assertThat(plan.changes().get(1).detail()).isEqualTo("ACL +default:user:bob:rwx,user:bob:rwx");
        assertThat(reconciler.apply(spec)).isEqualTo(plan);
        assertThat(reconciler.plan(spec).isEmpty()).isTrue();
        ProjectState state = r.store().require("DEMO-1");
        assertThat(state.extract().tables()).doesNotContainKey("lab_results");
        assertThat(r.store().policies("DEMO-1")).noneMatch(p -> p.getName().contains("lab_results"));
        assertThat(r.store().members("DEMO-1").orElseThrow().members()).extracting(jp.nmi.enclave.project.ProjectMember::user)
                .containsExactly("alice", "bob", "kenji");
    }

    @Test
    void anInvalidSpecChangesNothingAndNamesTheLine() throws Exception {
        Root r = freshRoot();
        r.reconciler().apply(DemoSpecs.spec("DEMO-1"));
        byte[] state = r.storage().fs().open(new org.apache.hadoop.fs.Path(r.store().projectDir("DEMO-1"), "project.json")).readAllBytes();
        byte[] policies = Files.readAllBytes(r.policies());
        Path bad = specFile("DEMO-1", DemoSpecs.yaml("DEMO-1").replace("    affiliation: industry", "    affiliation: partner"));
        Cli apply = cli(concat(new String[] {"project", "apply", bad.toString()}, rootOptions(r)));
        assertThat(apply.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(apply.err()).isEqualTo("enclave project apply: DEMO-1.yaml line 20: members[1].affiliation: 'partner' is not one of"
                + " academic, industry" + System.lineSeparator());
        assertThat(r.storage().fs().open(new org.apache.hadoop.fs.Path(r.store().projectDir("DEMO-1"), "project.json")).readAllBytes())
                .isEqualTo(state);
        assertThat(Files.readAllBytes(r.policies())).isEqualTo(policies);
    }

    // ---- extracts ---------------------------------------------------------------------------

    @Test
    void theExtractHoldsTheApprovedColumnsAndTheCohortOnly() throws Exception {
        ProjectState demo1 = shared.store().require("DEMO-1");
        DemoFacts facts = facts("project-demo-1");
        // everyone who opted out so far (the ordered tests record one) stays out
        Set<String> optedOut = new jp.nmi.enclave.optout.OptoutStore(shared.storage()).read().pseudonyms();
        Set<String> expected = facts.asProject(DemoFacts.minus(DemoFacts.intersect(facts.cohort("C50"), facts.consentCoversHmb()),
                optedOut));
        List<Map<String, Object>> participants = rows(demo1, "participants");
        assertThat(participants.get(0).keySet()).containsExactlyElementsOf(DemoSpecs.spec("DEMO-1").datasets().get("participants"));
        assertThat(participants.stream().map(p -> (String) p.get("participant_id")).collect(Collectors.toSet())).isEqualTo(expected);
        for (String table : List.of("diagnoses", "samples", "lab_results", "clinical_notes", "genotypes")) {
            assertThat(rows(demo1, table).stream().map(p -> (String) p.get("participant_id")).collect(Collectors.toSet()))
                    .as(table).isNotEmpty().isSubsetOf(expected);
        }
        ProjectState demo2 = shared.store().require("DEMO-2");
        assertThat(demo2.extract().tables()).doesNotContainKeys("clinical_notes", "samples");
        assertThat(rows(demo2, "participants").get(0).keySet()).containsExactly("participant_id", "sex", "age_band", "region", "enrolled_on");
        // DS consent for dementia is honoured, and other disease-specific consents are not
        DemoFacts facts2 = facts("project-demo-2");
        Set<String> dementia = facts2.cohort("F00", "F01", "F02", "F03", "G30");
        Set<String> covered = facts2.rows("participants").stream().filter(p -> {
            @SuppressWarnings("unchecked")
            List<String> duo = (List<String>) p.get("duo_codes");
            return duo.contains("GRU") || duo.contains("HMB") || duo.contains("DS:MONDO:0001627");
        }).map(p -> (String) p.get("participant_id")).collect(Collectors.toSet());
        assertThat(rows(demo2, "participants").stream().map(p -> (String) p.get("participant_id")).collect(Collectors.toSet()))
                .isEqualTo(facts2.asProject(DemoFacts.minus(DemoFacts.intersect(dementia, covered), optedOut)));
    }

    @Test
    void cohortCriteriaAndACommercialPurposeSelectExactlyTheRightParticipants() throws Exception {
        Root r = freshRoot();
        ProjectSpec spec = ProjectSpecParser.parse("""
                id: DEMO-3
                title: Serum and plasma of older women in two regions
                purpose:
                  code: GRU
                  commercial: true
                approval:
                  reference: REC-2026-077
                  date: 2026-05-01
                start: 2026-06-01
                end: 2029-05-31
                members:
                  - user: kenji
                    role: lead
                    affiliation: industry
                datasets:
                  participants: [participant_id, sex, age_band, region]
                  samples: [sample_id, participant_id, sample_type]
                cohort:
                  age_bands: [60-69, 70-79]
                  sex: [F]
                  regions: [Kanto, Kinki]
                  sample_types: [serum, plasma]
                disclosure_profile: ndb
                """, "DEMO-3.yaml");
        r.reconciler().apply(spec);
        ProjectState state = r.store().require("DEMO-3");
        DemoFacts facts = new DemoFacts(r.storage(), r.keyStore().key("project-demo-3").orElseThrow());
        Set<String> sampled = facts.rows("samples").stream().filter(x -> List.of("serum", "plasma").contains(x.get("sample_type")))
                .map(x -> (String) x.get("participant_id")).collect(Collectors.toSet());
        Set<String> expected = facts.rows("participants").stream().filter(p -> {
            @SuppressWarnings("unchecked")
            List<String> duo = (List<String>) p.get("duo_codes");
            // a commercial GRU project: general research consent, no commercial-use restriction of any kind
            return "F".equals(p.get("sex")) && List.of("60-69", "70-79").contains(p.get("age_band"))
                    && List.of("Kanto", "Kinki").contains(p.get("region")) && duo.contains("GRU")
                    && !Boolean.TRUE.equals(p.get("commercial_use_prohibited")) && duo.stream().noneMatch(d -> d.startsWith("NPU")
                            || d.equals("NCU"));
        }).map(p -> (String) p.get("participant_id")).filter(sampled::contains).collect(Collectors.toSet());
        assertThat(expected).as("the demo world has such participants").hasSizeGreaterThan(3);
        List<Map<String, Object>> participants = rows(state, "participants");
        assertThat(participants.stream().map(p -> (String) p.get("participant_id")).collect(Collectors.toSet()))
                .isEqualTo(facts.asProject(expected));
        assertThat(participants).allSatisfy(p -> {
            assertThat(p.get("sex")).isEqualTo("F");
            assertThat(p.get("age_band")).isIn("60-69", "70-79");
            assertThat(p.get("region")).isIn("Kanto", "Kinki");
        });
        List<Map<String, Object>> samples = rows(state, "samples");
        assertThat(samples).isNotEmpty().allSatisfy(x -> assertThat(x.get("sample_type")).isIn("serum", "plasma"));
        assertThat(samples.stream().map(x -> (String) x.get("participant_id")).collect(Collectors.toSet()))
                .isEqualTo(facts.asProject(expected));
        // nobody whose consent prohibits commercial use is in a commercial project, whoever its members are
        assertThat(DemoFacts.intersect(expected, facts.commercialUseProhibited())).isEmpty();
    }

    @Test
    void twoProjectsPseudonymsNeverIntersect() throws Exception {
        Set<String> demo1 = ids(shared.store().require("DEMO-1"));
        Set<String> demo2 = ids(shared.store().require("DEMO-2"));
        assertThat(demo1).isNotEmpty().doesNotContainAnyElementsOf(demo2);
        // not even for the same person: every provider pseudonym re-keyed under each key
        DemoFacts f1 = facts("project-demo-1");
        DemoFacts f2 = facts("project-demo-2");
        Set<String> everyone = f1.rows("participants").stream().map(p -> (String) p.get("participant_id")).collect(Collectors.toSet());
        assertThat(f1.asProject(everyone)).doesNotContainAnyElementsOf(f2.asProject(everyone));
        assertThat(demo1).doesNotContainAnyElementsOf(everyone);
    }

    // ---- queries over the extract (ordered: the opt-out comes last) --------------------------

    @Test
    @Order(1)
    void theIndustryMemberSeesNoParticipantWhoseConsentProhibitsCommercialUse() throws Exception {
        DemoFacts facts = facts("project-demo-1");
        Set<String> extract = DemoFacts.intersect(facts.cohort("C50"), facts.consentCoversHmb());
        Set<String> prohibited = DemoFacts.intersect(extract, facts.commercialUseProhibited());
        assertThat(prohibited).isNotEmpty();
        assertThat(ids(session.execute(ANALYST_KENJI, "SELECT participant_id FROM participants"))).isEqualTo(
                facts.asProject(DemoFacts.minus(extract, prohibited)));
        assertThat(ids(session.execute(ANALYST_KENJI, "SELECT DISTINCT participant_id FROM genotypes")))
                .doesNotContainAnyElementsOf(facts.asProject(prohibited));
        assertThat(ids(session.execute(ANALYST_ALICE, "SELECT participant_id FROM participants"))).isEqualTo(facts.asProject(extract));
        StatementResult bob = session.execute(ANALYST_BOB, "SELECT 1");
        assertThat(bob.message()).isEqualTo("Access denied: bob is not a member of project DEMO-1");
    }

    @Test
    @Order(2)
    void afterTheEndDateEveryQueryIsDeniedWithoutAReapply() {
        clock.set(Instant.parse("2029-03-31T14:59:00Z"));
        assertThat(session.execute(ANALYST_ALICE, "SELECT count(*) FROM diagnoses").status()).isEqualTo(StatementResult.Status.OK);
        clock.set(Instant.parse("2029-03-31T15:00:01Z")); // 2029-04-01 00:00:01 in Tokyo
        for (String sql : List.of("SELECT count(*) FROM diagnoses", "SELECT sex FROM participants", "SELECT * FROM variants")) {
            StatementResult r = session.execute(ANALYST_ALICE, sql);
            assertThat(r.status()).as(sql).isEqualTo(StatementResult.Status.DENIED);
            assertThat(r.message()).startsWith("Access denied: alice may not read demo_1.");
        }
        clock.set(Instant.parse("2026-11-24T03:00:00Z"));
    }

    @Test
    @Order(3)
    void anOptOutLeavesQueryResultsAtOnceAndTheFilesAtTheNextRewrite() throws Exception {
        KeyStoreFile keys = shared.keyStore();
        DemoFacts facts = facts("project-demo-1");
        Set<String> extract = DemoFacts.intersect(facts.cohort("C50"), facts.consentCoversHmb());
        // a source patient in DEMO-1's extract
        Mac provider = Mac.getInstance("HmacSHA256");
        provider.init(keys.providerKey());
        String patient = null;
        try (CsvReader csv = new CsvReader(Files.newBufferedReader(source.resolve("participants.csv")), "participants.csv")) {
            csv.readHeader();
            for (CsvReader.Row row = csv.next(); row != null && patient == null; row = csv.next()) {
                String pseudonym = HexFormat.of().formatHex(provider.doFinal(("participant:" + row.get(0)).getBytes(StandardCharsets.UTF_8)));
                if (extract.contains(pseudonym)) {
                    patient = row.get(0);
                }
            }
        }
        assertThat(patient).isNotNull();
        String projectId = facts.projectPseudonym(HexFormat.of().formatHex(
                provider.doFinal(("participant:" + patient).getBytes(StandardCharsets.UTF_8))));
        long before = count("SELECT count(*) FROM participants");
        Path optout = tmp.resolve("optout-now.csv");
        Files.writeString(optout, "patient_id,received_on\n" + patient + ",2026-11-23\n");

        // as the operator runs it
        Cli applied = cli(concat(new String[] {"optout", "apply", optout.toString()}, rootOptions(shared)));
        assertThat(applied.code()).as(applied.err()).isZero();
        assertThat(applied.out()).startsWith("Recorded 1 new opt-out(s) from 1 request(s). Hidden from queries now:\n")
                .containsPattern("(?m)^  DEMO-1 +1 participant\\(s\\), [1-9][0-9,]* row\\(s\\) \\{.*participants=1.*\\}$")
                .contains("They leave the files at the next ./enclave project apply of each project");

        // at once, in the session that was already open
        assertThat(count("SELECT count(*) FROM participants")).isEqualTo(before - 1);
        assertThat(ids(session.execute(ANALYST_ALICE, "SELECT participant_id FROM diagnoses"))).doesNotContain(projectId);
        // still in the files until the next rewrite ...
        assertThat(ids(shared.store().require("DEMO-1"))).contains(projectId);
        ProjectReconciler.Plan plan = shared.reconciler().plan(DemoSpecs.spec("DEMO-1"));
        assertThat(plan.changes()).anySatisfy(c -> assertThat(c.detail()).contains("1 opt-out(s) since the last extract"));
        shared.reconciler().apply(DemoSpecs.spec("DEMO-1"));
        // ... and gone from them after it
        ProjectState rewritten = shared.store().require("DEMO-1");
        assertThat(ids(rewritten)).doesNotContain(projectId).hasSize(extract.size() - 1);
        for (String table : List.of("diagnoses", "genotypes")) {
            assertThat(rows(rewritten, table)).noneMatch(row -> projectId.equals(row.get("participant_id")));
        }
        assertThat(shared.reconciler().plan(DemoSpecs.spec("DEMO-1")).isEmpty()).isTrue();
    }

    // ---- HDFS permissions -------------------------------------------------------------------

    @Test
    void hdfsPermissionsKeepProjectsApart() throws Exception {
        String root = shared.storage().layout().root().toUri().getPath();
        org.apache.hadoop.fs.Path workspace = new org.apache.hadoop.fs.Path(root + "/projects/DEMO-1/workspace");
        org.apache.hadoop.fs.Path outbox = new org.apache.hadoop.fs.Path(root + "/projects/DEMO-1/outbox/alice-result.csv");
        org.apache.hadoop.fs.Path state = new org.apache.hadoop.fs.Path(root + "/projects/DEMO-1/project.json");
        ProjectState demo1 = shared.store().require("DEMO-1");
        org.apache.hadoop.fs.Path extractFile = new org.apache.hadoop.fs.Path(demo1.extract().tables().get("participants").location()
                + "/" + demo1.extract().tables().get("participants").files().get(0).name());
        as(ANALYST_ALICE, fs -> {
            try (var out = fs.create(outbox)) {
                out.write("n\n12\n".getBytes(StandardCharsets.UTF_8));
            }
            // the extract and the workspace are read through governed sessions only, never as files
            assertThatThrownBy(() -> fs.open(extractFile).read()).isInstanceOf(AccessControlException.class)
                    .hasMessageContaining("Permission denied: user=alice, access=EXECUTE");
            assertThatThrownBy(() -> fs.listStatus(workspace)).isInstanceOf(AccessControlException.class)
                    .hasMessageContaining("Permission denied: user=alice, access=READ_EXECUTE");
            assertThatThrownBy(() -> fs.open(state).read()).isInstanceOf(AccessControlException.class)
                    .hasMessageContaining("Permission denied: user=alice, access=READ");
            assertThatThrownBy(() -> fs.listStatus(new org.apache.hadoop.fs.Path(root + "/datasets")))
                    .isInstanceOf(AccessControlException.class).hasMessageContaining("Permission denied: user=alice");
            return null;
        });
        as(ANALYST_BOB, fs -> {
            assertThatThrownBy(() -> fs.listStatus(workspace)).isInstanceOf(AccessControlException.class)
                    .hasMessageContaining("Permission denied: user=bob");
            assertThatThrownBy(() -> fs.open(outbox).read()).isInstanceOf(AccessControlException.class);
            return null;
        });
        shared.storage().fs().delete(outbox, false);
    }

    // ---- closure ----------------------------------------------------------------------------

    @Test
    void aClosedProjectLeavesNothingAndItsCertificateVerifies() throws Exception {
        Root r = freshRoot();
        r.reconciler().apply(DemoSpecs.spec("DEMO-2"));
        org.apache.hadoop.fs.Path dir = r.store().projectDir("DEMO-2");
        try (var out = r.storage().fs().create(new org.apache.hadoop.fs.Path(dir, "workspace/notes.txt"))) {
            out.write("bob's working notes".getBytes(StandardCharsets.UTF_8));
        }
        try (var out = r.storage().fs().create(new org.apache.hadoop.fs.Path(dir, "outbox/table1.csv"))) {
            out.write("a,n\nx,12\n".getBytes(StandardCharsets.UTF_8));
        }
        org.apache.hadoop.fs.Path pending = new org.apache.hadoop.fs.Path(r.storage().layout().pendingExports("DEMO-2"), "req-42");
        r.storage().fs().create(pending).close();
        org.apache.hadoop.fs.Path quarantined = new org.apache.hadoop.fs.Path(r.storage().layout().quarantine(), "req-42/9f2c");
        try (var out = r.storage().fs().create(quarantined)) {
            out.write("a,n\nx,12\n".getBytes(StandardCharsets.UTF_8));
        }
        ProjectCloser closer = new ProjectCloser(r.storage(), r.keyStore(), PolicyPublisher.file(r.policies()), new FileAuditLog(r.audit()),
                "ops", Clock.systemUTC(), Progress.NONE);
        Path certs = tmp.resolve("certs-" + ROOTS.get());
        assertThatThrownBy(() -> closer.close("DEMO-2", false, null, certs)).isInstanceOf(ValidationException.class)
                .hasMessage("project DEMO-2 has 1 export request(s) pending in the egress service (req-42); wait until they are"
                        + " decided, or close with --override-pending --reason TEXT (audited)");
        assertThatThrownBy(() -> closer.close("DEMO-2", true, " ", certs)).isInstanceOf(ValidationException.class)
                .hasMessage("--override-pending needs --reason: why close with export requests pending?");
        assertThat(r.store().require("DEMO-2").isActive()).isTrue();
        assertThat(Files.readAllLines(r.audit())).filteredOn(l -> l.contains("\"action\":\"project.close\""))
                .hasSize(2).allMatch(l -> l.contains("\"outcome\":\"refused\""));

        // the policy store refuses the revocation: the closure stops, the project stays closed, and closing again finishes it
        PolicyPublisher down = new PolicyPublisher() {
            @Override
            public void publish(Map<String, List<org.apache.ranger.plugin.model.RangerPolicy>> policies) {
                throw new jp.nmi.enclave.error.EnclaveStorageException("the policy store is down");
            }

            @Override
            public List<org.apache.ranger.plugin.model.RangerPolicy> current() {
                throw new jp.nmi.enclave.error.EnclaveStorageException("the policy store is down");
            }

            @Override
            public String place() {
                return "file:/nowhere";
            }

            @Override
            public String describe() {
                return "a policy store that is down";
            }
        };
        assertThatThrownBy(() -> new ProjectCloser(r.storage(), r.keyStore(), down, new FileAuditLog(r.audit()), "ops", Clock.systemUTC(),
                Progress.NONE).close("DEMO-2", true, "committee withdrew approval", certs)).hasMessage("the policy store is down");
        ProjectState halfway = r.store().require("DEMO-2");
        assertThat(halfway.isActive()).as("revoked for every service that reads the state").isFalse();
        assertThat(halfway.certificate()).isNull();
        assertThat(r.storage().fs().exists(new org.apache.hadoop.fs.Path(dir, "workspace/notes.txt"))).isTrue();

        DestructionCertificate c = closer.close("DEMO-2", true, "committee withdrew approval", certs);
        assertThat(c.allChecksPassed()).isTrue();
        assertThat(c.pendingExportsOverridden()).isTrue();
        assertThat(c.deleted()).extracting(DestructionCertificate.DeletedDirectory::path).containsExactly(
                dir.toUri().getPath() + "/extract", dir.toUri().getPath() + "/workspace", dir.toUri().getPath() + "/outbox",
                quarantined.getParent().toUri().getPath(), pending.getParent().toUri().getPath());
        // the pending request's quarantined copy went with the project
        assertThat(r.storage().fs().exists(quarantined.getParent())).isFalse();
        assertThat(c.deleted().get(3).contents()).extracting(DestructionCertificate.DeletedFile::path)
                .containsExactly(quarantined.toUri().getPath());
        assertThat(c.deleted().get(1).contents()).extracting(DestructionCertificate.DeletedFile::path)
                .containsExactly(dir.toUri().getPath() + "/workspace/notes.txt");
        assertThat(c.deleted().get(0).files()).isGreaterThanOrEqualTo(4);
        // nothing of the project's data remains
        List<String> left = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = r.storage().fs().listFiles(dir, true);
        while (it.hasNext()) {
            left.add(it.next().getPath().getName());
        }
        assertThat(left).containsExactlyInAnyOrder("project.json", "members.json", "destruction-certificate.json");
        assertThat(r.keyStore().key("project-demo-2")).isEmpty();
        assertThat(PolicyPublisher.file(r.policies()).current()).noneMatch(p -> p.getName().startsWith("DEMO-2:"));
        assertThat(ProjectCloser.verify(c, r.keyStore(), r.storage())).isEmpty();

        Cli verify = cli(concat(new String[] {"project", "verify-certificate", certs.resolve("DEMO-2-destruction-certificate.json").toString()},
                rootOptions(r)));
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out()).startsWith("The destruction certificate of DEMO-2 verifies: signed by this provider, ");
        // an edited certificate does not verify
        DestructionCertificate forged = new DestructionCertificate(c.format(), c.project(), c.title(), c.approvalReference(), "someone",
                c.closedAt(), c.reason(), c.pendingExportsOverridden(), c.deleted(), c.keyAlias(), c.checks(), c.signature());
        assertThat(ProjectCloser.verify(forged, r.keyStore(), r.storage()))
                .containsExactly("the signature does not match its content (edited, or signed with another provider key)");
        // the closure is audited with its reason, and a closed project is not reopened
        assertThat(Files.readAllLines(r.audit())).anyMatch(l -> l.contains("\"action\":\"project.close\"")
                && l.contains("committee withdrew approval"));
        assertThatThrownBy(() -> r.reconciler().apply(DemoSpecs.spec("DEMO-2"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("project DEMO-2 was closed on ");
    }

    // ---- Ranger Admin: production's policy store ----------------------------------------------

    @Test
    void withRangerAdminThePoliciesAreKeptThereDriftIsPutBackAndClosureRemovesThem() throws Exception {
        try (RangerAdminStandIn admin = RangerAdminStandIn.start(ProjectPolicies.SERVICE, "enclave-ops", "s3cret-ranger")) {
            // somebody else's policy in the same service, made in Ranger's UI
            RangerPolicy foreign = new RangerPolicy();
            foreign.setName("provider: warehouse admins");
            foreign.setResources(Map.of("database", new RangerPolicy.RangerPolicyResource("warehouse")));
            foreign.setPolicyItems(new ArrayList<>(List.of(new RangerPolicy.RangerPolicyItem(
                    new ArrayList<>(List.of(new RangerPolicy.RangerPolicyItemAccess("select"))), new ArrayList<>(List.of("dba")),
                    new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), false))));
            admin.putByHand(foreign);
            Root r = freshRoot();
            Path password = tmp.resolve("ranger-password-" + ROOTS.get());
            Files.writeString(password, "s3cret-ranger\n");
            Path wrongPassword = tmp.resolve("ranger-wrong-" + ROOTS.get());
            Files.writeString(wrongPassword, "guess\n");
            String[] common = {"--target", r.target(), "--keystore", r.keys().toString(), "--audit-log", r.audit().toString(),
                "--operator", "ops", "--ranger-admin", admin.uri().toString(), "--ranger-user", "enclave-ops", "--audit-unanchored"};
            String[] ranger = concat(common, "--ranger-password-file", password.toString());
            Path spec = specFile("DEMO-1", DemoSpecs.yaml("DEMO-1"));

            // a refusal from Ranger Admin stops the apply before it changes anything
            Cli refused = cli(concat(concat(new String[] {"project", "apply", spec.toString()}, common), "--ranger-password-file",
                    wrongPassword.toString()));
            assertThat(refused.code()).isNotZero();
            // through Ranger's own client (RangerClient), a message and no stack trace
            assertThat(refused.err()).startsWith("enclave project apply: Ranger Admin at " + admin.uri() + " refused to list the policies"
                    + " of service enclave_hive: 401 (").doesNotContain("\tat ");
            assertThat(r.store().state("DEMO-1")).isEmpty();
            assertThat(Files.readAllLines(r.audit())).singleElement().asString().contains("\"action\":\"project.apply\"")
                    .contains("\"outcome\":\"error\"").contains("refused to list the policies of service enclave_hive: 401 (");
            Cli both = cli(concat(concat(new String[] {"project", "apply", spec.toString()}, ranger), "--policies", r.policies().toString()));
            assertThat(both.err()).contains("--policies and --ranger-admin name two places for the policies; give one");
            // with --target the policies go where they are in force, never silently into a file in the operator's home
            Cli nowhere = cli("project", "apply", spec.toString(), "--target", r.target(), "--keystore", r.keys().toString(), "--audit-log",
                    r.audit().toString(), "--operator", "ops", "--audit-unanchored");
            assertThat(nowhere.code()).isNotZero();
            assertThat(nowhere.err()).contains("with --target, say where the projects' policies are in force: --ranger-admin URL"
                    + " (production), or --policies FILE or $ENCLAVE_POLICIES (the file the notebook servers read)");
            Cli badService = cli(concat(concat(new String[] {"project", "apply", spec.toString()}, ranger), "--ranger-service",
                    "enclave_hive/../x"));
            assertThat(badService.err()).contains("--ranger-service 'enclave_hive/../x' is not a Ranger service name (letters, digits,"
                    + " '_' and '-')");
            Cli serviceWithoutAdmin = cli("project", "apply", spec.toString(), "--target", r.target(), "--keystore", r.keys().toString(),
                    "--audit-log", r.audit().toString(), "--operator", "ops", "--audit-unanchored", "--policies", r.policies().toString(),
                    "--ranger-service", "enclave_hive_prod");
            assertThat(serviceWithoutAdmin.err()).contains("--ranger-service goes with --ranger-admin (a policy file holds the service"
                    + " enclave_hive)");
            assertThat(r.store().state("DEMO-1")).as("refused before anything changed").isEmpty();

            Path homePolicies = Path.of(System.getProperty("user.home"), ".enclave", "policies", "enclave_hive.json");
            long homeBefore = Files.exists(homePolicies) ? Files.getLastModifiedTime(homePolicies).toMillis() : -1;
            Cli apply = cli(concat(new String[] {"project", "apply", spec.toString()}, ranger));
            assertThat(apply.code()).as(apply.err()).isZero();
            assertThat(apply.out()).contains("policies in Ranger Admin " + admin.uri() + " (service enclave_hive)");
            List<RangerPolicy> generated = r.store().policies("DEMO-1");
            assertThat(admin.policies()).hasSize(generated.size() + 1);
            assertThat(PolicyContent.allInForce(generated, admin.policies())).isTrue();
            assertThat(admin.policies()).filteredOn(p -> p.getName().startsWith("DEMO-1:")).hasSize(generated.size())
                    .allMatch(p -> p.getPolicyLabels().containsAll(List.of("enclave-managed", "project:DEMO-1")));
            assertThat(r.policies()).as("no policy file beside Ranger Admin").doesNotExist();
            assertThat(Files.exists(homePolicies) ? Files.getLastModifiedTime(homePolicies).toMillis() : -1)
                    .as("nor the CLI's default file").isEqualTo(homeBefore);
            // sessions serve the project only from where the policies were last published: another service, or a policy
            // file beside Ranger Admin, may hold older ones; what differs is for the operators' log, not for analysts
            assertThat(r.store().policyPlace()).contains("ranger:http://127.0.0.1:" + admin.uri().getPort() + "#enclave_hive");
            RangerAdminClient client = new RangerAdminClient(admin.uri(), "enclave-ops", "s3cret-ranger");
            String notServed = "Access denied: project DEMO-1 cannot be served: its access policies are not where this server reads them,"
                    + " so every statement is refused until the operators fix it (the service log has the details)";
            assertThatThrownBy(() -> r.store().checkServedFrom("DEMO-1", new RangerAdminPolicySource(client, "enclave_hive_old")))
                    .isInstanceOf(jp.nmi.enclave.error.AccessDeniedException.class).hasMessage(notServed);
            assertThatThrownBy(() -> r.store().checkServedFrom("DEMO-1", new jp.nmi.enclave.policy.FilePolicySource(r.policies())))
                    .hasMessage(notServed);
            // another Ranger Admin (a staging one) with a service of the same name is another place
            assertThatThrownBy(() -> r.store().checkServedFrom("DEMO-1", new RangerAdminPolicySource(new RangerAdminClient(
                    URI.create("https://ranger-staging.example:6182"), "enclave-ops", "s3cret-ranger"), "enclave_hive"))).hasMessage(notServed);
            r.store().checkServedFrom("DEMO-1", new RangerAdminPolicySource(client, "enclave_hive"));

            // the enclave's sessions read them as Ranger's plugins do, and Ranger's engine decides
            RangerAuthorizer authz = new RangerAuthorizer(new RangerAdminPolicySource(new RangerAdminClient(admin.uri(), "enclave-ops",
                    "s3cret-ranger"), ProjectPolicies.SERVICE), ProjectPolicies.SERVICE, clock);
            authz.refresh();
            assertThat(authz.canSelect(Personas.ALICE, "demo_1", "participants", "sex")).isTrue();
            assertThat(authz.canSelect(Personas.BOB, "demo_1", "participants", "sex")).isFalse();
            assertThat(authz.rowFilter(Personas.KENJI, "demo_1", "diagnoses")).isPresent();
            assertThat(authz.rowFilter(Personas.ALICE, "demo_1", "diagnoses")).isEmpty();

            // a second apply writes nothing
            int writes = admin.writes();
            Cli again = cli(concat(new String[] {"project", "apply", spec.toString()}, ranger));
            assertThat(again.out()).isEqualTo("No changes: DEMO-1 is already as its spec says.\n");
            assertThat(admin.writes()).isEqualTo(writes);

            // somebody grants DEMO-2's members access in Ranger's UI: the session sees it, plan notices, apply puts it back
            RangerPolicy edited = admin.policies().stream().filter(p -> p.getName().startsWith("DEMO-1:") && p.getPolicyType() == 0
                    && !p.getPolicyItems().isEmpty() && p.getResources().get("table").getValues().contains("participants"))
                    .findFirst().map(ServicePoliciesJson::copy).orElseThrow();
            RangerPolicy.RangerPolicyItem item = edited.getPolicyItems().get(0);
            item.setGroups(new ArrayList<>(List.of("demo-2")));
            item.setUsers(new ArrayList<>(List.of(ANALYST_BOB)));
            admin.putByHand(edited);
            authz.refresh();
            assertThat(authz.canSelect(Personas.BOB, "demo_1", "participants", "sex")).as("the edit is in force").isTrue();
            Cli plan = cli(concat(new String[] {"project", "plan", spec.toString()}, ranger));
            assertThat(plan.out()).contains("publish  Ranger policies: the project's policies in force in Ranger Admin " + admin.uri()
                    + " (service enclave_hive) are missing or differ from the generated ones");
            Cli repair = cli(concat(new String[] {"project", "apply", spec.toString()}, ranger));
            assertThat(repair.code()).as(repair.err()).isZero();
            assertThat(admin.writes()).as("one policy put back").isEqualTo(writes + 1);
            authz.refresh();
            assertThat(authz.canSelect(Personas.BOB, "demo_1", "participants", "sex")).isFalse();
            assertThat(admin.policies()).filteredOn(p -> p.getName().equals(foreign.getName())).singleElement()
                    .matches(p -> PolicyContent.same(p, foreign), "untouched");

            // an extra grant named like the project's: labelled, apply removes it; unlabelled, apply refuses to leave it unseen
            RangerPolicy extra = ServicePoliciesJson.copy(edited);
            extra.setId(null);
            extra.setName("DEMO-1: extra grant");
            admin.putByHand(extra);
            assertThat(cli(concat(new String[] {"project", "plan", spec.toString()}, ranger)).out()).contains("publish  Ranger policies");
            assertThat(cli(concat(new String[] {"project", "apply", spec.toString()}, ranger)).code()).isZero();
            assertThat(admin.policies()).extracting(RangerPolicy::getName).doesNotContain("DEMO-1: extra grant");
            RangerPolicy unlabelled = ServicePoliciesJson.copy(extra);
            unlabelled.setPolicyLabels(new ArrayList<>());
            RangerPolicy sneaky = admin.putByHand(unlabelled);
            Cli refusedSneaky = cli(concat(new String[] {"project", "apply", spec.toString()}, ranger));
            assertThat(refusedSneaky.code()).isNotZero();
            assertThat(refusedSneaky.err()).contains("named like the enclave's but not labelled enclave-managed: [DEMO-1: extra grant]");
            admin.remove(sneaky.getId());

            // closing the project removes its policies from Ranger Admin, and the certificate says so
            Cli close = cli(concat(new String[] {"project", "close", "DEMO-1", "--certificate-dir", tmp.resolve("certs-ranger").toString(),
                "--yes"}, ranger));
            assertThat(close.code()).as(close.err()).isZero();
            assertThat(admin.policies()).extracting(RangerPolicy::getName).containsExactly(foreign.getName());
            authz.refresh();
            assertThat(authz.canSelect(Personas.ALICE, "demo_1", "participants", "sex")).isFalse();
            assertThat(Files.readString(tmp.resolve("certs-ranger").resolve("DEMO-1-destruction-certificate.json")))
                    .contains("none in Ranger Admin " + admin.uri() + " (service enclave_hive)");

            // Ranger Admin unreachable: sessions have no policies, so they serve nothing
            admin.close();
            RangerAuthorizer cut = new RangerAuthorizer(new RangerAdminPolicySource(new RangerAdminClient(admin.uri(), "enclave-ops",
                    "s3cret-ranger"), ProjectPolicies.SERVICE), ProjectPolicies.SERVICE, clock);
            assertThatThrownBy(cut::refresh).hasMessageContaining("cannot reach Ranger Admin at " + admin.uri());
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

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
        return ParquetScan.rows(shared.storage(), new DatasetRegistry.Entry(table, state.extract().build(), t.location(), t.columns(),
                t.rows(), t.contentHash(), "", t.files()));
    }

    private static DemoFacts facts(String keyAlias) throws IOException {
        return new DemoFacts(shared.storage(), shared.keyStore().key(keyAlias).orElseThrow());
    }

    private static <T> T as(String user, FsAction<T> action) throws Exception {
        return UserGroupInformation.createRemoteUser(user).doAs((PrivilegedExceptionAction<T>) () -> {
            try (FileSystem fs = FileSystem.get(hdfs.uri(), shared.storage().configuration())) {
                return action.run(fs);
            }
        });
    }

    @FunctionalInterface
    interface FsAction<T> {
        T run(FileSystem fs) throws Exception;
    }

    /** Issue 15: people are checked against the directory; a typo is refused with the nearest name, never made a new person. */
    @Test
    void membersAndOperatorsAreCheckedAgainstTheDirectory() throws Exception {
        Path typo = specFile("DEMO-1", DemoSpecs.yaml("DEMO-1").replace("user: kenji ", "user: kenjii "));
        Cli plan = cli(concat(new String[] {"project", "plan", typo.toString()}, rootOptions(shared)));
        assertThat(plan.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(plan.err()).isEqualTo("enclave project plan: DEMO-1: members[1].user: 'kenjii' is not a user of the enclave's"
                + " directory (did you mean kenji?)\n");
        Path steward = specFile("DEMO-1", DemoSpecs.yaml("DEMO-1").replace("user: kenji ", "user: sato "));
        Cli apply = cli(concat(new String[] {"project", "apply", steward.toString()}, rootOptions(shared)));
        assertThat(apply.err()).isEqualTo("enclave project apply: DEMO-1: members[1].user: 'sato' is steward in the enclave's directory,"
                + " not an analyst: only analysts work in projects\n");
        // who acts is an operator as the directory knows them, never this machine's login name
        String[] asAlice = rootOptions(shared).clone();
        asAlice[java.util.Arrays.asList(asAlice).indexOf("--operator") + 1] = "alice";
        Cli notAnOperator = cli(concat(new String[] {"project", "apply", specFile("DEMO-1", DemoSpecs.yaml("DEMO-1")).toString()}, asAlice));
        assertThat(notAnOperator.err()).isEqualTo("enclave project apply: 'alice' is analyst in the enclave's directory, not an operator:"
                + " only operators provision projects, record opt-outs and publish data\n");
        String[] asOpps = rootOptions(shared).clone();
        asOpps[java.util.Arrays.asList(asOpps).indexOf("--operator") + 1] = "opps";
        assertThat(cli(concat(new String[] {"project", "apply", specFile("DEMO-1", DemoSpecs.yaml("DEMO-1")).toString()}, asOpps)).err())
                .isEqualTo("enclave project apply: 'opps' is not a user of the enclave's directory (did you mean ops?): --as names an"
                        + " operator\n");
        // the printed next command can be pasted
        Path member = specFile("DEMO-1", DemoSpecs.yaml("DEMO-1").replace("members:\n", "members:\n  - user: bob\n    role: analyst\n"
                + "    affiliation: academic\n"));
        Cli planned = cli(concat(new String[] {"project", "plan", member.toString()}, rootOptions(shared)));
        assertThat(planned.out()).contains("Apply them with: ./enclave " + String.join(" ", concat(new String[] {"project", "apply",
                member.toString()}, rootOptions(shared))) + "\n");
    }

    /** Issue 15: an opt-out file with a malformed or unknown ID records nothing, and says which. */
    @Test
    void optOutIdsAreCheckedBeforeAnythingIsRecorded() throws Exception {
        var before = new jp.nmi.enclave.optout.OptoutStore(shared.storage()).read().entries().size();
        Path malformed = tmp.resolve("optout-malformed.csv");
        Files.writeString(malformed, "patient_id,received_on\nPT00000013,2026-11-23\nPT0000013,2026-11-23\n");
        Cli refused = cli(concat(new String[] {"optout", "apply", malformed.toString()}, rootOptions(shared)));
        assertThat(refused.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(refused.err()).isEqualTo("enclave optout apply: optout-malformed.csv: 1 patient ID(s) not in the provider's format"
                + " PT[0-9]{8}: line 3; nothing was recorded\n");
        assertThat(refused.err()).as("no patient ID in a message").doesNotContain("PT0000013");
        Path unknown = tmp.resolve("optout-unknown.csv");
        Files.writeString(unknown, "patient_id,received_on\nPT99999999,2026-11-23\n");
        Cli stopped = cli(concat(new String[] {"optout", "apply", unknown.toString()}, rootOptions(shared)));
        assertThat(stopped.err()).startsWith("enclave optout apply: optout-unknown.csv: 1 patient ID(s) match no patient the enclave"
                + " knows: line 2; nothing was recorded.");
        assertThat(new jp.nmi.enclave.optout.OptoutStore(shared.storage()).read().entries()).hasSize(before);
        // the plan of an opt-out file: checked, each project's impact counted, nothing recorded
        Cli dry = cli(concat(concat(new String[] {"optout", "apply", unknown.toString()}, rootOptions(shared)), "--allow-unknown",
                "--dry-run"));
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).startsWith("Would record 1 new opt-out(s) from 1 request(s), 1 of them matching no known patient"
                + " (--allow-unknown) (--dry-run: nothing recorded). Would hide from queries:\n").containsPattern("(?m)^  DEMO-1 +0 participant");
        assertThat(new jp.nmi.enclave.optout.OptoutStore(shared.storage()).read().entries()).hasSize(before);
        Cli allowed = cli(concat(concat(new String[] {"optout", "apply", unknown.toString()}, rootOptions(shared)), "--allow-unknown"));
        assertThat(allowed.code()).as(allowed.err()).isZero();
        assertThat(allowed.out()).startsWith("Recorded 1 new opt-out(s) from 1 request(s), 1 of them matching no known patient"
                + " (--allow-unknown).");
        assertThat(new jp.nmi.enclave.optout.OptoutStore(shared.storage()).read().entries()).hasSize(before + 1);
    }

    /** Issue 15: closing is shown before it is done, and done only when the project's id is typed (or --yes). */
    @Test
    void closeShowsWhatItWouldDestroyAndWaitsForTheProjectIdToBeTyped() throws Exception {
        Cli dry = cli(concat(new String[] {"project", "close", "DEMO-1", "--dry-run"}, rootOptions(shared)));
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).startsWith("Closing DEMO-1 (Germline variants and outcomes in breast cancer) would:\n")
                .containsPattern("revoke   [0-9]+ Ranger policies: alice, kenji lose access from the next statement")
                .containsPattern("destroy  /enclave-[0-9]+/projects/DEMO-1/extract: [1-9][0-9,]* files, [1-9][0-9,]* bytes")
                .contains("destroy  key project-demo-1").contains("Nothing was changed (--dry-run).");
        // no terminal to type on and no --yes: refused, nothing changed
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.ByteArrayInputStream("DEMO-2\n".getBytes(StandardCharsets.UTF_8)));
        try {
            Cli wrong = cli(concat(new String[] {"project", "close", "DEMO-1"}, rootOptions(shared)));
            assertThat(wrong.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
            assertThat(wrong.err()).isEqualTo("enclave project close: not closed: the project id was not typed ('DEMO-2' is not DEMO-1)\n");
        } finally {
            System.setIn(stdin);
        }
        assertThat(shared.store().require("DEMO-1").isActive()).isTrue();
    }

    /** Issue 15: the directory is managed from the command line, under the same rules. */
    @Test
    void usersAreAddedListedAndRemovedByAnOperator() throws Exception {
        Path password = tmp.resolve("yamada-password");
        Files.writeString(password, "correct horse battery\n");
        Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path open = tmp.resolve("open-password");
        Files.writeString(open, "correct horse battery\n");
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(cli(concat(new String[] {"users", "add", "yamada", "--role", "analyst", "--password-file", open.toString()},
                rootOptions(shared))).err()).isEqualTo("enclave users add: " + open + " can be read by others: make it owner-only"
                        + " (chmod 600) first\n");
        assertThat(cli(concat(new String[] {"users", "add", "ito", "--role", "steward", "--password-file", password.toString()},
                rootOptions(shared))).err()).isEqualTo("enclave users add: stewards and approvers log in through LDAP or OIDC: an operator"
                        + " never sets their password (leave out --password-file)\n");
        Cli add = cli(concat(new String[] {"users", "add", "yamada", "--role", "analyst", "--password-file", password.toString()},
                rootOptions(shared)));
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).startsWith("Added yamada (analyst) to the enclave's directory.");
        assertThat(cli(concat(new String[] {"users", "list"}, rootOptions(shared))).out()).containsPattern("(?m)^yamada +analyst +password set$");
        Cli both = cli(concat(new String[] {"users", "add", "kobayashi", "--role", "approver", "--role", "steward"}, rootOptions(shared)));
        assertThat(both.err()).isEqualTo("enclave users add: user kobayashi cannot be approver and steward: the provider's approver of"
                + " regulatory submissions holds no other role\n");
        Cli again = cli(concat(new String[] {"users", "add", "yamada", "--role", "steward"}, rootOptions(shared)));
        assertThat(again.err()).isEqualTo("enclave users add: 'yamada' is already a user of the enclave's directory (analyst): remove them"
                + " first to change their roles\n");
        assertThat(cli(concat(new String[] {"users", "remove", "yamada"}, rootOptions(shared))).code()).isZero();
        // a member of an active project keeps their access until the spec says otherwise: removing them first is refused
        assertThat(cli(concat(new String[] {"users", "remove", "kenji"}, rootOptions(shared))).err())
                .isEqualTo("enclave users remove: 'kenji' is a member of DEMO-1: remove them from the spec and apply it first, so that"
                        + " their access to the data ends, then from the directory\n");
        assertThat(new DirectoryStore(shared.storage()).user("yamada")).isEmpty();
        assertThat(cli(concat(new String[] {"users", "remove", "ops"}, rootOptions(shared))).err())
                .isEqualTo("enclave users remove: an operator does not remove themselves: ask another operator\n");
    }

    /** A plan's output with what varies between runs (paths, ports, the world's hash) put in words, for golden files. */
    static String normalised(String out, Root r) {
        return out.replace(tmp.toString(), "TMP").replaceAll("hdfs://127\\.0\\.0\\.1:[0-9]+", "hdfs://HOST")
                .replaceAll("/enclave-[0-9]+", "/enclave-N").replaceAll("\"world\" : \"[0-9a-f]{64}\"", "\"world\" : \"WORLD\"")
                .replaceAll("(keys|policies|audit|specs)-[0-9]+", "$1-N");
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path golden = Path.of("src/test/resources/golden", name);
        if (System.getenv("ENCLAVE_UPDATE_GOLDEN") != null) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual).as("regenerate with ENCLAVE_UPDATE_GOLDEN=1 if the change is intended")
                .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }

    /**
     * Issue 15: the plan of a changed project says each change with its before and after (columns,
     * cohort with the participants it holds, members, purpose, policies with what they decide), what
     * it costs and how many things it adds, changes and destroys; as text and as JSON (golden files).
     * A saved plan is applied exactly, and refused once the enclave has changed.
     */
    @Test
    void thePlanOfAChangedProjectSaysEachChangeAndASavedPlanIsAppliedOnlyIfNothingChanged() throws Exception {
        Root r = freshRoot();
        r.reconciler().apply(DemoSpecs.spec("DEMO-2"));
        r.reconciler().apply(DemoSpecs.spec("DEMO-1"));
        String demo2 = DemoSpecs.yaml("DEMO-2")
                .replace("participants: [participant_id, sex, age_band, region, enrolled_on]",
                        "participants: [participant_id, sex, birth_year, age_band, region, enrolled_on]")
                .replace("lab_results: [participant_id, test_code, value, unit, measured_on]",
                        "lab_results: [participant_id, test_code, value, measured_on]")
                .replace("icd10: [F00, F01, F02, F03, G30]", "icd10: [F03, G30]")
                .replace("members:\n", "members:\n  - user: alice\n    role: analyst\n    affiliation: academic\n");
        Path changed = specFile("DEMO-2", demo2);
        Cli text = cli(concat(new String[] {"project", "plan", changed.toString()}, rootOptions(r)));
        assertThat(text.code()).as(text.err()).isZero();
        assertGolden("plan-DEMO-2-changed.txt", normalised(text.out(), r));
        Cli json = cli(concat(new String[] {"project", "plan", changed.toString(), "--format", "json"}, rootOptions(r)));
        assertThat(json.code()).as(json.err()).isZero();
        assertGolden("plan-DEMO-2-changed.json", normalised(json.out(), r));
        // a member leaves and the purpose becomes commercial: the consent filter on the industry member goes too
        String demo1 = DemoSpecs.yaml("DEMO-1").replace("commercial: false", "commercial: true")
                .replaceAll("(?s)  - user: kenji .*?affiliation: industry\n", "")
                .replace("  - {column: participants.birth_year, mask: DENY, members: industry}\n", "");
        Cli purpose = cli(concat(new String[] {"project", "plan", specFile("DEMO-1", demo1).toString()}, rootOptions(r)));
        assertThat(purpose.code()).as(purpose.err()).isZero();
        assertGolden("plan-DEMO-1-changed.txt", normalised(purpose.out(), r));

        // saved, then applied exactly; or refused once the enclave changed
        Path saved = tmp.resolve("demo-2-" + ROOTS.get() + ".plan");
        Cli save = cli(concat(new String[] {"project", "plan", changed.toString(), "--out", saved.toString()}, rootOptions(r)));
        assertThat(save.out()).contains("Saved to " + saved + ". Apply exactly this plan with: ./enclave project apply " + saved);
        // meanwhile someone applies another version of the project
        r.reconciler().apply(ProjectSpecParser.parse(DemoSpecs.yaml("DEMO-2").replace("end: 2029-05-31", "end: 2029-05-30"),
                "DEMO-2.yaml"));
        Cli stale = cli(concat(new String[] {"project", "apply", saved.toString()}, rootOptions(r)));
        assertThat(stale.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(stale.err()).isEqualTo("enclave project apply: " + saved + " was planned against an enclave that has changed since (the"
                + " project's state, its members or policies, the datasets, the opt-outs or the key): nothing was applied; plan again\n");
        assertThat(r.store().require("DEMO-2").spec().datasets().get("lab_results")).contains("unit");
        assertThat(cli(concat(new String[] {"project", "plan", changed.toString(), "--out", saved.toString()}, rootOptions(r))).code())
                .isZero();
        assertThat(java.nio.file.Files.getPosixFilePermissions(saved)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        // what a reviewer reads in the file is what is applied: an edited change list is refused
        String good = Files.readString(saved);
        Files.writeString(saved, good.replace("- column lab_results.unit", "~ nothing to see here"));
        Cli edited = cli(concat(new String[] {"project", "apply", saved.toString()}, rootOptions(r)));
        assertThat(edited.err()).isEqualTo("enclave project apply: " + saved + " does not show the plan it would apply (its changes,"
                + " summary or project were edited after it was made): nothing was applied; plan again\n");
        Files.writeString(saved, good);
        Cli applied = cli(concat(new String[] {"project", "apply", saved.toString()}, rootOptions(r)));
        assertThat(applied.code()).as(applied.err()).isZero();
        assertThat(r.store().require("DEMO-2").spec().datasets().get("lab_results")).doesNotContain("unit");
        assertThat(r.store().require("DEMO-2").spec().members()).extracting(jp.nmi.enclave.project.ProjectMember::user).contains("alice");
    }

    // ---- who the enclave's HDFS lets in -------------------------------------------------------

    @Test
    @Order(1000)
    void theRootIsListedByTheEnclaveAloneAndNoNewUserTakesTheNameOfAnHdfsAccount() throws Exception {
        org.apache.hadoop.fs.FileSystem fs = shared.storage().fs();
        assertThat(fs.getFileStatus(shared.storage().layout().root()).getPermission().toShort() & 0777)
                .as("others pass through to what their ACLs grant; they never list what the enclave holds").isEqualTo(0711);
        EnclaveStorage other = EnclaveStorage.connect(URI.create(hdfs.uri() + "/enclave-reserved-names"));
        DirectoryStore directory = new DirectoryStore(other);
        directory.write(List.of(new DirectoryUser("ops", List.of("operator"), null)));
        // a member named nobody would open the project to every principal of the realm (all are nobody on the enclave's HDFS)
        assertThatThrownBy(() -> directory.write(List.of(new DirectoryUser("ops", List.of("operator"), null),
                new DirectoryUser("nobody", List.of("analyst"), null))))
                .isInstanceOf(jp.nmi.enclave.error.ValidationException.class).hasMessageStartingWith("user 'nobody' is reserved");
        assertThat(directory.users()).extracting(DirectoryUser::user).as("nothing written").containsExactly("ops");
        // a directory that already holds one (written before the rule) still loads, and its other users can be changed
        jp.nmi.enclave.hdfs.HdfsFiles.writeAtomically(other, directory.file(), out -> out.write(("{\"format\":1,\"users\":["
                + "{\"user\":\"ops\",\"roles\":[\"operator\"]},{\"user\":\"spark\",\"roles\":[\"analyst\"]}]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(directory.users()).extracting(DirectoryUser::user).containsExactly("ops", "spark");
        directory.write(List.of(new DirectoryUser("ops", List.of("operator"), null)));
        assertThat(directory.users()).extracting(DirectoryUser::user).containsExactly("ops");
    }
}
