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
    /** Twenty counts of five criteria each: every sex and age band with three cancers, DNA and commercial consent. */
    static List<String[]> variants() {
        List<String[]> out = new ArrayList<>();
        for (String sex : List.of("F", "M")) {
            for (String band : jp.nmi.enclave.dataset.AgeBands.labels().subList(0, 10)) {
                String criteria = "icd10=C50|C34|C18,sample_type=dna,sex=" + sex + ",age_band=" + band + ",commercial=yes";
                String sql = "SELECT s.biobank, count(DISTINCT p.participant_id) AS n FROM participants p"
                        + " JOIN diagnoses d ON d.participant_id = p.participant_id"
                        + " JOIN samples s ON s.participant_id = p.participant_id"
                        + " WHERE (d.icd10 LIKE 'C50%' OR d.icd10 LIKE 'C34%' OR d.icd10 LIKE 'C18%') AND s.sample_type = 'dna'"
                        + " AND p.sex = '" + sex + "' AND p.age_band = '" + band + "' AND p.commercial_use_prohibited = false"
                        + " GROUP BY ROLLUP (s.biobank)";
                out.add(new String[] {criteria, sql});
            }
        }
        return out;
    }

    private DiscoveryBenchmark() {}

    /** Medians in milliseconds. */
    public record Result(int participants, double indexBuildMs, double countingMs, double discoveryMs, double sparkMs) {}

    public static Result run(int participants, long seed, int rounds, Path work, Progress progress, PrintWriter out) throws IOException {
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
            Discovery discovery = new Discovery(storage, audit, DiscoveryPolicy.builtIn().withQueriesPerResearcher(1_000_000));
            List<String[]> variants = variants();
            out.printf(Locale.ROOT, "%,d participants, index built in %.0f ms; %d counts of five criteria with a per-biobank breakdown,"
                    + " %d rounds%n", index.participants(), build, variants.size(), rounds);
            out.flush();

            // exact counts by the index (what is shown is perturbed and rounded from these)
            List<Map<String, Integer>> exact = new ArrayList<>();
            List<Double> counting = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (String[] v : variants) {
                    long s = System.nanoTime();
                    Map<String, Integer> m = new LinkedHashMap<>();
                    m.put("total", index.matching(Criteria.parse(v[0])).size());
                    for (String bank : discovery.policy().biobanks()) {
                        m.put(bank, index.matching(Criteria.parse(v[0].replace("sample_type=dna", "sample_type=dna,biobank=" + bank))).size());
                    }
                    counting.add((System.nanoTime() - s) / 1e6);
                    if (round == 0) {
                        exact.add(m);
                    }
                }
            }
            // through the service: budget, record of shown sets (new sets the first round, answered from the record after), audit
            List<Double> ours = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (String[] v : variants) {
                    long s = System.nanoTime();
                    Discovery.Answer a = discovery.count("bench", v[0], Optional.of("biobank"));
                    ours.add((System.nanoTime() - s) / 1e6);
                    if (a.breakdown().size() != discovery.policy().biobanks().size()) {
                        throw new IllegalStateException("the breakdown has " + a.breakdown().size() + " cells, not one per biobank");
                    }
                }
            }

            List<Double> spark = new ArrayList<>();
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
                session.sql(variants.get(0)[1]).collectAsList(); // warm-up
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < variants.size(); i++) {
                        long s = System.nanoTime();
                        List<Row> rows = session.sql(variants.get(i)[1]).collectAsList();
                        spark.add((System.nanoTime() - s) / 1e6);
                        Map<String, Integer> bySql = new LinkedHashMap<>();
                        for (Row r : rows) {
                            bySql.put(r.isNullAt(0) ? "total" : r.getString(0), (int) r.getLong(1));
                        }
                        for (Map.Entry<String, Integer> e : exact.get(i).entrySet()) {
                            if (!e.getValue().equals(bySql.getOrDefault(e.getKey(), 0))) {
                                throw new IllegalStateException("the counts differ for " + variants.get(i)[0] + ", " + e.getKey() + ": index "
                                        + e.getValue() + ", Spark SQL " + bySql.get(e.getKey()));
                            }
                        }
                    }
                }
            } finally {
                session.stop();
            }
            double c = median(counting);
            double a = median(ours);
            double b = median(spark);
            out.printf(Locale.ROOT, "%n%-46s %10s %10s%n", "", "median ms", "max ms");
            out.printf(Locale.ROOT, "%-46s %10.1f %10.1f%n", "counting alone (the index)", c, Collections.max(counting));
            out.printf(Locale.ROOT, "%-46s %10.1f %10.1f%n", "discovery (warm service: records, audit)", a, Collections.max(ours));
            out.printf(Locale.ROOT, "%-46s %10.1f %10.1f%n", "Spark SQL (warm session, Parquet on HDFS)", b, Collections.max(spark));
            int largest = 0;
            for (int i = 1; i < exact.size(); i++) {
                largest = exact.get(i).get("total") > exact.get(largest).get("total") ? i : largest;
            }
            out.printf(Locale.ROOT, "ratio Spark SQL / discovery: %.1f; all %d x %d exact counts identical (the largest, %s: %s)%n", b / a,
                    variants.size(), 1 + discovery.policy().biobanks().size(), variants.get(largest)[0], exact.get(largest));
            out.flush();
            return new Result(index.participants(), build, c, a, b);
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
