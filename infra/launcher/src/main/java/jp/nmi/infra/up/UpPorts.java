package jp.nmi.infra.up;

import java.util.ArrayList;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;

/**
 * The ports of the whole enclave on 127.0.0.1, each with the option that changes it. The notebook
 * server's interpreter processes take a range of their own.
 */
public record UpPorts(int hdfs, int postgres, int egress, int egressMetrics, int monitor, int notebooks, int notebookRpcFrom,
        int notebookRpcTo) {
    public static final UpPorts DEFAULTS = new UpPorts(8020, 15432, 8480, 8481, 8482, 8490, 8500, 8519);

    /** A port wanted by a service, and the option that moves it. */
    public record Wanted(int port, String service, String option) {}

    public UpPorts {
        for (int p : new int[] {hdfs, postgres, egress, egressMetrics, monitor, notebooks, notebookRpcFrom, notebookRpcTo}) {
            if (p < 1 || p > 65535) {
                throw new ValidationException("ports must be between 1 and 65535, got " + p);
            }
        }
        if (notebookRpcTo - notebookRpcFrom < 3) {
            throw new ValidationException("--notebook-rpc-ports needs at least 4 ports (FROM-TO), got " + notebookRpcFrom + "-" + notebookRpcTo);
        }
    }

    /** Every port, each once. */
    public List<Wanted> all() {
        List<Wanted> out = new ArrayList<>(List.of(new Wanted(hdfs, "the HDFS NameNode", "--hdfs-port"),
                new Wanted(postgres, "PostgreSQL", "--postgres-port"), new Wanted(egress, "the egress service", "--egress-port"),
                new Wanted(egressMetrics, "the egress service's health and metrics", "--egress-metrics-port"),
                new Wanted(monitor, "the enclave's health and metrics", "--monitor-port"),
                new Wanted(notebooks, "the notebook server", "--notebook-port")));
        for (int p = notebookRpcFrom; p <= notebookRpcTo; p++) {
            out.add(new Wanted(p, "the notebook interpreters", "--notebook-rpc-ports"));
        }
        java.util.Map<Integer, Wanted> seen = new java.util.HashMap<>();
        for (Wanted w : out) {
            Wanted before = seen.putIfAbsent(w.port(), w);
            if (before != null) {
                throw new ValidationException("port " + w.port() + " is given to both " + before.service() + " (" + before.option() + ") and "
                        + w.service() + " (" + w.option() + ")");
            }
        }
        return out;
    }
}
