package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jp.nmi.enclave.bench.IngestBenchmark;
import jp.nmi.enclave.io.ConsoleProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave bench}: benchmarks, each against a baseline measured in the same run. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Run a benchmark against a baseline measured in the same process (not part of the tests).",
        subcommands = {BenchCommand.Ingest.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "ingest",
            mixinStandardHelpOptions = true,
            description = {
                "Ingest throughput: generate (or reuse) a demo world, ingest it into a fresh embedded HDFS, and compare",
                "with copying the same source bytes to the same HDFS."})
    static final class Ingest implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--participants", defaultValue = "100000", description = "Participants (default: ${DEFAULT-VALUE}).")
        int participants;

        @Option(names = "--variants", defaultValue = "10000", description = "Variant sites (default: ${DEFAULT-VALUE}).")
        int variants;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work",
                description = "Work directory; the generated demo world is kept there for the next run (default: ${DEFAULT-VALUE}).")
        Path work;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON.")
        Path json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            IngestBenchmark.Result r = IngestBenchmark.run(participants, variants, seed, work, new ConsoleProgress(System.err, 10_000), out);
            if (json != null) {
                IngestBenchmark.writeJson(r, json);
            }
            return EnclaveCli.EXIT_OK;
        }
    }
}
