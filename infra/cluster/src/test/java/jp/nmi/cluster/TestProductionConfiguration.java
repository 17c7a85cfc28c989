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
        assertThat(s.sparkMaster()).startsWith("spark://");
        assertThat(s.sparkSecretFile()).as("a cluster's sessions authenticate with its shared secret").isNotNull();
        EnclaveSession.Settings settings = new EnclaveSession.Settings(s.sparkMaster(), s.queryRows(), 4, s.sparkConf(), s.sparkSecretFile());
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
        // a key that names an address, a class, a jar or an image, under any prefix
        for (String key : List.of("spark.hadoop.dfs.namenode.rpc-address.ns.nn1", "spark.hadoop.dfs.umaskmode", "spark.yarn.archive",
                "spark.kubernetes.container.image", "spark.ssl.keyStorePassword", "spark.jars", "spark.plugins", "spark.redaction.regex")) {
            assertThat(rules.allows(key)).as(key).isFalse();
        }
        assertThatThrownBy(() -> rules.check(Map.of("spark.executor.memory", "2g -XX:OnOutOfMemoryError=sh")))
                .isInstanceOf(ValidationException.class).hasMessage("Spark setting(s) with a value not allowed: spark.executor.memory must match"
                        + " [0-9]{1,6}[kmgtKMGT]?");
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
