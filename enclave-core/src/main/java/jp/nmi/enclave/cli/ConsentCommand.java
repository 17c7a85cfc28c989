package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.project.ConsentApplier;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave consent}: dynamic consent, changes from the provider's consent system. */
@Command(name = "consent", mixinStandardHelpOptions = true,
        description = "Dynamic consent: apply consent changes from the provider's consent system.",
        subcommands = {ConsentCommand.Apply.class})
final class ConsentCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Record consent changes and hide, from the next statement, whoever a project's purpose no longer covers.",
                "FILE is CSV or JSON with patient_id, change (narrow, widen, withdraw-commercial, opt-out), duo_codes,",
                "commercial_use (allowed, prohibited) and changed_on. The next project apply removes the leavers from the",
                "files; a widened consent admits nobody unless the project's spec sets cohort.admit_widened_consent."})
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "FILE", description = "The consent changes (.csv or .json).")
        Path file;
        @Mixin
        PatientFileOptions checks;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
                String operator = storage.operator(s);
                if (!java.nio.file.Files.exists(storage.keyStore())) {
                    // a consent change is of someone the provider knows: it never creates a key store
                    throw new jp.nmi.enclave.error.ValidationException("no key store at " + storage.keyStore()
                            + ": consent changes need the provider's existing key store (--keystore)");
                }
                ConsentApplier.Report r;
                try {
                    r = new ConsentApplier(s, KeyStoreFile.openOrCreate(storage.keyStore()), storage.policyPublisher(), audit, operator,
                            Clock.systemUTC()).apply(file, checks.idFormat, checks.allowUnknown, checks.dryRun);
                } catch (jp.nmi.enclave.error.ValidationException e) {
                    audit.append(new jp.nmi.enclave.audit.AuditRecord(operator, null, checks.dryRun ? "consent.plan" : "consent.apply", "refused",
                            java.util.Map.of("file", file.getFileName().toString(), "error", e.getMessage(), "idFormat", checks.idFormat,
                                    "allowUnknown", checks.allowUnknown)));
                    throw e;
                } catch (RuntimeException e) {
                    // recorded perhaps, not enforced everywhere: the trail says so, and applying the same feed again finishes it
                    audit.append(new jp.nmi.enclave.audit.AuditRecord(operator, null, checks.dryRun ? "consent.plan" : "consent.apply", "error",
                            java.util.Map.of("file", file.getFileName().toString(), "error", String.valueOf(e.getMessage()))));
                    throw e;
                }
                out.printf(Locale.ROOT, "%s %d consent change(s) and %d opt-out(s) from %d line(s)%s%s%n", checks.dryRun ? "Would record" : "Recorded",
                        r.consentChanges(), r.optouts(), r.changes(), r.unknown() == 0 ? "" : ", " + r.unknown()
                                + " of them matching no known patient (--allow-unknown)", checks.dryRun ? " (--dry-run: nothing recorded)" : ".");
                if (r.projects().isEmpty()) {
                    out.println("  (no open project)");
                }
                for (ConsentApplier.ProjectChange p : r.projects()) {
                    out.printf(Locale.ROOT, "  %-10s - %,d participant(s) %s, %,d row(s) hidden from the next statement%n", p.project(),
                            p.leaving(), checks.dryRun ? "would leave" : "leave", p.rows());
                    if (p.widened() > 0) {
                        out.printf(Locale.ROOT, "  %-10s + %,d participant(s) whose consent now covers the purpose: %s%n", "", p.widened(),
                                p.admitsWidened() ? "admitted at the next ./enclave project apply (cohort.admit_widened_consent)"
                                        : "not admitted (the spec does not set cohort.admit_widened_consent)");
                    }
                }
                out.println("Leavers leave the files and the members' derived data at the next ./enclave project apply of each project.");
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }
}
