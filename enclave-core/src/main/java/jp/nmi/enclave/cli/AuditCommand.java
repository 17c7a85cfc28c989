package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jp.nmi.enclave.audit.AuditVerification;
import jp.nmi.enclave.audit.FileAuditLog;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave audit}: the hash-chained audit log. */
@Command(name = "audit",
        mixinStandardHelpOptions = true,
        description = "The append-only, hash-chained audit log of everything done on someone's behalf.",
        subcommands = {AuditCommand.Verify.class})
final class AuditCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify",
            mixinStandardHelpOptions = true,
            description = {
                "Walk the audit log's hash chain: every event must link to the one before and hash to what it says.",
                "Reports the first broken link (an event altered, removed or reordered)."},
            footer = {"", "Exit codes: 0 the chain is intact, 1 it is broken or cannot be read."})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Where where;

        static final class Where {
            @Option(names = "--embedded", paramLabel = "DIR", description = "The embedded enclave in DIR (its log is DIR/audit/enclave-audit.jsonl).")
            Path embedded;

            @Option(names = "--log", paramLabel = "FILE", description = "An audit log file.")
            Path log;
        }

        @Override
        public Integer call() {
            Path file = where.log != null ? where.log : where.embedded.toAbsolutePath().resolve("audit").resolve("enclave-audit.jsonl");
            AuditVerification v = new FileAuditLog(file).verify();
            PrintWriter out = spec.commandLine().getOut();
            if (v.intact()) {
                out.println("audit log " + file + ": " + v.events() + " events, chain intact (head " + v.headHash() + ")");
                out.flush();
                return EnclaveCli.EXIT_OK;
            }
            spec.commandLine().getErr().println("audit log " + file + ": chain broken at line " + v.brokenAtLine() + " (event "
                    + v.brokenAtSeq() + "): " + v.reason() + "; the " + v.events() + " events before it are intact");
            spec.commandLine().getErr().flush();
            return EnclaveCli.EXIT_ERROR;
        }
    }
}
