package jp.nmi.enclave.hdfs;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import jp.nmi.enclave.error.EnclaveStorageException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * An in-process HDFS (Hadoop's MiniDFSCluster: one NameNode, one DataNode) whose data lives in a
 * local directory and survives restarts. Every port binds to 127.0.0.1.
 *
 * <p>Simple authentication on loopback: this demonstrates the enclave's controls on one machine; it
 * does not authenticate machines. Production uses a real HDFS with Kerberos.
 */
public final class EmbeddedHdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;
    private final Path baseDir;

    private EmbeddedHdfs(MiniDFSCluster cluster, Path baseDir) {
        this.cluster = cluster;
        this.baseDir = baseDir;
    }

    /**
     * Starts HDFS over {@code dir}, formatting it only the first time.
     *
     * @throws EnclaveStorageException if it cannot start (for example another process holds the directory)
     */
    public static EmbeddedHdfs start(Path dir) {
        return start(dir, 0);
    }

    /**
     * Starts HDFS over {@code dir} with its NameNode on {@code nameNodePort} of 127.0.0.1 (0: any
     * free port).
     *
     * @throws EnclaveStorageException if it cannot start (the port is taken, or another process holds the directory)
     */
    public static EmbeddedHdfs start(Path dir, int nameNodePort) {
        requireNonNull(dir, "dir is null");
        if (nameNodePort < 0 || nameNodePort > 65535) {
            throw new IllegalArgumentException("NameNode port out of range: " + nameNodePort);
        }
        Path base = dir.toAbsolutePath().resolve("hdfs");
        // MiniDFSCluster marks its base directory for deletion when the JVM exits, whatever
        // shutdown is asked for; the NameNode and DataNode directories therefore live beside it,
        // managed by us, and only scratch files go under the base directory.
        Path scratch = base.resolve("minicluster");
        Path name = base.resolve("name");
        Path data = base.resolve("data");
        boolean fresh = !Files.isDirectory(name.resolve("current"));
        Configuration conf = HdfsConfigurations.base();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, scratch.toString());
        conf.set("dfs.namenode.name.dir", name.toUri().toString());
        conf.set("dfs.namenode.edits.dir", name.toUri().toString());
        conf.set("dfs.namenode.checkpoint.dir", base.resolve("checkpoint").toUri().toString());
        conf.set("dfs.datanode.data.dir", data.toUri().toString());
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.namenode.https-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setBoolean("dfs.permissions.enabled", true);
        conf.setBoolean("dfs.namenode.acls.enabled", true);
        // One DataNode: a single replica is all there is.
        conf.setInt("dfs.replication", 1);
        conf.setInt("dfs.namenode.safemode.min.datanodes", 0);
        try {
            Files.createDirectories(scratch);
            Files.createDirectories(data);
            MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, scratch.toFile())
                    .numDataNodes(1)
                    .nameNodePort(nameNodePort)
                    .format(fresh)
                    .manageNameDfsDirs(false)
                    .manageDataDfsDirs(false)
                    .checkDataNodeAddrConfig(true)
                    .waitSafeMode(true)
                    .build();
            cluster.waitActive();
            return new EmbeddedHdfs(cluster, base);
        } catch (IOException | RuntimeException e) {
            throw new EnclaveStorageException("cannot start the embedded HDFS in " + base + ": " + e.getMessage()
                    + " (is another enclave process using this directory?)", e);
        }
    }

    /** {@code hdfs://127.0.0.1:<port>}. */
    public URI uri() {
        // MiniDFSCluster names "localhost" when given a port; the enclave names its HDFS one way only
        return URI.create("hdfs://127.0.0.1:" + cluster.getNameNodePort());
    }

    public Configuration configuration() {
        return new Configuration(cluster.getConfiguration(0));
    }

    public Path baseDir() {
        return baseDir;
    }

    @Override
    public void close() {
        cluster.shutdown();
    }
}
