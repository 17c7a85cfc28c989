package jp.nmi.infra.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.infra.zeppelin.NotebookServer;
import jp.nmi.infra.zeppelin.ZeppelinHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code notebooks serve}: the notebook server (Zeppelin with the project interpreters) of an
 * enclave beyond one machine, in the foreground until stopped: the notebook container's command,
 * and what an operator runs on the notebook host. The interpreters read the operators' settings
 * file (HDFS, the Spark master, keys, policies, audit).
 */
@Command(name = "notebooks", mixinStandardHelpOptions = true, subcommands = NotebooksCommand.Serve.class,
        description = "The notebook server of an enclave beyond one machine.")
final class NotebooksCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Start the notebook server on 127.0.0.1 (its web port and its interpreters' ports) and run until stopped.",
                "The notebooks' access file is generated from the enclave's projects and directory at start, and kept in --instance's",
                "conf/ (project apply --notebook-conf DIR/conf updates it; the server follows within seconds)."})
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--target", paramLabel = "URI", required = true,
                description = "The enclave's HDFS and root, e.g. hdfs://namenode:8020/enclave.")
        URI target;

        @Option(names = "--settings", paramLabel = "FILE", required = true,
                description = "The operators' settings for the project interpreters (enclave.target, enclave.spark.master, keys,"
                        + " policies, audit log and anchor; see docs/operations.md).")
        Path settings;

        @Option(names = "--instance", paramLabel = "DIR", required = true,
                description = "The server's directory: conf/, notebook/ (the notes), logs/.")
        Path instance;

        @Option(names = "--port", paramLabel = "P", defaultValue = "8090", description = "Web port (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--rpc-ports", paramLabel = "FROM:TO", defaultValue = "18100:18139",
                description = "Ports of the server's and the interpreters' RPC (default: ${DEFAULT-VALUE}).")
        String rpcPorts;

        @Option(names = "--interpreter-heap", paramLabel = "SIZE", defaultValue = "2g",
                description = "Heap of each project interpreter, the project's Spark driver (default: ${DEFAULT-VALUE}).")
        String interpreterHeap;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            String[] range = rpcPorts.split(":");
            if (range.length != 2 || !range[0].matches("[0-9]{1,5}") || !range[1].matches("[0-9]{1,5}")
                    || Integer.parseInt(range[1]) - Integer.parseInt(range[0]) < 3) {
                throw new ValidationException("--rpc-ports must be FROM:TO with at least four ports, not '" + rpcPorts + "'");
            }
            if (!interpreterHeap.matches("[0-9]+[mg]")) {
                throw new ValidationException("--interpreter-heap must be a size such as 2g or 1536m, not '" + interpreterHeap + "'");
            }
            String operators = Files.readString(settings, StandardCharsets.UTF_8);
            if (!operators.lines().anyMatch(l -> l.strip().startsWith("enclave.target="))) {
                throw new ValidationException(settings + " names no enclave.target: notebooks serve is for an enclave beyond one"
                        + " machine (./enclave up runs the embedded one)");
            }
            ZeppelinHome home = ZeppelinHome.locate(LauncherCli.root());
            try (EnclaveStorage storage = EnclaveStorage.connect(target);
                    NotebookServer server = NotebookServer.prepare(home, instance,
                            new NotebookServer.Ports(port, Integer.parseInt(range[0]), Integer.parseInt(range[1])),
                            NotebookServer.InterpreterSettings.operators(operators, interpreterHeap), storage)) {
                server.start(Duration.ofMinutes(3));
                out.println("notebooks: " + server.url() + "   (server log: " + server.logs() + ")");
                out.flush();
                CountDownLatch stop = new CountDownLatch(1);
                for (String name : new String[] {"INT", "TERM"}) {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stop.countDown());
                }
                while (!stop.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
                    if (!server.isRunning()) {
                        out.println("notebooks: the server stopped; see " + server.logs());
                        return 1;
                    }
                }
                out.println("notebooks: stopping");
            }
            return 0;
        }
    }
}
