package jp.nmi.enclave.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import javax.crypto.spec.SecretKeySpec;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.authz.ProjectScope;
import jp.nmi.enclave.dataset.Column;
import jp.nmi.enclave.dataset.ColumnType;
import jp.nmi.enclave.dataset.DatasetWriter;
import jp.nmi.enclave.dataset.TableSchema;
import jp.nmi.enclave.directory.StaticUserDirectory;
import jp.nmi.enclave.hdfs.EmbeddedHdfs;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.PolicyBuilder;
import jp.nmi.enclave.policy.PolicyBuilder.FilterItem;
import jp.nmi.enclave.policy.PolicyBuilder.MaskItem;
import jp.nmi.enclave.policy.PolicyBuilder.Who;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.policy.ServicePoliciesJson;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;
import org.apache.spark.sql.classic.SparkSession;

/**
 * What enforcement costs: the same analytical queries over a multi-million-row Parquet table,
 * once in a plain Spark session and once through the enclave (extension, Ranger decisions,
 * policy preparation, audit append), in one process, phases alternated so that drift hits both.
 * A third phase runs policies that do work (a row filter and a keyed mask), whose cost is the
 * work itself rather than enforcement.
 */
public final class SqlBenchmark {
    static final Map<String, String> QUERIES = new LinkedHashMap<>();

    static {
        // on the small table: what remains is the fixed cost of a statement
        QUERIES.put("small", "SELECT count(*) FROM people WHERE age_band = '20-29'");
        QUERIES.put("scan", "SELECT count(*), sum(value) FROM events");
        QUERIES.put("filter", "SELECT count(*) FROM events WHERE region = 'Kanto' AND value > 50");
        QUERIES.put("group by", "SELECT region, sex, count(*), avg(value) FROM events GROUP BY region, sex");
        QUERIES.put("join", "SELECT p.age_band, count(*), avg(e.value) FROM events e JOIN people p ON e.participant_id = p.participant_id"
                + " GROUP BY p.age_band");
    }

    private static final String[] REGIONS = jp.nmi.enclave.dataset.Region.labels().toArray(new String[0]);
    private static final String USER = "bench";

    private SqlBenchmark() {}

    /** Medians in milliseconds per query and phase. */
    public record Result(long rows, Map<String, Map<String, Double>> medians) {}

    public static Result run(long rows, int repetitions, Path work, PrintWriter out) throws IOException {
        Files.createDirectories(work);
        Path dir = Files.createTempDirectory(work, "sql-bench-");
        try (EmbeddedHdfs hdfs = EmbeddedHdfs.start(dir);
                EnclaveStorage storage = EnclaveStorage.connect(java.net.URI.create(hdfs.uri() + "/enclave"))) {
            out.printf(Locale.ROOT, "writing events (%,d rows) and people (100,000 rows) as Parquet on HDFS ...%n", rows);
            out.flush();
            Map<String, String> tables = writeTables(storage, rows);
            Path policies = dir.resolve("policies.json");
            Map<String, List<Double>> plain = new LinkedHashMap<>();
            Map<String, List<Double>> enforced = new LinkedHashMap<>();
            Map<String, List<Double>> working = new LinkedHashMap<>();
            // Four rounds, the order alternating (plain first, then the enclave first), so that warm
            // caches and JIT favour neither side.
            for (int round = 1; round <= 4; round++) {
                boolean plainFirst = round % 2 == 1;
                for (int phase = 0; phase < 2; phase++) {
                    if ((phase == 0) == plainFirst) {
                        out.println("round " + round + ": plain Spark");
                        out.flush();
                        runPlain(storage.fileSystemUri().toString(), tables, repetitions, plain, LOCAL);
                    } else {
                        out.println("round " + round + ": through the enclave, allow-all policies");
                        out.flush();
                        Files.write(policies, ServicePoliciesJson.write(PolicyBuilder.servicePolicies("bench", round,
                                allowAll().policies())));
                        runEnclave(storage, tables, policies, dir, repetitions, enforced, LOCAL);
                    }
                }
            }
            out.println("through the enclave, a row filter and a keyed mask");
            out.flush();
            Files.write(policies, ServicePoliciesJson.write(PolicyBuilder.servicePolicies("bench", 10, working().policies())));
            runEnclave(storage, tables, policies, dir, repetitions, working, LOCAL);

            Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
            out.printf(Locale.ROOT, "%n%-10s %12s %12s %8s %14s %8s%n", "query", "plain ms", "enclave ms", "ratio", "w/ policies ms", "ratio");
            double logSum = 0;
            for (String q : QUERIES.keySet()) {
                double a = median(plain.get(q));
                double b = median(enforced.get(q));
                double c = median(working.get(q));
                medians.put(q, Map.of("plain", a, "enclave", b, "enclave_with_policies", c));
                logSum += Math.log(b / a);
                out.printf(Locale.ROOT, "%-10s %12.0f %12.0f %8.3f %14.0f %8.3f%n", q, a, b, b / a, c, c / a);
            }
            out.printf(Locale.ROOT, "geometric mean of enclave / plain: %.3f (enforcement cost %+.1f%%)%n",
                    Math.exp(logSum / QUERIES.size()), (Math.exp(logSum / QUERIES.size()) - 1) * 100);
            out.flush();
            return new Result(rows, medians);
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Where the benchmark's Spark runs: this JVM, or a cluster's executors (its shared secret in {@code secretFile}). */
    record Engine(String master, Map<String, String> conf, Path secretFile) {
        EnclaveSession.Settings settings() {
            return new EnclaveSession.Settings(master, 10_000, 4, conf, secretFile);
        }
    }

    static final Engine LOCAL = new Engine("local[2]", Map.of(), null);

    static PolicyBuilder allowAll() {
        PolicyBuilder b = new PolicyBuilder("bench", 1, null);
        b.allow("all", "bench", List.of("events", "people"), List.of("*"), Who.users(USER), "select");
        return b;
    }

    static PolicyBuilder working() {
        PolicyBuilder b = allowAll();
        b.rowFilter("not Shikoku", "bench", "events", List.of(new FilterItem(Who.users(USER), "region <> 'Shikoku'")));
        b.mask("pseudonyms", "bench", "events", "participant_id", List.of(new MaskItem(Who.users(USER), "MASK_HASH", null)));
        b.mask("pseudonyms", "bench", "people", "participant_id", List.of(new MaskItem(Who.users(USER), "MASK_HASH", null)));
        return b;
    }

    static void runPlain(String fs, Map<String, String> tables, int repetitions, Map<String, List<Double>> times, Engine engine) {
        org.apache.spark.sql.SparkSession.Builder builder = org.apache.spark.sql.SparkSession.builder();
        engine.conf().forEach(builder::config);
        if (engine.settings().distributed()) {
            // the same authentication and encryption as the enclave's sessions: the comparison is of the controls alone
            engine.settings().clusterSecurity().forEach(builder::config);
            builder.config("spark.executor.extraJavaOptions", String.join(" ", jp.nmi.enclave.sql.OperatorSparkConf.EXECUTOR_JAVA_OPTIONS));
        }
        SparkSession spark = (SparkSession) builder
                .master(engine.master()).appName("bench plain")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.catalogImplementation", "in-memory")
                .config("spark.hadoop.fs.defaultFS", fs)
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.datetime.java8API.enabled", "true")
                .getOrCreate();
        try {
            spark.sql("CREATE DATABASE bench").collectAsList();
            tables.forEach((name, location) -> spark.sql("CREATE TABLE bench." + name + " USING parquet LOCATION '" + fs + location + "'")
                    .collectAsList());
            spark.sql("USE bench").collectAsList();
            for (Map.Entry<String, String> q : QUERIES.entrySet()) {
                spark.sql(q.getValue()).limit(10_001).collectAsList(); // warm-up
                for (int i = 0; i < repetitions; i++) {
                    long t0 = System.nanoTime();
                    spark.sql(q.getValue()).limit(10_001).collectAsList();
                    times.computeIfAbsent(q.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                }
            }
        } finally {
            spark.stop();
        }
    }

    static void runEnclave(EnclaveStorage storage, Map<String, String> tables, Path policies, Path dir, int repetitions,
            Map<String, List<Double>> times, Engine engine) {
        ProjectScope scope = new ProjectScope("BENCH", "bench", "/enclave/projects/BENCH/workspace",
                "/enclave/projects/BENCH/outbox");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try (EnclaveSession session = EnclaveSession.open(storage.fileSystemUri(), new EnclaveSession.Project(scope, tables),
                new RangerAuthorizer(new FilePolicySource(policies), "bench", Clock.systemUTC()),
                new StaticUserDirectory(Map.of(USER, Set.of("bench"))), new FileAuditLog(dir.resolve("audit.jsonl")),
                new SecretKeySpec(key, "HmacSHA256"), engine.settings())) {
            for (Map.Entry<String, String> q : QUERIES.entrySet()) {
                check(session.execute(USER, q.getValue())); // warm-up
                for (int i = 0; i < repetitions; i++) {
                    long t0 = System.nanoTime();
                    check(session.execute(USER, q.getValue()));
                    times.computeIfAbsent(q.getKey(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                }
            }
        }
    }

    private static void check(StatementResult r) {
        if (!r.isOk()) {
            throw new IllegalStateException("benchmark query failed: " + r.statement() + " -> " + r.message());
        }
    }

    static Map<String, String> writeTables(EnclaveStorage storage, long rows) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        String[] ids = new String[100_000];
        for (int i = 0; i < ids.length; i++) {
            byte[] b = new byte[32];
            for (int j = 0; j < 32; j++) {
                b[j] = (byte) rnd.nextInt(256);
            }
            ids[i] = HexFormat.of().formatHex(b);
        }
        TableSchema events = new TableSchema("events", List.of(Column.of("participant_id", ColumnType.STRING),
                Column.of("region", ColumnType.STRING), Column.of("sex", ColumnType.STRING), Column.of("value", ColumnType.DOUBLE),
                Column.of("measured_on", ColumnType.DATE)));
        TableSchema people = new TableSchema("people", List.of(Column.of("participant_id", ColumnType.STRING),
                Column.of("age_band", ColumnType.STRING), Column.of("sex", ColumnType.STRING)));
        String base = "/enclave/bench";
        try (DatasetWriter w = new DatasetWriter(storage.configuration(), new org.apache.hadoop.fs.Path(base + "/events"), events,
                Math.max(1, rows / 4))) {
            LocalDate start = LocalDate.of(2015, 1, 1);
            for (long i = 0; i < rows; i++) {
                w.write(new Object[] {ids[rnd.nextInt(ids.length)], REGIONS[rnd.nextInt(REGIONS.length)], rnd.nextBoolean() ? "F" : "M",
                        rnd.nextDouble() * 100, start.plusDays(rnd.nextInt(3650))});
            }
            w.finish();
        }
        try (DatasetWriter w = new DatasetWriter(storage.configuration(), new org.apache.hadoop.fs.Path(base + "/people"), people, 1_000_000)) {
            for (String id : ids) {
                int age = 20 + rnd.nextInt(80);
                w.write(new Object[] {id, (age / 10 * 10) + "-" + (age / 10 * 10 + 9), rnd.nextBoolean() ? "F" : "M"});
            }
            w.finish();
        }
        return Map.of("events", base + "/events", "people", base + "/people");
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
