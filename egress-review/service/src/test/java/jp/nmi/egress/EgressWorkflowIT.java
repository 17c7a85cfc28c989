package jp.nmi.egress;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.APPROVER_TANAKA;
import static jp.nmi.enclave.testing.Personas.ANALYST_BOB;
import static jp.nmi.enclave.testing.Personas.ANALYST_KENJI;
import static jp.nmi.enclave.testing.Personas.OPERATOR_OPS;
import static jp.nmi.enclave.testing.Personas.STEWARD_SATO;
import static jp.nmi.enclave.testing.Personas.STEWARD_SUZUKI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.testing.EgressFixture;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectSpecParser;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The egress workflow through the REST API of a running service, on a real PostgreSQL and a real
 * HDFS: the transition matrix, separation of duties, release of exactly the reviewed bytes, and
 * bad input refused without a trace. Crash recovery and the audit chain have their own classes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EgressWorkflowIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger FILES = new AtomicInteger();
    static EgressFixture fx;
    static EgressFixture.Service svc;

    @BeforeAll
    static void start() {
        fx = EgressFixture.get();
        svc = fx.start(new EgressSettings(64 * 1024, 256 * 1024, 5));
    }

    @AfterAll
    static void stop() {
        if (svc != null) {
            svc.close();
        }
    }

    // ---------------------------------------------------------------- fixtures

    /** A safe table (every cell at least 10) written to the DEMO-1 outbox as alice, with its signed record. */
    static String safeOutput() {
        String name = "table-" + FILES.incrementAndGet() + ".csv";
        StringBuilder rows = new StringBuilder("participant_id,sex,region\n");
        for (int i = 0; i < 80; i++) {
            rows.append("p").append(FILES.get()).append('-').append(i).append(',').append(i % 2 == 0 ? "F" : "M").append(',')
                    .append(i % 4 < 2 ? "Kanto" : "Kinki").append('\n');
        }
        fx.writeCheckedOutput(ANALYST_ALICE, "DEMO-1", name, rows.toString(), "crosstab index=sex columns=region", false);
        return name;
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return json(r);
    }

    static String create(String user, String project, List<String> files) {
        HttpResponse<String> r = svc.call(user, "POST", "/api/requests", body(Map.of("project", project, "files", files,
                "context", "sex by region in the breast cancer cohort", "controls", "none needed: every cell at least 10")));
        JsonNode j = ok(r);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(j.get("status").asText()).isEqualTo("draft");
        return j.get("id").asText();
    }

    static String body(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String reviewAll(String id, String steward, String decision) {
        JsonNode r = ok(svc.call(steward, "GET", "/api/requests/" + id, null));
        Map<String, Object> files = new java.util.LinkedHashMap<>();
        for (JsonNode f : r.get("files")) {
            files.put(f.get("name").asText(), Map.of("decision", decision, "public_comment", decision.equals("approve") ? "" : "please round",
                    "private_comment", "checked by " + steward));
        }
        return svc.call(steward, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", files))).body();
    }

    static String status(String id) {
        return ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("status").asText();
    }

    /** A request of alice's in DEMO-1 brought to {@code status} through the API (airlock's createRequestAtStatus). */
    static String createRequestAtStatus(String status) {
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(safeOutput()));
        switch (status) {
            case "draft" -> { }
            case "withdrawn" -> ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/withdraw", null));
            default -> {
                ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
                if (!status.equals("submitted")) {
                    reviewAll(id, STEWARD_SATO, "approve");
                }
                if (!status.equals("submitted") && !status.equals("partially_reviewed")) {
                    reviewAll(id, STEWARD_SUZUKI, "approve");
                }
                switch (status) {
                    case "returned" -> ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/return", "{\"message\":\"add the margins\"}"));
                    case "rejected" -> ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reject", "{\"message\":\"not needed\"}"));
                    case "released" -> ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null));
                    case "approved" -> approveWithoutRelease(id);
                    default -> { }
                }
            }
        }
        assertThat(status(id)).isEqualTo(status);
        return id;
    }

    /** Approved with no release under way: a release whose staging fails is rolled back to exactly that. */
    static void approveWithoutRelease(String id) {
        fx.hooks.failAt(id, "staged", false);
        HttpResponse<String> r = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(json(r).get("message").asText()).isEqualTo("injected failure at staged");
        fx.hooks.clear(id);
    }

    // ---------------------------------------------------------------- the matrix

    static Stream<Arguments> matrix() {
        // from status -> (operation -> resulting status, or "!" + words of the refusal)
        Map<String, Map<String, String>> m = new java.util.LinkedHashMap<>();
        String notReview = "!files are reviewed while it is submitted, partially reviewed or reviewed";
        m.put("draft", Map.of("submit", "submitted", "withdraw", "withdrawn", "review", notReview,
                "release", "!is draft and cannot become released", "return", "!is draft and cannot become returned",
                "reject", "!is draft and cannot become rejected"));
        m.put("submitted", Map.of("submit", "!is submitted and cannot become submitted", "withdraw", "withdrawn",
                "review", "partially_reviewed", "release", "!is submitted and cannot become released",
                "return", "!is submitted and cannot become returned", "reject", "!is submitted and cannot become rejected"));
        m.put("partially_reviewed", Map.of("submit", "!is partially_reviewed and cannot become submitted", "withdraw", "withdrawn",
                "review", "reviewed", "release", "!is partially_reviewed and cannot become released",
                "return", "!is partially_reviewed and cannot become returned", "reject", "!is partially_reviewed and cannot become rejected"));
        m.put("reviewed", Map.of("submit", "!is reviewed and cannot become submitted", "withdraw", "withdrawn",
                "review", "reviewed", "release", "released", "return", "returned", "reject", "rejected"));
        m.put("approved", Map.of("submit", "!is approved and cannot become submitted", "withdraw", "!is approved and cannot become withdrawn",
                "review", notReview, "release", "released", "return", "!is approved and cannot become returned",
                "reject", "!is approved and cannot become rejected"));
        m.put("returned", Map.of("submit", "submitted", "withdraw", "withdrawn", "review", notReview,
                "release", "!is returned and cannot become released", "return", "!is returned and cannot become returned",
                "reject", "!is returned and cannot become rejected"));
        for (String terminal : List.of("rejected", "released", "withdrawn")) {
            m.put(terminal, Map.of("submit", "!" + terminal + " is final", "withdraw", "!" + terminal + " is final", "review", notReview,
                    "release", "!" + terminal + " is final", "return", "!" + terminal + " is final", "reject", "!" + terminal + " is final"));
        }
        List<Arguments> out = new ArrayList<>();
        m.forEach((from, ops) -> ops.forEach((op, result) -> out.add(Arguments.of(from, op, result))));
        return out.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("matrix")
    void everyOperationInEveryStateIsAllowedOrRefusedWithAMessage(String from, String op, String expected) {
        String id = createRequestAtStatus(from);
        HttpResponse<String> r = switch (op) {
            case "submit" -> svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null);
            case "withdraw" -> svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/withdraw", null);
            case "review" -> {
                JsonNode cur = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null));
                String steward = cur.get("reviewers").size() == 1 ? STEWARD_SUZUKI : STEWARD_SATO;
                Map<String, Object> files = new java.util.LinkedHashMap<>();
                cur.get("files").forEach(f -> files.put(f.get("name").asText(), Map.of("decision", "approve")));
                yield svc.call(steward, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", files)));
            }
            case "release" -> svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null);
            case "return" -> svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/return", "{\"message\":\"see comments\"}");
            case "reject" -> svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reject", "{\"message\":\"no\"}");
            default -> throw new IllegalArgumentException(op);
        };
        if (expected.startsWith("!")) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(json(r).get("error").asText()).isEqualTo("invalid_state");
            assertThat(json(r).get("message").asText()).contains(expected.substring(1));
            assertThat(status(id)).as("a refused move changes nothing").isEqualTo(from);
        } else {
            assertThat(ok(r).get("status").asText()).isEqualTo(expected);
            assertThat(status(id)).isEqualTo(expected);
        }
    }

    // ---------------------------------------------------------------- the public data-use register

    @Test
    void everyReleaseIsOnThePublicRegisterServedWithoutSigningIn() throws Exception {
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(safeOutput()));
        // the public description: the author's, at most 300 characters, seen by the stewards with the outputs
        HttpResponse<String> tooLong = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/public-description",
                body(Map.of("public_description", "x".repeat(301))));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(json(tooLong).get("message").asText()).isEqualTo("public_description is 301 characters; at most 300 are allowed"
                + " (a line or two for the public register)");
        HttpResponse<String> sato = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/public-description",
                body(Map.of("public_description", "a steward's words")));
        assertThat(sato.statusCode()).isEqualTo(403);
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/public-description",
                body(Map.of("public_description", "Sex by region among breast cancer patients"))));
        assertThat(ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).get("public_description").asText())
                .isEqualTo("Sex by region among breast cancer patients");
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        reviewAll(id, STEWARD_SATO, "approve");
        reviewAll(id, STEWARD_SUZUKI, "approve");
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null));
        // once submitted it is reviewed as it is: no changing it afterwards
        assertThat(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/public-description",
                body(Map.of("public_description", "something else"))).statusCode()).isEqualTo(409);
        java.net.http.HttpClient anonymous = java.net.http.HttpClient.newHttpClient();
        HttpResponse<String> feed = anonymous.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/register/register.json")))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(feed.statusCode()).as(feed.body()).isEqualTo(200);
        assertThat(feed.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode demo1 = null;
        for (JsonNode p : json(feed).get("projects")) {
            if (p.get("id").asText().equals("DEMO-1")) {
                demo1 = p;
            }
        }
        assertThat(demo1).as(feed.body()).isNotNull();
        assertThat(demo1.get("title").asText()).isEqualTo(jp.nmi.enclave.demo.DemoSpecs.spec("DEMO-1").title());
        // this release is there, with its description as the stewards reviewed it; the count is every release of DEMO-1
        assertThat(demo1.get("outputsReleased").asInt()).isEqualTo(demo1.get("outputs").size()).isPositive();
        // the public description only: the context is the stewards' ("which cohort they describe"), never published
        assertThat(feed.body()).contains("Sex by region among breast cancer patients")
                .doesNotContain("sex by region in the breast cancer cohort").doesNotContain(ANALYST_ALICE)
                .doesNotContain(STEWARD_SATO).doesNotContain(id);
        // the page in the reader's language; nothing else of the directory is served
        HttpResponse<String> page = anonymous.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/register")))
                .header("Accept-Language", "ja").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location").orElse("")).endsWith("/register/register.ja.html");
        for (String hidden : List.of("projects.json", "releases.json", "..%2Fdatasets%2F_registry.json")) {
            HttpResponse<String> r = anonymous.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/register/" + hidden)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(hidden).isIn(400, 404);
        }
    }

    // ---------------------------------------------------------------- separation of duties

    @Order(2)
    @Test
    void analystsCannotReviewAndOperatorsCannotApprove() {
        String id = createRequestAtStatus("submitted");
        String name = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("files").get(0).get("name").asText();
        String review = body(Map.of("files", Map.of(name, Map.of("decision", "approve"))));
        HttpResponse<String> kenji = svc.call(ANALYST_KENJI, "POST", "/api/requests/" + id + "/reviews", review);
        assertThat(kenji.statusCode()).isEqualTo(403);
        assertThat(json(kenji).get("message").asText())
                .isEqualTo("Access denied: kenji is not a steward: only stewards review, return, reject and release exports");
        // operators do not even see requests: to them, they do not exist
        HttpResponse<String> ops = svc.call(OPERATOR_OPS, "POST", "/api/requests/" + id + "/reviews", review);
        assertThat(ops.statusCode()).isEqualTo(404);
        assertThat(json(ops).get("message").asText()).isEqualTo("no export request " + id);
        reviewAll(id, STEWARD_SATO, "approve");
        reviewAll(id, STEWARD_SUZUKI, "approve");
        HttpResponse<String> opsRelease = svc.call(OPERATOR_OPS, "POST", "/api/requests/" + id + "/release", null);
        assertThat(opsRelease.statusCode()).isEqualTo(404);
        assertThat(status(id)).isEqualTo("reviewed");
    }

    @Order(3)
    @Test
    void oneStewardReviewingTwiceIsStillOneReview() {
        String id = createRequestAtStatus("submitted");
        reviewAll(id, STEWARD_SATO, "approve");
        reviewAll(id, STEWARD_SATO, "approve");
        assertThat(status(id)).isEqualTo("partially_reviewed");
        HttpResponse<String> r = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null);
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(json(r).get("message").asText()).contains("is partially_reviewed and cannot become released");
    }

    @Order(4)
    @Test
    void aStewardWhoIsAMemberOfTheProjectCannotReviewIt() {
        // A project in which the steward sato is also a member (an analyst role in the spec).
        String yaml = DemoSpecs.yaml("DEMO-1").replace("id: DEMO-1", "id: EGRESS-SOD")
                .replace("  - user: kenji ", "  - user: sato\n    role: analyst\n    affiliation: academic\n  - user: kenji ");
        KeyStoreFile keys = KeyStoreFile.openOrCreate(KeyStoreFile.embeddedPath(fx.dir));
        new ProjectReconciler(fx.storage, keys, PolicyPublisher.file(fx.dir.resolve("policies.json")),
                new FileAuditLog(fx.dir.resolve("audit.jsonl")), OPERATOR_OPS, java.time.Clock.systemUTC(), Progress.NONE)
                .apply(ProjectSpecParser.parse(yaml, "EGRESS-SOD.yaml"));
        fx.writeOutbox(ANALYST_ALICE, "EGRESS-SOD", "counts.csv", "sex,count\nF,40\nM,30\n".getBytes(StandardCharsets.UTF_8));
        String id = create(ANALYST_ALICE, "EGRESS-SOD", List.of("counts.csv"));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        HttpResponse<String> sato = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews",
                body(Map.of("files", Map.of("counts.csv", Map.of("decision", "approve", "private_comment", "fine")))));
        assertThat(sato.statusCode()).isEqualTo(403);
        assertThat(json(sato).get("message").asText()).isEqualTo("Access denied: sato is a member of EGRESS-SOD and cannot review its exports");
        // nor is it in her queue, nor can she export from it (she is no analyst)
        assertThat(ok(svc.call(STEWARD_SATO, "GET", "/api/queue", null)).findValuesAsText("id")).doesNotContain(id);
        HttpResponse<String> create = svc.call(STEWARD_SATO, "POST", "/api/requests", body(Map.of("project", "EGRESS-SOD",
                "files", List.of("counts.csv"), "context", "x", "controls", "y")));
        assertThat(create.statusCode()).isEqualTo(403);
        assertThat(json(create).get("message").asText()).contains("sato is not an analyst of project EGRESS-SOD");
    }

    @Order(5)
    @Test
    void otherProjectsRequestsAreInvisible() {
        String id = createRequestAtStatus("submitted");
        // to someone who may not see it, a request does not exist: request numbers reveal nothing
        HttpResponse<String> bob = svc.call(ANALYST_BOB, "GET", "/api/requests/" + id, null);
        assertThat(bob.statusCode()).isEqualTo(404);
        assertThat(json(bob).get("message").asText()).isEqualTo("no export request " + id);
        assertThat(json(svc.call(ANALYST_BOB, "GET", "/api/requests/R-999999", null)).get("message").asText())
                .isEqualTo("no export request R-999999");
        assertThat(ok(svc.call(ANALYST_BOB, "GET", "/api/requests", null)).findValuesAsText("id")).doesNotContain(id);
        HttpResponse<String> outbox = svc.call(ANALYST_BOB, "GET", "/api/projects/DEMO-1/outbox", null);
        assertThat(outbox.statusCode()).isEqualTo(403);
    }

    @Order(6)
    @Test
    void conflictingReviewsBlockReleaseUntilResolved() {
        String id = createRequestAtStatus("partially_reviewed");
        reviewAll(id, STEWARD_SUZUKI, "changes");
        assertThat(status(id)).isEqualTo("reviewed");
        JsonNode r = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null));
        assertThat(r.get("files").get(0).get("decision").asText()).isEqualTo("conflicted");
        assertThat(r.get("actions").toString()).doesNotContain("release").contains("return");
        assertThat(r.get("unavailable").get("release").asText()).startsWith("every file needs the approval of both stewards (or a settled conflict): ")
                .contains(" is conflicted");
        HttpResponse<String> rel = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null);
        assertThat(rel.statusCode()).isEqualTo(409);
        assertThat(json(rel).get("message").asText()).contains("every file needs the approval of two stewards").contains("(conflicted)");
        // while the stewards have not concluded the round, the analyst sees none of its reviews
        JsonNode mine = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(mine.toString()).doesNotContain("please round").doesNotContain("checked by suzuki");
        assertThat(mine.get("files").get(0).get("decision").asText()).isEqualTo("incomplete");
        assertThat(r.toString()).contains("checked by suzuki");
        // resolving: suzuki changes her mind, and release goes through
        reviewAll(id, STEWARD_SUZUKI, "approve");
        assertThat(ok(svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/release", null)).get("status").asText()).isEqualTo("released");
        // concluded: the analyst reads the comments to the author, never the stewards-only notes
        JsonNode released = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(released.toString()).contains("\"reviewer\":\"suzuki\"").doesNotContain("checked by");
    }

    // ---------------------------------------------------------------- release

    @Order(7)
    @Test
    void releasedBytesAreTheReviewedBytesWhateverHappensToTheOutbox() throws Exception {
        String name = safeOutput();
        byte[] original = fx.readOutbox("DEMO-1", name);
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(name));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        // quarantined under /enclave/egress/quarantine/<request>/<sha256>, for the egress service's eyes only
        String sha = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("files").get(0).get("sha256").asText();
        String quarantined = "/enclave/egress/quarantine/" + id + "/" + sha;
        assertThat(EgressStore.sha256(fx.readAs(EgressStore.USER, quarantined))).isEqualTo(sha);
        assertThatThrownBy(() -> fx.readAs(ANALYST_ALICE, quarantined)).isInstanceOf(org.apache.hadoop.security.AccessControlException.class)
                .hasMessageContaining("Permission denied: user=alice");
        // the analyst changes the file after submitting: the quarantined copy is what is reviewed and released
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", name, "sex,count\nF,1\nM,2\n".getBytes(StandardCharsets.UTF_8));
        reviewAll(id, STEWARD_SATO, "approve");
        reviewAll(id, STEWARD_SUZUKI, "approve");
        HttpResponse<byte[]> early = svc.download(ANALYST_ALICE, "/api/requests/" + id + "/files/" + name);
        assertThat(early.statusCode()).isEqualTo(403);
        assertThat(new String(early.body(), StandardCharsets.UTF_8)).contains("only released files can be downloaded");
        ok(svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/release", null));
        HttpResponse<byte[]> d = svc.download(ANALYST_ALICE, "/api/requests/" + id + "/files/" + name);
        assertThat(d.statusCode()).isEqualTo(200);
        assertThat(d.body()).isEqualTo(original);
        String reviewed = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("files").get(0).get("sha256").asText();
        assertThat(EgressStore.sha256(d.body())).isEqualTo(reviewed);
        assertThat(d.headers().firstValue("X-Content-SHA256")).contains(reviewed);
        // kenji, also of DEMO-1, may download; bob and the stewards may not
        assertThat(svc.download(ANALYST_KENJI, "/api/requests/" + id + "/files/" + name).statusCode()).isEqualTo(200);
        assertThat(svc.download(ANALYST_BOB, "/api/requests/" + id + "/files/" + name).statusCode()).isEqualTo(404);
        assertThat(svc.download(STEWARD_SATO, "/api/requests/" + id + "/files/" + name).statusCode()).isEqualTo(403);
        // every download is audited
        try (Connection c = fx.db.dataSource().getConnection(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT actor FROM audit_event WHERE action = 'file.download' AND details LIKE '%" + id + "%'"
                        + " ORDER BY seq")) {
            List<String> who = new ArrayList<>();
            while (rs.next()) {
                who.add(rs.getString(1));
            }
            assertThat(who).containsExactly(ANALYST_ALICE, ANALYST_KENJI);
        }
        assertThat(fx.isPending("DEMO-1", id)).as("released: no longer pending for project closure").isFalse();
    }

    // ---------------------------------------------------------------- bad input

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("traversal", Map.of("project", "DEMO-1", "files", List.of("../DEMO-2/outbox/x.csv"), "context", "c", "controls", "c"),
                        400, "contains a path separator"),
                Arguments.of("hidden metadata", Map.of("project", "DEMO-1", "files", List.of(".disclosure"), "context", "c", "controls", "c"),
                        400, "starts with a dot"),
                Arguments.of("look-alike", Map.of("project", "DEMO-1", "files", List.of("table.\u0441sv"), "context", "c", "controls", "c"),
                        400, "U+0441 CYRILLIC SMALL LETTER ES"),
                Arguments.of("disallowed type", Map.of("project", "DEMO-1", "files", List.of("data.parquet"), "context", "c", "controls", "c"),
                        400, ".parquet files may not leave the enclave"),
                Arguments.of("oversize", Map.of("project", "DEMO-1", "files", List.of("big.csv"), "context", "c", "controls", "c"),
                        400, "more than the limit of 65536 bytes per file"),
                Arguments.of("missing file", Map.of("project", "DEMO-1", "files", List.of("nothing-here.csv"), "context", "c", "controls", "c"),
                        400, "'nothing-here.csv' is not in the outbox of DEMO-1"),
                Arguments.of("empty request", Map.of("project", "DEMO-1", "files", List.of(), "context", "c", "controls", "c"),
                        400, "a request needs at least one file"),
                Arguments.of("unknown project", Map.of("project", "DEMO-9", "files", List.of("x.csv"), "context", "c", "controls", "c"),
                        400, "unknown project 'DEMO-9'"),
                Arguments.of("no context", Map.of("project", "DEMO-1", "files", List.of("ok.csv"), "context", " ", "controls", "c"),
                        400, "context is missing"),
                Arguments.of("too many files", Map.of("project", "DEMO-1", "files", List.of("a.csv", "b.csv", "c.csv", "d.csv", "e.csv",
                        "f.csv"), "context", "c", "controls", "c"), 400, "6 files in one request; at most 5"),
                Arguments.of("duplicate", Map.of("project", "DEMO-1", "files", List.of("ok.csv", "ok.csv"), "context", "c", "controls", "c"),
                        400, "'ok.csv' is named twice"),
                Arguments.of("other project", Map.of("project", "DEMO-2", "files", List.of("ok.csv"), "context", "c", "controls", "c"),
                        403, "alice is not an analyst of project DEMO-2"));
    }

    @Order(8)
    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInputIsRefusedWithAClearMessageAndChangesNothing(String what, Map<String, Object> request, int code, String message)
            throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "ok.csv", "sex,count\nF,40\nM,30\n".getBytes(StandardCharsets.UTF_8));
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "data.parquet", "PAR1".getBytes(StandardCharsets.UTF_8));
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "big.csv", ("x\n" + "1\n".repeat(40_000)).getBytes(StandardCharsets.UTF_8));
        EgressFixture.Snapshot before = fx.snapshot();
        HttpResponse<String> r = svc.call(ANALYST_ALICE, "POST", "/api/requests", body(request));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        assertThat(json(r).get("message").asText()).contains(message);
        assertThat(fx.snapshot()).as("nothing written: no request, no quarantined file, no audit event").isEqualTo(before);
    }

    @Order(9)
    @Test
    void malformedAndMisspeltBodiesAreRefused() {
        HttpResponse<String> r = svc.call(ANALYST_ALICE, "POST", "/api/requests", "{\"project\":\"DEMO-1\",\"file\":[\"ok.csv\"]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("message").asText()).isEqualTo("the request body is not valid JSON of the expected shape");
        HttpResponse<String> anon = svc.call("nobody", "GET", "/api/requests", null);
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(json(anon).get("error").asText()).isEqualTo("unauthenticated");
        // no Basic challenge: browsers never prompt for, cache and replay API credentials
        assertThat(anon.headers().firstValue("WWW-Authenticate")).isEmpty();
    }

    // ---------------------------------------------------------------- checks at the egress

    @Order(10)
    @Test
    void outputsWithAValidRecordKeepTheirChecksAndAreDifferencedAgainstReleases() {
        // Release a table of 80 participants by sex; then a table of the same people but two: differs by 2 < 10.
        StringBuilder a = new StringBuilder("participant_id,sex\n");
        StringBuilder b = new StringBuilder("participant_id,sex\n");
        for (int i = 0; i < 80; i++) {
            a.append("d").append(i).append(',').append(i < 40 ? "F" : "M").append('\n');
            if (i != 3 && i != 5) {
                b.append("d").append(i).append(',').append(i < 40 ? "F" : "M").append('\n');
            }
        }
        fx.writeCheckedOutput(ANALYST_ALICE, "DEMO-1", "sex-all.csv", a.toString(), "crosstab index=sex", false);
        String first = create(ANALYST_ALICE, "DEMO-1", List.of("sex-all.csv"));
        JsonNode f = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + first, null)).get("files").get(0);
        assertThat(f.get("metadata").asText()).isEqualTo("verified");
        assertThat(f.get("check").asText()).isEqualTo("pass");
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + first + "/submit", null));
        reviewAll(first, STEWARD_SATO, "approve");
        reviewAll(first, STEWARD_SUZUKI, "approve");
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + first + "/release", null));

        fx.writeCheckedOutput(ANALYST_ALICE, "DEMO-1", "sex-most.csv", b.toString(), "crosstab index=sex", false);
        String second = create(ANALYST_ALICE, "DEMO-1", List.of("sex-most.csv"));
        JsonNode g = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + second, null)).get("files").get(0);
        assertThat(g.get("check").asText()).isEqualTo("fail");
        JsonNode differencing = null;
        for (JsonNode c : g.get("checks").get("checks")) {
            if (c.get("rule").asText().equals("differencing")) {
                differencing = c;
            }
        }
        assertThat(differencing).isNotNull();
        assertThat(differencing.get("status").asText()).isEqualTo("fail");
        assertThat(differencing.get("detail").asText()).contains("differs by 2 contributor(s) from cell F x count of " + first
                + " sex-all.csv");

        // A record that does not match the file (the analyst edited the CSV afterwards) is ignored: manual review.
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "sex-all.csv", "index,count\nF,40\nM,41\n".getBytes(StandardCharsets.UTF_8));
        String third = create(ANALYST_ALICE, "DEMO-1", List.of("sex-all.csv"));
        JsonNode h = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + third, null)).get("files").get(0);
        assertThat(h.get("metadata").asText()).isEqualTo("invalid");
        assertThat(h.get("checks").toString()).contains("the file was changed after it was checked").contains("manual_review");
        assertThat(h.get("check").asText()).isEqualTo("review");
    }

    @Order(11)
    @Test
    void filesWithoutARecordAreCheckedAsFarAsPossibleAndGoToManualReview() {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "plot.png", png());
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "small.csv", "sex,count\nF,120\nM,4\n".getBytes(StandardCharsets.UTF_8));
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "hidden.txt", "all cells above 10\u200B\u200C\u200B".getBytes(StandardCharsets.UTF_8));
        String id = create(ANALYST_ALICE, "DEMO-1", List.of("plot.png", "small.csv", "hidden.txt"));
        JsonNode files = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("files");
        JsonNode hidden = files.get(0);
        JsonNode png = files.get(1);
        JsonNode csv = files.get(2);
        assertThat(hidden.get("name").asText()).isEqualTo("hidden.txt");
        assertThat(hidden.get("check").asText()).isEqualTo("fail");
        assertThat(hidden.get("checks").toString()).contains("contains 3 invisible or control character(s) (first: U+200B ZERO WIDTH SPACE");
        assertThat(png.get("name").asText()).isEqualTo("plot.png");
        assertThat(png.get("check").asText()).isEqualTo("review");
        assertThat(png.get("checks").toString()).contains("it is an image: no automatic check reads the numbers a picture shows");
        assertThat(csv.get("check").asText()).isEqualTo("fail");
        assertThat(csv.get("checks").toString()).contains("\"cells\":[[1,1]]").contains("between 1 and 9");
    }

    // ---------------------------------------------------------------- restart

    @Order(12)
    @Test
    void aRestartedServiceKeepsEveryRequest() {
        String id = createRequestAtStatus("partially_reviewed");
        svc.close();
        svc = fx.start(new EgressSettings(64 * 1024, 256 * 1024, 5));
        JsonNode r = ok(svc.call(STEWARD_SUZUKI, "GET", "/api/requests/" + id, null));
        assertThat(r.get("status").asText()).isEqualTo("partially_reviewed");
        assertThat(r.get("reviewers").toString()).isEqualTo("[\"sato\"]");
        reviewAll(id, STEWARD_SUZUKI, "approve");
        assertThat(status(id)).isEqualTo("reviewed");
    }

    @Order(13)
    @Test
    void webFormsNeedTheCsrfTokenAndPagesCarrySecureHeaders() throws Exception {
        String id = createRequestAtStatus("draft");
        var cookies = new java.net.CookieManager();
        var http = java.net.http.HttpClient.newBuilder().cookieHandler(cookies).followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        var login = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/login"))).build(),
                HttpResponse.BodyHandlers.ofString());
        var m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(login.body());
        assertThat(m.find()).as("the login form carries a CSRF token").isTrue();
        String token = m.group(1);
        String form = "username=alice&password=" + java.net.URLEncoder.encode(fx.passwords.get(ANALYST_ALICE), StandardCharsets.UTF_8)
                + "&_csrf=" + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8);
        var loggedIn = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/login")))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString(form))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(loggedIn.statusCode()).isEqualTo(302);
        assertThat(loggedIn.headers().firstValue("Location").orElse("")).doesNotContain("error");
        // a forged form post (no token) from the logged-in browser is refused, and changes nothing
        var forged = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/requests/" + id + "/withdraw")))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString(""))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(status(id)).isEqualTo("draft");
        var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/requests/" + id))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains(id).contains("Submit for review");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'")
                .contains("frame-ancestors 'none'");
        assertThat(page.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(page.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        assertThat(page.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
        var cookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("ENCLAVE_EGRESS_SESSION=")).findFirst().orElse("");
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
    }

    @Order(14)
    @Test
    void theApiIsDescribedAsOpenApi() {
        JsonNode doc = ok(svc.call(ANALYST_ALICE, "GET", "/api/openapi.json", null));
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        JsonNode paths = doc.get("paths");
        Map<String, List<String>> expected = Map.of(
                "/api/requests", List.of("get", "post"),
                "/api/requests/{id}", List.of("get"),
                "/api/requests/{id}/submit", List.of("post"),
                "/api/requests/{id}/reviews", List.of("post"),
                "/api/requests/{id}/return", List.of("post"),
                "/api/requests/{id}/description", List.of("post"),
                "/api/requests/{id}/withdraw", List.of("post"),
                "/api/requests/{id}/release", List.of("post"),
                "/api/requests/{id}/files/{name}", List.of("get"),
                "/api/audit/verify", List.of("get"));
        expected.forEach((path, methods) -> {
            assertThat(paths.has(path)).as(path).isTrue();
            methods.forEach(m -> assertThat(paths.get(path).has(m)).as(m + " " + path).isTrue());
        });
    }

    static byte[] png() {
        try {
            var img = new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB);
            var out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Order(15)
    @Test
    void onlyTheReviewingStewardsSeeTheContentsOfUnreleasedFiles() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "chart.png", png());
        String id = create(ANALYST_ALICE, "DEMO-1", List.of("chart.png"));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        var alice = webSession(ANALYST_ALICE);
        var preview = alice.get("/requests/" + id + "/files/chart.png/preview");
        assertThat(preview.statusCode()).isEqualTo(403);
        assertThat(preview.body()).contains("alice may not see the contents of " + id + " before it is released");
        var page = alice.get("/requests/" + id);
        assertThat(page.body()).contains("shown to the reviewing stewards only").doesNotContain("/preview");
        var sato = webSession(STEWARD_SATO);
        var stewardPreview = sato.get("/requests/" + id + "/files/chart.png/preview");
        assertThat(stewardPreview.statusCode()).isEqualTo(200);
        assertThat(stewardPreview.headers().firstValue("Content-Security-Policy").orElse("")).contains("sandbox");
        assertThat(sato.get("/requests/" + id).body()).contains("/requests/" + id + "/files/chart.png/preview");
    }

    @Order(17)
    @Test
    void aClosedProjectsRequestsAreFrozen() throws Exception {
        fx.writeOutbox(ANALYST_BOB, "DEMO-2", "frozen.csv", "sex,count\nF,40\nM,30\n".getBytes(StandardCharsets.UTF_8));
        String id = create(ANALYST_BOB, "DEMO-2", List.of("frozen.csv"));
        ok(svc.call(ANALYST_BOB, "POST", "/api/requests/" + id + "/submit", null));
        var store = new jp.nmi.enclave.project.ProjectStore(fx.storage);
        var spec = jp.nmi.enclave.demo.DemoSpecs.spec("DEMO-2");
        // closure rewrites the member list as closed (and keeps it, for the record)
        var open = jp.nmi.enclave.project.ProjectReconciler.members(spec, jp.nmi.enclave.project.ProjectState.CLOSED);
        store.writeMembers(open.closed("2026-11-30T01:00:00Z"));
        try {
            HttpResponse<String> review = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews",
                    "{\"files\":{\"frozen.csv\":{\"decision\":\"approve\"}}}");
            assertThat(review.statusCode()).as(review.body()).isEqualTo(403);
            assertThat(json(review).get("message").asText())
                    .isEqualTo("Access denied: project DEMO-2 is closed (or has no member list): its requests can no longer be reviewed or"
                            + " released");
            // its author still sees what became of it, frozen, and is offered nothing
            JsonNode frozen = ok(svc.call(ANALYST_BOB, "GET", "/api/requests/" + id, null));
            assertThat(frozen.get("frozen").asText()).isEqualTo("frozen: project DEMO-2 closed on 2026-11-30");
            assertThat(frozen.get("actions")).isEmpty();
            HttpResponse<String> withdraw = svc.call(ANALYST_BOB, "POST", "/api/requests/" + id + "/withdraw", null);
            assertThat(withdraw.statusCode()).isEqualTo(403);
            assertThat(json(withdraw).get("message").asText()).contains(id + " is frozen: project DEMO-2 closed on 2026-11-30: nothing can"
                    + " be done with it any more");
            // so do the stewards, read-only: no "not found", no action, no contents
            JsonNode steward = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null));
            assertThat(steward.get("frozen").asText()).startsWith("frozen: project DEMO-2 closed on");
            assertThat(steward.get("actions")).isEmpty();
            var sato = webSession(STEWARD_SATO);
            var page = sato.get("/requests/" + id);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("id=\"frozen\"").contains("frozen: project DEMO-2 closed on 2026-11-30")
                    .doesNotContain("id=\"review-form\"").doesNotContain("id=\"withdraw\"");
            assertThat(sato.get("/requests/" + id + "/files/frozen.csv/preview").statusCode()).isEqualTo(403);
            JsonNode queue = ok(svc.call(STEWARD_SATO, "GET", "/api/queue", null));
            assertThat(queue.findValuesAsText("id")).doesNotContain(id);
            // recovery at a restart does not mark it pending again (closure removed the marks with the project's data)
            fx.storage.fs().delete(fx.storage.layout().pendingExports("DEMO-2"), true);
            svc.bean(jp.nmi.egress.request.Releases.class).recover();
            assertThat(fx.isPending("DEMO-2", id)).isFalse();
        } finally {
            store.writeMembers(jp.nmi.enclave.project.ProjectReconciler.members(spec, jp.nmi.enclave.project.ProjectState.ACTIVE));
        }
        // open again (in this test only): the request can be reviewed
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews", "{\"files\":{\"frozen.csv\":{\"decision\":\"approve\"}}}"));
    }

    @Order(16)
    @Test
    void textIsShownAsTextAndTheQueueIsOldestFirst() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "notes.md", "# Method\n<script>alert(1)</script> & <b>bold</b>\n"
                .getBytes(StandardCharsets.UTF_8));
        String first = create(ANALYST_ALICE, "DEMO-1", List.of("notes.md"));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + first + "/submit", null));
        String second = create(ANALYST_KENJI, "DEMO-1", List.of("notes.md"));
        ok(svc.call(ANALYST_KENJI, "POST", "/api/requests/" + second + "/submit", null));

        // the steward sees the text escaped, inside <pre>: never rendered as HTML
        String page = webSession(STEWARD_SATO).get("/requests/" + first).body();
        assertThat(page).contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;").doesNotContain("<script>alert(1)");
        assertThat(page.substring(page.lastIndexOf("<pre", page.indexOf("&lt;script&gt;alert(1)")))).startsWith("<pre");

        // the queue: oldest submission first
        JsonNode queue = ok(svc.call(STEWARD_SATO, "GET", "/api/queue", null));
        List<String> ids = new ArrayList<>();
        List<String> submitted = new ArrayList<>();
        for (JsonNode r : queue) {
            ids.add(r.get("id").asText());
            submitted.add(r.get("submitted_at").asText());
        }
        assertThat(ids).contains(first, second);
        assertThat(ids.indexOf(first)).isLessThan(ids.indexOf(second));
        assertThat(submitted.stream().map(java.time.Instant::parse).toList()).isSorted();
    }

    /** A logged-in browser session (form login with its CSRF token). */
    record WebSession(java.net.http.HttpClient http) {
        HttpResponse<String> get(String path) throws Exception {
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url(path))).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    static WebSession webSession(String user) throws Exception {
        var http = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager())
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
        var login = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/login"))).build(),
                HttpResponse.BodyHandlers.ofString());
        var m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(login.body());
        assertThat(m.find()).isTrue();
        String form = "username=" + user + "&password=" + java.net.URLEncoder.encode(fx.passwords.get(user), StandardCharsets.UTF_8)
                + "&_csrf=" + java.net.URLEncoder.encode(m.group(1), StandardCharsets.UTF_8);
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/login")))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString(form))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Location").orElse("")).doesNotContain("error");
        return new WebSession(http);
    }

    static boolean exists(Path p) {
        try {
            return fx.storage.fs().exists(p);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Issue 14: reviews are blind until your own is in; the API and the page follow the same rule. */
    @Order(18)
    @Test
    void aStewardSeesNoOtherDecisionsBeforeTheirOwnReviewIsIn() throws Exception {
        String id = createRequestAtStatus("submitted");
        String file = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).get("files").get(0).get("name").asText();
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of(file, Map.of("decision",
                "changes", "public_comment", "round the counts to 5", "private_comment", "sato: cell 2 looks like a differencing risk"))))));
        assertThat(status(id)).isEqualTo("partially_reviewed");

        // suzuki, before her own review: no other steward's decision, comment or note, in the API or on the page
        JsonNode blind = ok(svc.call(STEWARD_SUZUKI, "GET", "/api/requests/" + id, null));
        assertThat(blind.get("files").get(0).get("reviews")).isEmpty();
        assertThat(blind.get("files").get(0).get("decision").asText()).isEqualTo("incomplete");
        assertThat(blind.toString()).doesNotContain("round the counts").doesNotContain("differencing risk");
        assertThat(blind.get("actions").toString()).contains("review");
        var page = webSession(STEWARD_SUZUKI).get("/requests/" + id);
        assertThat(page.body()).doesNotContain("round the counts").doesNotContain("differencing risk");
        // not even when, or how often, sato decided
        assertThat(blind.get("history").findValuesAsText("action")).doesNotContain("review.decide");
        // the author sees nothing of the round either
        assertThat(ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).toString()).doesNotContain("round the counts");
        // sato sees her own
        assertThat(ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).toString()).contains("differencing risk");

        // once suzuki's review is in, both are consolidated: the disagreement is shown as a conflict
        ok(svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of(file, Map.of("decision",
                "approve", "public_comment", "", "private_comment", "suzuki: fine as it is"))))));
        JsonNode both = ok(svc.call(STEWARD_SUZUKI, "GET", "/api/requests/" + id, null));
        assertThat(both.get("files").get(0).get("reviews")).hasSize(2);
        assertThat(both.get("files").get(0).get("decision").asText()).isEqualTo("conflicted");
        assertThat(both.toString()).contains("differencing risk").contains("fine as it is");
        assertThat(both.get("actions").toString()).doesNotContain("release");
        assertThat(both.get("history").findValuesAsText("action")).contains("review.decide");
        assertThat(both.get("files").get(0).get("reviews").findValuesAsText("revised_after_reveal")).containsOnly("false");

        // a change once both reviews were in (each could read the other's) is marked, for everyone who reads the reviews
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of(file, Map.of("decision",
                "approve", "public_comment", "", "private_comment", "sato: agreed after reading suzuki"))))));
        JsonNode revised = ok(svc.call(STEWARD_SUZUKI, "GET", "/api/requests/" + id, null));
        for (JsonNode review : revised.get("files").get(0).get("reviews")) {
            assertThat(review.get("revised_after_reveal").asBoolean()).as(review.toString())
                    .isEqualTo(review.get("reviewer").asText().equals("sato"));
        }
        assertThat(webSession(STEWARD_SUZUKI).get("/requests/" + id).body()).contains("revised after both reviews were in");
    }

    /** Issue 14: a conflict is settled by a further decision with the discussion behind it, before release. */
    @Order(23)
    @Test
    void aConflictIsSettledByAFurtherDecisionWithItsDiscussionBeforeRelease() {
        String id = createRequestAtStatus("partially_reviewed");
        reviewAll(id, STEWARD_SUZUKI, "changes");
        String file = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).get("files").get(0).get("name").asText();
        JsonNode before = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null));
        assertThat(before.get("files").get(0).get("decision").asText()).isEqualTo("conflicted");
        assertThat(before.get("actions").toString()).contains("resolve").doesNotContain("release");
        // no discussion, no settlement
        HttpResponse<String> silent = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/resolutions",
                body(Map.of("files", Map.of(file, Map.of("decision", "approve", "note", " ")))));
        assertThat(silent.statusCode()).isEqualTo(400);
        assertThat(json(silent).get("message").asText()).contains("say in the discussion note how the two stewards' disagreement was"
                + " settled");
        // the author cannot settle anything
        HttpResponse<String> author = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/resolutions",
                body(Map.of("files", Map.of(file, Map.of("decision", "approve", "note", "fine")))));
        assertThat(author.statusCode()).isEqualTo(403);
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/resolutions", body(Map.of("files", Map.of(file, Map.of("decision",
                "approve", "note", "talked with suzuki: the cells are all above 10, rounding is not needed"))))));
        JsonNode after = ok(svc.call(STEWARD_SUZUKI, "GET", "/api/requests/" + id, null));
        assertThat(after.get("files").get(0).get("decision").asText()).isEqualTo("approved");
        assertThat(after.get("files").get(0).get("resolution").get("resolver").asText()).isEqualTo("sato");
        assertThat(after.get("files").get(0).get("resolution").get("note").asText()).contains("talked with suzuki");
        assertThat(after.get("actions").toString()).contains("release").doesNotContain("resolve");
        // settled once: nothing left to settle
        HttpResponse<String> again = svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/resolutions",
                body(Map.of("files", Map.of(file, Map.of("decision", "reject", "note", "no")))));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(json(again).get("message").asText()).contains("is approved, not in conflict");
        assertThat(ok(svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/release", null)).get("status").asText())
                .isEqualTo("released");
        // the author reads the outcome, not the stewards' discussion
        JsonNode mine = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(mine.get("files").get(0).get("resolution").get("decision").asText()).isEqualTo("approve");
        assertThat(mine.get("files").get(0).get("resolution").get("note").isNull()).isTrue();
        assertThat(mine.toString()).doesNotContain("talked with suzuki");
    }

    /** Issue 14, red team: a one-sided placeholder review reveals nothing; a withdrawal does not conclude a round. */
    @Order(21)
    @Test
    void neitherAPlaceholderReviewNorAWithdrawalRevealsTheOtherReview() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "two-a.csv", "sex,count\nF,40\nM,30\n".getBytes(StandardCharsets.UTF_8));
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "two-b.csv", "sex,count\nF,41\nM,31\n".getBytes(StandardCharsets.UTF_8));
        String id = create(ANALYST_ALICE, "DEMO-1", List.of("two-a.csv", "two-b.csv"));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        // suzuki has decided one file of two, with a note; sato approves everything blindly to see it
        ok(svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of("two-a.csv", Map.of(
                "decision", "reject", "public_comment", "too fine", "private_comment", "suzuki: looks like a differencing attack"))))));
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of(
                "two-a.csv", Map.of("decision", "approve", "public_comment", "", "private_comment", "x"),
                "two-b.csv", Map.of("decision", "approve", "public_comment", "", "private_comment", "x"))))));
        JsonNode sato = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null));
        assertThat(sato.toString()).doesNotContain("differencing attack").doesNotContain("too fine");
        // the author withdraws mid-round: the round was never concluded, so its reviews stay unread
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/withdraw", null));
        JsonNode mine = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(mine.get("status").asText()).isEqualTo("withdrawn");
        assertThat(mine.toString()).doesNotContain("too fine").doesNotContain("differencing attack");
        assertThat(mine.get("files").get(0).get("reviews")).isEmpty();
    }

    /** Issue 14, red team: whoever may not see a request learns nothing of it through the review form. */
    @Order(22)
    @Test
    void theReviewFormTellsAnOutsiderNothing() throws Exception {
        String id = createRequestAtStatus("submitted");
        String file = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).get("files").get(0).get("name").asText();
        var bob = webSession(ANALYST_BOB);
        var m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(bob.get("/requests").body());
        assertThat(m.find()).isTrue();
        java.util.function.BiFunction<String, String, Integer> post = (target, form) -> {
            try {
                return bob.http().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url(target)))
                        .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers
                                .ofString(form + "&_csrf=" + java.net.URLEncoder.encode(m.group(1), StandardCharsets.UTF_8))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String real = "decision%3A" + java.net.URLEncoder.encode(file, StandardCharsets.UTF_8) + "=approve";
        assertThat(post.apply("/requests/" + id + "/review", real)).isEqualTo(404);
        assertThat(post.apply("/requests/" + id + "/review", "decision%3Anot-a-file.csv=approve")).isEqualTo(404);
        assertThat(post.apply("/requests/R-999999/review", real)).isEqualTo(404);
    }

    /** Issue 14: a refused review keeps what was typed and says why; a saved review is filled in beside each file. */
    @Order(20)
    @Test
    void theReviewFormKeepsWhatWasTypedAndIsFilledInWithSavedDecisions() throws Exception {
        String id = createRequestAtStatus("submitted");
        String file = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).get("files").get(0).get("name").asText();
        var sato = webSession(STEWARD_SATO);
        var page = sato.get("/requests/" + id);
        assertThat(page.body()).contains("class=\"review\"").contains("Release is not available: a request is released after two"
                + " stewards have reviewed every file (0 of 2 so far)");
        var m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertThat(m.find()).isTrue();
        String csrf = m.group(1);
        java.util.function.Function<String, HttpResponse<String>> post = form -> {
            try {
                return sato.http().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/requests/" + id + "/review")))
                        .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers
                                .ofString(form + "&_csrf=" + java.net.URLEncoder.encode(csrf, StandardCharsets.UTF_8))).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String enc = java.net.URLEncoder.encode(file, StandardCharsets.UTF_8);
        // "request changes" without a word for the author is refused: the page says why and keeps the stewards-only note
        HttpResponse<String> refused = post.apply("decision%3A" + enc + "=changes&private%3A" + enc + "=my+careful+note+on+cell+3");
        assertThat(refused.statusCode()).isEqualTo(302);
        var again = sato.get("/requests/" + id);
        assertThat(again.body()).contains("id=\"review-error\"").contains("say in the public comment what the author should change")
                .contains("my careful note on cell 3").containsPattern("value=\"changes\"\\s+checked");
        assertThat(status(id)).isEqualTo("submitted");
        // saved: filled in next time
        assertThat(post.apply("decision%3A" + enc + "=approve&public%3A" + enc + "=fine+as+it+is").statusCode()).isEqualTo(302);
        var saved = sato.get("/requests/" + id);
        assertThat(saved.body()).containsPattern("value=\"approve\"\\s+checked").contains(">fine as it is</textarea>")
                .doesNotContain("id=\"review-error\"");
        // an unknown address: the service's own page, not the framework's
        var unknown = sato.http().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/no-such-page")))
                .header("Accept", "text/html,application/xhtml+xml").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("id=\"error-title\">Page not found").doesNotContain("Whitelabel").doesNotContain("Exception");
    }

    /** Issue 14: the stewards' message to the author reaches the author, per round, on the page and in the API. */
    @Order(19)
    @Test
    void theMessageOfAReturnReachesTheAuthor() throws Exception {
        String id = createRequestAtStatus("reviewed");
        HttpResponse<String> silent = svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/return", "{\"message\":\"  \"}");
        assertThat(silent.statusCode()).isEqualTo(400);
        assertThat(json(silent).get("message").asText()).contains("say in the message what the author should change");
        assertThat(status(id)).isEqualTo("reviewed");
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/return", "{\"message\":\"add the margins, please\"}"));
        JsonNode mine = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(mine.get("status").asText()).isEqualTo("returned");
        assertThat(mine.get("messages")).hasSize(1);
        JsonNode m = mine.get("messages").get(0);
        assertThat(m.get("round").asInt()).isEqualTo(1);
        assertThat(m.get("kind").asText()).isEqualTo("return");
        assertThat(m.get("from").asText()).isEqualTo("sato");
        assertThat(m.get("message").asText()).isEqualTo("add the margins, please");
        assertThat(mine.get("actions").toString()).contains("resubmit");
        // the author changes what it is and resubmits; the stewards of the new round see what changed, and the history
        HttpResponse<String> empty = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/description",
                body(Map.of("context", " ", "controls", "x")));
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json(empty).get("message").asText()).isEqualTo("context is missing: say what the outputs are and which cohort they"
                + " describe");
        HttpResponse<String> notHers = svc.call(ANALYST_KENJI, "POST", "/api/requests/" + id + "/description",
                body(Map.of("context", "mine now", "controls", "none")));
        assertThat(notHers.statusCode()).isEqualTo(403);
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/description",
                body(Map.of("context", "sex by region, margins added", "controls", "margins added as asked"))));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        JsonNode round2 = ok(svc.call(STEWARD_SUZUKI, "GET", "/api/requests/" + id, null));
        assertThat(round2.get("round").asInt()).isEqualTo(2);
        assertThat(round2.get("context").asText()).isEqualTo("sex by region, margins added");
        assertThat(round2.get("changes").toString()).contains("alice changed what it is from")
                .contains("to \u201csex by region, margins added\u201d").contains("alice changed the controls applied");
        assertThat(round2.get("history").findValuesAsText("action")).containsSubsequence("request.create", "request.submit",
                "request.return", "request.edit", "request.resubmit");
        assertThat(round2.get("history").toString()).doesNotContain("add the margins, please").doesNotContain("decision");
        var page = webSession(ANALYST_ALICE).get("/requests/" + id);
        assertThat(page.body()).contains("id=\"history\"").contains("add the margins, please").contains("Returned to you");
    }

    /**
     * Issue 10: failed logins to the API cost CPU and had no limit. A guesser somewhere else locks
     * the account there; the member keeps working from where they signed in before.
     */
    @Order(30)
    @Test
    void failedApiLoginsLockTheAccountForAWhileBeforeAnyPasswordIsChecked() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        String guesser = "203.0.113.7"; // as the reverse proxy on loopback reports it
        java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> as = (password, path) -> {
            try {
                return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url(path)))
                        .header("X-Forwarded-For", guesser)
                        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("kenji:" + password)
                                .getBytes(StandardCharsets.UTF_8))).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        // kenji signs in from his own address first
        assertThat(svc.call(ANALYST_KENJI, "GET", "/api/requests", null).statusCode()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(as.apply("guess-" + i, "/api/requests").statusCode()).isEqualTo(401);
        }
        var locked = as.apply(fx.password(ANALYST_KENJI), "/api/requests");
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(locked.headers().firstValue("Retry-After")).isPresent();
        assertThat(locked.body()).contains("\"error\":\"too_many_failed_logins\"")
                .contains("too many failed logins for this account");
        // kenji himself is not locked out where he works, and nobody else is
        assertThat(svc.call(ANALYST_KENJI, "GET", "/api/requests", null).statusCode()).isEqualTo(200);
        assertThat(svc.call(ANALYST_ALICE, "GET", "/api/requests", null).statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- issue 14: intake, removal, forms that keep what was typed

    static HttpResponse<String> callPreferring(String user, String method, String path, String json, String prefer) throws Exception {
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url(path))).header("Authorization", fx.basic(user))
                .header("Prefer", prefer);
        b = json == null ? b.method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, java.net.http.HttpRequest.BodyPublishers.ofString(json));
        return java.net.http.HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode awaitTakenIn(String user, String id) throws Exception {
        for (int i = 0; i < 200; i++) {
            JsonNode j = ok(svc.call(user, "GET", "/api/requests/" + id, null));
            boolean waiting = false;
            for (JsonNode x : j.get("intake")) {
                waiting |= x.get("state").asText().equals("checking");
            }
            if (!waiting) {
                return j;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the files of " + id + " were not taken in within 10 s");
    }

    /** Asks for a file as if the service had stopped before its intake worker took it (a row in file_intake only). */
    static void askWithoutTaking(String id, String name, int round) throws Exception {
        try (Connection c = fx.db.dataSource().getConnection(); var ps = c.prepareStatement("INSERT INTO file_intake (request_id, name,"
                + " round, token, requested_by, requested_at) VALUES (?, ?, ?, ?, 'alice', now())")) {
            ps.setString(1, id);
            ps.setString(2, name);
            ps.setInt(3, round);
            ps.setString(4, java.util.UUID.randomUUID().toString());
            ps.executeUpdate();
        }
    }

    /** Issue 14, load: a client that prefers not to wait gets 202 at once; the checks come later, and submit waits for them. */
    @Order(24)
    @Test
    void aFileIsTakenInInTheBackgroundAndTheRequestIsSubmittedOnlyOnceItIsChecked() throws Exception {
        String name = safeOutput();
        HttpResponse<String> r = callPreferring(ANALYST_ALICE, "POST", "/api/requests", body(Map.of("project", "DEMO-1", "files",
                List.of(name), "context", "sex by region", "controls", "none needed")), "respond-async");
        JsonNode created = ok(r);
        String id = created.get("id").asText();
        if (r.statusCode() == 202) {
            assertThat(r.headers().firstValue("Preference-Applied")).hasValue("respond-async");
            assertThat(r.headers().firstValue("Location")).hasValue("/api/requests/" + id);
            assertThat(created.get("intake").get(0).get("name").asText()).isEqualTo(name);
            assertThat(created.get("intake").get(0).get("state").asText()).isEqualTo("checking");
        } else {
            assertThat(r.statusCode()).as("taken in before the answer was written").isEqualTo(201);
            assertThat(created.get("intake")).isEmpty();
        }
        JsonNode done = awaitTakenIn(ANALYST_ALICE, id);
        assertThat(done.get("files").get(0).get("check").asText()).isEqualTo("pass");
        assertThat(done.get("files").get(0).get("sha256").asText()).isEqualTo(EgressStore.sha256(fx.readOutbox("DEMO-1", name)));

        // a file still on its way (the service stopped before taking it): submit is refused and says why
        String late = safeOutput();
        askWithoutTaking(id, late, 1);
        HttpResponse<String> early = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null);
        assertThat(early.statusCode()).isEqualTo(409);
        assertThat(json(early).get("message").asText()).isEqualTo("request " + id + " has 1 file still being copied into quarantine"
                + " and checked (" + late + "): submit when the checks are done");
        JsonNode page = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(page.get("actions").toString()).doesNotContain("submit");
        assertThat(page.get("unavailable").get("submit").asText()).isEqualTo("1 file is still being checked");
        // at the next start every file left asked for is taken in
        assertThat(svc.bean(jp.nmi.egress.request.FileIntake.class).recover()).isEqualTo(1);
        JsonNode after = awaitTakenIn(ANALYST_ALICE, id);
        assertThat(after.get("files")).hasSize(2);
        assertThat(after.get("intake")).isEmpty();
        assertThat(after.get("history").toString()).contains("file.checked");
        assertThat(ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null)).get("status").asText())
                .isEqualTo("submitted");
    }

    /** Issue 14: a file that cannot be taken in is listed with the reason; the request cannot leave until it is removed. */
    @Order(25)
    @Test
    void aFileThatCannotBeTakenInStopsTheSubmissionUntilItIsRemoved() throws Exception {
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(safeOutput()));
        askWithoutTaking(id, "vanished.csv", 1);
        svc.bean(jp.nmi.egress.request.FileIntake.class).recover();
        JsonNode j = awaitTakenIn(ANALYST_ALICE, id);
        JsonNode failed = j.get("intake").get(0);
        assertThat(failed.get("state").asText()).isEqualTo("failed");
        assertThat(failed.get("failure").asText()).isEqualTo("'vanished.csv' does not exist");
        HttpResponse<String> refused = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).get("message").asText()).isEqualTo("request " + id + " has files that could not be taken in:"
                + " 'vanished.csv' ('vanished.csv' does not exist). Remove them or add them again, then submit");
        // only the author removes; an unknown name is said to be unknown
        assertThat(svc.call(ANALYST_KENJI, "DELETE", "/api/requests/" + id + "/files/vanished.csv", null).statusCode()).isEqualTo(403);
        HttpResponse<String> unknown = svc.call(ANALYST_ALICE, "DELETE", "/api/requests/" + id + "/files/nothing.csv", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("message").asText()).isEqualTo("request " + id + " has no file 'nothing.csv'");
        ok(svc.call(ANALYST_ALICE, "DELETE", "/api/requests/" + id + "/files/vanished.csv", null));
        assertThat(ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("intake")).isEmpty();
        assertThat(ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null)).get("status").asText())
                .isEqualTo("submitted");
    }

    /** Issue 14, the loop: the author removes a file from a returned request; the stewards see it among the changes. */
    @Order(26)
    @Test
    void theAuthorRemovesAFileFromAReturnedRequestAndTheStewardsSeeIt() throws Exception {
        String keep = safeOutput();
        String drop = safeOutput();
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(keep, drop));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        for (String steward : List.of(STEWARD_SATO, STEWARD_SUZUKI)) {
            ok(svc.call(steward, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of(
                    keep, Map.of("decision", "approve", "public_comment", "", "private_comment", ""),
                    drop, Map.of("decision", "changes", "public_comment", "this one is not needed", "private_comment", ""))))));
        }
        // while it is with the stewards, nothing can be removed
        HttpResponse<String> locked = svc.call(ANALYST_ALICE, "DELETE", "/api/requests/" + id + "/files/" + drop, null);
        assertThat(locked.statusCode()).isEqualTo(409);
        assertThat(json(locked).get("message").asText()).contains("files can be removed");
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/return", body(Map.of("message", "drop the second table"))));
        ok(svc.call(ANALYST_ALICE, "DELETE", "/api/requests/" + id + "/files/" + drop, null));
        JsonNode mine = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(mine.get("files")).hasSize(1);
        assertThat(mine.get("files").get(0).get("name").asText()).isEqualTo(keep);
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        JsonNode sato = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null));
        assertThat(sato.get("round").asInt()).isEqualTo(2);
        assertThat(sato.get("changes").toString()).contains("alice removed " + drop);
        assertThat(sato.get("files")).hasSize(1);
        // the earlier round's reviews of the removed file stay in the record
        try (Connection c = fx.db.dataSource().getConnection(); var ps = c.prepareStatement(
                "SELECT count(*) FROM review WHERE request_id = ? AND file_name = ? AND round = 1")) {
            ps.setString(1, id);
            ps.setString(2, drop);
            try (var rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
        // round 2 is decided on the file that is left, and only what is left is released
        for (String steward : List.of(STEWARD_SATO, STEWARD_SUZUKI)) {
            ok(svc.call(steward, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of(
                    keep, Map.of("decision", "approve", "public_comment", "", "private_comment", ""))))));
        }
        assertThat(ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null)).get("status").asText())
                .isEqualTo("released");
        assertThat(svc.download(ANALYST_ALICE, "/api/requests/" + id + "/files/" + drop).statusCode()).isEqualTo(404);
        assertThat(svc.download(ANALYST_ALICE, "/api/requests/" + id + "/files/" + keep).statusCode()).isEqualTo(200);
    }

    /** Issue 14: a refused description, return or rejection comes back with what was typed and why. */
    @Order(27)
    @Test
    void refusedFormsKeepWhatWasTyped() throws Exception {
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(safeOutput()));
        var alice = webSession(ANALYST_ALICE);
        var page = alice.get("/requests/" + id);
        var m = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertThat(m.find()).isTrue();
        String csrf = java.net.URLEncoder.encode(m.group(1), StandardCharsets.UTF_8);
        var refused = alice.http().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url("/requests/" + id + "/description")))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "context=&controls=rounded+to+base+5+and+suppressed+below+10&_csrf=" + csrf)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(302);
        var again = alice.get("/requests/" + id);
        assertThat(again.body()).contains("id=\"description-error\"").contains("context is missing: say what the outputs are")
                .contains(">rounded to base 5 and suppressed below 10</textarea>");
        assertThat(ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("controls").asText())
                .isEqualTo("none needed: every cell at least 10");
        // a reload shows the saved text again, not the refused one
        assertThat(alice.get("/requests/" + id).body()).doesNotContain("rounded to base 5").doesNotContain("id=\"description-error\"");
    }

    /** Issue 14: rules that do not apply are told apart from passes, everywhere; times are shown one way. */
    @Order(28)
    @Test
    void rulesThatDoNotApplyAreNotShownAsPassesAndTimesAreShownOneWay() throws Exception {
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(safeOutput()));
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        JsonNode file = ok(svc.call(STEWARD_SATO, "GET", "/api/requests/" + id, null)).get("files").get(0);
        Map<String, JsonNode> byRule = new java.util.HashMap<>();
        file.get("checks").get("checks").forEach(c -> byRule.put(c.get("rule").asText(), c));
        // a count table: N-K dominance is for magnitudes, and says so; the threshold rule applies
        assertThat(byRule.get("nk").get("applies").asBoolean()).isFalse();
        assertThat(byRule.get("nk").get("detail").asText()).isEqualTo("not a magnitude table");
        assertThat(byRule.get("threshold").has("applies")).as("applied rules carry no flag").isFalse();
        assertThat(file.get("checks").get("metadata_detail").asText())
                .matches("checked at creation by alice at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} JST.*");
        var page = webSession(STEWARD_SATO).get("/requests/" + id).body();
        assertThat(page).contains("Rules that do not apply to this file (")
                .containsPattern("<span class=\"badge na\">n/a</span> <strong>nk</strong>: <span>not a magnitude table</span>")
                .doesNotContainPattern("<span class=\"badge\s+pass\">pass</span>\\s*<strong>nk</strong>")
                // an ISO instant only where machines read it (<time datetime=...>), never in the text people read
                .doesNotContainPattern("(?<!datetime=\")\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}");
    }

    // ---------------------------------------------------------------- issue 14: the regulatory route

    static HttpResponse<String> createRegulatory(String user, String project, List<String> files, String kind, String regulator) {
        Map<String, Object> b = new java.util.LinkedHashMap<>(Map.of("project", project, "files", files, "context",
                "participant-level safety data of the DEMO-1 cohort", "controls", "pseudonymized; no free text"));
        if (kind != null) {
            b.put("kind", kind);
        }
        if (regulator != null) {
            b.put("regulator", regulator);
        }
        return svc.call(user, "POST", "/api/requests", body(b));
    }

    /** Issue 14: record-level data goes only where a project's spec says, and a bad kind says why. */
    @Order(29)
    @Test
    void aRegulatoryRequestIsRefusedUnlessTheSpecDeclaresItsDestination() throws Exception {
        fx.writeOutbox(ANALYST_BOB, "DEMO-2", "records.csv", "participant_id,outcome\nP1,1\n".getBytes(StandardCharsets.UTF_8));
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "records.csv", "participant_id,outcome\nP1,1\n".getBytes(StandardCharsets.UTF_8));
        var before = fx.snapshot();
        HttpResponse<String> undeclared = createRegulatory(ANALYST_BOB, "DEMO-2", List.of("records.csv"), "regulatory", "PMDA");
        assertThat(undeclared.statusCode()).isEqualTo(403);
        assertThat(json(undeclared).get("message").asText()).isEqualTo("Access denied: project DEMO-2 declares no regulatory purpose in its spec:"
                + " record-level data leaves only for a purpose and a regulator its committee approved (regulatory.purpose and"
                + " regulatory.destinations)");
        HttpResponse<String> elsewhere = createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("records.csv"), "regulatory", "FDA");
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(json(elsewhere).get("message").asText()).isEqualTo("Access denied: FDA is not a destination of project DEMO-1: its spec declares"
                + " PMDA only");
        HttpResponse<String> nobody = createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("records.csv"), "regulatory", "ACME");
        assertThat(nobody.statusCode()).isEqualTo(400);
        assertThat(json(nobody).get("message").asText()).isEqualTo("'ACME' is not a regulator: record-level data may go to MHLW, PMDA,"
                + " FDA, MHRA, EMA only, for pharmaceutical approval");
        HttpResponse<String> unnamed = createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("records.csv"), "regulatory", null);
        assertThat(json(unnamed).get("message").asText()).isEqualTo("a regulatory request names its regulator (MHLW, PMDA, FDA, MHRA, EMA)");
        HttpResponse<String> mixed = createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("records.csv"), null, "PMDA");
        assertThat(json(mixed).get("message").asText()).isEqualTo("regulator is for requests of kind 'regulatory' only");
        HttpResponse<String> odd = createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("records.csv"), "bulk", null);
        assertThat(json(odd).get("message").asText()).isEqualTo("unknown kind 'bulk': output or regulatory");
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "manifest.JSON", "{}".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> reserved = createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("manifest.JSON"), "regulatory", "PMDA");
        assertThat(reserved.statusCode()).isEqualTo(400);
        assertThat(json(reserved).get("message").asText()).isEqualTo("'manifest.JSON' is the name of the regulatory package's own"
                + " manifest: rename the file");
        assertThat(fx.snapshot()).as("refused requests leave nothing behind").isEqualTo(before);
    }

    /** Issue 14: a regulatory submission: a steward and the approver, the exact bytes with a manifest and checksums, audited. */
    @Order(30)
    @Test
    void aRegulatorySubmissionNeedsAStewardAndTheApproverAndLeavesAsAPackage() throws Exception {
        StringBuilder rows = new StringBuilder("participant_id,age_band,adverse_event\n");
        for (int i = 0; i < 3; i++) {
            rows.append("P-").append(i).append(",60-69,").append(i % 2).append('\n');
        }
        byte[] data = rows.toString().getBytes(StandardCharsets.UTF_8);
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "safety-records.csv", data);
        JsonNode created = ok(createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("safety-records.csv"), "regulatory", "PMDA"));
        String id = created.get("id").asText();
        JsonNode r = ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null));
        assertThat(r.get("kind").asText()).isEqualTo("regulatory");
        assertThat(r.get("regulator").asText()).isEqualTo("PMDA");
        assertThat(r.get("regulatory_purpose").asText()).startsWith("post-marketing safety study");
        Map<String, JsonNode> checks = new java.util.HashMap<>();
        r.get("files").get(0).get("checks").get("checks").forEach(c -> checks.put(c.get("rule").asText(), c));
        // record-level: three rows would fail any small-count rule; here those rules do not apply and a review is asked for
        assertThat(checks.get("threshold").get("applies").asBoolean()).isFalse();
        assertThat(checks.get("manual_review").get("status").asText()).isEqualTo("review");
        assertThat(r.get("files").get(0).get("check").asText()).isEqualTo("review");
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));

        // the approver sees it in the queue; an output request is not theirs to see
        JsonNode queue = ok(svc.call(APPROVER_TANAKA, "GET", "/api/queue", null));
        List<String> queued = new ArrayList<>();
        queue.forEach(q -> queued.add(q.get("id").asText() + ":" + q.get("kind").asText()));
        assertThat(queued).contains(id + ":regulatory").allMatch(q -> q.endsWith(":regulatory"));
        String output = createRequestAtStatus("submitted");
        assertThat(svc.call(APPROVER_TANAKA, "GET", "/api/requests/" + output, null).statusCode()).isEqualTo(404);

        Map<String, Object> approve = Map.of("files", Map.of("safety-records.csv", Map.of("decision", "approve", "public_comment", "",
                "private_comment", "checked against the protocol")));
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews", body(approve)));
        // a second steward is not the second review: the approver is
        HttpResponse<String> second = svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/reviews", body(approve));
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(json(second).get("message").asText()).isEqualTo("request " + id + " is a regulatory submission to PMDA: one data"
                + " steward and the provider's approver review it, and sato reviews it as its steward; the other review is the approver's");
        assertThat(ok(svc.call(APPROVER_TANAKA, "POST", "/api/requests/" + id + "/reviews", body(approve))).get("status").asText())
                .isEqualTo("reviewed");
        assertThat(ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/release", null)).get("status").asText())
                .isEqualTo("released");

        // record-level data goes to the regulator through the provider's approver: no analyst downloads it
        HttpResponse<byte[]> refused = svc.download(ANALYST_ALICE, "/api/requests/" + id + "/files/safety-records.csv");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("a regulatory submission is delivered to PMDA by the"
                + " provider's approver, and no member of the project downloads it");
        assertThat(ok(svc.call(APPROVER_TANAKA, "GET", "/api/requests/" + id, null)).get("actions").toString()).contains("download");
        assertThat(ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("actions").toString()).doesNotContain("download");
        // the package: the exact approved bytes, a manifest naming both approvals, checksums over everything
        HttpResponse<byte[]> file = svc.download(APPROVER_TANAKA, "/api/requests/" + id + "/files/safety-records.csv");
        assertThat(file.body()).isEqualTo(data);
        JsonNode manifest = JSON.readTree(svc.download(APPROVER_TANAKA, "/api/requests/" + id + "/files/MANIFEST.json").body());
        assertThat(manifest.get("regulator").asText()).isEqualTo("PMDA");
        assertThat(manifest.get("kind").asText()).isEqualTo("regulatory");
        assertThat(manifest.get("files").get(0).get("sha256").asText()).isEqualTo(EgressStore.sha256(data));
        List<String> roles = new ArrayList<>();
        manifest.get("files").get(0).get("reviews").forEach(x -> roles.add(x.get("reviewer").asText() + "/" + x.get("role").asText()));
        assertThat(roles).containsExactlyInAnyOrder("sato/steward", "tanaka/approver");
        byte[] manifestBytes = svc.download(APPROVER_TANAKA, "/api/requests/" + id + "/files/MANIFEST.json").body();
        String sums = new String(svc.download(APPROVER_TANAKA, "/api/requests/" + id + "/files/SHA256SUMS").body(), StandardCharsets.UTF_8);
        assertThat(sums).isEqualTo(EgressStore.sha256(data) + "  safety-records.csv\n" + EgressStore.sha256(manifestBytes)
                + "  MANIFEST.json\n");
        // every step audited, the release with the package's hashes
        try (Connection c = fx.db.dataSource().getConnection(); var ps = c.prepareStatement(
                "SELECT action, details FROM audit_event WHERE details::jsonb ->> 'request' = ? ORDER BY seq")) {
            ps.setString(1, id);
            List<String> actions = new ArrayList<>();
            String releaseDetails = null;
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    actions.add(rs.getString(1));
                    if (rs.getString(1).equals("request.release")) {
                        releaseDetails = rs.getString(2);
                    }
                }
            }
            assertThat(actions).containsSubsequence("request.create", "file.checked", "request.submit", "review.decide", "review.decide",
                    "request.approve", "request.release", "file.download");
            assertThat(releaseDetails).contains("\"regulator\":\"PMDA\"").contains(EgressStore.sha256(manifestBytes));
        }
    }

    /** Issue 14, red team: what is on its way counts toward the limits; one analyst cannot fill the queue; an ended request's bytes go. */
    @Order(31)
    @Test
    void filesOnTheirWayCountTowardTheLimitsAndAnEndedRequestLeavesNoBytes() throws Exception {
        String id = create(ANALYST_ALICE, "DEMO-1", List.of(safeOutput()));
        for (int i = 0; i < 4; i++) {
            askWithoutTaking(id, "waiting-" + i + ".csv", 1);
        }
        // five files held or on their way; a sixth is refused although only one is taken in
        HttpResponse<String> sixth = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/files", body(Map.of("files",
                List.of(safeOutput()))));
        assertThat(sixth.statusCode()).isEqualTo(400);
        assertThat(json(sixth).get("message").asText()).isEqualTo("6 files in one request (with those still being taken in); at most 5"
                + " are allowed");
        for (int i = 4; i < 10; i++) {
            askWithoutTaking(id, "waiting-" + i + ".csv", 1);
        }
        // ten waiting (two full requests' worth): nothing more is queued for alice until they are done
        HttpResponse<String> queued = svc.call(ANALYST_ALICE, "POST", "/api/requests", body(Map.of("project", "DEMO-1", "files",
                List.of(safeOutput()), "context", "x", "controls", "y")));
        assertThat(queued.statusCode()).isEqualTo(409);
        assertThat(json(queued).get("message").asText()).isEqualTo("alice has 10 files still being copied and checked; at most 10 may"
                + " wait at once: add more when those are done");
        // withdrawn: the intakes are dropped and the quarantined bytes destroyed
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/withdraw", null));
        assertThat(ok(svc.call(ANALYST_ALICE, "GET", "/api/requests/" + id, null)).get("intake")).isEmpty();
        assertThat(fx.storage.fs().exists(new Path(fx.storage.layout().quarantine(), id))).isFalse();
        assertThat(svc.call(ANALYST_ALICE, "POST", "/api/requests", body(Map.of("project", "DEMO-1", "files", List.of(safeOutput()),
                "context", "x", "controls", "y"))).statusCode()).isEqualTo(201);
    }

    /** Issue 14, red team: a withdrawn declaration stops a submission in flight; its conflicts are not settled by one side. */
    @Order(32)
    @Test
    void aRegulatorySubmissionStopsWhenItsDeclarationIsWithdrawnAndItsConflictsAreNotSettledByOneSide() throws Exception {
        fx.writeOutbox(ANALYST_ALICE, "DEMO-1", "events.csv", "participant_id,event\nP-1,1\n".getBytes(StandardCharsets.UTF_8));
        String id = ok(createRegulatory(ANALYST_ALICE, "DEMO-1", List.of("events.csv"), "regulatory", "PMDA")).get("id").asText();
        ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null));
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of("events.csv",
                Map.of("decision", "approve", "public_comment", "", "private_comment", ""))))));
        ok(svc.call(APPROVER_TANAKA, "POST", "/api/requests/" + id + "/reviews", body(Map.of("files", Map.of("events.csv",
                Map.of("decision", "reject", "public_comment", "not what the protocol names", "private_comment", ""))))));
        HttpResponse<String> settle = svc.call(STEWARD_SUZUKI, "POST", "/api/requests/" + id + "/resolutions", body(Map.of("files",
                Map.of("events.csv", Map.of("decision", "approve", "note", "I think it is fine")))));
        assertThat(settle.statusCode()).isEqualTo(409);
        assertThat(json(settle).get("message").asText()).isEqualTo("request " + id + " is a regulatory submission: a conflict between its"
                + " steward and the provider's approver is not settled by either of them; return it to the author or reject it");
        ok(svc.call(STEWARD_SATO, "POST", "/api/requests/" + id + "/return", body(Map.of("message", "take it up with the approver"))));

        // the committee withdraws the approval: the project is applied again without its regulatory section
        var store = new jp.nmi.enclave.project.ProjectStore(fx.storage);
        var spec = jp.nmi.enclave.demo.DemoSpecs.spec("DEMO-1");
        var declared = jp.nmi.enclave.project.ProjectReconciler.members(spec, jp.nmi.enclave.project.ProjectState.ACTIVE);
        store.writeMembers(new jp.nmi.enclave.project.MemberList(declared.project(), declared.status(), declared.start(),
                declared.end(), declared.disclosureProfile(), declared.members(), null, null));
        try {
            HttpResponse<String> resubmit = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null);
            assertThat(resubmit.statusCode()).isEqualTo(403);
            assertThat(json(resubmit).get("message").asText()).isEqualTo("Access denied: project DEMO-1 no longer declares the regulatory"
                    + " submission of " + id + " (PMDA, 'post-marketing safety study of a breast cancer therapy, for its approval review')"
                    + " in its spec: nothing more is done with it; return or reject it, or ask the committee to declare it again");
            HttpResponse<String> more = svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/files", body(Map.of("files",
                    List.of("events.csv"))));
            assertThat(more.statusCode()).isEqualTo(403);
        } finally {
            store.writeMembers(declared);
        }
        assertThat(ok(svc.call(ANALYST_ALICE, "POST", "/api/requests/" + id + "/submit", null)).get("status").asText())
                .isEqualTo("submitted");
    }

    /** The pages speak Japanese to a Japanese browser and English otherwise; the switch in the header wins and is remembered. */
    @Order(33)
    @Test
    void thePagesSpeakTheReadersLanguageAndTheSwitchIsRemembered() throws Exception {
        var http = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
        java.util.function.Function<String, HttpResponse<String>> get = path -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(svc.url(path)))
                        .header("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5").build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        HttpResponse<String> ja = get.apply("/login");
        assertThat(ja.body()).contains("lang=\"ja\"").contains("<h1>エンクレーブ 持ち出し審査</h1>")
                .contains("エンクレーブのアカウントでログインしてください。").contains(">ログイン</button>");
        HttpResponse<String> en = get.apply("/login?lang=en");
        assertThat(en.body()).contains("lang=\"en\"").contains("Log in with your enclave account.");
        assertThat(en.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("ENCLAVE_LANG=en") && c.contains("HttpOnly"));
        // remembered: the Japanese browser now reads English until it switches back
        assertThat(get.apply("/login").body()).contains("Log in with your enclave account.");
        assertThat(get.apply("/login?lang=ja").body()).contains("エンクレーブのアカウントでログインしてください。");
        // a browser in any other language reads English
        // the switch keeps the rest of the address: a notebook's prefilled form survives a change of language
        String form = webSession(ANALYST_ALICE).get("/requests/new?project=DEMO-1&file=age.csv&lang=en").body();
        assertThat(form).contains("href=\"?project=DEMO-1&amp;file=age.csv&amp;lang=ja\"");
        HttpResponse<String> fr = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                svc.url("/login"))).header("Accept-Language", "fr-FR").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fr.body()).contains("lang=\"en\"").contains("Log in with your enclave account.");
    }
}
