package jp.nmi.infra.zeppelin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.enclave.notebook.NotebookAccess;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The notebooks through the real Zeppelin server and its interpreter processes, over the demo
 * enclave: sign-in, what each member sees, projects kept apart, nothing but %enclave and %md,
 * Zeppelin's riskier endpoints closed, export to the outbox, membership followed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotebookIT {
    static NotebookEnclave e;
    static ZeppelinClient alice;
    static ZeppelinClient kenji;
    static ZeppelinClient bob;
    static String aliceNote;

    @BeforeAll
    static void start() {
        e = NotebookEnclave.get();
        alice = e.as("alice");
        kenji = e.as("kenji");
        bob = e.as("bob");
        aliceNote = alice.createNote("/DEMO-1/alice work", List.of("%enclave\ntables"));
    }

    @Test
    @Order(1)
    void signingInNeedsTheRightPasswordAndNothingOpensWithout() {
        ZeppelinClient anonymous = e.client();
        assertThat(anonymous.get("api/notebook").status()).isEqualTo(302);
        assertThat(anonymous.get("api/notebook/" + aliceNote).status()).isEqualTo(302);
        ZeppelinClient.Answer wrong = anonymous.login("alice", "not her password");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(anonymous.login("mallory", "x").status()).isEqualTo(403);
        ZeppelinClient.Answer me = alice.get("api/enclave/me");
        assertThat(me.payload().path("principal").asText()).isEqualTo("alice");
        assertThat(me.payload().path("projects").toString()).isEqualTo("[\"DEMO-1\"]");
        assertThat(bob.get("api/enclave/me").payload().path("projects").toString()).isEqualTo("[\"DEMO-2\"]");
    }

    @Test
    @Order(2)
    void eachMemberSeesTheColumnsTheirPoliciesAllow() {
        ZeppelinClient.Result tables = alice.run(aliceNote, alice.paragraphIds(aliceNote).get(0));
        assertThat(tables.code()).as(tables.text()).isEqualTo("SUCCESS");
        assertThat(tables.table().get(0)).containsExactly("table", "visible", "masked", "denied", "rows filtered", "owner");
        assertThat(tables.table()).extracting(row -> row.get(0)).contains("participants", "diagnoses", "genotypes");

        List<List<String>> aliceSees = alice.runText(aliceNote, "%enclave\ndescribe participants").table();
        assertThat(aliceSees).contains(List.of("birth_year", "int", "visible", ""), List.of("enrolled_on", "date", "masked",
                "MASK_DATE_SHOW_YEAR"));
        String kenjiNote = kenji.createNote("/DEMO-1/kenji work", List.of());
        List<List<String>> kenjiSees = kenji.runText(kenjiNote, "%enclave\ndescribe participants").table();
        assertThat(kenjiSees).contains(List.of("birth_year", "int", "denied", ""));
    }

    @Test
    @Order(3)
    void aliceAndKenjiShareOneInterpreterProcessEachWithTheirOwnRows() {
        String kenjiNote = kenji.createNote("/DEMO-1/kenji counts", List.of());
        String sql = "%enclave\nSELECT count(*) AS n, sum(CASE WHEN commercial_use_prohibited THEN 1 ELSE 0 END) AS prohibited"
                + " FROM participants";
        String ap = alice.addParagraph(aliceNote, sql);
        String kp = kenji.addParagraph(kenjiNote, sql);
        CompletableFuture<ZeppelinClient.Result> a = CompletableFuture.supplyAsync(() -> alice.run(aliceNote, ap));
        CompletableFuture<ZeppelinClient.Result> k = CompletableFuture.supplyAsync(() -> kenji.run(kenjiNote, kp));
        List<String> aliceRow = a.join().table().get(1);
        List<String> kenjiRow = k.join().table().get(1);
        assertThat(Long.parseLong(aliceRow.get(1))).as("alice sees the participants who prohibit commercial use").isPositive();
        assertThat(kenjiRow.get(1)).as("kenji, an industry member, never does").isEqualTo("0");
        assertThat(Long.parseLong(kenjiRow.get(0))).isEqualTo(Long.parseLong(aliceRow.get(0)) - Long.parseLong(aliceRow.get(1)));
        long processes = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("-Denclave.project=DEMO-1"))
                .count();
        assertThat(processes).as("one interpreter process serves the project").isEqualTo(1);
    }

    @Test
    @Order(3)
    void everyPortOfTheServerAndItsInterpretersIsOnLoopback() throws Exception {
        List<ProcessHandle> zeppelin = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
                .contains("org.apache.zeppelin.")).toList();
        assertThat(zeppelin).as("the server and at least one interpreter").hasSizeGreaterThanOrEqualTo(2);
        for (ProcessHandle p : zeppelin) {
            List<String> ports = Sockets.listening(p.pid());
            assertThat(ports).as(p.info().commandLine().orElse("")).isNotEmpty()
                    .allSatisfy(a -> assertThat(a).startsWith("127.0.0.1:"));
        }
    }

    @Test
    @Order(4)
    void denialsAndErrorsAreOneClearLineNeverAPlan() {
        String kenjiNote = kenji.createNote("/DEMO-1/kenji denied", List.of());
        ZeppelinClient.Result denied = kenji.runText(kenjiNote, "%enclave\nSELECT birth_year FROM participants");
        assertThat(denied.code()).isEqualTo("ERROR");
        assertThat(denied.text()).startsWith("Access denied: ").contains("birth_year").doesNotContain("\n").doesNotContain("Project [")
                .doesNotContain("Exception");
        ZeppelinClient.Result reflect = alice.runText(aliceNote, "%enclave\nSELECT reflect('java.lang.System', 'getenv', 'HOME')");
        assertThat(reflect.code()).isEqualTo("ERROR");
        assertThat(reflect.text()).startsWith("Access denied: ").contains("reflect");
        ZeppelinClient.Result typo = alice.runText(aliceNote, "%enclave\nSELECT nope FROM participants");
        assertThat(typo.code()).isEqualTo("ERROR");
        assertThat(typo.text()).contains("UNRESOLVED_COLUMN").doesNotContain("Project [");
        ZeppelinClient.Result bad = alice.runText(aliceNote, "%enclave\ncrosstab\nSELECT participant_id, sex FROM participants");
        assertThat(bad.code()).isEqualTo("ERROR");
        assertThat(bad.text()).isEqualTo("crosstab needs index=<column>[,<column>...] in 'crosstab'");
    }

    @Test
    @Order(5)
    void projectsAreApart() {
        ZeppelinClient.Answer open = bob.get("api/notebook/" + aliceNote);
        assertThat(open.status()).isEqualTo(404);
        assertThat(open.message()).isEqualTo("no note " + aliceNote + " for bob");
        assertThat(bob.post("api/notebook/run/" + aliceNote + "/" + alice.paragraphIds(aliceNote).get(0), null).status()).isEqualTo(404);
        ObjectNode note = ZeppelinClient.JSON.createObjectNode().put("name", "/DEMO-1/bob's");
        ZeppelinClient.Answer create = bob.post("api/notebook", note);
        assertThat(create.status()).isEqualTo(403);
        assertThat(create.message()).isEqualTo("bob is not a member of an active project DEMO-1");
        // bob's own project's session has no DEMO-1 tables, by any name
        String bobNote = bob.createNote("/DEMO-2/bob work", List.of());
        ZeppelinClient.Result other = bob.runText(bobNote, "%enclave\nSELECT count(*) FROM demo_1.participants");
        assertThat(other.code()).isEqualTo("ERROR");
        assertThat(other.text()).doesNotContain("demo_1.participants has");
        ZeppelinClient.Result own = bob.runText(bobNote, "%enclave\nSELECT count(*) FROM participants");
        assertThat(own.code()).as(own.text()).isEqualTo("SUCCESS");
        // a note outside any project folder runs nothing
        assertThat(alice.post("api/notebook", ZeppelinClient.JSON.createObjectNode().put("name", "/scratch")).message())
                .startsWith("a note lives in its project's folder");
        // names Zeppelin's storage would decode or walk out of its folder with
        for (String sneaky : List.of("/DEMO-1/alice/%2e%2e/%2e%2e/DEMO-2/x", "/DEMO-1/alice/../../DEMO-2/x", "/DEMO-1/./x",
                "/DEMO-1//x", "/DEMO-1/alice/x\\..\\y", "/DEMO-1/alice/x\u0000")) {
            ZeppelinClient.Answer a = alice.post("api/notebook", Map.of("name", sneaky));
            assertThat(a.status()).as(sneaky).isEqualTo(403);
            assertThat(a.message()).as(sneaky).startsWith("a note's name is /<PROJECT>/<name>: folders and name of letters");
            assertThat(alice.put("api/notebook/" + aliceNote + "/rename", Map.of("name", sneaky)).status()).as(sneaky).isEqualTo(403);
        }
        // and a note cannot leave its project's folder, where its results belong
        ZeppelinClient.Answer move = alice.put("api/notebook/" + aliceNote + "/rename", Map.of("name", "/DEMO-2/taken"));
        assertThat(move.status()).isEqualTo(403);
        assertThat(move.message()).isEqualTo("a note stays in its project's folder /DEMO-1/: its results are that project's");
        assertThat(alice.put("api/notebook/" + aliceNote + "/rename", Map.of("name", "/DEMO-1/alice renamed")).status()).isEqualTo(200);
        assertThat(alice.put("api/notebook/" + aliceNote + "/rename", Map.of("name", "/DEMO-1/alice/renamed")).status()).isEqualTo(200);
        // nobody takes names in another member's folder
        ZeppelinClient.Answer squat = alice.post("api/notebook", Map.of("name", "/DEMO-1/kenji/~workbench"));
        assertThat(squat.status()).isEqualTo(403);
        assertThat(squat.message()).isEqualTo("a note goes in /DEMO-1/ or in your own folder /DEMO-1/alice/, not in /DEMO-1/kenji/");
        assertThat(alice.put("api/notebook/" + aliceNote + "/rename", Map.of("name", "/DEMO-1/kenji/mine")).status()).isEqualTo(403);
        // the operators run the enclave; they do not read analysts' results
        ZeppelinClient ops = e.as("ops");
        assertThat(ops.get("api/notebook/" + aliceNote).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%spark\nsc.parallelize(1 to 3).count", "%python\nimport os", "%sh\nid", "%jdbc\nselect 1", "%conf\nSPARK_HOME=/x",
        "%DEMO-1.conf\nJAVA_TOOL_OPTIONS=-javaagent:/tmp/x.jar", "%DEMO-2\nSELECT 1", "%DEMO-2.enclave\nSELECT 1", "%enclave.conf\nx=1",
        "  %spark.pyspark\n1", "%enclave(lang=ja)\nSELECT 1", "%md.md\n# x"})
    @Order(6)
    void nothingButEnclaveAndMarkdownRuns(String text) {
        ZeppelinClient.Answer add = alice.post("api/notebook/" + aliceNote + "/paragraph", Map.of("text", text));
        assertThat(add.status()).as(add.body()).isEqualTo(403);
        assertThat(add.message()).contains("is not available in the enclave");
        String p = alice.paragraphIds(aliceNote).get(0);
        assertThat(alice.put("api/notebook/" + aliceNote + "/paragraph/" + p, Map.of("text", text)).status()).isEqualTo(403);
        ObjectNode note = ZeppelinClient.JSON.createObjectNode().put("name", "/DEMO-1/sneaky");
        note.putArray("paragraphs").addObject().put("text", text);
        assertThat(alice.post("api/notebook", note).status()).isEqualTo(403);
    }

    @Test
    @Order(7)
    void zeppelinsRiskierDoorsAreClosed() {
        assertThat(alice.get("ws").status()).isEqualTo(403);
        assertThat(alice.get("next/").status()).isEqualTo(404);
        // the second web root's API: Shiro sends the unknown session to sign in, and signing in there finds nothing
        assertThat(alice.get("next/api/notebook").status()).isIn(302, 404);
        assertThat(e.client().login("alice", e.passwords.get("alice")).status()).isEqualTo(200);
        assertThat(e.client().post("next/api/login", "userName=alice").status()).isIn(302, 404, 415);
        String everyone = "{\"owners\":[\"alice\"],\"readers\":[\"bob\"],\"runners\":[\"bob\"],\"writers\":[\"bob\"]}";
        ZeppelinClient.Answer share = alice.put("api/notebook/" + aliceNote + "/permissions", everyone);
        assertThat(share.status()).isEqualTo(403);
        assertThat(share.message()).isEqualTo("PUT /api/notebook/" + aliceNote + "/permissions is for the enclave's operators only");
        for (String path : List.of("api/notebook/export/" + aliceNote, "api/interpreter/setting", "api/configurations/all",
                "api/credential", "api/helium/package", "api/notebook/" + aliceNote + "/revision", "api/session")) {
            ZeppelinClient.Answer a = alice.get(path);
            assertThat(a.status()).as(path + ": " + a.body()).isEqualTo(403);
            assertThat(a.message()).isEqualTo("GET /" + path + " is for the enclave's operators only");
        }
        assertThat(alice.post("api/notebook/import", "{\"name\":\"/DEMO-1/imported\",\"paragraphs\":[]}").status()).isEqualTo(403);
        assertThat(alice.post("api/notebook/" + aliceNote, Map.of("name", "/DEMO-1/clone")).status()).isEqualTo(403);
        assertThat(alice.post("api/notebook/cron/" + aliceNote, Map.of("cron", "0 * * * * ?")).status()).isEqualTo(403);
        assertThat(alice.put("api/interpreter/setting/restart/DEMO-1", null).status()).isEqualTo(403);
        // a note's interpreter is its project's, whatever the request says
        ObjectNode note = ZeppelinClient.JSON.createObjectNode().put("name", "/DEMO-1/bound").put("defaultInterpreterGroup", "DEMO-2");
        String id = alice.post("api/notebook", note).payload().asText();
        assertThat(alice.get("api/notebook/" + id).payload().path("defaultInterpreterGroup").asText()).isEqualTo("DEMO-1");
        // Zeppelin's own failures reach the caller as one line, never its stack trace
        ZeppelinClient.Answer dup = alice.post("api/notebook", Map.of("name", "/DEMO-1/bound"));
        assertThat(dup.status()).isEqualTo(500);
        assertThat(dup.body()).doesNotContain("stacktrace").doesNotContain("at org.");
        assertThat(dup.message()).isEqualTo("Note '/DEMO-1/bound' existed");
        ObjectNode extra = ZeppelinClient.JSON.createObjectNode().put("name", "/DEMO-1/extra").put("config", "{}");
        assertThat(alice.post("api/notebook", extra).message()).startsWith("'config' is not a field the enclave accepts here");
        // encoded paths do not slip past the rules
        assertThat(alice.get("api/notebook/%2e%2e/interpreter/setting").status()).isEqualTo(400);
        assertThat(alice.get("api/notebook;x=1").status()).isEqualTo(400);
    }

    @Test
    @Order(7)
    void bodiesAreReadAsTheGuardReadThemAndNothingElseComesWithThem() {
        String p = alice.paragraphIds(aliceNote).get(0);
        String path = "api/notebook/" + aliceNote + "/paragraph/" + p;
        // a charset that reads the same bytes otherwise (Shift_JIS eats the backslash after 0x81) is refused
        byte[] smuggled = "{\"text\":\"a\u0401\\\",text:'%conf\\nx=1',x:z\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ZeppelinClient.Answer sjis = alice.send("PUT", path, smuggled, "application/json; charset=Shift_JIS", Map.of());
        assertThat(sjis.status()).isEqualTo(415);
        assertThat(sjis.message()).isEqualTo("the enclave takes JSON bodies only (Content-Type: application/json; charset UTF-8)");
        assertThat(alice.send("PUT", path, smuggled, "text/plain", Map.of()).status()).isEqualTo(415);
        assertThat(alice.send("PUT", path, "{\"text\":\"%enclave\\nSELECT 1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "application/json", Map.of("Content-Encoding", "gzip")).status()).isEqualTo(415);
        // text in any language arrives as written
        String japanese = "%enclave\n-- 乳がんコホートの年齢階級\nSELECT age_band, count(*) AS n FROM participants GROUP BY age_band";
        assertThat(alice.put(path, Map.of("text", japanese)).status()).isEqualTo(200);
        assertThat(alice.get(path).payload().path("text").asText()).isEqualTo(japanese);
        // no query parameters: ?sessionId= would start an interpreter process per value
        ZeppelinClient.Answer session = alice.post("api/notebook/run/" + aliceNote + "/" + p + "?sessionId=x1", null);
        assertThat(session.status()).isEqualTo(400);
        assertThat(session.message()).isEqualTo("the enclave takes no query parameters on Zeppelin's API");
        assertThat(alice.post("api/notebook/job/" + aliceNote + "?isolated=true", null).status()).isEqualTo(400);
        // a request from another site's page is refused
        ZeppelinClient.Answer cross = alice.send("POST", "api/notebook", "{\"name\":\"/DEMO-1/alice/x\"}".getBytes(
                java.nio.charset.StandardCharsets.UTF_8), "application/json", Map.of("Origin", "https://evil.example"));
        assertThat(cross.status()).isEqualTo(403);
        assertThat(cross.message()).isEqualTo("requests from another site are refused");
        // a run carries forms' params at most
        ZeppelinClient.Answer extra = alice.post("api/notebook/run/" + aliceNote + "/" + p, Map.of("params", Map.of(), "text", "%sh id"));
        assertThat(extra.status()).isEqualTo(403);
        assertThat(extra.message()).startsWith("'text' is not a field the enclave accepts here");
    }

    @Test
    @Order(7)
    void markdownIsTextAndNeverAWayOut() {
        ZeppelinClient.Result md = alice.runText(aliceNote, "%md\n## Notes\n%%% sequence\nA->B: cohort\n%%%\n<script>alert(1)</script>");
        assertThat(md.code()).isEqualTo("SUCCESS");
        assertThat(md.types()).containsExactly("HTML");
        assertThat(md.text()).contains("<h2>Notes</h2>").doesNotContain("websequencediagrams").doesNotContain("<script>");
    }

    @Test
    @Order(7)
    void passwordGuessingLocksTheAccountBeforeAnyPasswordIsHashed() {
        ZeppelinClient guesser = e.client();
        String account = "guessed-" + System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertThat(guesser.login(account, "guess" + i).status()).isEqualTo(403);
        }
        ZeppelinClient.Answer locked = guesser.login(account, "guess5");
        assertThat(locked.status()).isEqualTo(429);
        assertThat(locked.message()).startsWith("too many failed logins for this account; try again in ");
        // others sign in as before
        assertThat(e.client().login("bob", e.passwords.get("bob")).status()).isEqualTo(200);
    }

    @Test
    @Order(8)
    void aCrosstabShowsItsVerdictBeforeExportAndExportWritesTheRecord() throws Exception {
        String query = "SELECT p.participant_id, p.sex, p.region FROM participants p";
        ZeppelinClient.Result fine = alice.runText(aliceNote, "%enclave\ncrosstab index=sex\n" + query);
        assertThat(fine.code()).as(fine.text()).isEqualTo("SUCCESS");
        assertThat(fine.types()).containsExactly("TABLE", "TEXT");
        assertThat(fine.data().get(1)).startsWith("Disclosure check under acro: PASS");

        ZeppelinClient.Result fails = alice.runText(aliceNote, "%enclave\ncrosstab index=region columns=sex\n" + query);
        assertThat(fails.data().get(1)).startsWith("Disclosure check under acro: FAIL").contains("FAIL threshold")
                .contains("How to fix: Combine categories");
        assertThat(fails.table().stream().flatMap(List::stream).anyMatch(c -> c.endsWith(" ✖"))).as("flagged cells are marked").isTrue();

        ZeppelinClient.Result export = alice.runText(aliceNote, "%enclave\nexport region_by_sex.csv as \"Region by sex of the cohort\"");
        assertThat(export.code()).as(export.text()).isEqualTo("SUCCESS");
        assertThat(export.data().get(1)).startsWith("Exported region_by_sex.csv to the outbox of DEMO-1 with its signed record of checks"
                + " (FAIL under acro)").contains("/requests/new?project=DEMO-1&file=region_by_sex.csv&context=Region+by+sex+of+the+cohort");
        Path outbox = new Path("/enclave/projects/DEMO-1/outbox");
        // the enclave's file (it acts as no analyst on HDFS), its exporter recorded on it
        assertThat(new String(e.enclave.storage().fs().getXAttr(new Path(outbox, "region_by_sex.csv"),
                jp.nmi.enclave.output.OutputExporter.EXPORTER), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("alice");
        try (var in = e.enclave.storage().fs().open(new Path(outbox, ".disclosure/region_by_sex.csv.json"))) {
            OutputRecord record = OutputRecord.parse(in.readAllBytes());
            assertThat(record.createdBy()).isEqualTo("alice");
            assertThat(record.project()).isEqualTo("DEMO-1");
        }
        // only an output leaves: a plain query's rows cannot be exported
        ZeppelinClient.Result raw = kenji.runText(kenji.createNote("/DEMO-1/kenji export", List.of()), "%enclave\nexport rows.csv");
        assertThat(raw.code()).isEqualTo("ERROR");
        assertThat(raw.text()).startsWith("nothing to export: run an output command");
    }

    @Test
    @Order(8)
    void allelesFrequenciesAreAParagraphWithAChartAcrossStrataAndTheirProtections() {
        ZeppelinClient.Result af = alice.runText(aliceNote, "%enclave\naf by=age_band region=chr1:1-250000000");
        assertThat(af.code()).as(af.text()).isEqualTo("SUCCESS");
        assertThat(af.types()).containsExactly("TABLE", "TABLE", "TEXT");
        assertThat(af.table().get(0)).containsExactly("stratum", "variant_id", "chrom", "pos", "ref", "alt", "participants", "allele_count",
                "allele_number", "frequency", "hom_ref", "het", "hom_alt");
        assertThat(af.table().subList(1, af.table().size())).isNotEmpty().allSatisfy(r -> assertThat(r.get(0)).startsWith("age_band="));
        // the second table is the chart's: strata down, variants across
        assertThat(af.data().get(1)).startsWith("stratum\t1:");
        assertThat(af.data().get(2)).contains("You have used").contains("allele-frequency queries of this project;").endsWith("left.");
        ZeppelinClient.Result small = alice.runText(aliceNote, "%enclave\naf where=age_band=20-29,region=Shikoku,sex=M all");
        assertThat(small.code()).isEqualTo("ERROR");
        assertThat(small.text()).isEqualTo("Access denied: the stratum age_band=20-29,sex=M,region=Shikoku has fewer than 10 participants"
                + " (the project's disclosure profile): its frequencies would describe too few people");
        ZeppelinClient.Result wrong = alice.runText(aliceNote, "%enclave\naf where=age=60");
        assertThat(wrong.code()).isEqualTo("ERROR");
        assertThat(wrong.text()).isEqualTo("af: name the variants: variants=ID,ID, region=CHR:START-END or all");
    }

    /** Issue 17: a participant as a GA4GH Phenopacket, from what the member may see, and never an output. */
    @Test
    @Order(8)
    void aParticipantIsAPhenopacketOfWhatTheMemberMaySee() throws Exception {
        ZeppelinClient.Result ids = alice.runText(aliceNote, "%enclave\nSELECT d.participant_id FROM diagnoses d JOIN participants p"
                + " ON d.participant_id = p.participant_id WHERE d.icd10 LIKE 'C50%' AND p.commercial_use_prohibited = true"
                + " ORDER BY d.participant_id LIMIT 1");
        assertThat(ids.code()).as(ids.text()).isEqualTo("SUCCESS");
        String id = ids.table().get(1).get(0);
        ZeppelinClient.Result packet = alice.runText(aliceNote, "%enclave\nphenopacket " + id);
        assertThat(packet.code()).as(packet.text()).isEqualTo("SUCCESS");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(packet.data().get(0));
        assertThat(json.at("/subject/id").asText()).isEqualTo(id);
        assertThat(json.at("/subject/sex").asText()).isIn("FEMALE", "MALE");
        assertThat(json.at("/subject/timeAtLastEncounter/ageRange/start/iso8601duration").asText()).matches("P[0-9]+Y");
        assertThat(json.at("/diseases/0/term/id").asText()).startsWith("ICD10:");
        assertThat(json.get("diseases").findValuesAsText("id")).anySatisfy(c -> assertThat(c).startsWith("ICD10:C50"));
        assertThat(json.at("/metaData/phenopacketSchemaVersion").asText()).isEqualTo("2.0");
        assertThat(json.at("/metaData/submittedBy").asText()).isEqualTo("alice");
        // dates are as alice sees them: masked to the year
        assertThat(json.at("/diseases/0/onset/timestamp").asText()).matches("[0-9]{4}-01-01T00:00:00Z");
        assertThat(packet.data().get(1)).contains("not an output");
        // kenji (industry) does not see a participant whose consent prohibits commercial use: as if there were none
        ZeppelinClient.Result hidden = kenji.runText(kenji.createNote("/DEMO-1/kenji packets", List.of("%enclave\ntables")),
                "%enclave\nphenopacket " + id);
        assertThat(hidden.code()).isEqualTo("ERROR");
        assertThat(hidden.text()).isEqualTo("no participant " + id + " among those you may see in project DEMO-1");
        ZeppelinClient.Result bad = alice.runText(aliceNote, "%enclave\nphenopacket x' OR '1'='1");
        assertThat(bad.code()).isEqualTo("ERROR");
        assertThat(bad.text()).isEqualTo("phenopacket: name one participant: phenopacket PARTICIPANT_ID");
        ZeppelinClient.Result quoted = alice.runText(aliceNote, "%enclave\nphenopacket x'OR'1'='1");
        assertThat(quoted.text()).isEqualTo("phenopacket: 'x'OR'1'='1' is not a participant_id of this project (the hexadecimal pseudonym"
                + " its tables hold)");
    }

    @Test
    @Order(9)
    void aMemberRemovedFromTheProjectLosesItsNotesAndItsSession() throws Exception {
        String kenjiNote = kenji.createNote("/DEMO-1/kenji before", List.of("%enclave\nSELECT count(*) FROM participants"));
        String p = kenji.paragraphIds(kenjiNote).get(0);
        assertThat(kenji.run(kenjiNote, p).code()).isEqualTo("SUCCESS");
        e.removeMember("DEMO-1", "kenji");
        try {
            NotebookAccess.write(e.enclave.storage(), e.server.conf());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (kenji.get("api/notebook/" + kenjiNote).status() != 404 && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertThat(kenji.get("api/notebook/" + kenjiNote).status()).isEqualTo(404);
            assertThat(kenji.post("api/notebook/run/" + kenjiNote + "/" + p, null).status()).isEqualTo(404);
        } finally {
            e.restoreMembers("DEMO-1");
            NotebookAccess.write(e.enclave.storage(), e.server.conf());
        }
    }
}
