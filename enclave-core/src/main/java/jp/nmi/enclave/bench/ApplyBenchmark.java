package jp.nmi.enclave.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.dataset.DatasetReader;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.hdfs.EmbeddedHdfs;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectSpec;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;

/**
 * {@code project apply} time (the extract) for the demo projects over a large demo world, against a
 * baseline in the same run: reading every row of the datasets the spec approves, without filtering,
 * re-keying or writing.
 */
public final class ApplyBenchmark {
    private ApplyBenchmark() {}

    public static void run(int participants, int variants, long seed, Path work, Progress progress, PrintWriter out) throws IOException {
        Path source = work.resolve("source-" + participants + "x" + variants + "-" + seed);
        if (!Files.exists(source.resolve(DemoWorld.MANIFEST))) {
            out.printf(Locale.ROOT, "generating the demo world (%,d participants, %,d variants) ...%n", participants, variants);
            out.flush();
            DemoWorld.write(new DemoWorld.Parameters(participants, variants, seed), source, progress);
        }
        Path dir = Files.createTempDirectory(work, "apply-bench-");
        try (EmbeddedHdfs hdfs = EmbeddedHdfs.start(dir);
                EnclaveStorage storage = EnclaveStorage.connect(java.net.URI.create(hdfs.uri() + "/enclave"))) {
            Path keys = dir.resolve("keys/keys.p12");
            out.println("ingesting (not timed here: see bench ingest) ...");
            out.flush();
            Ingest.run(storage, new Ingest.Request(source, keys, source.resolve(DemoWorld.OPTOUT_CSV)), progress);
            DatasetRegistry registry = new DatasetRegistryStore(storage).require();
            ProjectReconciler reconciler = new ProjectReconciler(storage, KeyStoreFile.openOrCreate(keys),
                    PolicyPublisher.file(dir.resolve("policies.json")), new FileAuditLog(dir.resolve("audit.jsonl")), "bench",
                    Clock.systemUTC(), progress);
            out.printf(Locale.ROOT, "%n%-8s %12s %12s %8s %14s %16s%n", "project", "scan s", "apply s", "ratio", "participants",
                    "rows written");
            for (String id : DemoSpecs.IDS) {
                ProjectSpec spec = DemoSpecs.spec(id);
                long t0 = System.nanoTime();
                long scanned = 0;
                for (Map.Entry<String, List<String>> t : spec.datasets().entrySet()) {
                    scanned += DatasetReader.scan(storage.configuration(), storage.fileSystemUri().toString(),
                            registry.dataset(t.getKey()).orElseThrow(), t.getValue(), row -> { });
                }
                double scan = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                reconciler.apply(spec);
                double apply = (System.nanoTime() - t1) / 1e9;
                ProjectState state = new ProjectStore(storage).require(id);
                long written = state.extract().tables().values().stream().mapToLong(ProjectState.Table::rows).sum();
                out.printf(Locale.ROOT, "%-8s %12.1f %12.1f %8.2f %,14d %,16d   (%,d source rows scanned)%n", id, scan, apply,
                        apply / scan, state.extract().participants(), written, scanned);
                out.flush();
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
