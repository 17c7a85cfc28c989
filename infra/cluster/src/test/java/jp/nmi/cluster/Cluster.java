package jp.nmi.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.audit.JdbcAuditAnchor;
import jp.nmi.enclave.db.EnclaveDatabase;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The enclave beyond one machine, each server in its own container from the images
 * {@code images.sh} built here, all on the host's network and bound to 127.0.0.1: an HDFS
 * NameNode and DataNode, a Spark standalone master with two workers (one core, 1 GiB each; their
 * executors have the enclave's jars), and PostgreSQL. Started once per test JVM and shared by the
 * test classes (each starts from an empty {@code /enclave}); the egress service and the notebook
 * server are started by the tests that use them ({@link #runtime}). Containers carry the label
 * {@code enclave.cluster-test}; what an interrupted run left is removed first (there is no reaper:
 * Testcontainers' Ryuk image cannot be pulled here).
 */
public final class Cluster {
    public static final int NAMENODE_PORT = 18020;
    public static final String HDFS = "hdfs://127.0.0.1:" + NAMENODE_PORT;
    public static final int MASTER_PORT = 17077;
    public static final String MASTER = "spark://127.0.0.1:" + MASTER_PORT;
    public static final int MASTER_WEB = 18180;
    public static final int[] WORKER_WEB = {18181, 18182};
    public static final int POSTGRES_PORT = 15432;
    public static final String RUNTIME = "enclave/runtime:current";
    public static final String POSTGRES = "enclave/postgres:current";
    static final String LABEL = "enclave.cluster-test";

    private static Cluster shared;

    /** Where the containers' logs go, one file each. */
    public final Path logs = Path.of("target", "cluster-logs").toAbsolutePath();
    /** The Spark cluster's shared secret (owner-only), mounted read-only into every container that needs it. */
    public final Path sparkSecret = Path.of("target", "cluster-secrets", "spark.secret").toAbsolutePath();
    final String postgresPassword = secret();
    /**
     * The test CA's certificate (public): every runtime container may read it, and every JDBC URL
     * here verifies PostgreSQL's certificate and name against it ({@code sslmode=verify-full}).
     */
    public static final Path TLS_CA = Path.of("target", "cluster-tls", "ca", "ca.pem").toAbsolutePath();
    /** PostgreSQL's certificate and key, signed by that CA, mounted into its container only. */
    private final Path tlsServer = Path.of("target", "cluster-tls", "server").toAbsolutePath();
    /** The passwords of the enclave's roles in PostgreSQL (egress service, audit writers). */
    public final String egressPassword = secret();
    public final String auditPassword = secret();
    private GenericContainer<?> namenode;
    private GenericContainer<?> datanode;
    private GenericContainer<?> master;
    private final GenericContainer<?>[] workers = new GenericContainer<?>[2];
    private GenericContainer<?> postgres;
    private final List<GenericContainer<?>> others = new ArrayList<>();

    private Cluster() {}

    /** The cluster, started on first use. */
    public static synchronized Cluster get() {
        if (shared == null) {
            Cluster c = new Cluster();
            c.start();
            Runtime.getRuntime().addShutdownHook(new Thread(c::stop, "cluster-stop"));
            shared = c;
        }
        return shared;
    }

    private void start() {
        try {
            Files.createDirectories(logs);
            try (var old = Files.list(logs)) {
                for (Path f : old.toList()) {
                    Files.delete(f); // this run's logs only
                }
            }
            Files.createDirectories(sparkSecret.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Files.deleteIfExists(sparkSecret);
            Files.createFile(sparkSecret, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(sparkSecret, secret() + secret());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestTls.make(TLS_CA, tlsServer);
        removeLeftovers();
        namenode = runtime("namenode", "namenode", Map.of("ENCLAVE_HDFS", HDFS, "NN_HTTP_PORT", "19870"), "IPC Server listener on "
                + NAMENODE_PORT);
        datanode = runtime("datanode", "datanode", Map.of("ENCLAVE_HDFS", HDFS, "DN_PORT", "19866", "DN_HTTP_PORT", "19864",
                "DN_IPC_PORT", "19867"), "Successfully sent block report");
        master = withSecret(runtime("spark-master", "spark-master", Map.of("SPARK_MASTER_PORT", Integer.toString(MASTER_PORT),
                "SPARK_MASTER_WEBUI_PORT", Integer.toString(MASTER_WEB)), "I have been elected leader"));
        workers[0] = worker(0);
        workers[1] = worker(1);
        postgres = new GenericContainer<>(DockerImageName.parse(POSTGRES)).withNetworkMode("host")
                .withEnv(Map.of("POSTGRES_PASSWORD", postgresPassword, "PGPORT", Integer.toString(POSTGRES_PORT), "PG_TLS_CERT",
                        tlsServer.resolve("server.crt").toString(), "PG_TLS_KEY", tlsServer.resolve("server.key").toString()))
                .withFileSystemBind(tlsServer.toString(), tlsServer.toString(), BindMode.READ_ONLY)
                .withLabel(LABEL, "true").withCreateContainerCmdModifier(c -> c.withName("enclave-postgres")).withLogConsumer(toFile("postgres"))
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*\\n", 1)
                        .withStartupTimeout(Duration.ofMinutes(2)));
        // the NameNode first: the DataNode registers with it; the workers with the master
        Startables.deepStart(namenode, master, postgres).join();
        Startables.deepStart(datanode, workers[0], workers[1]).join();
        administerPostgres();
    }

    private GenericContainer<?> worker(int i) {
        return withSecret(runtime("spark-worker-" + (i + 1), "spark-worker", Map.of("SPARK_MASTER", MASTER, "SPARK_WORKER_CORES", "1",
                "SPARK_WORKER_MEMORY", "1g", "SPARK_WORKER_WEBUI_PORT", Integer.toString(WORKER_WEB[i])), "Successfully registered with master"));
    }

    /** {@code c} with the cluster's shared secret mounted read-only and named to its role. */
    public GenericContainer<?> withSecret(GenericContainer<?> c) {
        return c.withEnv("SPARK_AUTH_SECRET_FILE", sparkSecret.toString())
                .withFileSystemBind(sparkSecret.getParent().toString(), sparkSecret.getParent().toString(), BindMode.READ_ONLY);
    }

    /** A container of the runtime image in {@code role}, on the host's network, its log in {@link #logs}. */
    public GenericContainer<?> runtime(String name, String role, Map<String, String> env, String readyLine, String... args) {
        return container(logs, name, role, env, readyLine, args);
    }

    /**
     * A container of the runtime image in {@code role}, named {@code enclave-NAME}, on the host's
     * network, its log in {@code logs/NAME.log}; started when its {@code readyLine} is logged.
     */
    public static GenericContainer<?> container(Path logs, String name, String role, Map<String, String> env, String readyLine,
            String... args) {
        String[] command = new String[args.length + 1];
        command[0] = role;
        System.arraycopy(args, 0, command, 1, args.length);
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(RUNTIME)).withNetworkMode("host").withEnv(env)
                .withCommand(command);
        if (Files.isDirectory(TLS_CA.getParent())) {
            // the CA PostgreSQL's certificate is checked against, at the same path as on the host (the JDBC URLs name it)
            c = c.withFileSystemBind(TLS_CA.getParent().toString(), TLS_CA.getParent().toString(), BindMode.READ_ONLY);
        }
        return c.withLabel(LABEL, "true").withCreateContainerCmdModifier(cmd -> cmd.withName("enclave-" + name))
                .withLogConsumer(toFile(logs, name))
                .waitingFor(Wait.forLogMessage(".*" + java.util.regex.Pattern.quote(readyLine) + ".*\\n", 1)
                        .withStartupTimeout(Duration.ofMinutes(4)));
    }

    /** Starts {@code containers} (and stops them with the cluster), {@code dir} mounted at the same path in each. */
    public void startWith(Path dir, GenericContainer<?>... containers) {
        for (GenericContainer<?> c : containers) {
            c.withFileSystemBind(dir.toString(), dir.toString(), BindMode.READ_WRITE);
            others.add(c);
        }
        Startables.deepStart(containers).join();
    }

    private Consumer<OutputFrame> toFile(String name) {
        return toFile(logs, name);
    }

    static Consumer<OutputFrame> toFile(Path logs, String name) {
        Path file = logs.resolve(name + ".log");
        return frame -> {
            try {
                Files.writeString(file, frame.getUtf8String(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // a log line lost is not a test failure
            }
        };
    }

    private static void removeLeftovers() {
        removeLeftovers("enclave-");
    }

    /** Removes what an interrupted run left of the test containers whose names start with {@code prefix}. */
    static void removeLeftovers(String prefix) {
        DockerClient docker = DockerClientFactory.instance().client();
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(LABEL, "true")).exec()) {
            if (java.util.Arrays.stream(c.getNames()).anyMatch(n -> n.replaceFirst("^/", "").startsWith(prefix))) {
                docker.removeContainerCmd(c.getId()).withForce(true).exec();
            }
        }
    }

    /**
     * What a database administrator does once for the enclave (docs/operations.md): the egress
     * service's role owning its schema, the audit writers' role, the append-only anchors.
     */
    private void administerPostgres() {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", postgresPassword); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + EnclaveDatabase.EGRESS + " LOGIN PASSWORD '" + egressPassword + "'");
            s.execute("CREATE ROLE " + EnclaveDatabase.AUDIT + " LOGIN PASSWORD '" + auditPassword + "'");
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT ALL ON SCHEMA public TO " + EnclaveDatabase.EGRESS);
            for (String sql : EnclaveDatabase.anchorSchema()) {
                s.execute(sql);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot set up the cluster's PostgreSQL: " + e.getMessage(), e);
        }
    }

    /**
     * A database of its own for a test class that brings its own enclave (its requests, reviews and
     * anchors apart from the others'), set up as {@link #administerPostgres} sets up the first:
     * returns its JDBC URL.
     */
    public String newDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", postgresPassword); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name);
            s.execute("CREATE DATABASE " + name);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot create the database " + name + ": " + e.getMessage(), e);
        }
        String url = jdbcUrl(name);
        try (Connection c = DriverManager.getConnection(url, "postgres", postgresPassword); Statement s = c.createStatement()) {
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT ALL ON SCHEMA public TO " + EnclaveDatabase.EGRESS);
            for (String sql : EnclaveDatabase.anchorSchema()) {
                s.execute(sql);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot set up the database " + name + ": " + e.getMessage(), e);
        }
        return url;
    }

    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    /** A database's URL as production writes it: TLS, the server's certificate and name verified against the CA. */
    static String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + POSTGRES_PORT + "/" + database + "?sslmode=verify-full&sslrootcert=" + TLS_CA;
    }

    /** The enclave's audit log at {@code file}, every event anchored in the cluster's PostgreSQL as the audit writers' role. */
    public FileAuditLog auditLog(Path file) {
        return new FileAuditLog(file, Clock.systemUTC(), new JdbcAuditAnchor(auditWriter(), "the enclave's PostgreSQL (audit_anchor.anchor)"));
    }

    /** Connections to the cluster's PostgreSQL as the audit writers' role. */
    public DataSource auditWriter() {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(jdbcUrl());
        ds.setUser(EnclaveDatabase.AUDIT);
        ds.setPassword(auditPassword);
        return ds;
    }

    /** Removes the enclave's root (and the audit anchors of an earlier class): every class starts from nothing. */
    public void freshEnclave() {
        Configuration conf = new Configuration(false);
        conf.set("fs.defaultFS", HDFS);
        conf.set("fs.hdfs.impl", "org.apache.hadoop.hdfs.DistributedFileSystem");
        try (FileSystem fs = FileSystem.newInstance(URI.create(HDFS), conf)) {
            fs.delete(new org.apache.hadoop.fs.Path("/enclave"), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", postgresPassword); Statement s = c.createStatement()) {
            // the anchors are append-only for everyone else; the administrator starts a new log for a new enclave
            s.execute("ALTER TABLE audit_anchor.anchor DISABLE TRIGGER anchor_append_only");
            s.execute("DELETE FROM audit_anchor.anchor");
            s.execute("ALTER TABLE audit_anchor.anchor ENABLE TRIGGER anchor_append_only");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot clear the audit anchors: " + e.getMessage(), e);
        }
    }

    /** Kills worker {@code i} (0 or 1) at once, with its executors, as a machine that fails. */
    public void killWorker(int i) {
        DockerClientFactory.instance().client().killContainerCmd(workers[i].getContainerId()).exec();
    }

    /** Replaces worker {@code i} with a new one (after {@link #killWorker}). */
    public void restoreWorker(int i) {
        try {
            workers[i].stop();
        } catch (RuntimeException e) {
            // already gone
        }
        workers[i] = worker(i);
        workers[i].start();
    }

    /** The Spark master's view of the cluster (its web UI's JSON). */
    public String masterState() {
        return http("http://127.0.0.1:" + MASTER_WEB + "/json/");
    }

    /** Worker {@code i}'s view: its executors (its web UI's JSON). */
    public String workerState(int i) {
        return http("http://127.0.0.1:" + WORKER_WEB[i] + "/json/");
    }

    /** Process ids (on this host) of every container's main process. */
    public List<Long> processIds() {
        List<Long> pids = new ArrayList<>();
        List<GenericContainer<?>> all = new ArrayList<>(List.of(namenode, datanode, master, workers[0], workers[1], postgres));
        all.addAll(others);
        for (GenericContainer<?> c : all) {
            if (c.isRunning()) {
                pids.add(c.getCurrentContainerInfo().getState().getPidLong());
            }
        }
        return pids;
    }

    static String http(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String secret() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void stop() {
        List<GenericContainer<?>> all = new ArrayList<>(others);
        all.addAll(java.util.Arrays.asList(workers));
        all.add(master);
        all.add(datanode);
        all.add(namenode);
        all.add(postgres);
        for (GenericContainer<?> c : all) {
            try {
                if (c != null) {
                    c.stop();
                }
            } catch (RuntimeException e) {
                // stopping the rest matters more
            }
        }
    }
}
