package jp.nmi.enclave.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.discovery.Criteria;
import jp.nmi.enclave.discovery.Discovery;
import jp.nmi.enclave.discovery.DiscoveryIndex;
import jp.nmi.enclave.discovery.DiscoveryPolicy;
import jp.nmi.enclave.hdfs.EmbeddedHdfs;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Cohort discovery against Spark SQL on the same published datasets, in one process: a count with
 * five criteria and a per-biobank breakdown, through the warm discovery service (its budget, record
 * of answers, audit event forced to disk included) and as the equivalent Spark SQL query over the
 * Parquet files on HDFS in a warm local session; every exact count compared.
 */
public final class DiscoveryBenchmark {
    static final String CRITERIA = "icd10=C50,sample_type=dna,sex=F,age_band=50-59|60-69|70-79,commercial=yes";
    static final String SQL = "SELECT s.biobank, count(DISTINCT p.participant_id) AS n FROM participants p"
            + " JOIN diagnoses d ON d.participant_id = p.participant_id"
            + " JOIN samples s ON s.participant_id = p.participant_id"
            + " WHERE d.icd10 LIKE 'C50%' AND s.sample_type = 'dna' AND p.sex = 'F' AND p.age_band IN ('50-59', '60-69', '70-79')"
            + " AND p.commercial_use_prohibited = false GROUP BY ROLLUP (s.biobank)";

    private DiscoveryBenchmark() {}

    /** Medians in milliseconds. */
    public record Result(int participants, double indexBuildMs, double discoveryMs, double sparkMs, Map<String, Integer> counts) {}

    public static Result run(int participants, long seed, int repetitions, Path work, Progress progress, PrintWriter out) throws IOException {
        Path source = work.resolve("source-" + participants + "x20-" + seed);
        if (!Files.exists(source.resolve(DemoWorld.MANIFEST))) {
            out.printf(Locale.ROOT, "generating the demo world (%,d participants) ...%n", participants);
            out.flush();
            DemoWorld.write(new DemoWorld.Parameters(participants, 20, seed), source, progress);
        }
        Path dir = Files.createTempDirectory(work, "discovery-bench-");
        try (EmbeddedHdfs hdfs = EmbeddedHdfs.start(dir);
                EnclaveStorage storage = EnclaveStorage.connect(java.net.URI.create(hdfs.uri() + "/enclave"))) {
            FileAuditLog audit = new FileAuditLog(dir.resolve("audit.jsonl"));
            out.println("ingesting (not timed here: see bench ingest) ...");
            out.flush();
            Ingest.run(storage, new Ingest.Request(source, dir.resolve("keys/keys.p12"), source.resolve(DemoWorld.OPTOUT_CSV)), progress);
            DatasetRegistry registry = new DatasetRegistryStore(storage).require();

            long t0 = System.nanoTime();
            DiscoveryIndex index = DiscoveryIndex.of(storage);
            double build = (System.nanoTime() - t0) / 1e6;
            Criteria criteria = Criteria.parse(CRITERIA);
            Discovery discovery = new Discovery(storage, audit, DiscoveryPolicy.builtIn().withQueriesPerResearcher(1_000_000));
            Map<String, Integer> exact = new LinkedHashMap<>();
            exact.put("total", index.matching(criteria).size());
            for (String bank : index.biobanks()) {
                exact.put(bank, index.matching(Criteria.parse(CRITERIA.replace("sample_type=dna", "sample_type=dna,biobank=" + bank)))
                        .size());
            }

            out.printf(Locale.ROOT, "%,d participants, index built in %.0f ms; criteria %s, per biobank%n", index.participants(), build,
                    CRITERIA);
            out.flush();
            List<Double> ours = new ArrayList<>();
            for (int i = 0; i < repetitions + 3; i++) {
                long s = System.nanoTime();
                Discovery.Answer a = discovery.count("bench", CRITERIA, Optional.of("biobank"));
                double ms = (System.nanoTime() - s) / 1e6;
                if (i >= 3) { // three to warm up
                    ours.add(ms);
                }
                if (a.breakdown().size() != index.biobanks().size()) {
                    throw new IllegalStateException("the breakdown has " + a.breakdown().size() + " cells, not one per biobank");
                }
            }

            List<Double> spark = new ArrayList<>();
            Map<String, Integer> bySql = new LinkedHashMap<>();
            String fs = storage.fileSystemUri().toString();
            SparkSession session = SparkSession.builder()
                    .master("local[2]").appName("bench discovery")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.catalogImplementation", "in-memory")
                    .config("spark.hadoop.fs.defaultFS", fs)
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            try {
                for (String t : List.of("participants", "diagnoses", "samples")) {
                    session.sql("CREATE TABLE " + t + " USING parquet LOCATION '" + fs + registry.dataset(t).orElseThrow().location() + "'")
                            .collectAsList();
                }
                for (int i = 0; i < repetitions + 3; i++) {
                    long s = System.nanoTime();
                    List<Row> rows = session.sql(SQL).collectAsList();
                    double ms = (System.nanoTime() - s) / 1e6;
                    if (i >= 3) {
                        spark.add(ms);
                    }
                    bySql.clear();
                    for (Row r : rows) {
                        bySql.put(r.isNullAt(0) ? "total" : r.getString(0), (int) r.getLong(1));
                    }
                }
            } finally {
                session.stop();
            }
            for (Map.Entry<String, Integer> e : exact.entrySet()) {
                if (!e.getValue().equals(bySql.getOrDefault(e.getKey(), 0))) {
                    throw new IllegalStateException("the counts differ for " + e.getKey() + ": index " + e.getValue() + ", Spark SQL "
                            + bySql.get(e.getKey()));
                }
            }
            double a = median(ours);
            double b = median(spark);
            out.printf(Locale.ROOT, "%n%-34s %10s%n", "", "median ms");
            out.printf(Locale.ROOT, "%-34s %10.1f%n", "discovery (warm service)", a);
            out.printf(Locale.ROOT, "%-34s %10.1f%n", "Spark SQL (warm session)", b);
            out.printf(Locale.ROOT, "ratio Spark SQL / discovery: %.1f; exact counts identical: %s%n", b / a, exact);
            out.flush();
            return new Result(index.participants(), build, a, b, exact);
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
