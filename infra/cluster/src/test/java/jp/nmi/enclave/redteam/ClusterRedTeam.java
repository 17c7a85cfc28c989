package jp.nmi.enclave.redteam;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import jp.nmi.cluster.Cluster;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.sql.EnclaveSession;

/**
 * What the red team's suite runs on when it attacks the cluster: the demo world on the
 * containers' HDFS (an empty {@code /enclave} for each class), the audit anchored in the cluster's
 * PostgreSQL, and the members' statements planned in this JVM (the driver) and run by the executors
 * of the two Spark workers, authenticated with the cluster's secret.
 */
final class ClusterRedTeam {
    private ClusterRedTeam() {}

    static DemoEnclave start(Path dir, DemoWorld.Parameters world) {
        Cluster cluster = Cluster.get();
        cluster.freshEnclave();
        EnclaveStorage storage = EnclaveStorage.connect(URI.create(Cluster.HDFS + "/enclave"));
        return DemoEnclave.startOn(dir, storage, null, cluster.auditLog(dir.resolve("audit").resolve("enclave-audit.jsonl")), world,
                Progress.NONE);
    }

    static EnclaveSession.Settings settings() {
        return new EnclaveSession.Settings(Cluster.MASTER, 100_000, 2, Map.of("spark.executor.memory", "512m", "spark.cores.max", "2",
                "spark.shuffle.readHostLocalDisk", "false"), Cluster.get().sparkSecret);
    }

    static javax.sql.DataSource auditWriter() {
        return Cluster.get().auditWriter();
    }
}
