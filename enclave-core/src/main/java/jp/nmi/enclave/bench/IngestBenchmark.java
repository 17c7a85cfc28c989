package jp.nmi.enclave.bench;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.hdfs.EmbeddedHdfs;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;

/**
 * Ingest throughput on the embedded HDFS, against a baseline measured in the same process: copying
 * the same source files to the same HDFS byte for byte. The ratio says what parsing, validation,
 * pseudonymization and Parquet encoding cost on top of moving the bytes, and is comparable across
 * machines where absolute seconds are not.
 */
public final class IngestBenchmark {
    /** Results of one run. */
    public record Result(int participants, int variants, long sourceBytes, double copySeconds, double ingestSeconds,
            Map<String, Long> rows, long parquetBytes, long peakHeapBytes) {
        public double ratio() {
            return ingestSeconds / copySeconds;
        }
    }

    private IngestBenchmark() {}

    public static Result run(int participants, int variants, long seed, Path work, Progress progress, PrintWriter out)
            throws IOException {
        requireNonNull(work, "work is null");
        Path source = work.resolve("source-" + participants + "x" + variants + "-" + seed);
        if (!Files.exists(source.resolve(DemoWorld.MANIFEST))) {
            out.printf(Locale.ROOT, "generating the demo world (%,d participants, %,d variants) in %s ...%n", participants, variants, source);
            out.flush();
            deleteRecursively(source);
            DemoWorld.write(new DemoWorld.Parameters(participants, variants, seed), source, progress);
        } else {
            out.println("reusing the demo world in " + source);
        }
        long sourceBytes;
        try (Stream<Path> files = Files.list(source)) {
            sourceBytes = files.mapToLong(f -> f.toFile().length()).sum();
        }
        Path hdfsDir = work.resolve("hdfs-run");
        deleteRecursively(hdfsDir);
        resetPeakHeap();
        try (EmbeddedHdfs hdfs = EmbeddedHdfs.start(hdfsDir);
                EnclaveStorage storage = EnclaveStorage.connect(java.net.URI.create(hdfs.uri() + "/enclave"))) {
            // Baseline: the same bytes, copied as they are.
            long t0 = System.nanoTime();
            storage.fs().copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(source.toUri()),
                    new org.apache.hadoop.fs.Path("/baseline-copy"));
            double copySeconds = (System.nanoTime() - t0) / 1e9;
            storage.fs().delete(new org.apache.hadoop.fs.Path("/baseline-copy"), true);
            out.printf(Locale.ROOT, "baseline copy of %,d bytes: %.1f s%n", sourceBytes, copySeconds);
            out.flush();

            long t1 = System.nanoTime();
            Ingest.Report report = Ingest.run(storage,
                    new Ingest.Request(source, work.resolve("keys/enclave-keys.p12"), source.resolve(DemoWorld.OPTOUT_CSV)),
                    progress);
            double ingestSeconds = (System.nanoTime() - t1) / 1e9;
            Map<String, Long> rows = new LinkedHashMap<>();
            long parquetBytes = 0;
            for (DatasetRegistry.Entry e : report.datasets()) {
                rows.put(e.name(), e.rowCount());
                parquetBytes += e.files().stream().mapToLong(DatasetRegistry.DataFile::bytes).sum();
            }
            Result result = new Result(participants, variants, sourceBytes, copySeconds, ingestSeconds, rows, parquetBytes, peakHeap());
            print(result, out);
            return result;
        } finally {
            deleteRecursively(hdfsDir);
        }
    }

    static void print(Result r, PrintWriter out) {
        out.printf(Locale.ROOT, "ingest: %.1f s for %,d source bytes -> %,d Parquet bytes%n", r.ingestSeconds(), r.sourceBytes(),
                r.parquetBytes());
        long allRows = r.rows().values().stream().mapToLong(Long::longValue).sum();
        out.printf(Locale.ROOT, "  %,.0f rows/s over %,d rows; %,.0f genotype calls/s read from the VCF (%,d samples x %,d sites)%n",
                allRows / r.ingestSeconds(), allRows, (double) r.participants() * r.variants() / r.ingestSeconds(),
                r.participants(), r.variants());
        r.rows().forEach((k, v) -> out.printf(Locale.ROOT, "    %-16s %,14d rows%n", k, v));
        out.printf(Locale.ROOT, "  ratio ingest / baseline copy: %.2f%n", r.ratio());
        out.printf(Locale.ROOT, "  peak heap: %,d MiB%n", r.peakHeapBytes() >> 20);
        out.flush();
    }

    /** Writes the result as JSON, for comparing runs. */
    public static void writeJson(Result r, Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("participants", r.participants());
        json.put("variants", r.variants());
        json.put("source_bytes", r.sourceBytes());
        json.put("baseline_copy_seconds", r.copySeconds());
        json.put("ingest_seconds", r.ingestSeconds());
        json.put("ratio_ingest_to_copy", r.ratio());
        json.put("rows", r.rows());
        json.put("parquet_bytes", r.parquetBytes());
        json.put("peak_heap_bytes", r.peakHeapBytes());
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("java", System.getProperty("java.version"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long sum = 0;
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans();
        for (MemoryPoolMXBean pool : pools) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
