package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.ConsoleProgress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave ingest}: source files to pseudonymized Parquet datasets on HDFS. */
@Command(name = "ingest",
        mixinStandardHelpOptions = true,
        description = {
            "Ingest a provider's source files into pseudonymized Parquet datasets under <root>/datasets/<name>/.",
            "Direct identifiers are dropped (and scrubbed from free text); patient and sample IDs become HMAC-SHA256",
            "pseudonyms under the provider key; opted-out participants (this --optout file and every earlier one) and",
            "participants without a consent record are left out. Nothing is published unless every table succeeds:",
            "bad input stops with the file, line and reason, and the previous datasets stay as they were.",
            "Every ingest, published or failed, is recorded in the audit log."})
final class IngestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StorageOptions storage;

    @Option(names = "--source", paramLabel = "DIR", required = true,
            description = "Directory of source files (participants.csv, consents.csv, diagnoses.csv, samples.csv,"
                    + " lab_results.csv, clinical_notes.csv, genotypes.vcf[.gz]).")
    Path source;

    @Option(names = "--optout", paramLabel = "FILE",
            description = "Opt-out (提供停止) requests to record and apply: CSV with patient_id[,received_on].")
    Path optout;

    @Option(names = "--rows-per-file", paramLabel = "N", defaultValue = "5000000", hidden = true,
            description = "Rows per Parquet file (default: ${DEFAULT-VALUE}).")
    long rowsPerFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
            String operator = storage.operator(s); // who publishes, known before anything is read
            Ingest.Report r;
            try {
                r = Ingest.run(s, new Ingest.Request(source, storage.keyStore(), optout, rowsPerFile), new ConsoleProgress(System.err, 2000));
            } catch (RuntimeException e) {
                Map<String, Object> failed = new LinkedHashMap<>();
                failed.put("source", source.toAbsolutePath().toString());
                failed.put("error", String.valueOf(e.getMessage()));
                try {
                    audit.append(new AuditRecord(operator, null, "ingest.publish", "error", failed));
                } catch (RuntimeException auditFailure) {
                    e.addSuppressed(auditFailure);
                }
                throw e;
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("publication", r.publication());
            details.put("source", source.toAbsolutePath().toString());
            Map<String, Object> rows = new LinkedHashMap<>();
            r.datasets().forEach(d -> rows.put(d.name(), d.rowCount()));
            details.put("rows", rows);
            details.put("optedOutLeftOut", r.optedOutLeftOut());
            details.put("withoutConsentLeftOut", r.withoutConsentLeftOut());
            details.put("newOptouts", r.newOptouts());
            audit.append(new AuditRecord(operator, null, "ingest.publish", "ok", details));
            if (r.recoveredFrom() != null) {
                out.println("Cleaned up after the interrupted ingest " + r.recoveredFrom() + "; its work was never published.");
            }
            out.printf(Locale.ROOT, "Published %s under %s in %.1f s:%n", r.publication(), s.layout().datasets(),
                    r.elapsed().toMillis() / 1000.0);
            out.printf(Locale.ROOT, "  %-16s %12s %6s  %s%n", "dataset", "rows", "files", "content hash");
            for (DatasetRegistry.Entry e : r.datasets()) {
                out.printf(Locale.ROOT, "  %-16s %,12d %6d  %s%n", e.name(), e.rowCount(), e.files().size(), e.contentHash());
            }
            out.printf(Locale.ROOT, "Left out: %,d opted-out and %,d without a consent record. Recorded %,d new opt-out request%s.%n",
                    r.optedOutLeftOut(), r.withoutConsentLeftOut(), r.newOptouts(), r.newOptouts() == 1 ? "" : "s");
            out.flush();
        }
        return EnclaveCli.EXIT_OK;
    }
}
