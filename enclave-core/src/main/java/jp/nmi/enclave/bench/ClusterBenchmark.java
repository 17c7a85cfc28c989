package jp.nmi.enclave.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.policy.PolicyBuilder;
import jp.nmi.enclave.policy.ServicePoliciesJson;

/**
 * The governed-query workload ({@link SqlBenchmark}'s queries) in local mode and on a Spark
 * cluster, over one HDFS, at growing data sizes: for each size and each engine, the same queries
 * in a plain Spark session and through the enclave (extension, Ranger decisions, audit), so that
 * the enforcement overhead is a ratio measured in the same process, and the growth with data size
 * a ratio against the smallest size.
 */
public final class ClusterBenchmark {
    private ClusterBenchmark() {}

    /** Medians in milliseconds: scale, engine, query, phase. */
    public record Row(int scale, String engine, String query, double plain, double enclave) {}

    public static List<Row> run(URI target, String master, Map<String, String> clusterConf, Path secretFile, long baseRows,
            List<Integer> scales, int repetitions, Path work, PrintWriter out) throws IOException {
        Files.createDirectories(work);
        Path dir = Files.createTempDirectory(work, "cluster-bench-");
        List<Row> rows = new ArrayList<>();
        try (EnclaveStorage storage = EnclaveStorage.connect(target)) {
            Path policies = dir.resolve("policies.json");
            Files.write(policies, ServicePoliciesJson.write(PolicyBuilder.servicePolicies("bench", 1, SqlBenchmark.allowAll().policies())));
            Map<String, SqlBenchmark.Engine> engines = new LinkedHashMap<>();
            engines.put("local[2]", SqlBenchmark.LOCAL);
            engines.put("cluster", new SqlBenchmark.Engine(master, clusterConf, secretFile));
            for (int scale : scales) {
                long n = baseRows * scale;
                storage.fs().delete(new org.apache.hadoop.fs.Path("/enclave/bench"), true);
                out.printf(Locale.ROOT, "%n%dx: writing events (%,d rows) and people (100,000 rows) as Parquet on %s ...%n", scale, n, target);
                out.flush();
                Map<String, String> tables = SqlBenchmark.writeTables(storage, n);
                for (Map.Entry<String, SqlBenchmark.Engine> e : engines.entrySet()) {
                    Map<String, List<Double>> plain = new LinkedHashMap<>();
                    Map<String, List<Double>> enforced = new LinkedHashMap<>();
                    // plain and enclave alternate twice, so that warm caches favour neither
                    for (int round = 1; round <= 2; round++) {
                        out.printf(Locale.ROOT, "%dx %s round %d%n", scale, e.getKey(), round);
                        out.flush();
                        if (round == 1) {
                            SqlBenchmark.runPlain(storage.fileSystemUri().toString(), tables, repetitions, plain, e.getValue());
                            SqlBenchmark.runEnclave(storage, tables, policies, dir, repetitions, enforced, e.getValue());
                        } else {
                            SqlBenchmark.runEnclave(storage, tables, policies, dir, repetitions, enforced, e.getValue());
                            SqlBenchmark.runPlain(storage.fileSystemUri().toString(), tables, repetitions, plain, e.getValue());
                        }
                    }
                    for (String q : SqlBenchmark.QUERIES.keySet()) {
                        rows.add(new Row(scale, e.getKey(), q, SqlBenchmark.median(plain.get(q)), SqlBenchmark.median(enforced.get(q))));
                    }
                }
            }
            storage.fs().delete(new org.apache.hadoop.fs.Path("/enclave/bench"), true);
        } finally {
            SqlBenchmark.deleteRecursively(dir);
        }
        print(rows, scales, out);
        return rows;
    }

    static void print(List<Row> rows, List<Integer> scales, PrintWriter out) {
        out.printf(Locale.ROOT, "%n%-6s %-9s %-9s %10s %11s %9s %14s%n", "scale", "engine", "query", "plain ms", "enclave ms", "overhead",
                "vs 1x (encl.)");
        for (Row r : rows) {
            double base = rows.stream().filter(b -> b.scale() == scales.get(0) && b.engine().equals(r.engine()) && b.query().equals(r.query()))
                    .findFirst().orElseThrow().enclave();
            out.printf(Locale.ROOT, "%-6s %-9s %-9s %10.0f %11.0f %+8.1f%% %13.2fx%n", r.scale() + "x", r.engine(), r.query(), r.plain(),
                    r.enclave(), (r.enclave() / r.plain() - 1) * 100, r.enclave() / base);
        }
        out.printf(Locale.ROOT, "%nper scale and engine, the geometric means over the queries:%n%-6s %-9s %10s %11s %9s%n", "scale", "engine",
                "plain ms", "enclave ms", "overhead");
        for (int scale : scales) {
            for (String engine : rows.stream().map(Row::engine).distinct().toList()) {
                List<Row> rs = rows.stream().filter(r -> r.scale() == scale && r.engine().equals(engine)).toList();
                double p = Math.exp(rs.stream().mapToDouble(r -> Math.log(r.plain())).average().orElse(0));
                double e = Math.exp(rs.stream().mapToDouble(r -> Math.log(r.enclave())).average().orElse(0));
                out.printf(Locale.ROOT, "%-6s %-9s %10.0f %11.0f %+8.1f%%%n", scale + "x", engine, p, e, (e / p - 1) * 100);
            }
        }
        out.flush();
    }
}
