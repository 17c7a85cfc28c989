package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.project.OptoutApplier;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave optout}: opt-out requests (提供停止). */
@Command(name = "optout", mixinStandardHelpOptions = true,
        description = "Opt-out requests (提供停止): the participants vanish from every open project.",
        subcommands = {OptoutCommand.Apply.class})
final class OptoutCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Record opt-out requests (提供停止) and hide those participants at once.",
                "Record opt-out requests (CSV: patient_id[,received_on]) and hide those participants in every open",
                "project from the next statement on; the next project apply (and ingest) removes them from the files."})
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "FILE", description = "The opt-out requests.")
        Path file;
        @Mixin
        PatientFileOptions checks;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
                String operator = storage.operator(s);
                if (checks.dryRun && !java.nio.file.Files.exists(storage.keyStore())) {
                    // a dry run creates nothing, a key store at a mistyped path least of all
                    throw new jp.nmi.enclave.error.ValidationException("no key store at " + storage.keyStore()
                            + ": a dry run needs the provider's existing key store (--keystore)");
                }
                OptoutApplier.Report r;
                try {
                    r = new OptoutApplier(s, KeyStoreFile.openOrCreate(storage.keyStore()), storage.policyPublisher(), audit, operator,
                            Clock.systemUTC()).apply(file, checks.idFormat, checks.allowUnknown, checks.dryRun);
                } catch (jp.nmi.enclave.error.ValidationException e) {
                    // a refused file is an action too; the message names lines, never patient IDs
                    audit.append(new jp.nmi.enclave.audit.AuditRecord(operator, null, checks.dryRun ? "optout.plan" : "optout.apply", "refused",
                            java.util.Map.of("file", file.getFileName().toString(), "error", e.getMessage(), "idFormat", checks.idFormat,
                                    "allowUnknown", checks.allowUnknown)));
                    throw e;
                }
                if (checks.dryRun) {
                    // a dry run tells what a file would do to each project: on the record, like the apply it stands for
                    audit.append(new jp.nmi.enclave.audit.AuditRecord(operator, null, "optout.plan", "ok", java.util.Map.of("file",
                            file.getFileName().toString(), "requests", r.requests(), "newOptouts", r.newOptouts())));
                }
                out.printf(Locale.ROOT, checks.dryRun ? "Would record %d new opt-out(s) from %d request(s)%s (--dry-run: nothing recorded). Would"
                        + " hide from queries:%n" : "Recorded %d new opt-out(s) from %d request(s)%s. Hidden from queries now:%n", r.newOptouts(),
                        r.requests(), r.unknown() == 0 ? "" : ", " + r.unknown() + " of them matching no known patient (--allow-unknown)");
                if (r.projects().isEmpty()) {
                    out.println("  (no open project)");
                }
                for (OptoutApplier.ProjectImpact p : r.projects()) {
                    out.printf(Locale.ROOT, "  %-10s %,d participant(s), %,d row(s)%s%n", p.project(), p.participants(), p.rows(),
                            p.rowsByTable().isEmpty() ? "" : " " + p.rowsByTable());
                }
                out.println("They leave the files at the next ./enclave project apply of each project, and the datasets at the next"
                        + " ./enclave ingest.");
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }
}
