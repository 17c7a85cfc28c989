package jp.nmi.cluster;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.minikdc.MiniKdc;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import com.github.dockerjava.api.DockerClient;

/**
 * HDFS as production runs it (infra/production/hadoop): Kerberos, RPC with privacy, encrypted block
 * transfer, HTTPS only, ACLs. A KDC on loopback (Hadoop's MiniKdc, Apache Kerby, in the test JVM)
 * holds the realm of the production files, {@code ENCLAVE.EXAMPLE.JP}; a NameNode and a DataNode
 * run in containers of the runtime image, and every client (the operators' CLI, the file system
 * shell) in containers of their own, each with the site configuration in {@code HADOOP_CONF_DIR},
 * the realm's {@code /etc/krb5.conf} and its own keytab. The site configuration is the production
 * files with only what names hosts replaced (one NameNode on 127.0.0.1 instead of two in HA, the
 * keytabs' and key stores' places): what they say about security is what runs.
 */
final class KerberizedHdfs implements AutoCloseable {
    static final String REALM = "ENCLAVE.EXAMPLE.JP";
    static final int NAMENODE_PORT = 18220;
    static final String URI = "hdfs://127.0.0.1:" + NAMENODE_PORT;
    static final String PREFIX = "krb-";
    /** The production settings that name hosts (HA, addresses): replaced here by one NameNode on loopback. */
    private static final List<String> HOST_SPECIFIC = List.of("fs.defaultFS", "dfs.nameservices", "dfs.ha.", "dfs.namenode.rpc-address.",
            "dfs.namenode.https-address.", "dfs.client.failover.proxy.provider.", "dfs.replication", "dfs.namenode.keytab.file",
            "dfs.datanode.keytab.file", "dfs.datanode.kerberos.principal");
    /** Production's hosts, as its principals' rules name them; here every server runs on localhost. */
    private static final String PRODUCTION_HOSTS = "[^/@]*\\.enclave\\.example\\.jp";

    final Path dir;
    final Path conf;
    final Path keytabs;
    final Path logs;
    private final MiniKdc kdc;
    private final List<GenericContainer<?>> servers = new ArrayList<>();

    private KerberizedHdfs(Path dir, MiniKdc kdc) {
        this.dir = dir;
        this.conf = dir.resolve("hadoop-conf");
        this.keytabs = dir.resolve("keytabs");
        this.logs = dir.resolve("logs");
        this.kdc = kdc;
    }

    /** The KDC, the site configuration and the principals, then a NameNode and a DataNode under Kerberos. */
    static KerberizedHdfs start(Path dir) throws Exception {
        Files.createDirectories(dir);
        Properties kdcConf = MiniKdc.createConf();
        kdcConf.setProperty(MiniKdc.ORG_NAME, "ENCLAVE");
        kdcConf.setProperty(MiniKdc.ORG_DOMAIN, "EXAMPLE.JP");
        kdcConf.setProperty(MiniKdc.KDC_BIND_ADDRESS, "127.0.0.1");
        MiniKdc kdc = new MiniKdc(kdcConf, Files.createDirectories(dir.resolve("kdc")).toFile());
        kdc.start();
        KerberizedHdfs h = new KerberizedHdfs(dir, kdc);
        try {
            Files.createDirectories(h.logs);
            h.principals();
            h.siteConfiguration();
            Cluster.removeLeftovers("enclave-" + PREFIX);
            GenericContainer<?> namenode = h.server("namenode", "namenode", Map.of("ENCLAVE_HDFS", URI), "IPC Server listener on "
                    + NAMENODE_PORT);
            namenode.start();
            GenericContainer<?> datanode = h.server("datanode", "datanode", Map.of("ENCLAVE_HDFS", URI, "DN_PORT", "19966",
                    "DN_HTTP_PORT", "19964", "DN_IPC_PORT", "19967"), "Successfully sent block report");
            datanode.start();
            return h;
        } catch (Exception | Error e) {
            h.close();
            throw e;
        }
    }

    /**
     * The HDFS services' principals (the NameNode's and DataNode's, their web endpoints'), the
     * administrator's ({@code hdfs}, the superuser), the enclave's and a principal of the realm that
     * is nobody the enclave knows: one keytab each.
     */
    private void principals() throws Exception {
        Files.createDirectories(keytabs);
        kdc.createPrincipal(keytabs.resolve("hdfs-services.keytab").toFile(), "nn/localhost", "dn/localhost", "HTTP/localhost",
                "HTTP/127.0.0.1");
        kdc.createPrincipal(keytabs.resolve("admin.keytab").toFile(), "hdfs/localhost");
        kdc.createPrincipal(keytabs.resolve("enclave.keytab").toFile(), "enclave/localhost");
        kdc.createPrincipal(keytabs.resolve("egress.keytab").toFile(), "egress/localhost");
        kdc.createPrincipal(keytabs.resolve("mallory.keytab").toFile(), "mallory/localhost");
        // someone of the provider's realm who shares a name with an analyst of the enclave
        kdc.createPrincipal(keytabs.resolve("alice.keytab").toFile(), "alice");
    }

    /** core-site.xml and hdfs-site.xml from infra/production/hadoop, ssl-server.xml and ssl-client.xml with a key store made here. */
    private void siteConfiguration() throws Exception {
        Files.createDirectories(conf);
        Path production = TestProductionConfiguration.PRODUCTION.resolve("hadoop");
        Configuration core = fromProduction(production.resolve("core-site.xml"));
        core.set("fs.defaultFS", URI);
        String rules = core.get("hadoop.security.auth_to_local");
        if (!rules.contains(PRODUCTION_HOSTS)) {
            throw new IllegalStateException("production's auth_to_local no longer names its hosts as " + PRODUCTION_HOSTS + ": " + rules);
        }
        core.set("hadoop.security.auth_to_local", rules.replace(PRODUCTION_HOSTS, "localhost"));
        write(core, "core-site.xml");
        write(fromProduction(production.resolve("hadoop-policy.xml")), "hadoop-policy.xml");
        Configuration hdfs = fromProduction(production.resolve("hdfs-site.xml"));
        hdfs.set("dfs.replication", "1");
        hdfs.set("dfs.namenode.keytab.file", keytabs.resolve("hdfs-services.keytab").toString());
        hdfs.set("dfs.datanode.keytab.file", keytabs.resolve("hdfs-services.keytab").toString());
        hdfs.set("dfs.web.authentication.kerberos.keytab", keytabs.resolve("hdfs-services.keytab").toString());
        // one host, one address: the DataNode names itself 127.0.0.1, whose name is localhost
        hdfs.set("dfs.datanode.kerberos.principal", "dn/localhost@" + REALM);
        hdfs.set("dfs.namenode.https-address", "127.0.0.1:19971");
        hdfs.set("dfs.datanode.https.address", "127.0.0.1:19965");
        write(hdfs, "hdfs-site.xml");
        Path keystore = conf.resolve("localhost.p12");
        String password = "changeit-" + Long.toHexString(System.nanoTime());
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "localhost", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password, "-keypass", password)
                .redirectErrorStream(true).start();
        String said = new String(keytool.getInputStream().readAllBytes());
        if (keytool.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + said);
        }
        Configuration server = new Configuration(false);
        server.set("ssl.server.keystore.location", keystore.toString());
        server.set("ssl.server.keystore.type", "pkcs12");
        server.set("ssl.server.keystore.password", password);
        server.set("ssl.server.keystore.keypassword", password);
        server.set("ssl.server.truststore.location", keystore.toString());
        server.set("ssl.server.truststore.type", "pkcs12");
        server.set("ssl.server.truststore.password", password);
        write(server, "ssl-server.xml");
        Configuration client = new Configuration(false);
        client.set("ssl.client.truststore.location", keystore.toString());
        client.set("ssl.client.truststore.type", "pkcs12");
        client.set("ssl.client.truststore.password", password);
        write(client, "ssl-client.xml");
    }

    private static Configuration fromProduction(Path file) {
        Configuration production = new Configuration(false);
        production.addResource(new org.apache.hadoop.fs.Path(file.toUri()));
        Configuration site = new Configuration(false);
        for (Map.Entry<String, String> e : production) {
            if (HOST_SPECIFIC.stream().noneMatch(p -> p.endsWith(".") ? e.getKey().startsWith(p) : e.getKey().equals(p))) {
                site.set(e.getKey(), e.getValue());
            }
        }
        return site;
    }

    private void write(Configuration c, String name) throws IOException {
        try (OutputStream out = Files.newOutputStream(conf.resolve(name))) {
            c.writeXml(out);
        }
    }

    /** The environment and mounts of every container here: the site configuration, the realm's krb5.conf, this directory. */
    private GenericContainer<?> kerberized(GenericContainer<?> c) {
        return node(c).withFileSystemBind(dir.toString(), dir.toString(), BindMode.READ_WRITE);
    }

    /** A host with the site configuration and the realm's krb5.conf, and nothing else of this directory: no keytab. */
    private GenericContainer<?> node(GenericContainer<?> c) {
        return c.withEnv("HADOOP_CONF_DIR", conf.toString())
                .withFileSystemBind(conf.toString(), conf.toString(), BindMode.READ_ONLY)
                .withFileSystemBind(kdc.getKrb5conf().getAbsolutePath(), "/etc/krb5.conf", BindMode.READ_ONLY);
    }

    /** A server in {@code role} (stopped with the HDFS), with the site configuration, krb5.conf and this directory. */
    GenericContainer<?> server(String name, String role, Map<String, String> env, String readyLine, String... args) {
        GenericContainer<?> c = kerberized(Cluster.container(logs, PREFIX + name, role, env, readyLine, args));
        servers.add(c);
        return c;
    }

    /** A server in {@code role} on a host that holds no keytab (a Spark node): the site configuration and krb5.conf only. */
    GenericContainer<?> serverWithoutKeytab(String name, String role, Map<String, String> env, String readyLine, String... args) {
        GenericContainer<?> c = node(Cluster.container(logs, PREFIX + name, role, env, readyLine, args));
        servers.add(c);
        return c;
    }

    /** What a one-shot container said, and how it ended. */
    record Run(long exitCode, String output) {
        Run succeeded() {
            if (exitCode != 0) {
                throw new AssertionError("exit " + exitCode + ": " + output);
            }
            return this;
        }
    }

    /**
     * Runs {@code role ARGS} once in a container of its own, logged in as {@code principal}
     * ({@code NAME/localhost} from {@code NAME.keytab}), or with no credentials at all if it is null.
     */
    Run run(String keytab, String principal, Map<String, String> env, String role, String... args) {
        Map<String, String> all = new HashMap<>(env);
        if (keytab != null) {
            all.put("ENCLAVE_KERBEROS_KEYTAB", keytabs.resolve(keytab + ".keytab").toString());
            all.put("ENCLAVE_KERBEROS_PRINCIPAL", principal + "@" + REALM);
        }
        GenericContainer<?> c = kerberized(Cluster.container(logs, PREFIX + role + "-" + Long.toHexString(System.nanoTime()), role, all, "",
                args)).withStartupCheckStrategy(new Exited().withTimeout(Duration.ofMinutes(6)));
        try {
            c.start();
            Long code = DockerClientFactory.instance().client().inspectContainerCmd(c.getContainerId()).exec().getState().getExitCodeLong();
            return new Run(code == null ? -1 : code, c.getLogs());
        } finally {
            c.stop();
        }
    }

    /** Started once the container has ended, however it ended (the caller looks at its exit code). */
    private static final class Exited extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient docker, String containerId) {
            return org.testcontainers.utility.DockerStatus.isContainerStopped(getCurrentState(docker, containerId))
                    ? StartupStatus.SUCCESSFUL : StartupStatus.NOT_YET_KNOWN;
        }
    }

    /** Hadoop's file system shell as {@code who} (admin: the HDFS superuser; enclave; mallory), {@code hdfs dfs ARGS}. */
    Run shell(String who, String... args) {
        String principal = Set.of("admin").contains(who) ? "hdfs/localhost" : who + "/localhost";
        return run(who, principal, Map.of(), "hdfs", args);
    }

    @Override
    public void close() {
        for (int i = servers.size() - 1; i >= 0; i--) {
            try {
                servers.get(i).stop();
            } catch (RuntimeException e) {
                // stopping the rest matters more
            }
        }
        kdc.stop();
    }

    File krb5conf() {
        return kdc.getKrb5conf();
    }
}
