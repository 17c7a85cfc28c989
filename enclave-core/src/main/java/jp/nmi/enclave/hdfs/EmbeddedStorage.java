package jp.nmi.enclave.hdfs;

import static java.util.Objects.requireNonNull;

import org.apache.hadoop.conf.Configuration;

/**
 * The embedded enclave's storage: the HDFS an enclave process already serves from a directory, or
 * one started in this process (a MiniDFSCluster over the directory's files). What starts HDFS lives
 * here, in enclave-core; {@link EnclaveStorage} itself, in enclave-api, only connects.
 */
public final class EmbeddedStorage {
    private EmbeddedStorage() {}

    /**
     * Opens the embedded enclave in {@code dir}: connects to the HDFS an enclave process already
     * serves from it, or starts one in this process.
     */
    public static EnclaveStorage open(java.nio.file.Path dir) {
        return open(dir, 0);
    }

    /**
     * As {@link #open(java.nio.file.Path)}, starting the NameNode on {@code nameNodePort} of
     * 127.0.0.1 (0: any free port) when none is served.
     */
    public static EnclaveStorage open(java.nio.file.Path dir, int nameNodePort) {
        requireNonNull(dir, "dir is null");
        java.util.Optional<EnclaveStorage> served = EnclaveStorage.servedFrom(dir);
        if (served.isPresent()) {
            return served.get();
        }
        EmbeddedHdfs hdfs = EmbeddedHdfs.start(dir, nameNodePort);
        try {
            Configuration conf = HdfsConfigurations.base();
            conf.addResource(hdfs.configuration());
            return EnclaveStorage.owning(conf, hdfs.uri(), "/enclave", hdfs);
        } catch (RuntimeException e) {
            hdfs.close();
            throw e;
        }
    }
}
