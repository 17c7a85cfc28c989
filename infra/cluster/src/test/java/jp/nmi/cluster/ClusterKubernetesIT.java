package jp.nmi.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.sql.ClusterSecurity;
import jp.nmi.infra.zeppelin.ZeppelinClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.containers.GenericContainer;

/**
 * Spark on Kubernetes: the project interpreter is the driver (client mode, as on the notebook
 * host), Spark's own Kubernetes scheduler creates the executors' pods from the enclave's template,
 * and every pod runs as a container of the runtime image ({@code role executor}), not root, with the
 * application's own secret from the Kubernetes Secret its driver created. There is no Kubernetes on these machines: the API server
 * is fabric8's (state kept as an API server keeps it, on loopback) and a {@link KubeletStandIn} does
 * a node's part; the scheduler, the pods' specs, the image and the executors are the real ones.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterKubernetesIT {
    static final int NOTEBOOK_PORT = 18690;
    static final int API_PORT = 18643;
    static final String NAMESPACE = "enclave-executors";
    static final String COUNTS = ClusterIT.COUNTS;

    static Cluster cluster;
    static Path dir;
    static Map<String, String> passwords;
    static KubernetesMockServer api;
    static KubernetesClient client;
    static KubeletStandIn kubelet;
    static GenericContainer<?> notebooks;
    static ZeppelinClient alice;
    static ZeppelinClient kenji;
    static String aliceNote;
    static String kenjiNote;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.get();
        cluster.freshEnclave();
        Cluster.removeLeftovers("enclave-pod-");
        dir = Files.createDirectories(Path.of("target", "cluster-k8s-it").toAbsolutePath());
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        }
        Path audit = dir.resolve("audit").resolve("enclave-audit.jsonl");
        EnclaveStorage storage = EnclaveStorage.connect(URI.create(Cluster.HDFS + "/enclave"));
        Path policies;
        try (DemoEnclave enclave = DemoEnclave.startOn(dir, storage, null, cluster.auditLog(audit),
                new DemoWorld.Parameters(400, 20, 17), Progress.NONE)) {
            passwords = new DirectoryStore(enclave.storage()).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
            policies = enclave.policyFile();
        }
        // the cluster's API server, and what its administrators made once (infra/production/kubernetes): the executors'
        // namespace, the site's Hadoop configuration as a config map
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init(InetAddress.getByName("127.0.0.1"), API_PORT);
        client = api.createClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
        client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName("enclave-hadoop-conf")
                .endMetadata().addToData("core-site.xml", "<?xml version=\"1.0\"?>\n<configuration>\n  <property><name>fs.defaultFS</name>"
                        + "<value>" + Cluster.HDFS + "</value></property>\n</configuration>\n").build()).create();
        kubelet = new KubeletStandIn(client, NAMESPACE, cluster.logs, Files.createDirectories(dir.resolve("node")));

        Files.writeString(dir.resolve("enclave_audit.password"), cluster.auditPassword + "\n");
        Files.writeString(dir.resolve("notebook.properties"), String.join("\n",
                "enclave.target=" + Cluster.HDFS + "/enclave",
                "enclave.keystore=" + DemoEnclave.keyStore(dir),
                "enclave.policies=" + policies,
                "enclave.audit.log=" + audit,
                "enclave.audit.anchor.jdbc=" + cluster.jdbcUrl(),
                "enclave.audit.anchor.user=enclave_audit",
                "enclave.audit.anchor.password.file=" + dir.resolve("enclave_audit.password"),
                "enclave.spark.master=k8s://http://127.0.0.1:" + API_PORT,
                "enclave.spark.conf.spark.kubernetes.namespace=" + NAMESPACE,
                "enclave.spark.conf.spark.kubernetes.container.image=" + Cluster.RUNTIME,
                "enclave.spark.conf.spark.kubernetes.container.image.pullPolicy=Never",
                "enclave.spark.conf.spark.executor.instances=2",
                "enclave.spark.conf.spark.executor.memory=512m",
                "enclave.spark.conf.spark.shuffle.readHostLocalDisk=false", ""));
        notebooks = cluster.runtime("notebooks-k8s", "notebooks", Map.of(), "notebooks: http://127.0.0.1:" + NOTEBOOK_PORT, "serve",
                "--target", Cluster.HDFS + "/enclave", "--settings", dir.resolve("notebook.properties").toString(), "--instance",
                dir.resolve("zeppelin").toString(), "--port", Integer.toString(NOTEBOOK_PORT), "--rpc-ports", "18600:18639",
                "--interpreter-heap", "1g");
        cluster.startWith(dir, notebooks);
        alice = ClusterIT.login(NOTEBOOK_PORT, "alice", passwords.get("alice"));
        kenji = ClusterIT.login(NOTEBOOK_PORT, "kenji", passwords.get("kenji"));
        aliceNote = alice.createNote("/DEMO-1/alice on Kubernetes", List.of());
        kenjiNote = kenji.createNote("/DEMO-1/kenji on Kubernetes", List.of());
    }

    @AfterAll
    static void stop() {
        if (notebooks != null) {
            notebooks.stop();
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (api != null) {
            api.destroy();
        }
    }

    @Test
    @Order(1)
    void eachMembersRowsComeFromExecutorPodsUnderTheirOwnPolicies() {
        List<String> aliceRow = ClusterIT.row(alice.runText(aliceNote, "%enclave\n" + COUNTS));
        List<String> kenjiRow = ClusterIT.row(kenji.runText(kenjiNote, "%enclave\n" + COUNTS));
        assertThat(Long.parseLong(aliceRow.get(1))).as("alice sees the participants who prohibit commercial use").isPositive();
        assertThat(kenjiRow.get(1)).as("kenji, an industry member, never does, on the executors too").isEqualTo("0");
        assertThat(Long.parseLong(kenjiRow.get(0))).isEqualTo(Long.parseLong(aliceRow.get(0)) - Long.parseLong(aliceRow.get(1)));
        ZeppelinClient.Result denied = kenji.runText(kenjiNote, "%enclave\nSELECT birth_year FROM participants");
        assertThat(denied.code()).isEqualTo("ERROR");
        assertThat(denied.text()).startsWith("Access denied: ").contains("birth_year").doesNotContain("Exception");
        List<List<String>> masked = alice.runText(aliceNote, "%enclave\nSELECT DISTINCT enrolled_on FROM participants").table();
        assertThat(masked.subList(1, masked.size())).as("dates masked to the year's first day, by the executors")
                .allSatisfy(r -> assertThat(r.get(0)).endsWith("-01-01"));

        assertThat(kubelet.refused()).as("every pod Spark asked for was one a node runs").isEmpty();
        List<Pod> executors = client.pods().inNamespace(NAMESPACE).withLabel("spark-role", "executor").list().getItems();
        assertThat(executors).as("the project's executors, as pods Spark's scheduler created").hasSize(2)
                .allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Running"));
        for (Pod p : executors) {
            assertThat(Files.exists(cluster.logs.resolve("pod-" + p.getMetadata().getName() + ".log"))).isTrue();
        }
    }

    @Test
    @Order(2)
    void theExecutorsPodsAreTheEnclavesTemplateAndCarryNoSecret() throws Exception {
        // the application's own secret, which its driver created for its executors
        List<io.fabric8.kubernetes.api.model.Secret> secrets = client.secrets().inNamespace(NAMESPACE)
                .withLabel(ClusterSecurity.SECRET_LABEL, ClusterSecurity.SECRET_LABEL_VALUE).list().getItems();
        assertThat(secrets).as("one secret, the running application's").singleElement()
                .satisfies(x -> assertThat(x.getMetadata().getName()).startsWith("enclave-demo-1-"));
        io.fabric8.kubernetes.api.model.Secret own = secrets.get(0);
        String secret = own.getStringData() != null && own.getStringData().containsKey("secret") ? own.getStringData().get("secret")
                : new String(Base64.getDecoder().decode(own.getData().get("secret")), StandardCharsets.UTF_8);
        assertThat(secret).hasSize(64);
        String secretBase64 = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
        assertThat(kubelet.started()).isNotEmpty();
        for (Pod pod : kubelet.started().values()) {
            var spec = pod.getSpec();
            assertThat(spec.getAutomountServiceAccountToken()).as("no token for the Kubernetes API").isFalse();
            assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(185L);
            Container c = spec.getContainers().get(0);
            assertThat(c.getArgs()).containsExactly("executor");
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            // the pod spec is readable by whoever may read pods in the namespace: neither the secret nor a project's key
            String podSpec = io.fabric8.kubernetes.client.utils.Serialization.asYaml(pod);
            assertThat(podSpec).doesNotContain(secret).doesNotContain(secretBase64).doesNotContain("_SPARK_AUTH_SECRET")
                    .doesNotContain("spark.enclave.secret");
            assertThat(c.getEnv()).extracting(EnvVar::getName).contains("SPARK_DRIVER_URL", "HADOOP_CONF_DIR");
            assertThat(spec.getVolumes()).anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName())
                    .isEqualTo(own.getMetadata().getName()));
            GenericContainer<?> running = kubelet.container(pod.getMetadata().getName());
            assertThat(running).as("pod %s runs", pod.getMetadata().getName()).isNotNull();
            String status = running.execInContainer("cat", "/proc/1/status").getStdout();
            assertThat(status).as("the executor's process is not root, and holds no capability even as a bound")
                    .containsPattern("(?m)^Uid:\\s+185\\s").containsPattern("(?m)^CapBnd:\\s+0+$");
            var touch = running.execInContainer("touch", "/opt/enclave/lib/x");
            assertThat(touch.getExitCode()).as("its root file system is read-only").isNotZero();
            assertThat(touch.getStderr()).contains("Read-only file system");
        }
    }

    @Test
    @Order(3)
    void anExecutorPodDeletedInTheMiddleOfAQueryNeverYieldsRowsTheMemberMayNotSee() throws Exception {
        String heavy = "SELECT count(*) AS n, sum(CASE WHEN p.commercial_use_prohibited THEN 1 ELSE 0 END) AS prohibited,"
                + " sum(length(concat(p.region, CAST(r.id AS STRING)))) AS chars FROM participants p CROSS JOIN range(0, 20000000, 1, 8) r";
        long started = System.nanoTime();
        List<String> expected = ClusterIT.row(kenji.runText(kenjiNote, "%enclave\n" + heavy));
        Duration baseline = Duration.ofNanos(System.nanoTime() - started);
        assertThat(expected.get(1)).isEqualTo("0");
        assertThat(baseline).as("the query runs long enough for a pod to go during it").isGreaterThan(Duration.ofSeconds(4));

        String paragraph = kenji.addParagraph(kenjiNote, "%enclave\n" + heavy);
        CompletableFuture<ZeppelinClient.Result> running = CompletableFuture.supplyAsync(() -> kenji.run(kenjiNote, paragraph));
        Thread.sleep(Math.min(2_000, baseline.toMillis() / 3));
        assertThat(running).as("still running when the pod is deleted").isNotDone();
        String victim = client.pods().inNamespace(NAMESPACE).withLabel("spark-role", "executor").list().getItems().get(0)
                .getMetadata().getName();
        client.pods().inNamespace(NAMESPACE).withName(victim).delete();
        ZeppelinClient.Result r = running.get(5, TimeUnit.MINUTES);
        if (r.code().equals("SUCCESS")) {
            assertThat(r.table().get(1)).as("the query completed on the other executors, with kenji's rows only").isEqualTo(expected);
        } else {
            assertThat(r.text()).as("a clean failure, no data and no plan").doesNotContain("Project [").doesNotContain("participant_id =")
                    .doesNotContain("Exception");
            assertThat(r.types()).doesNotContain("TABLE");
        }
        // Spark's scheduler asks for another pod in its place; the next statement runs filtered as ever
        List<String> after = ClusterIT.row(kenji.runText(kenjiNote, "%enclave\n" + COUNTS));
        assertThat(after.get(1)).isEqualTo("0");
        assertThat(kubelet.started().keySet()).as("a new executor pod replaced %s", victim).hasSizeGreaterThan(2);
    }

    @Test
    @Order(4)
    void anExecutorWithAnotherApplicationsSecretGetsNothingFromTheDriver() throws Exception {
        // what a compromised executor of another project holds: its own application's secret, and this driver's address
        Pod real = client.pods().inNamespace(NAMESPACE).withLabel("spark-role", "executor").list().getItems().stream()
                .filter(p -> "Running".equals(p.getStatus().getPhase())).findFirst().orElseThrow();
        Map<String, String> env = new HashMap<>();
        for (EnvVar v : real.getSpec().getContainers().get(0).getEnv()) {
            env.put(v.getName(), v.getValue() == null ? "127.0.0.1" : v.getValue());
        }
        env.put("SPARK_EXECUTOR_ID", "99");
        env.put("SPARK_EXECUTOR_POD_NAME", "intruder");
        env.remove("HADOOP_CONF_DIR");
        Path other = Files.createDirectories(dir.resolve("intruder"));
        Files.writeString(other.resolve("secret"), "another application's secret, 64 characters long .............");
        GenericContainer<?> intruder = new GenericContainer<>(org.testcontainers.utility.DockerImageName.parse(Cluster.RUNTIME))
                .withNetworkMode("host").withEnv(env).withCommand("executor").withLabel(Cluster.LABEL, "true")
                .withFileSystemBind(other.toString(), ClusterSecurity.EXECUTOR_SECRET_DIR, org.testcontainers.containers.BindMode.READ_ONLY)
                .withCreateContainerCmdModifier(cmd -> cmd.withName("enclave-pod-intruder"))
                .withLogConsumer(Cluster.toFile(cluster.logs, "pod-intruder"))
                .withStartupCheckStrategy(new org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy()
                        .withTimeout(Duration.ofMinutes(3)));
        String log;
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(intruder::start).as("the intruding executor ends in failure");
        } finally {
            intruder.stop();
        }
        log = Files.readString(cluster.logs.resolve("pod-intruder.log"));
        assertThat(log).as(log).contains("Authentication failed")
                .doesNotContain("Successfully registered with driver").doesNotContain("spark.enclave.secret");
        // the project's executors go on serving it
        assertThat(ClusterIT.row(kenji.runText(kenjiNote, "%enclave\n" + COUNTS)).get(1)).isEqualTo("0");
    }

    @Test
    @Order(5)
    void whenTheNotebookServerStopsItsApplicationsEndAndTakeTheirExecutorsAndSecretsWithThem() throws Exception {
        // as an orchestrator stops a pod: a TERM, time to end (then a KILL)
        org.testcontainers.DockerClientFactory.instance().client().stopContainerCmd(notebooks.getContainerId()).withTimeout(90).exec();
        notebooks.stop();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        List<Pod> running = runningExecutors();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
            running = runningExecutors();
        }
        assertThat(running).as("no executor of the project runs on").isEmpty();
        assertThat(kubelet.runningContainers()).as("nor their containers").isEmpty();
        assertThat(client.secrets().inNamespace(NAMESPACE).withLabel(ClusterSecurity.SECRET_LABEL, ClusterSecurity.SECRET_LABEL_VALUE)
                .list().getItems()).as("the application's secret deleted when it ended").isEmpty();
        assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).as("its executors' pods deleted (deleteOnTermination)")
                .isEmpty();
    }

    private static List<Pod> runningExecutors() {
        return client.pods().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(p -> p.getStatus() == null || "Running".equals(p.getStatus().getPhase()) || "Pending".equals(p.getStatus().getPhase()))
                .toList();
    }
}
