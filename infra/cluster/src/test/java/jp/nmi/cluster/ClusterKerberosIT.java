package jp.nmi.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The enclave on HDFS with Kerberos, configured as infra/production/hadoop says (see
 * {@link KerberizedHdfs}): the administrator gives the enclave its root, the operators' CLI ingests,
 * adds a user and applies a project (its extract built by Spark) logged in from the enclave's
 * keytab; nobody without a ticket, no principal of the realm that is not the enclave's, and no client
 * that would talk in the clear gets anything.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterKerberosIT {
    static final String TARGET = KerberizedHdfs.URI + "/enclave";
    static final int NOTEBOOK_PORT = 18290;
    static final int EGRESS_PORT = 18580;
    static final int MASTER_PORT = 17277;
    static Cluster cluster;
    static String jdbc;
    static KerberizedHdfs hdfs;
    static Path dir;
    static String alicePassword;

    @BeforeAll
    static void start() throws Exception {
        dir = Path.of("target", "kerberos-it").toAbsolutePath();
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        // the cluster's PostgreSQL (audit anchors, the egress service's requests), in a database of this class's own;
        // started first: the cluster's start removes the test containers an interrupted run left
        cluster = Cluster.get();
        jdbc = cluster.newDatabase("kerberos");
        hdfs = KerberizedHdfs.start(dir);
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.close();
        }
    }

    @Test
    @Order(1)
    void theAdministratorGivesTheEnclaveItsRootAndTheOperatorsCliWorksThereAsTheEnclave() throws Exception {
        // one login, three commands (role hdfs runs commands separated by a lone ';')
        hdfs.shell("admin", "-mkdir", "/enclave", ";", "-chown", "enclave:enclave", "/enclave", ";", "-chmod", "750", "/enclave")
                .succeeded();
        assertThat(hdfs.shell("admin", "-ls", "-d", "/enclave").succeeded().output())
                .as("the enclave's principal is the local account enclave (auth_to_local)").contains("drwxr-x---", "enclave enclave");

        Path source = dir.resolve("source");
        cli("demo-data", "--participants", "300", "--variants", "20", "--seed", "7", "--out", source.toString());
        String[] target = {"--target", TARGET, "--keystore", dir.resolve("keys").resolve("enclave-keys.p12").toString(), "--audit-log",
            dir.resolve("audit.jsonl").toString(), "--audit-unanchored", "--as", "ops", "--policies",
            dir.resolve("policies").resolve("enclave_hive.json").toString()};
        cli(concat(new String[] {"users", "add", "ops", "--role", "operator"}, target));
        assertThat(cli(concat(new String[] {"ingest", "--source", source.toString()}, target))).contains("participants");
        Path password = dir.resolve("alice.password");
        alicePassword = "kerberos-" + Long.toHexString(System.nanoTime());
        Files.writeString(password, alicePassword + "\n");
        Files.setPosixFilePermissions(password, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        cli(concat(new String[] {"users", "add", "alice", "--role", "analyst", "--password-file", password.toString()}, target));
        Files.createDirectories(dir.resolve("zeppelin").resolve("conf"));
        target = concat(target, new String[] {"--notebook-conf", dir.resolve("zeppelin").resolve("conf").toString()});
        Path spec = dir.resolve("KRB-1.yaml");
        Files.writeString(spec, String.join("\n",
                "id: KRB-1",
                "title: The enclave under Kerberos",
                "purpose: {code: HMB, commercial: false}",
                "approval: {reference: REC-2026-099, date: 2026-03-15}",
                "start: 2026-04-01",
                "end: 2029-03-31",
                "members:",
                "  - {user: alice, role: lead, affiliation: academic}",
                "datasets:",
                "  participants: [participant_id, sex, age_band, region]",
                "  diagnoses: [participant_id, icd10]",
                "disclosure_profile: acro", ""));
        assertThat(cli(concat(new String[] {"project", "apply", spec.toString()}, target))).contains("KRB-1");

        String extract = hdfs.shell("enclave", "-ls", "-R", "/enclave/projects/KRB-1").succeeded().output();
        assertThat(extract).as("the extract, written by Spark as the enclave").contains(".parquet").contains("enclave enclave")
                .doesNotContain(" hdfs ").doesNotContain(" root ");
    }

    @Test
    @Order(2)
    void withoutATicketNothingIsAnswered() throws Exception {
        Configuration simple = new Configuration(false);
        simple.set("fs.hdfs.impl", "org.apache.hadoop.hdfs.DistributedFileSystem");
        simple.set("hadoop.security.authentication", "simple");
        assertThatThrownBy(() -> {
            try (FileSystem fs = FileSystem.newInstance(URI.create(KerberizedHdfs.URI), simple)) {
                fs.listStatus(new org.apache.hadoop.fs.Path("/"));
            }
        }).hasMessageContaining("SIMPLE authentication is not enabled");

        KerberizedHdfs.Run noTicket = hdfs.run(null, null, Map.of(), "cli", "users", "list", "--target", TARGET, "--audit-log",
                dir.resolve("audit-none.jsonl").toString(), "--audit-unanchored");
        assertThat(noTicket.exitCode()).as(noTicket.output()).isNotZero();
        assertThat(noTicket.output()).contains("KERBEROS").doesNotContain("alice");
    }

    @Test
    @Order(3)
    void aPrincipalOfTheRealmThatIsNotTheEnclavesReadsNothingEvenWithAnAnalystsName() {
        String refused = "is not authorized for protocol interface org.apache.hadoop.hdfs.protocol.ClientProtocol";
        KerberizedHdfs.Run mallory = hdfs.shell("mallory", "-ls", "/enclave");
        assertThat(mallory.exitCode()).isNotZero();
        assertThat(mallory.output()).as("every principal but the enclave's, egress's and HDFS's is nobody (auth_to_local), whom"
                + " hadoop-policy.xml lets call nothing").contains(refused).doesNotContain("/enclave/projects");
        // alice@ENCLAVE.EXAMPLE.JP is someone of the provider's realm, not the analyst alice whose name the outbox's ACLs give
        for (String area : new String[] {"outbox", "workspace"}) {
            KerberizedHdfs.Run namesake = hdfs.run("alice", "alice", Map.of(), "hdfs", "-ls", "/enclave/projects/KRB-1/" + area);
            assertThat(namesake.exitCode()).as(namesake.output()).isNotZero();
            assertThat(namesake.output()).contains(refused);
        }
        // a web server's principal (every SPNEGO service of the realm has one) is nobody too, never HDFS's superuser
        KerberizedHdfs.Run web = hdfs.run("hdfs-services", "HTTP/localhost", Map.of(), "hdfs", "-ls", "/enclave/datasets");
        assertThat(web.exitCode()).as(web.output()).isNotZero();
        assertThat(web.output()).contains(refused);
        assertThat(hdfs.shell("enclave", "-getfacl", "/enclave/projects/KRB-1/outbox").succeeded().output())
                .as("the outbox's ACL names the analyst alice").contains("user:alice:");
    }

    @Test
    @Order(4)
    void aClientThatWouldNotEncryptIsRefused() {
        KerberizedHdfs.Run clear = hdfs.shell("enclave", "-D", "hadoop.rpc.protection=authentication", "-ls", "/enclave");
        assertThat(clear.exitCode()).isNotZero();
        assertThat(clear.output()).contains("No common protection layer between client and server").doesNotContain("/enclave/projects");
        assertThat(hdfs.shell("enclave", "-ls", "/enclave").succeeded().output()).contains("/enclave/projects");
    }

    @Test
    @Order(5)
    void anAnalystQueriesAndExportsInANotebookAndTheEgressServiceQuarantinesItAllUnderKerberos() throws Exception {
        Files.writeString(dir.resolve("enclave_audit.password"), cluster.auditPassword + "\n");
        Files.writeString(dir.resolve("notebook.properties"), String.join("\n",
                "enclave.target=" + TARGET,
                "enclave.keystore=" + dir.resolve("keys").resolve("enclave-keys.p12"),
                "enclave.policies=" + dir.resolve("policies").resolve("enclave_hive.json"),
                "enclave.audit.log=" + dir.resolve("notebook-audit.jsonl"),
                "enclave.audit.anchor.jdbc=" + jdbc,
                "enclave.audit.anchor.user=enclave_audit",
                "enclave.audit.anchor.password.file=" + dir.resolve("enclave_audit.password"),
                "enclave.egress.url=http://127.0.0.1:" + EGRESS_PORT,
                "enclave.spark.master=spark://127.0.0.1:" + MASTER_PORT,
                "enclave.spark.secret.file=" + cluster.sparkSecret,
                "enclave.spark.conf.spark.executor.memory=512m",
                "enclave.spark.conf.spark.cores.max=1", ""));
        // a Spark master and a worker with the site's configuration and no keytab: the executors read HDFS with the
        // delegation tokens the project's driver obtains for them
        var master = cluster.withSecret(hdfs.serverWithoutKeytab("spark-master", "spark-master", Map.of("SPARK_MASTER_PORT",
                Integer.toString(MASTER_PORT), "SPARK_MASTER_WEBUI_PORT", "18380"), "I have been elected leader"));
        master.start();
        var worker = cluster.withSecret(hdfs.serverWithoutKeytab("spark-worker", "spark-worker", Map.of("SPARK_MASTER", "spark://127.0.0.1:"
                + MASTER_PORT, "SPARK_WORKER_CORES", "1", "SPARK_WORKER_MEMORY", "1g", "SPARK_WORKER_WEBUI_PORT", "18381"),
                "Successfully registered with master"));
        worker.start();
        assertThat(worker.execInContainer("ls", hdfs.keytabs.toString()).getExitCode()).as("the worker's host holds no keytab")
                .isNotZero();
        Map<String, String> asEnclave = Map.of("ENCLAVE_KERBEROS_KEYTAB", hdfs.keytabs.resolve("enclave.keytab").toString(),
                "ENCLAVE_KERBEROS_PRINCIPAL", "enclave/localhost@" + KerberizedHdfs.REALM);
        Map<String, String> notebookEnv = new java.util.HashMap<>(asEnclave);
        notebookEnv.put("ENCLAVE_TOKEN_REFRESH_SECONDS", "12"); // the executors' tokens replaced several times during the test
        var notebooks = cluster.withSecret(hdfs.server("notebooks", "notebooks", notebookEnv, "notebooks: http://127.0.0.1:" + NOTEBOOK_PORT, "serve",
                "--target", TARGET, "--settings", dir.resolve("notebook.properties").toString(), "--instance",
                dir.resolve("zeppelin").toString(), "--port", Integer.toString(NOTEBOOK_PORT), "--rpc-ports", "18300:18339",
                "--interpreter-heap", "1g"));
        // the egress service has a principal of its own, whose account reads outboxes and keeps its own directory only
        // (the ACLs project apply gives it): an administrator hands it that directory once
        // and what an earlier version of the service left in it, made before it gave the enclave ACLs: a request's mark and
        // its quarantined copy, which a closure must still be able to destroy
        hdfs.shell("admin", "-mkdir", "-p", "/enclave/egress/pending/KRB-1/R-EARLIER", "/enclave/egress/quarantine/R-EARLIER", ";",
                "-touchz", "/enclave/egress/quarantine/R-EARLIER/0a1b", ";", "-chown", "-R", "egress:egress", "/enclave/egress", ";",
                "-chmod", "-R", "700", "/enclave/egress").succeeded();
        Map<String, String> egressEnv = Map.of("ENCLAVE_KERBEROS_KEYTAB", hdfs.keytabs.resolve("egress.keytab").toString(),
                "ENCLAVE_KERBEROS_PRINCIPAL", "egress/localhost@" + KerberizedHdfs.REALM, "ENCLAVE_EGRESS_DB_PASSWORD",
                cluster.egressPassword);
        var egress = hdfs.server("egress", "egress", egressEnv, "egress service: http://127.0.0.1:" + EGRESS_PORT, "serve", "--target",
                TARGET, "--jdbc", jdbc, "--port", Integer.toString(EGRESS_PORT), "--metrics-port", "18581", "--keystore",
                dir.resolve("keys").resolve("enclave-keys.p12").toString(), "--discovery", "off");
        org.testcontainers.lifecycle.Startables.deepStart(notebooks, egress).join();
        String leftovers = hdfs.shell("admin", "-getfacl", "/enclave/egress/pending/KRB-1", ";", "-getfacl",
                "/enclave/egress/pending/KRB-1/R-EARLIER", ";", "-getfacl", "/enclave/egress/quarantine/R-EARLIER", ";", "-getfacl",
                "/enclave/egress/quarantine/R-EARLIER/0a1b").succeeded().output();
        assertThat(java.util.regex.Pattern.compile("(?m)^user:enclave:rwx$").matcher(leftovers).results().count())
                .as("the service gave the enclave's account what it left before: %s", leftovers).isEqualTo(3);
        assertThat(leftovers).as("and read access to the files in them, which a closure hashes").containsPattern("(?m)^user:enclave:r--$");

        jp.nmi.infra.zeppelin.ZeppelinClient alice = new jp.nmi.infra.zeppelin.ZeppelinClient(
                URI.create("http://127.0.0.1:" + NOTEBOOK_PORT + "/"));
        assertThat(alice.login("alice", alicePassword).status()).isEqualTo(200);
        String note = alice.createNote("/KRB-1/alice under Kerberos", java.util.List.of());
        jp.nmi.infra.zeppelin.ZeppelinClient.Result count = alice.runText(note, "%enclave\nSELECT count(*) AS n FROM participants");
        assertThat(count.code()).as(count.text()).isEqualTo("SUCCESS");
        assertThat(Long.parseLong(count.table().get(1).get(0))).as("the extract, read from Kerberized HDFS by the executors")
                .isPositive();
        assertThat(Cluster.http("http://127.0.0.1:18381/json/")).as("the worker runs the project's executor")
                .contains("enclave KRB-1");
        jp.nmi.infra.zeppelin.ZeppelinClient.Result crosstab = alice.runText(note,
                "%enclave\ncrosstab index=sex\nSELECT participant_id, sex FROM participants");
        assertThat(crosstab.code()).as(crosstab.text()).isEqualTo("SUCCESS");
        jp.nmi.infra.zeppelin.ZeppelinClient.Result export = alice.runText(note, "%enclave\nexport sex.csv as \"Sex of the cohort\"");
        assertThat(export.code()).as(export.text()).isEqualTo("SUCCESS");
        assertThat(export.data().get(1)).startsWith("Exported sex.csv to the outbox of KRB-1");
        assertThat(hdfs.shell("enclave", "-stat", "owner=%u", "/enclave/projects/KRB-1/outbox/sex.csv").succeeded().output())
                .as("written by the enclave, which acts as no analyst on HDFS").contains("owner=enclave\n");
        assertThat(hdfs.shell("enclave", "-getfattr", "-n", "user.enclave.exporter", "/enclave/projects/KRB-1/outbox/sex.csv")
                .succeeded().output()).as("the member who exported it, recorded on the file").contains("user.enclave.exporter=\"alice\"");

        java.net.http.HttpResponse<String> created = egressApi("POST", "/api/requests", "{\"project\":\"KRB-1\",\"files\":[\"sex.csv\"],"
                + "\"context\":\"sex of the cohort\",\"controls\":\"every cell at least 10\"}");
        assertThat(created.statusCode()).as(created.body()).isBetween(200, 299);
        String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).path("id").asText();
        java.net.http.HttpResponse<String> submitted = egressApi("POST", "/api/requests/" + id + "/submit", null);
        assertThat(submitted.statusCode()).as(submitted.body()).isBetween(200, 299);
        assertThat(hdfs.shell("admin", "-ls", "-R", "/enclave/egress").succeeded().output())
                .as("the export in quarantine, the egress service's copy, named by its hash")
                .containsPattern("egress egress +\\d+ .* /enclave/egress/quarantine/" + id + "/[0-9a-f]{64}\n");
        KerberizedHdfs.Run extract = hdfs.run("egress", "egress/localhost", Map.of(), "hdfs", "-ls", "/enclave/projects/KRB-1/extract");
        assertThat(extract.output()).as("the egress service's account never reads the extract")
                .contains("Permission denied: user=egress");

        // the executors' tokens are replaced every 12 s here (8 h in production) and the ones before cancelled: after three
        // rounds the first are gone, and the executors read with new ones the driver's own Kerberos login obtained
        Thread.sleep(40_000);
        jp.nmi.infra.zeppelin.ZeppelinClient.Result again = alice.runText(note, "%enclave\nSELECT count(*) AS n FROM participants");
        assertThat(again.code()).as(again.text()).isEqualTo("SUCCESS");
        assertThat(again.table().get(1)).isEqualTo(count.table().get(1));
        String interpreterLog = Files.readString(dir.resolve("zeppelin").resolve("logs").resolve("interpreter-KRB-1.log"));
        assertThat(interpreterLog).as("every round obtained new tokens").doesNotContain("cannot renew the executors' HDFS tokens")
                .contains("executors' HDFS tokens replaced (round 3), the ones before the last cancelled");
    }

    @Test
    @Order(6)
    void theProjectIsClosedAndDestroyedByTheEnclaveWhichIsNoSuperuser() throws Exception {
        // the request is still pending: the closure overrides it, and its quarantined copy goes with the project
        String out = cli("project", "close", "KRB-1", "--override-pending", "--reason", "end of the Kerberos test", "--yes",
                "--certificate-dir", dir.toString(), "--target", TARGET, "--keystore", dir.resolve("keys").resolve("enclave-keys.p12")
                        .toString(), "--audit-log", dir.resolve("audit.jsonl").toString(), "--audit-unanchored", "--as", "ops",
                "--policies", dir.resolve("policies").resolve("enclave_hive.json").toString(), "--notebook-conf",
                dir.resolve("zeppelin").resolve("conf").toString());
        assertThat(out).contains("KRB-1");
        String left = hdfs.shell("admin", "-ls", "-R", "/enclave/projects/KRB-1", "/enclave/egress/quarantine", "/enclave/egress/pending")
                .succeeded().output();
        assertThat(left).as("the extract, workspace, outbox, the quarantined copies and the marks destroyed, an earlier version's too")
                .doesNotContain("/extract/").doesNotContain("/outbox/sex.csv").doesNotContain("/enclave/egress/quarantine/R-")
                .doesNotContain("/enclave/egress/pending/KRB-1");
    }

    static java.net.http.HttpResponse<String> egressApi(String method, String path, String json) throws Exception {
        var b = java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + EGRESS_PORT + path))
                .timeout(java.time.Duration.ofMinutes(2)).header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString(("alice:" + alicePassword).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        b = json == null ? b.method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, java.net.http.HttpRequest.BodyPublishers.ofString(json));
        return java.net.http.HttpClient.newHttpClient().send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    static String cli(String... args) {
        return hdfs.run("enclave", "enclave/localhost", Map.of(), "cli", args).succeeded().output();
    }

    static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
