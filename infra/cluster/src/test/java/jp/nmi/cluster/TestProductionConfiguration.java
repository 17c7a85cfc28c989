package jp.nmi.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.sql.ClusterSecurity;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.OperatorSparkConf;
import jp.nmi.notebook.NotebookSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The production configuration in infra/production is what the enclave's code accepts: the
 * interpreters' settings load (every Spark key allowed, the cluster's secret named), the DBA's script
 * holds the anchors the embedded database makes, the Ranger service is the one policies go to.
 */
class TestProductionConfiguration {
    static final Path PRODUCTION = Path.of(System.getProperty("enclave.root", "../..")).resolve("infra/production");

    static Stream<Path> notebookSettings() throws Exception {
        try (Stream<Path> files = Files.list(PRODUCTION.resolve("notebooks"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".properties")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("notebookSettings")
    void everyExampleOfTheInterpretersSettingsLoads(Path file) {
        NotebookSettings s = NotebookSettings.load(file);
        assertThat(s.target().toString()).startsWith("hdfs://");
        assertThat(s.sparkMaster()).matches("spark://.*|k8s://https://.*");
        EnclaveSession.Settings settings = new EnclaveSession.Settings(s.sparkMaster(), s.queryRows(), 4, s.sparkConf(), s.sparkSecretFile());
        if (s.sparkMaster().startsWith("k8s://")) {
            assertThat(s.sparkSecretFile()).as("on Kubernetes each application makes its own secret").isNull();
            assertThat(settings.clusterSecurity()).containsEntry("spark.authenticate", "true");
            return;
        }
        assertThat(s.sparkSecretFile()).as("a cluster's sessions authenticate with its shared secret").isNotNull();
        assertThatThrownBy(settings::clusterSecurity).as("the secret is read when a session starts").isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("cannot read the Spark cluster's shared secret from " + s.sparkSecretFile());
    }

    @Test
    void aClusterSessionNeedsTheSharedSecretAndGetsAuthenticationAndEncryptionWhateverTheOperatorsSet() throws Exception {
        assertThatThrownBy(() -> new EnclaveSession.Settings("spark://m:7077", 10, 4, Map.of(), null).clusterSecurity())
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("a session on a Spark cluster needs the cluster's shared"
                        + " secret (enclave.spark.secret.file)");
        assertThatThrownBy(() -> new EnclaveSession.Settings("yarn", 10, 4, Map.of(), null).clusterSecurity())
                .isInstanceOf(ValidationException.class).hasMessageContaining("the Spark master 'yarn' is not supported");
        Path secret = Files.createTempFile("spark", ".secret");
        try {
            Files.writeString(secret, "short\n");
            assertThatThrownBy(() -> new EnclaveSession.Settings("spark://m:7077", 10, 4, Map.of(), secret).clusterSecurity())
                    .hasMessageContaining("shorter than 32 characters");
            Files.writeString(secret, "0123456789abcdef0123456789abcdef\n");
            assertThat(new EnclaveSession.Settings("spark://m:7077", 10, 4, Map.of(), secret).clusterSecurity())
                    .containsEntry("spark.authenticate", "true").containsEntry("spark.authenticate.secret", "0123456789abcdef0123456789abcdef")
                    .containsEntry("spark.network.crypto.enabled", "true").containsEntry("spark.network.crypto.saslFallback", "false");
        } finally {
            Files.delete(secret);
        }
        for (String key : List.of("spark.authenticate", "spark.authenticate.secret", "spark.network.crypto.enabled")) {
            assertThat(OperatorSparkConf.load().allows(key)).as(key + " is the enclave's").isFalse();
        }
    }

    @Test
    void settingsThatWouldChangeTheEnclavesControlsAreRefusedWithTheirNames() throws Exception {
        Path file = Files.createTempFile("notebook", ".properties");
        try {
            Files.writeString(file, "enclave.target=hdfs://nn:8020/enclave\nenclave.keystore=/k\nenclave.policies=/p\nenclave.audit.log=/a\n"
                    + "enclave.audit.anchor.jdbc=jdbc:postgresql://db/e?sslmode=verify-full\nenclave.audit.anchor.password.file=/s\n"
                    + "enclave.spark.conf.spark.sql.extensions=x\nenclave.spark.conf.spark.enclave.secret.key.project-demo-1=AAAA\n"
                    + "enclave.spark.conf.spark.executor.memory=2g\n");
            assertThatThrownBy(() -> NotebookSettings.load(file)).isInstanceOf(ValidationException.class)
                    .hasMessageContaining(": Spark setting(s) [spark.enclave.secret.key.project-demo-1, spark.sql.extensions] may not be set"
                            + " by operators: a project's session takes only spark.blockManager.port, spark.cores.max");
        } finally {
            Files.delete(file);
        }
        OperatorSparkConf rules = OperatorSparkConf.load();
        assertThat(rules.allows("spark.executor.memory")).isTrue();
        assertThat(rules.allows("spark.sql.variable.substitute")).isFalse();
        assertThat(rules.allows("spark.executor.extraJavaOptions")).as("the enclave sets it").isFalse();
        // a key that names an address, a class, a jar, a pod's template, volumes, secrets or credentials, under any prefix
        for (String key : List.of("spark.hadoop.dfs.namenode.rpc-address.ns.nn1", "spark.hadoop.dfs.umaskmode", "spark.yarn.archive",
                "spark.kubernetes.executor.podTemplateFile", "spark.kubernetes.executor.secrets.enclave-keys",
                "spark.kubernetes.executor.volumes.hostPath.root.mount.path", "spark.kubernetes.authenticate.driver.oauthToken",
                "spark.kubernetes.executor.podTemplateContainerName", "spark.kubernetes.executor.deleteOnTermination",
                "spark.ssl.keyStorePassword", "spark.jars", "spark.plugins", "spark.redaction.regex")) {
            assertThat(rules.allows(key)).as(key).isFalse();
        }
        assertThatThrownBy(() -> rules.check(Map.of("spark.executor.memory", "2g -XX:OnOutOfMemoryError=sh")))
                .isInstanceOf(ValidationException.class).hasMessage("Spark setting(s) with a value not allowed: spark.executor.memory must match"
                        + " [0-9]{1,6}[kmgtKMGT]?");
    }

    @Test
    void aKubernetesSessionEncryptsEverythingAndBuildsItsExecutorsFromTheEnclavesTemplateOnly() throws Exception {
        Map<String, String> where = Map.of("spark.kubernetes.namespace", "enclave-executors", "spark.kubernetes.container.image",
                "registry.example.jp/enclave/runtime:0.1.0", "spark.io.encryption.enabled", "false");
        Path secret = Files.createTempFile("spark", ".secret");
        try {
            Files.writeString(secret, "0123456789abcdef0123456789abcdef\n");
            assertThatThrownBy(() -> new EnclaveSession.Settings("k8s://http://kube.example.jp:6443", 10, 4, where, secret).clusterSecurity())
                    .isInstanceOf(ValidationException.class).hasMessageStartingWith("the Spark master 'k8s://http://kube.example.jp:6443'"
                            + " is not supported (a Kubernetes API server is reached over HTTPS: k8s://https://HOST:PORT)");
            for (String odd : List.of("k8s://https://user@kube:6443", "k8s://https://kube:6443/api", "K8S://https://kube:6443",
                    "k8s://https://kube:6443 ", "k8s://kube:6443")) {
                assertThatThrownBy(() -> new EnclaveSession.Settings(odd, 10, 4, where, null).clusterSecurity()).as(odd)
                        .hasMessageContaining("is not supported");
            }
            assertThatThrownBy(() -> new EnclaveSession.Settings("k8s://https://kube:6443", 10, 4, Map.of(), secret).clusterSecurity())
                    .hasMessageStartingWith("a session on Kubernetes needs spark.kubernetes.namespace and spark.kubernetes.container.image");
            Map<String, String> s = new EnclaveSession.Settings("k8s://https://kube:6443", 10, 4, where, null).clusterSecurity();
            assertThat(s).containsEntry("spark.authenticate", "true").containsEntry("spark.network.crypto.enabled", "true")
                    .containsEntry("spark.network.crypto.saslFallback", "false")
                    .as("spilled data encrypted on the nodes' disks, whatever the operators set").containsEntry("spark.io.encryption.enabled", "true")
                    .containsEntry("spark.kubernetes.executor.disableConfigMap", "true")
                    .containsEntry("spark.kubernetes.executor.deleteOnTermination", "true")
                    .as("no shared secret: each application makes its own").doesNotContainKey("spark.authenticate.secret")
                    .doesNotContainKey("spark.authenticate.secret.driver.file");
            Path template = Path.of(s.get("spark.kubernetes.executor.podTemplateFile"));
            assertThat(java.nio.file.Files.getPosixFilePermissions(template)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            io.fabric8.kubernetes.api.model.Pod pod = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                    Files.readString(template), io.fabric8.kubernetes.api.model.Pod.class);
            assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
            assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(185L);
            var c = pod.getSpec().getContainers().get(0);
            assertThat(c.getName()).isEqualTo(s.get("spark.kubernetes.executor.podTemplateContainerName"));
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(pod.getSpec().getVolumes()).as("config map and emptyDir only: the secret is the application's, added by Spark")
                    .allSatisfy(v -> assertThat(v.getConfigMap() != null || v.getEmptyDir() != null).isTrue());
        } finally {
            Files.delete(secret);
        }
        assertThatThrownBy(() -> OperatorSparkConf.load().check(Map.of("spark.kubernetes.container.image", "evil image --privileged")))
                .hasMessageStartingWith("Spark setting(s) with a value not allowed: spark.kubernetes.container.image must match");
    }

    /** The Kubernetes manifests parse as Kubernetes objects and agree with each other and with the enclave's settings. */
    @Test
    void theKubernetesManifestsAgreeWithTheEnclavesSettings() throws Exception {
        List<io.fabric8.kubernetes.api.model.HasMetadata> objects = new java.util.ArrayList<>();
        try (Stream<Path> files = Files.list(PRODUCTION.resolve("kubernetes"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (String doc : Files.readString(f).split("(?m)^---$")) {
                    if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
                        objects.add(io.fabric8.kubernetes.client.utils.Serialization.unmarshal(doc));
                    }
                }
            }
        }
        Map<String, io.fabric8.kubernetes.api.model.HasMetadata> byName = new java.util.HashMap<>();
        objects.forEach(o -> byName.put(o.getKind() + "/" + o.getMetadata().getName(), o));
        NotebookSettings k8s = NotebookSettings.load(PRODUCTION.resolve("notebooks").resolve("enclave-notebook.kubernetes.properties"));
        String executors = k8s.sparkConf().get("spark.kubernetes.namespace");
        for (String ns : List.of("enclave", executors)) {
            assertThat(byName.get("Namespace/" + ns)).as("namespace " + ns).isNotNull();
            assertThat(byName.get("Namespace/" + ns).getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        }
        var role = (io.fabric8.kubernetes.api.model.rbac.Role) byName.get("Role/enclave-executor-scheduler");
        assertThat(role.getMetadata().getNamespace()).isEqualTo(executors);
        assertThat(role.getRules()).allSatisfy(r -> assertThat(r.getApiGroups()).containsExactly(""))
                .flatExtracting(r -> r.getResources()).containsExactlyInAnyOrder("pods", "secrets");
        assertThat(role.getRules()).filteredOn(r -> r.getResources().contains("secrets")).singleElement()
                .satisfies(r -> assertThat(r.getVerbs()).as("secrets made and removed, never read").containsExactlyInAnyOrder("create", "delete"));
        var binding = (io.fabric8.kubernetes.api.model.rbac.RoleBinding) byName.get("RoleBinding/enclave-executor-scheduler");
        var notebooks = (io.fabric8.kubernetes.api.model.apps.StatefulSet) byName.get("StatefulSet/enclave-notebooks");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName())
                .isEqualTo(notebooks.getSpec().getTemplate().getSpec().getServiceAccountName()));
        assertThat(k8s.sparkConf().get("spark.driver.host")).startsWith(notebooks.getMetadata().getName() + "-0."
                + notebooks.getSpec().getServiceName() + "." + notebooks.getMetadata().getNamespace() + ".svc");
        var deny = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) byName.get("NetworkPolicy/default-deny");
        assertThat(deny.getMetadata().getNamespace()).isEqualTo(executors);
        assertThat(deny.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(deny.getSpec().getIngress()).isNullOrEmpty();
        assertThat(deny.getSpec().getEgress()).isNullOrEmpty();
        // the executors' policy selects the pods the enclave's template makes
        var template = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                ClusterSecurity.class.getResourceAsStream(ClusterSecurity.POD_TEMPLATE_RESOURCE), io.fabric8.kubernetes.api.model.Pod.class);
        var policy = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) byName.get("NetworkPolicy/executors");
        assertThat(template.getMetadata().getLabels()).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(policy.getSpec().getEgress()).as("every way out names where it goes").allSatisfy(rule -> assertThat(rule.getTo())
                .isNotEmpty().allSatisfy(peer -> assertThat(peer.getIpBlock() == null ? "" : peer.getIpBlock().getCidr())
                        .doesNotStartWith("0.0.0.0")));
        var executorsAccount = (io.fabric8.kubernetes.api.model.ServiceAccount) objects.stream()
                .filter(o -> o.getKind().equals("ServiceAccount") && executors.equals(o.getMetadata().getNamespace())).findFirst().orElseThrow();
        assertThat(executorsAccount.getAutomountServiceAccountToken()).isFalse();
        assertThat(notebooks.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken())
                .as("the token only in the notebook server's container, not the proxy's").isFalse();
    }

    @Test
    void theDatabaseAdministratorsScriptHoldsEveryAnchorStatementTheEmbeddedDatabaseRuns() throws Exception {
        String script = normalise(Files.readString(PRODUCTION.resolve("postgres/setup.sql")));
        for (String statement : EnclaveDatabase.anchorSchema()) {
            assertThat(script).as("setup.sql lacks: " + statement).contains(normalise(statement) + ";");
        }
        assertThat(script).contains("CREATE ROLE " + EnclaveDatabase.EGRESS + " LOGIN").contains("CREATE ROLE " + EnclaveDatabase.AUDIT
                + " LOGIN");
    }

    static String normalise(String sql) {
        return sql.replaceAll("\\s+", " ");
    }

    @Test
    void theRangerServiceIsTheOneTheProjectsPoliciesAreWrittenTo() throws Exception {
        Map<String, Object> service = new ObjectMapper().readValue(PRODUCTION.resolve("ranger/enclave_hive-service.json").toFile(),
                Map.class);
        assertThat(service).containsEntry("name", jp.nmi.enclave.project.ProjectPolicies.SERVICE).containsEntry("type", "hive");
    }

    /**
     * Who is whom on the enclave's HDFS, by the production rules (core-site.xml): the enclave's,
     * the egress service's and HDFS's own principals on the enclave's hosts; everyone else of the
     * realm, the same names on other hosts included, is nobody; other realms are refused.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "enclave/notebooks.enclave.example.jp@ENCLAVE.EXAMPLE.JP, enclave",
        "enclave/ops.enclave.example.jp@ENCLAVE.EXAMPLE.JP, enclave",
        "egress/egress.enclave.example.jp@ENCLAVE.EXAMPLE.JP, egress",
        "nn/nn1.enclave.example.jp@ENCLAVE.EXAMPLE.JP, hdfs",
        "dn/dn7.enclave.example.jp@ENCLAVE.EXAMPLE.JP, hdfs",
        "hdfs/admin.enclave.example.jp@ENCLAVE.EXAMPLE.JP, hdfs",
        "alice@ENCLAVE.EXAMPLE.JP, nobody",
        "enclave@ENCLAVE.EXAMPLE.JP, nobody",
        "enclave/laptop.example.org@ENCLAVE.EXAMPLE.JP, nobody",
        "enclave/x.enclave.example.jp.evil.org@ENCLAVE.EXAMPLE.JP, nobody",
        "HTTP/ranger.enclave.example.jp@ENCLAVE.EXAMPLE.JP, nobody",
        "dn/dn1.other-cluster.example.jp@ENCLAVE.EXAMPLE.JP, nobody"})
    void everyPrincipalOfTheRealmIsTheEnclaveEgressHdfsOrNobody(String principal, String account) throws Exception {
        org.apache.hadoop.conf.Configuration core = new org.apache.hadoop.conf.Configuration(false);
        core.addResource(new org.apache.hadoop.fs.Path(PRODUCTION.resolve("hadoop").resolve("core-site.xml").toUri()));
        org.apache.hadoop.security.authentication.util.KerberosName.setRules(core.get("hadoop.security.auth_to_local"));
        assertThat(new org.apache.hadoop.security.authentication.util.KerberosName(principal).getShortName()).isEqualTo(account);
    }

    @Test
    void principalsOfOtherRealmsAreRefused() throws Exception {
        org.apache.hadoop.conf.Configuration core = new org.apache.hadoop.conf.Configuration(false);
        core.addResource(new org.apache.hadoop.fs.Path(PRODUCTION.resolve("hadoop").resolve("core-site.xml").toUri()));
        org.apache.hadoop.security.authentication.util.KerberosName.setRules(core.get("hadoop.security.auth_to_local"));
        assertThatThrownBy(() -> new org.apache.hadoop.security.authentication.util.KerberosName(
                "enclave/notebooks.enclave.example.jp@OTHER.EXAMPLE.COM").getShortName())
                .hasMessageContaining("No rules applied to enclave/notebooks.enclave.example.jp@OTHER.EXAMPLE.COM");
        org.apache.hadoop.conf.Configuration hdfs = new org.apache.hadoop.conf.Configuration(false);
        hdfs.addResource(new org.apache.hadoop.fs.Path(PRODUCTION.resolve("hadoop").resolve("hdfs-site.xml").toUri()));
        assertThat(hdfs.get("dfs.webhdfs.enabled")).as("no WebHDFS: it would bypass hadoop-policy.xml").isEqualTo("false");
    }
}
