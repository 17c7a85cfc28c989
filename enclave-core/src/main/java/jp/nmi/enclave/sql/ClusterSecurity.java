package jp.nmi.enclave.sql;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.ValidationException;

/**
 * The settings every cluster session of the enclave gets, after the operators': driver and
 * executors authenticate each other with the cluster's shared secret and encrypt what they send,
 * without falling back to unencrypted SASL. Two kinds of cluster:
 *
 * <ul>
 *   <li>a Spark standalone cluster ({@code spark://HOST:PORT}): the secret in the application's
 *       configuration, as the master and workers have it;
 *   <li>Kubernetes ({@code k8s://https://HOST[:PORT]}; plain HTTP only to an API server on
 *       loopback): a secret of the application's own ({@link ExecutorSecret}), so that the executors
 *       of one project hold nothing that opens another's driver. The driver reads it from an
 *       owner-only file, the executors from a Kubernetes Secret the driver creates for them, mounted
 *       at {@value #EXECUTOR_SECRET_FILE}: the executors' pod specs never carry it. Executor pods are
 *       built from the enclave's template ({@value #POD_TEMPLATE_RESOURCE}: not root, no service
 *       account token, no capabilities, a read-only root file system), not the operators'.
 * </ul>
 */
public final class ClusterSecurity {
    /** A Kubernetes API server: HTTPS anywhere, plain HTTP only on loopback (a test's stand-in). */
    static final Pattern KUBERNETES_MASTER = Pattern.compile(
            "k8s://(https://[A-Za-z0-9][A-Za-z0-9.-]{0,252}|http://(127\\.0\\.0\\.1|localhost))(:[0-9]{1,5})?");
    /** Where each executor finds its application's secret (key {@code secret} of the application's Kubernetes Secret). */
    public static final String EXECUTOR_SECRET_DIR = "/etc/enclave/spark-secret";
    public static final String EXECUTOR_SECRET_FILE = EXECUTOR_SECRET_DIR + "/secret";
    /** The label on every application's Kubernetes Secret (operators remove what a killed driver left by it). */
    public static final String SECRET_LABEL = "app.kubernetes.io/component";
    public static final String SECRET_LABEL_VALUE = "spark-executor-secret";
    /** The label naming the project (lower case) whose application a Secret belongs to. */
    public static final String PROJECT_LABEL = "enclave.nmi.jp/project";
    /** The enclave's executor pod template, a resource of this jar. */
    public static final String POD_TEMPLATE_RESOURCE = "/spark/executor-pod-template.yaml";
    /** Spark settings a Kubernetes session cannot start without (the operators', in {@code sql/operator-spark-conf.yaml}). */
    private static final java.util.List<String> KUBERNETES_REQUIRED = java.util.List.of("spark.kubernetes.namespace",
            "spark.kubernetes.container.image");

    private static Path podTemplate;

    private ClusterSecurity() {}

    /**
     * The enclave's settings for a session on {@code master}, its shared secret in {@code secretFile}.
     *
     * @throws ValidationException if the master is not a standalone cluster's or Kubernetes', a standalone cluster's
     *     secret is missing or short, or a Kubernetes session lacks its namespace or image
     */
    static Map<String, String> settings(String master, Path secretFile, Map<String, String> operators) {
        boolean standalone = master.startsWith("spark://");
        boolean kubernetes = kubernetes(master);
        if (!standalone && !kubernetes) {
            String why = master.startsWith("k8s://") ? " (a Kubernetes API server is reached over HTTPS: k8s://https://HOST:PORT)" : "";
            throw new ValidationException("the Spark master '" + master + "' is not supported" + why + ": a project's session runs"
                    + " in local mode (local[N]), on a Spark standalone cluster (spark://HOST:PORT) or on Kubernetes"
                    + " (k8s://https://HOST:PORT)");
        }
        if (kubernetes) {
            java.util.List<String> missing = KUBERNETES_REQUIRED.stream().filter(k -> !operators.containsKey(k)).toList();
            if (!missing.isEmpty()) {
                throw new ValidationException("a session on Kubernetes needs " + String.join(" and ", missing)
                        + " (enclave.spark.conf.<key> in the notebook settings): where its executors run and from which image");
            }
        }
        Map<String, String> s = new LinkedHashMap<>();
        s.put("spark.authenticate", "true");
        s.put("spark.network.crypto.enabled", "true");
        s.put("spark.network.crypto.saslFallback", "false");
        if (kubernetes) {
            // the secret is the application's own (ExecutorSecret.settings); the pods are the enclave's
            s.put("spark.kubernetes.executor.podTemplateFile", podTemplate().toString());
            s.put("spark.kubernetes.executor.podTemplateContainerName", "executor");
            // nothing of the driver's configuration directory in the executors' pods; executors gone when they end
            s.put("spark.kubernetes.executor.disableConfigMap", "true");
            s.put("spark.kubernetes.executor.deleteOnTermination", "true");
            // shuffle and spill files lie on the nodes' disks (emptyDir): always encrypted there
            s.put("spark.io.encryption.enabled", "true");
            // HDFS tokens for the executors are the enclave's to hand out and cancel (ExecutorCredentials), not Spark's
            s.put("spark.security.credentials.hadoopfs.enabled", "false");
            s.put("spark.security.credentials.hbase.enabled", "false");
            s.put("spark.security.credentials.hive.enabled", "false");
            return Map.copyOf(s);
        }
        if (secretFile == null) {
            throw new ValidationException("a session on a Spark cluster needs the cluster's shared secret (enclave.spark.secret.file):"
                    + " without it, anyone who reaches the driver or the master could read the session's configuration or run"
                    + " executors of their own");
        }
        String secret;
        try {
            secret = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ValidationException("cannot read the Spark cluster's shared secret from " + secretFile + ": " + e.getMessage());
        }
        if (secret.length() < 32) {
            throw new ValidationException("the Spark cluster's shared secret in " + secretFile + " is shorter than 32 characters");
        }
        s.put("spark.authenticate.secret", secret);
        return Map.copyOf(s);
    }

    /** Whether {@code master} is a Kubernetes API server the enclave accepts. */
    static boolean kubernetes(String master) {
        return KUBERNETES_MASTER.matcher(master).matches();
    }

    /**
     * A Kubernetes session's own secret: 32 random bytes, in an owner-only file for the driver and
     * in a Kubernetes Secret (label {@value #SECRET_LABEL}={@value #SECRET_LABEL_VALUE}) in the
     * executors' namespace, which Spark mounts into each executor pod. Created before the
     * application starts, deleted when it ends (a driver killed at once leaves its Secret: the
     * executors it opened are gone with their driver, and operators remove it by its label).
     */
    static final class ExecutorSecret implements AutoCloseable {
        private final io.fabric8.kubernetes.client.KubernetesClient client;
        private final String namespace;
        private final String name;
        private final Path driverFile;

        private ExecutorSecret(io.fabric8.kubernetes.client.KubernetesClient client, String namespace, String name, Path driverFile) {
            this.client = client;
            this.namespace = namespace;
            this.name = name;
            this.driverFile = driverFile;
        }

        /**
         * Creates the secret of a session of {@code project} on {@code master}, through the API server with the
         * driver's own credentials (in a pod: its service account).
         *
         * @throws ValidationException if the API server refuses or cannot be reached
         */
        static ExecutorSecret create(String master, Map<String, String> operators, String project) {
            String namespace = operators.get("spark.kubernetes.namespace");
            byte[] bytes = new byte[32];
            new java.security.SecureRandom().nextBytes(bytes);
            String text = java.util.HexFormat.of().formatHex(bytes);
            // named apart from the secret: the name is in pod specs and API listings
            String label = project.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
            String name = "enclave-" + label + "-" + java.util.UUID.randomUUID();
            io.fabric8.kubernetes.client.Config config = new io.fabric8.kubernetes.client.ConfigBuilder(
                    io.fabric8.kubernetes.client.Config.autoConfigure(null)).withMasterUrl(master.substring("k8s://".length()))
                    .withNamespace(namespace).withConnectionTimeout(10_000).withRequestTimeout(10_000).withRequestRetryBackoffLimit(1)
                    .build();
            io.fabric8.kubernetes.client.KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                    .withConfig(config).build();
            Path file = null;
            try {
                file = Files.createTempFile("enclave-spark-secret-", "",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                file.toFile().deleteOnExit();
                Files.writeString(file, text, StandardCharsets.US_ASCII);
                client.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                        .withName(name).addToLabels(SECRET_LABEL, SECRET_LABEL_VALUE).addToLabels("app.kubernetes.io/part-of", "enclave")
                        .addToLabels(PROJECT_LABEL, label)
                        .endMetadata().withType("Opaque").addToStringData("secret", text).build()).create();
                return new ExecutorSecret(client, namespace, name, file);
            } catch (IOException | RuntimeException e) {
                try {
                    client.secrets().inNamespace(namespace).withName(name).delete(); // the API server may have kept it all the same
                } catch (RuntimeException ignored) {
                    // not there, or the API server cannot be reached: operators remove leftovers by label
                }
                client.close();
                if (file != null) {
                    file.toFile().delete();
                }
                throw new ValidationException("cannot create the executors' secret in the Kubernetes namespace " + namespace + " ("
                        + e.getMessage() + "): is the API server reachable, and may the notebook server's service account create"
                        + " secrets there?");
            }
        }

        /** The application's settings that name the secret: the driver's file, the executors' mount. */
        Map<String, String> settings() {
            return Map.of("spark.authenticate.secret.driver.file", driverFile.toString(),
                    "spark.authenticate.secret.executor.file", EXECUTOR_SECRET_FILE,
                    "spark.kubernetes.executor.secrets." + name, EXECUTOR_SECRET_DIR);
        }

        String name() {
            return name;
        }

        /** Deletes the Kubernetes Secret and the driver's file; a failure is logged (operators remove it by its label). */
        @Override
        public void close() {
            try {
                client.secrets().inNamespace(namespace).withName(name).delete();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ClusterSecurity.class).warn("cannot delete the executors' secret {} in {}: {}", name,
                        namespace, e.toString());
            } finally {
                client.close();
                driverFile.toFile().delete();
            }
        }
    }

    /** The enclave's executor pod template as a file Spark can read (owner-only, written once per JVM). */
    static synchronized Path podTemplate() {
        if (podTemplate == null) {
            try (InputStream in = ClusterSecurity.class.getResourceAsStream(POD_TEMPLATE_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the enclave's executor pod template " + POD_TEMPLATE_RESOURCE + " is missing from its jar");
                }
                Path f = Files.createTempFile("enclave-executor-pod-", ".yaml",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                f.toFile().deleteOnExit();
                Files.write(f, in.readAllBytes());
                podTemplate = f;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write the executor pod template", e);
            }
        }
        return podTemplate;
    }
}
