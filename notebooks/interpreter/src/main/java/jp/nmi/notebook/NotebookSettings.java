package jp.nmi.notebook;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import jp.nmi.enclave.error.ValidationException;

/**
 * Where a project interpreter finds the enclave, from the operators' file (never from Zeppelin's
 * interpreter properties, which a paragraph such as {@code %conf} could change):
 *
 * <pre>
 * # the embedded enclave that ./enclave up runs from DIR: its HDFS, PostgreSQL, keys, policies and audit log
 * enclave.embedded=/path/to/DIR
 * # or production:
 * enclave.target=hdfs://namenode:8020/enclave
 * enclave.keystore=/etc/enclave/keys/enclave-keys.p12
 * enclave.policies=/etc/enclave/policies/enclave_hive.json
 * # or, instead of a policy file, Ranger Admin (where project apply --ranger-admin keeps the policies):
 * enclave.ranger.admin=https://ranger.example:6182
 * enclave.ranger.user=enclave
 * enclave.ranger.password.file=/etc/enclave/secrets/ranger.password
 * # the Hive-type service holding the policies, as project apply --ranger-service named it (default enclave_hive)
 * enclave.ranger.service=enclave_hive
 * enclave.audit.log=/var/log/enclave/enclave-audit.jsonl
 * enclave.audit.anchor.jdbc=jdbc:postgresql://db:5432/enclave?sslmode=verify-full
 * enclave.audit.anchor.user=enclave_audit
 * enclave.audit.anchor.password.file=/etc/enclave/secrets/enclave_audit.password
 * # both:
 * enclave.spark.master=local[2]
 * enclave.results.rows=1000              rows shown under a paragraph
 * enclave.query.rows=5000000             rows an output's query may feed its checks
 * enclave.egress.url=http://127.0.0.1:8081
 * # on a Spark standalone cluster (enclave.spark.master=spark://HOST:PORT) or Kubernetes (k8s://https://HOST:PORT):
 * # the cluster's shared secret (required: driver and executors authenticate and encrypt), and Spark settings the
 * # operators choose, only those sql/operator-spark-conf.yaml allows (resources, addresses; on Kubernetes the
 * # executors' namespace and image)
 * enclave.spark.secret.file=/etc/enclave/secrets/spark.secret
 * enclave.spark.conf.spark.executor.memory=2g
 * </pre>
 */
public record NotebookSettings(Path embedded, URI target, Path keyStore, Path policies, Path auditLog, String anchorJdbc,
        String anchorUser, Path anchorPasswordFile, String sparkMaster, int resultRows, int queryRows, String egressUrl,
        java.util.Map<String, String> sparkConf, Path sparkSecretFile, RangerAdmin rangerAdmin) {

    /**
     * Where the policies come from in production when not from a file: Ranger Admin's plugin
     * download endpoint for {@code service} (the one project apply --ranger-service wrote to).
     */
    public record RangerAdmin(URI url, String user, Path passwordFile, String service) {}

    /** What a Ranger service may be called here: what Ranger accepts in a URL path without escaping. */
    private static final java.util.regex.Pattern SERVICE = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,255}");

    /** Settings whose name starts with this carry a Spark setting: the rest of the name is Spark's key. */
    public static final String SPARK_CONF_PREFIX = "enclave.spark.conf.";

    public NotebookSettings {
        sparkConf = java.util.Map.copyOf(sparkConf);
    }

    private static final Set<String> KEYS = Set.of("enclave.embedded", "enclave.target", "enclave.keystore", "enclave.policies",
            "enclave.audit.log", "enclave.audit.anchor.jdbc", "enclave.audit.anchor.user", "enclave.audit.anchor.password.file",
            "enclave.spark.master", "enclave.results.rows", "enclave.query.rows", "enclave.egress.url", "enclave.spark.secret.file",
            "enclave.ranger.admin", "enclave.ranger.user", "enclave.ranger.password.file", "enclave.ranger.service");

    /** The system property (set by the interpreter's launch script) naming the settings file. */
    public static final String FILE_PROPERTY = "enclave.notebook.settings";

    /**
     * @throws ValidationException naming the file and what is wrong in it
     */
    public static NotebookSettings load(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new ValidationException("cannot read the notebook settings " + file + ": " + e.getMessage());
        }
        Set<String> unknown = new TreeSet<>(p.stringPropertyNames());
        unknown.removeAll(KEYS);
        unknown.removeIf(k -> k.startsWith(SPARK_CONF_PREFIX));
        if (!unknown.isEmpty()) {
            throw new ValidationException(file + ": unknown setting(s) " + unknown + " (known: " + new TreeSet<>(KEYS) + ")");
        }
        String embedded = p.getProperty("enclave.embedded");
        String target = p.getProperty("enclave.target");
        if ((embedded == null) == (target == null)) {
            throw new ValidationException(file + ": give exactly one of enclave.embedded (an embedded enclave's directory) and"
                    + " enclave.target (hdfs://host:port/enclave)");
        }
        if (target != null) {
            for (String k : java.util.List.of("enclave.keystore", "enclave.audit.log", "enclave.audit.anchor.jdbc",
                    "enclave.audit.anchor.password.file")) {
                if (p.getProperty(k) == null) {
                    throw new ValidationException(file + ": with enclave.target, " + k + " is required");
                }
            }
            try {
                jp.nmi.enclave.db.JdbcUrls.checkPostgres("enclave.audit.anchor.jdbc", p.getProperty("enclave.audit.anchor.jdbc").strip());
            } catch (ValidationException e) {
                throw new ValidationException(file + ": " + e.getMessage());
            }
            if ((p.getProperty("enclave.policies") == null) == (p.getProperty("enclave.ranger.admin") == null)) {
                throw new ValidationException(file + ": with enclave.target, give exactly one of enclave.policies (a policy file) and"
                        + " enclave.ranger.admin (Ranger Admin's URL)");
            }
        }
        RangerAdmin ranger = null;
        if (p.getProperty("enclave.ranger.admin") != null) {
            if (target == null) {
                throw new ValidationException(file + ": enclave.ranger.admin goes with enclave.target (the embedded enclave keeps its"
                        + " policies in its own file)");
            }
            URI url = URI.create(p.getProperty("enclave.ranger.admin").strip());
            if (url.getUserInfo() != null) {
                throw new ValidationException(file + ": enclave.ranger.admin may not carry a user or password: give them as"
                        + " enclave.ranger.user and enclave.ranger.password.file");
            }
            boolean loopback = "127.0.0.1".equals(url.getHost()) || "localhost".equals(url.getHost());
            if (!"https".equals(url.getScheme()) && !("http".equals(url.getScheme()) && loopback)) {
                throw new ValidationException(file + ": enclave.ranger.admin must be an https:// (or, on loopback, http://) URL, not '" + url + "'");
            }
            for (String k : java.util.List.of("enclave.ranger.user", "enclave.ranger.password.file")) {
                if (p.getProperty(k) == null) {
                    throw new ValidationException(file + ": with enclave.ranger.admin, " + k + " is required");
                }
            }
            String service = p.getProperty("enclave.ranger.service", jp.nmi.enclave.policy.PolicySource.DEFAULT_SERVICE).strip();
            if (!SERVICE.matcher(service).matches()) {
                throw new ValidationException(file + ": enclave.ranger.service '" + service + "' is not a Ranger service name (letters,"
                        + " digits, '_' and '-')");
            }
            ranger = new RangerAdmin(url, p.getProperty("enclave.ranger.user").strip(), path(p, "enclave.ranger.password.file"), service);
        } else if (p.getProperty("enclave.ranger.service") != null) {
            throw new ValidationException(file + ": enclave.ranger.service goes with enclave.ranger.admin (a policy file holds one"
                    + " service's policies)");
        }
        return new NotebookSettings(embedded == null ? null : Path.of(embedded), target == null ? null : URI.create(target),
                path(p, "enclave.keystore"), path(p, "enclave.policies"), path(p, "enclave.audit.log"),
                p.getProperty("enclave.audit.anchor.jdbc"), p.getProperty("enclave.audit.anchor.user", "enclave_audit"),
                path(p, "enclave.audit.anchor.password.file"), p.getProperty("enclave.spark.master", "local[2]"),
                number(file, p, "enclave.results.rows", 1000, 1, 100_000), number(file, p, "enclave.query.rows", 5_000_000, 1, 50_000_000),
                p.getProperty("enclave.egress.url", ""), sparkConf(file, p), path(p, "enclave.spark.secret.file"), ranger);
    }

    private static java.util.Map<String, String> sparkConf(Path file, Properties p) {
        java.util.Map<String, String> conf = new java.util.TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith(SPARK_CONF_PREFIX)) {
                conf.put(k.substring(SPARK_CONF_PREFIX.length()), p.getProperty(k).strip());
            }
        }
        try {
            jp.nmi.enclave.sql.OperatorSparkConf.load().check(conf);
        } catch (ValidationException e) {
            throw new ValidationException(file + ": " + e.getMessage());
        }
        return conf;
    }

    private static Path path(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? null : Path.of(v);
    }

    private static int number(Path file, Properties p, String key, int dflt, int min, int max) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ValidationException(file + ": " + key + " must be a whole number from " + min + " to " + max + ", not '" + v + "'");
        }
    }
}
