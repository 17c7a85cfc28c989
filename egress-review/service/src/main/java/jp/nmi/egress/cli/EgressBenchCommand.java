package jp.nmi.egress.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jp.nmi.egress.bench.LoadBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave egress bench}: the load benchmark (not a test). */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Load benchmark on loopback: N analysts at once each create a request with one file through the REST API of a",
            "running service (embedded PostgreSQL and HDFS in the work directory), wait until the file is checked, and submit.",
            "Reports p50/p99 latency of create, of create-to-checked and of submit, against a plain concurrent HDFS copy of the",
            "same files measured in the same run, and counts lost or duplicated files (must be 0)."},
        footer = {"", "Exit codes: 0 done and nothing lost or duplicated, 1 otherwise."})
final class EgressBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--analysts", defaultValue = "50", description = "Concurrent analysts (default: ${DEFAULT-VALUE}).")
    int analysts;

    @Option(names = "--file-kb", defaultValue = "1024", description = "Size of each file in KiB (default: ${DEFAULT-VALUE}).")
    int fileKb;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of N concurrent submissions (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup-rounds", defaultValue = "1",
            description = "Rounds run first on the cold service and left out of the figures (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
    Path work;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LoadBenchmark.Result r = LoadBenchmark.run(analysts, fileKb * 1024, warmup, rounds, work, out);
        return r.lost() == 0 && r.duplicated() == 0 ? 0 : 1;
    }
}
