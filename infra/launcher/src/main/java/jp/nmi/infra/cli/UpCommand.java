package jp.nmi.infra.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.infra.up.EnclaveUp;
import jp.nmi.infra.up.UpPorts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./enclave up}: the whole enclave on this machine until Ctrl-C or {@code ./enclave down}. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start the whole enclave on 127.0.0.1 from one data directory and keep it running until Ctrl-C or",
            "./enclave down: the embedded HDFS and PostgreSQL (data kept in DIR, so a restart keeps everything), the egress",
            "service, the notebook server (Zeppelin with %enclave) and the workbench, and health and metrics. The first start",
            "generates and ingests the synthetic demo world and applies the DEMO-1 and DEMO-2 specs. The demo users'",
            "passwords are in DIR/demo-users.txt. A port already taken, a second up on the same directory, or a service that",
            "does not come up stops everything with a message that says which."})
final class UpCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "enclave-data",
            description = "The enclave's data directory (default: ${DEFAULT-VALUE}); every other command takes it as --embedded DIR.")
    Path dir;

    @Option(names = "--participants", paramLabel = "N", defaultValue = "5000",
            description = "Participants of the demo world made on first start (default: ${DEFAULT-VALUE}).")
    int participants;

    @Option(names = "--hdfs-port", paramLabel = "P", defaultValue = "8020", description = "HDFS NameNode (default: ${DEFAULT-VALUE}).")
    int hdfsPort;

    @Option(names = "--postgres-port", paramLabel = "P", defaultValue = "15432", description = "PostgreSQL (default: ${DEFAULT-VALUE}).")
    int postgresPort;

    @Option(names = "--egress-port", paramLabel = "P", defaultValue = "8480", description = "Egress service (default: ${DEFAULT-VALUE}).")
    int egressPort;

    @Option(names = "--egress-metrics-port", paramLabel = "P", defaultValue = "8481",
            description = "Egress service health and metrics (default: ${DEFAULT-VALUE}).")
    int egressMetricsPort;

    @Option(names = "--monitor-port", paramLabel = "P", defaultValue = "8482",
            description = "The enclave's health and metrics (default: ${DEFAULT-VALUE}).")
    int monitorPort;

    @Option(names = "--notebook-port", paramLabel = "P", defaultValue = "8490",
            description = "Notebook server and workbench (default: ${DEFAULT-VALUE}).")
    int notebookPort;

    @Option(names = "--notebook-rpc-ports", paramLabel = "FROM-TO", defaultValue = "8500-8519",
            description = "The notebook server's and its interpreters' RPC ports (default: ${DEFAULT-VALUE}).")
    String notebookRpcPorts;

    @Option(names = "--interpreter-heap", paramLabel = "SIZE", defaultValue = "1g",
            description = "Heap of each project's interpreter process (default: ${DEFAULT-VALUE}).")
    String interpreterHeap;

    @Option(names = "--egress-heap", paramLabel = "SIZE", defaultValue = "768m",
            description = "Heap of the egress service (default: ${DEFAULT-VALUE}).")
    String egressHeap;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "How long a service may take to answer (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        String[] range = notebookRpcPorts.split("-", 2);
        int from;
        int to;
        try {
            from = Integer.parseInt(range[0].strip());
            to = Integer.parseInt(range.length > 1 ? range[1].strip() : "");
        } catch (NumberFormatException e) {
            throw new ValidationException("--notebook-rpc-ports must be FROM-TO, e.g. 8500-8519, got '" + notebookRpcPorts + "'");
        }
        UpPorts ports = new UpPorts(hdfsPort, postgresPort, egressPort, egressMetricsPort, monitorPort, notebookPort, from, to);
        EnclaveUp up = EnclaveUp.prepare(new EnclaveUp.Options(dir, participants, ports, interpreterHeap, egressHeap, LauncherCli.root(),
                Duration.ofSeconds(timeoutSeconds)), out);
        CountDownLatch stop = new CountDownLatch(1);
        for (String name : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                up.cancel();
                stop.countDown();
            });
        }
        out.println("enclave up: " + dir.toAbsolutePath() + " (logs in " + EnclaveUp.logs(dir) + ")");
        out.flush();
        try {
            up.start();
        } catch (ValidationException | EnclaveStorageException e) {
            System.err.println("enclave up: " + e.getMessage());
            return 1;
        }
        printReady(up, out);
        stop.await();
        out.println("stopping ...");
        out.flush();
        long t = System.nanoTime();
        up.close();
        out.printf(Locale.ROOT, "stopped (%.1f s)%n", (System.nanoTime() - t) / 1e9);
        return 0;
    }

    private void printReady(EnclaveUp up, PrintStream out) {
        Path abs = dir.toAbsolutePath();
        out.printf(Locale.ROOT, "%nThe enclave is ready (%.1f s%s).%n", up.readyMillis() / 1000.0,
                up.firstStart() ? ", first start: demo world made" : "");
        out.printf("  %-30s %s%n", "workbench (analysts)", up.url("zeppelin"));
        out.printf("  %-30s %s%n", "egress review (stewards)", up.url("egress"));
        out.printf("  %-30s %s%n", "cohort discovery (researchers)", up.url("egress").replaceAll("/+$", "") + "/discovery");
        out.printf("  %-30s %s%n", "data catalogue (researchers)", up.url("egress").replaceAll("/+$", "") + "/catalogue");
        out.printf("  %-30s %s%n", "data-use register (public)", up.url("egress").replaceAll("/+$", "") + "/register");
        out.printf("  %-30s %s%n", "HDFS", up.url("hdfs"));
        out.printf("  %-30s %s%n", "PostgreSQL", up.url("postgres"));
        out.printf("  %-30s %s  (egress: http://127.0.0.1:%d/metrics)%n", "health and metrics", up.url("monitor").replace("/health", "/metrics"),
                egressMetricsPort);
        out.println("Demo users (user password per line in " + jp.nmi.enclave.directory.DirectoryStore.demoUsersFile(abs) + "):");
        DirectoryStore.DEMO_USERS.forEach((u, roles) -> out.printf("  %-8s %s%n", u, String.join(", ", roles)));
        out.println("Every other command works on this enclave with --embedded " + dir + " (e.g. ./enclave project list --embedded " + dir
                + ").");
        out.println("Logs: " + EnclaveUp.logs(abs) + ", " + abs.resolve("zeppelin").resolve("logs"));
        out.println("Stop: Ctrl-C, or ./enclave down --data-dir " + dir);
        out.flush();
    }
}
