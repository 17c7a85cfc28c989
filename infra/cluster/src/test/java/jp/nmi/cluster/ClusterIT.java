package jp.nmi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;
import jp.nmi.infra.zeppelin.Sockets;
import jp.nmi.infra.zeppelin.ZeppelinClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;

/**
 * The enclave beyond one machine, end to end: the demo world on the containers' HDFS; the egress
 * service and the notebook server in containers of their own; every project interpreter a Spark
 * driver whose statements run on the two workers' executors. As the analysts, the stewards and an
 * operator would: governed SQL in notebooks (each member's own rows), a change applied by the
 * operators' CLI from its own container, an export reviewed by two stewards and released, a worker
 * killed in the middle of a query.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    static final int EGRESS_PORT = 18480;
    static final int NOTEBOOK_PORT = 18090;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String COUNTS = "SELECT count(*) AS n, sum(CASE WHEN commercial_use_prohibited THEN 1 ELSE 0 END) AS prohibited"
            + " FROM participants";

    static Cluster cluster;
    static Path dir;
    static Map<String, String> passwords;
    static GenericContainer<?> egress;
    static GenericContainer<?> notebooks;
    static jp.nmi.enclave.testing.RangerAdminStandIn ranger;
    /** The Ranger service of the enclave's policies here: not the default, so that both sides must be told. */
    static final String RANGER_SERVICE = "enclave_hive_cluster";
    static ZeppelinClient alice;
    static ZeppelinClient kenji;
    static String aliceNote;
    static String kenjiNote;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.get();
        cluster.freshEnclave();
        dir = Files.createDirectories(Path.of("target", "cluster-it").toAbsolutePath());
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        }
        // the provider's set-up: the demo world ingested into the cluster's HDFS, the demo projects applied
        EnclaveStorage storage = EnclaveStorage.connect(URI.create(Cluster.HDFS + "/enclave"));
        try (DemoEnclave enclave = DemoEnclave.startOn(dir, storage, null, cluster.auditLog(auditLog()),
                new DemoWorld.Parameters(400, 20, 17), Progress.NONE)) {
            passwords = new DirectoryStore(enclave.storage()).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
        }
        Files.writeString(dir.resolve("enclave_audit.password"), cluster.auditPassword + "\n");
        // the operators keep DEMO-1's policies in Ranger Admin (a stand-in on loopback that answers as Ranger Admin does):
        // the project interpreters read them there, not from a file
        Files.createDirectories(dir.resolve("zeppelin").resolve("conf"));
        // under a service name of the operators' choosing, on both sides (apply --ranger-service, enclave.ranger.service)
        ranger = jp.nmi.enclave.testing.RangerAdminStandIn.start(RANGER_SERVICE, "enclave-ops",
                cluster.auditPassword + "-ranger");
        Files.writeString(dir.resolve("ranger.password"), cluster.auditPassword + "-ranger\n");
        String applied = apply(new String(DemoEnclave.class.getResourceAsStream("/demo/projects/DEMO-1.yaml").readAllBytes(),
                StandardCharsets.UTF_8));
        assertThat(applied).contains("DEMO-1");
        assertThat(ranger.policies()).as("DEMO-1's policies in Ranger Admin").isNotEmpty();
        Files.writeString(dir.resolve("notebook.properties"), String.join("\n",
                "enclave.target=" + Cluster.HDFS + "/enclave",
                "enclave.keystore=" + DemoEnclave.keyStore(dir),
                "enclave.ranger.admin=" + ranger.uri(),
                "enclave.ranger.user=enclave-ops",
                "enclave.ranger.password.file=" + dir.resolve("ranger.password"),
                "enclave.ranger.service=" + RANGER_SERVICE,
                "enclave.audit.log=" + auditLog(),
                "enclave.audit.anchor.jdbc=" + cluster.jdbcUrl(),
                "enclave.audit.anchor.user=enclave_audit",
                "enclave.audit.anchor.password.file=" + dir.resolve("enclave_audit.password"),
                "enclave.spark.master=" + Cluster.MASTER,
                "enclave.spark.secret.file=" + cluster.sparkSecret,
                "enclave.egress.url=http://127.0.0.1:" + EGRESS_PORT,
                "enclave.spark.conf.spark.executor.memory=512m",
                "enclave.spark.conf.spark.cores.max=2",
                // the workers share one address here (containers on one host): never read each other's shuffle files from "local" disk
                "enclave.spark.conf.spark.shuffle.readHostLocalDisk=false", ""));
        egress = cluster.runtime("egress", "egress", Map.of("ENCLAVE_EGRESS_DB_PASSWORD", cluster.egressPassword),
                "egress service: http://127.0.0.1:" + EGRESS_PORT, "serve", "--target", Cluster.HDFS + "/enclave", "--jdbc",
                cluster.jdbcUrl(), "--port", Integer.toString(EGRESS_PORT), "--metrics-port", "18481", "--keystore",
                DemoEnclave.keyStore(dir).toString(), "--discovery", "off");
        notebooks = cluster.runtime("notebooks", "notebooks", Map.of(), "notebooks: http://127.0.0.1:" + NOTEBOOK_PORT, "serve",
                "--target", Cluster.HDFS + "/enclave", "--settings", dir.resolve("notebook.properties").toString(), "--instance",
                dir.resolve("zeppelin").toString(), "--port", Integer.toString(NOTEBOOK_PORT), "--rpc-ports", "18100:18139",
                "--interpreter-heap", "1g");
        cluster.startWith(dir, egress, cluster.withSecret(notebooks));
        alice = as("alice");
        kenji = as("kenji");
        aliceNote = alice.createNote("/DEMO-1/alice on the cluster", List.of());
        kenjiNote = kenji.createNote("/DEMO-1/kenji on the cluster", List.of());
    }

    @AfterAll
    static void stop() {
        // the interpreter's application holds the workers' cores: the next classes need them
        for (GenericContainer<?> c : new GenericContainer<?>[] {notebooks, egress}) {
            if (c != null) {
                c.stop();
            }
        }
        if (ranger != null) {
            ranger.close();
        }
    }

    static Path auditLog() {
        return dir.resolve("audit").resolve("enclave-audit.jsonl");
    }

    static ZeppelinClient as(String user) {
        return login(NOTEBOOK_PORT, user, passwords.get(user));
    }

    /** {@code user} logged in to the notebook server on {@code port}. */
    static ZeppelinClient login(int port, String user, String password) {
        ZeppelinClient c = new ZeppelinClient(URI.create("http://127.0.0.1:" + port + "/"));
        ZeppelinClient.Answer a = c.login(user, password);
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        return c;
    }

    static List<String> row(ZeppelinClient.Result r) {
        assertThat(r.code()).as(r.text()).isEqualTo("SUCCESS");
        return r.table().get(1);
    }

    @Test
    @Order(1)
    void theDatabaseSpeaksOnlyTlsAndItsClientsVerifyTheServer() throws Exception {
        // every service here reached it already with the URLs production writes (sslmode=verify-full): the audit anchors of
        // apply and of the notebooks' statements, the egress service's requests
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(cluster.jdbcUrl(), "enclave_audit", cluster.auditPassword);
                java.sql.ResultSet r = c.createStatement().executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getBoolean("ssl")).isTrue();
            assertThat(r.getString("version")).startsWith("TLSv1.");
        }
        String plain = "jdbc:postgresql://127.0.0.1:" + Cluster.POSTGRES_PORT + "/postgres?sslmode=disable";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(plain, "enclave_audit",
                cluster.auditPassword).close()).as("a client that would not encrypt finds no entry")
                .hasMessageContaining("no pg_hba.conf entry").hasMessageContaining("no encryption");
        // a server certificate that the CA the client trusts did not sign: refused by the client, before any password is sent
        Path other = dir.resolve("other-ca");
        TestTls.make(other.resolve("ca.pem"), other.resolve("server"));
        String untrusted = "jdbc:postgresql://127.0.0.1:" + Cluster.POSTGRES_PORT + "/postgres?sslmode=verify-full&sslrootcert="
                + other.resolve("ca.pem");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(untrusted, "enclave_audit",
                cluster.auditPassword).close()).hasMessageContaining("SSL error");
    }

    @Test
    @Order(1)
    void eachMembersRowsComeFromTheWorkersExecutorsUnderTheirOwnPolicies() {
        List<String> aliceRow = row(alice.runText(aliceNote, "%enclave\n" + COUNTS));
        List<String> kenjiRow = row(kenji.runText(kenjiNote, "%enclave\n" + COUNTS));
        assertThat(Long.parseLong(aliceRow.get(1))).as("alice sees the participants who prohibit commercial use").isPositive();
        assertThat(kenjiRow.get(1)).as("kenji, an industry member, never does, on the executors too").isEqualTo("0");
        assertThat(Long.parseLong(kenjiRow.get(0))).isEqualTo(Long.parseLong(aliceRow.get(0)) - Long.parseLong(aliceRow.get(1)));

        ZeppelinClient.Result denied = kenji.runText(kenjiNote, "%enclave\nSELECT birth_year FROM participants");
        assertThat(denied.code()).isEqualTo("ERROR");
        assertThat(denied.text()).startsWith("Access denied: ").contains("birth_year").doesNotContain("Exception");
        List<List<String>> masked = alice.runText(aliceNote, "%enclave\nSELECT DISTINCT enrolled_on FROM participants").table();
        assertThat(masked.subList(1, masked.size())).as("dates masked to the year's first day, by the executors")
                .allSatisfy(r -> assertThat(r.get(0)).endsWith("-01-01"));

        // the project's application runs on the cluster: one executor on each worker
        JsonNode master = json(cluster.masterState());
        assertThat(master.path("aliveworkers").asInt()).isEqualTo(2);
        assertThat(master.path("activeapps").findValuesAsText("name")).contains("enclave DEMO-1");
        for (int i = 0; i < 2; i++) {
            JsonNode worker = json(cluster.workerState(i));
            assertThat(worker.path("executors").findValuesAsText("appid")).as("worker %d runs an executor of the project", i + 1)
                    .isNotEmpty();
        }
    }

    @Test
    @Order(2)
    void anOperatorsChangeAppliedFromTheCliReachesTheExecutorsAtTheNextStatement() throws Exception {
        String spec = new String(DemoEnclave.class.getResourceAsStream("/demo/projects/DEMO-1.yaml").readAllBytes(), StandardCharsets.UTF_8)
                .replace("masks:                      # first matching rule per column and member wins\n",
                        "masks:                      # first matching rule per column and member wins\n"
                                + "  - {column: samples.sample_id, mask: MASK_HASH, members: industry}\n");
        long before = ranger.version();
        assertThat(apply(spec)).contains("DEMO-1");
        assertThat(ranger.version()).as("the new mask is in Ranger Admin").isGreaterThan(before);

        // the extract's sample ids are already the project's pseudonyms; kenji's are keyed again by the mask
        String ids = "%enclave\nSELECT sample_id FROM samples";
        java.util.Set<String> alices = new java.util.HashSet<>(column(alice.runText(aliceNote, ids)));
        List<String> kenjis = column(kenji.runText(kenjiNote, ids));
        assertThat(kenjis).as("kenji's sample ids are keyed pseudonyms, computed on the executors").isNotEmpty()
                .allSatisfy(id -> assertThat(id).matches("[0-9a-f]{64}"));
        assertThat(kenjis.size()).as("his row filter still holds: fewer samples than alice").isLessThan(alices.size());
        assertThat(kenjis).as("none of them is an id alice sees").doesNotContainAnyElementsOf(alices);
    }

    static List<String> column(ZeppelinClient.Result r) {
        assertThat(r.code()).as(r.text()).isEqualTo("SUCCESS");
        List<List<String>> t = r.table();
        return t.subList(1, t.size()).stream().map(row -> row.get(0)).toList();
    }

    @Test
    @Order(3)
    void anExportIsReviewedByTwoStewardsAndOnlyTheApprovedBytesLeave() throws Exception {
        String query = "SELECT p.participant_id, p.sex FROM participants p";
        ZeppelinClient.Result crosstab = alice.runText(aliceNote, "%enclave\ncrosstab index=sex\n" + query);
        assertThat(crosstab.code()).as(crosstab.text()).isEqualTo("SUCCESS");
        assertThat(crosstab.data().get(1)).startsWith("Disclosure check under acro: PASS");
        ZeppelinClient.Result export = alice.runText(aliceNote, "%enclave\nexport sex.csv as \"Sex of the cohort\"");
        assertThat(export.code()).as(export.text()).isEqualTo("SUCCESS");
        assertThat(export.data().get(1)).startsWith("Exported sex.csv to the outbox of DEMO-1");

        JsonNode created = api("alice", "POST", "/api/requests", Map.of("project", "DEMO-1", "files", List.of("sex.csv"),
                "context", "sex of the breast cancer cohort", "controls", "every cell at least 10"));
        String id = created.path("id").asText();
        assertThat(created.path("status").asText()).as(created.toString()).isEqualTo("draft");
        api("alice", "POST", "/api/requests/" + id + "/submit", null);
        for (String steward : List.of("sato", "suzuki")) {
            Map<String, Object> files = new LinkedHashMap<>();
            files.put("sex.csv", Map.of("decision", "approve", "public_comment", "", "private_comment", "checked by " + steward));
            api(steward, "POST", "/api/requests/" + id + "/reviews", Map.of("files", files));
        }
        JsonNode released = api("sato", "POST", "/api/requests/" + id + "/release", null);
        assertThat(released.path("status").asText()).as(released.toString()).isEqualTo("released");
        byte[] bytes = call("alice", "GET", "/api/requests/" + id + "/files/sex.csv", null).body();
        String csv = new String(bytes, StandardCharsets.UTF_8);
        assertThat(csv).contains("sex").contains("F");
        try (EnclaveStorage storage = EnclaveStorage.connect(URI.create(Cluster.HDFS + "/enclave"));
                var in = storage.fs().open(new org.apache.hadoop.fs.Path("/enclave/projects/DEMO-1/outbox/sex.csv"))) {
            assertThat(bytes).as("the released bytes are the ones exported").isEqualTo(in.readAllBytes());
        }
    }

    @Test
    @Order(4)
    void aWorkerKilledInTheMiddleOfAQueryNeverYieldsRowsTheMemberMayNotSee() throws Exception {
        // heavy enough to be running when the worker dies: a string made for each of kenji's participants twenty million
        // times, in eight tasks
        String heavy = "SELECT count(*) AS n, sum(CASE WHEN p.commercial_use_prohibited THEN 1 ELSE 0 END) AS prohibited,"
                + " sum(length(concat(p.region, CAST(r.id AS STRING)))) AS chars FROM participants p CROSS JOIN range(0, 20000000, 1, 8) r";
        long started = System.nanoTime();
        List<String> expected = row(kenji.runText(kenjiNote, "%enclave\n" + heavy));
        Duration baseline = Duration.ofNanos(System.nanoTime() - started);
        assertThat(expected.get(1)).isEqualTo("0");
        assertThat(baseline).as("the query runs long enough for a worker to die during it").isGreaterThan(Duration.ofSeconds(4));

        String paragraph = kenji.addParagraph(kenjiNote, "%enclave\n" + heavy);
        CompletableFuture<ZeppelinClient.Result> running = CompletableFuture.supplyAsync(() -> kenji.run(kenjiNote, paragraph));
        Thread.sleep(Math.min(2_000, baseline.toMillis() / 3));
        assertThat(running).as("still running when the worker is killed").isNotDone();
        cluster.killWorker(0);
        ZeppelinClient.Result r = running.get(5, TimeUnit.MINUTES);
        if (r.code().equals("SUCCESS")) {
            assertThat(r.table().get(1)).as("the query completed on the remaining worker, with kenji's rows only").isEqualTo(expected);
        } else {
            assertThat(r.text()).as("a clean failure, no data and no plan").doesNotContain("Project [").doesNotContain("participant_id =")
                    .doesNotContain("Exception");
            assertThat(r.types()).doesNotContain("TABLE");
        }
        cluster.restoreWorker(0);
        // the next statement runs on the cluster again, filtered as ever
        List<String> after = row(kenji.runText(kenjiNote, "%enclave\n" + COUNTS));
        assertThat(after.get(1)).isEqualTo("0");
    }

    @Test
    @Order(5)
    void everyServersPortsAreOnLoopback() throws IOException {
        List<String> listening = Sockets.listening(cluster.processIds());
        assertThat(listening).as("the containers' servers listen").hasSizeGreaterThan(10)
                .allSatisfy(a -> assertThat(a).startsWith("127.0.0.1:"));
    }

    @Test
    @Order(6)
    void aDriverWithoutTheClustersSecretGetsNoExecutorsAndNoAnswer() throws Exception {
        Path root = Path.of(System.getProperty("enclave.root", "../.."));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + root.resolve("infra/jvm/java17.options"), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Intruder.class.getName(), Cluster.MASTER).redirectErrorStream(true);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process intruder = pb.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(intruder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        try {
            // the master refuses it (no authentication): Spark gives up after three registration attempts of 20 s
            assertThat(intruder.waitFor(150, TimeUnit.SECONDS)).as("the intruder gives up").isTrue();
        } finally {
            intruder.destroyForcibly();
        }
        String out = output.get(10, TimeUnit.SECONDS);
        assertThat(out).as(out).doesNotContain("ANSWER ").contains("REFUSED ");
        assertThat(cluster.masterState()).as("the master never registered it").doesNotContain("intruder");
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** {@code project apply} of a DEMO-1 spec by an operator, from the CLI's container, the policies into Ranger Admin. */
    static String apply(String spec) throws IOException {
        Path file = dir.resolve("DEMO-1.yaml");
        Files.writeString(file, spec);
        return cli("project", "apply", file.toString(), "--target", Cluster.HDFS + "/enclave", "--keystore",
                DemoEnclave.keyStore(dir).toString(), "--ranger-admin", ranger.uri().toString(), "--ranger-user", "enclave-ops",
                "--ranger-password-file", dir.resolve("ranger.password").toString(), "--ranger-service", RANGER_SERVICE, "--audit-log",
                auditLog().toString(),
                "--audit-anchor-jdbc", cluster.jdbcUrl(), "--notebook-conf", dir.resolve("zeppelin").resolve("conf").toString(),
                "--as", "ops");
    }

    /** Runs the operators' CLI (./enclave ARGS) in a container of its own, as an operator's host would, and returns its output. */
    static String cli(String... args) {
        GenericContainer<?> c = cluster.runtime("cli", "cli", Map.of("ENCLAVE_AUDIT_ANCHOR_PASSWORD", cluster.auditPassword), "", args)
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(5)))
                .withFileSystemBind(dir.toString(), dir.toString(), org.testcontainers.containers.BindMode.READ_WRITE);
        try {
            c.start();
            return c.getLogs();
        } catch (RuntimeException e) {
            throw new AssertionError("the CLI failed: " + c.getLogs(), e);
        } finally {
            c.stop();
        }
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    static JsonNode api(String user, String method, String path, Object body) throws Exception {
        HttpResponse<byte[]> r = call(user, method, path, body);
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(method + " " + path + ": " + text).isBetween(200, 299);
        return json(text);
    }

    static HttpResponse<byte[]> call(String user, String method, String path, Object body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + EGRESS_PORT + path)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + passwords.get(user))
                        .getBytes(StandardCharsets.UTF_8)));
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
