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
        subcommands = {BenchCommand.Ingest.class, BenchCommand.Sql.class, BenchCommand.Apply.class, BenchCommand.Disclosure.class,
            BenchCommand.Af.class, BenchCommand.Discover.class, BenchCommand.Cluster.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "af",
            mixinStandardHelpOptions = true,
            description = {"Allele frequencies by the index against plink2 on the same cohort, in the same run.",
                "A cohort written as a plink .bed set and indexed from it; one four-attribute stratum over all variants, and the 70",
                "per-attribute strata, by the index and by plink2 --keep --freq / --loop-cats; every count compared. Needs plink2",
                "(Debian's package) and a heap of about 10 GB at the defaults (ENCLAVE_HEAP=10g)."})
    static final class Af implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--participants", defaultValue = "100000", description = "Participants (default: ${DEFAULT-VALUE}).")
        int participants;

        @Option(names = "--variants", defaultValue = "100000", description = "Variants (default: ${DEFAULT-VALUE}).")
        int variants;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--plink2", paramLabel = "CMD", defaultValue = "plink2", description = "plink2 (default: ${DEFAULT-VALUE}).")
        String plink2;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            jp.nmi.enclave.bench.AfBenchmark.run(participants, variants, seed, work, plink2, new ConsoleProgress(System.err, 10_000),
                    spec.commandLine().getOut());
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "discover",
            mixinStandardHelpOptions = true,
            description = {"Cohort discovery against Spark SQL on the same published datasets, in the same run.",
                "Twenty counts of five criteria with a per-biobank breakdown through the warm discovery service, and the same counts as",
                "Spark SQL queries over the Parquet files in a warm local session; every exact count compared."})
    static final class Discover implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--participants", defaultValue = "100000", description = "Participants (default: ${DEFAULT-VALUE}).")
        int participants;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--rounds", defaultValue = "3", description = "Rounds of the twenty counts; medians (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            jp.nmi.enclave.bench.DiscoveryBenchmark.run(participants, seed, rounds, work, new ConsoleProgress(System.err, 10_000),
                    spec.commandLine().getOut());
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "disclosure",
            mixinStandardHelpOptions = true,
            description = "Disclosure checks on a large crosstab (three categorical variables, a magnitude), in rows per second.")
    static final class Disclosure implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--rows", defaultValue = "1000000", description = "Rows (default: ${DEFAULT-VALUE}).")
        int rows;

        @Option(names = "--repetitions", defaultValue = "3", description = "Runs; the best is reported (default: ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            jp.nmi.enclave.bench.DisclosureBenchmark.run(rows, repetitions, work, spec.commandLine().getOut());
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "apply",
            mixinStandardHelpOptions = true,
            description = {"Benchmark project apply (building the extract) against a full scan of the same data.",
                "project apply (the extract) of DEMO-1 and DEMO-2 over a large demo world, against a full scan of",
                "the datasets each spec approves, in the same run."})
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--participants", defaultValue = "100000", description = "Participants (default: ${DEFAULT-VALUE}).")
        int participants;

        @Option(names = "--variants", defaultValue = "10000", description = "Variant sites (default: ${DEFAULT-VALUE}).")
        int variants;

        @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            java.nio.file.Files.createDirectories(work);
            jp.nmi.enclave.bench.ApplyBenchmark.run(participants, variants, seed, work, new ConsoleProgress(System.err, 10_000),
                    spec.commandLine().getOut());
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "sql",
            mixinStandardHelpOptions = true,
            description = {
                "Benchmark governed SQL against plain Spark on the same data.",
                "Enforcement cost: the same queries (scan, filter, group by, join) over a multi-million-row Parquet table",
                "on the embedded HDFS, in plain Spark and through the enclave, phases alternated in one process."})
    static final class Sql implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--rows", defaultValue = "5000000", description = "Rows of the events table (default: ${DEFAULT-VALUE}).")
        long rows;

        @Option(names = "--repetitions", defaultValue = "5", description = "Timed runs per query and phase (default: ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            jp.nmi.enclave.bench.SqlBenchmark.run(rows, repetitions, work, spec.commandLine().getOut());
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "cluster",
            mixinStandardHelpOptions = true,
            description = {
                "Benchmark the governed-query workload in local mode and on a Spark cluster, at growing data sizes.",
                "The same queries as bench sql, plain and through the enclave, in local[2] and on --master, over the HDFS of",
                "--target, at each of --scales times --rows rows. infra/cluster/bench.sh starts a two-worker cluster and runs it."})
    static final class Cluster implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--target", paramLabel = "URI", required = true, description = "The cluster's HDFS, e.g. hdfs://127.0.0.1:18020/enclave.")
        java.net.URI target;

        @Option(names = "--master", paramLabel = "URL", required = true, description = "The Spark master, e.g. spark://127.0.0.1:17077.")
        String master;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Spark settings for the cluster's applications (repeatable; the"
                + " keys operators may set: sql/operator-spark-conf.yaml).")
        java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

        @Option(names = "--secret-file", paramLabel = "FILE", required = true, description = "The cluster's shared secret.")
        Path secretFile;

        @Option(names = "--rows", defaultValue = "1000000", description = "Rows of the events table at 1x (default: ${DEFAULT-VALUE}).")
        long rows;

        @Option(names = "--scales", defaultValue = "1,4,16", split = ",", description = "Data sizes, multiples of --rows (default: ${DEFAULT-VALUE}).")
        java.util.List<Integer> scales;

        @Option(names = "--repetitions", defaultValue = "3", description = "Timed runs per query, phase and round (default: ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--work", paramLabel = "DIR", defaultValue = "bench-results/work", description = "Work directory (default: ${DEFAULT-VALUE}).")
        Path work;

        @Override
        public Integer call() throws Exception {
            jp.nmi.enclave.sql.OperatorSparkConf.load().check(conf);
            if (scales.isEmpty() || scales.stream().anyMatch(s -> s < 1)) {
                throw new jp.nmi.enclave.error.ValidationException("--scales must be whole numbers of at least 1, got " + scales);
            }
            jp.nmi.enclave.bench.ClusterBenchmark.run(target, master, conf, secretFile, rows, scales, repetitions, work,
                    spec.commandLine().getOut());
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "ingest",
            mixinStandardHelpOptions = true,
            description = {
                "Benchmark ingest against reading the same source files.",
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
