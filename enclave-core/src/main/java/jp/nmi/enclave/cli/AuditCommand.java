package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import jp.nmi.enclave.api.AuditChain;
import jp.nmi.enclave.audit.AuditVerification;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.audit.JdbcAuditAnchor;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.error.EnclaveStorageException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
                "Reports the first broken link (an event altered, removed or reordered). With --embedded, every event is also",
                "compared with its anchor in the enclave's PostgreSQL, which the log's writer cannot change, so a log cut short",
                "or rewritten from some event on is found too; and the egress service's chain is walked (if the service has",
                "run), against its anchors as well. --egress-jdbc names a production database (password from",
                "$ENCLAVE_EGRESS_DB_PASSWORD)."},
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

        @Option(names = "--egress-jdbc", paramLabel = "URL", description = "The egress service's PostgreSQL (jdbc:postgresql://...).")
        String egressJdbc;

        @Option(names = "--audit-anchor-jdbc", paramLabel = "URL",
                description = "With --log: the PostgreSQL where its events are anchored (role --audit-anchor-user, password from"
                        + " $ENCLAVE_AUDIT_ANCHOR_PASSWORD). Without it a log given by --log is checked unanchored, and says so.")
        String auditAnchorJdbc;

        @Option(names = "--audit-anchor-user", paramLabel = "NAME", defaultValue = "enclave_audit",
                description = "Its role (default: ${DEFAULT-VALUE}).")
        String auditAnchorUser;

        @Option(names = "--egress-db-user", paramLabel = "NAME", defaultValue = "egress",
                description = "Its user with --egress-jdbc (default: ${DEFAULT-VALUE}).")
        String egressDbUser;

        @Override
        public Integer call() {
            Path file = where.log != null ? where.log : where.embedded.toAbsolutePath().resolve("audit").resolve("enclave-audit.jsonl");
            boolean intact;
            // embedded: with the anchors, so that a log cut short is found like an altered one
            boolean anchored = where.embedded != null || auditAnchorJdbc != null;
            try (AuditTrail log = where.embedded != null ? AuditTrail.embedded(where.embedded, file)
                    : auditAnchorJdbc != null ? AuditTrail.anchored(file, auditAnchorJdbc, auditAnchorUser) : AuditTrail.unanchored(file)) {
                intact = report("audit log " + file, log.verify(), "line");
            }
            if (intact && !anchored) {
                spec.commandLine().getErr().println("audit log " + file + ": not anchored: events cut off its end would not be noticed;"
                        + " give --audit-anchor-jdbc to compare it with its anchors");
                spec.commandLine().getErr().flush();
            }
            EnclaveDatabase db = null;
            if (egressJdbc != null) {
                db = EnclaveDatabase.connect(egressJdbc, egressDbUser);
            } else if (where.embedded != null && EnclaveDatabase.exists(where.embedded)) {
                db = EnclaveDatabase.embedded(where.embedded);
            }
            if (db != null) {
                try (EnclaveDatabase egress = db) {
                    intact &= verifyChains(egress);
                }
            }
            spec.commandLine().getOut().flush();
            return intact ? EnclaveCli.EXIT_OK : EnclaveCli.EXIT_ERROR;
        }

        /**
         * The trails other components keep in the enclave's PostgreSQL (the egress service's), each
         * verified by its owner ({@link AuditChain}): this command knows no schema. Which trails
         * exist it learns from the anchors; one without a verifier on the class path fails.
         */
        private boolean verifyChains(EnclaveDatabase database) {
            Map<String, AuditChain> chains = new TreeMap<>();
            ServiceLoader.load(AuditChain.class).forEach(c -> chains.put(c.anchor(), c));
            List<String> anchored;
            try (Connection c = database.dataSource().getConnection()) {
                anchored = JdbcAuditAnchor.logs(c);
            } catch (SQLException e) {
                throw new EnclaveStorageException("cannot read the audit anchors at " + database.jdbcUrl() + ": " + e.getMessage(), e);
            }
            boolean intact = true;
            for (String log : anchored) {
                if (!log.equals(FileAuditLog.ANCHOR_NAME) && !chains.containsKey(log)) {
                    spec.commandLine().getErr().println("audit trail '" + log + "' at " + database.jdbcUrl() + ": not verified: no verifier"
                            + " for it on this class path (run ./enclave audit verify from the checkout)");
                    spec.commandLine().getErr().flush();
                    intact = false;
                }
            }
            for (AuditChain chain : chains.values()) {
                Optional<AuditChain.Report> r = chain.verify(database);
                if (r.isEmpty()) {
                    spec.commandLine().getOut().println(chain.name() + " " + database.jdbcUrl() + ": no trail yet (the service has not run)");
                    continue;
                }
                AuditChain.Report v = r.get();
                intact &= report(chain.name() + " " + database.jdbcUrl(), new AuditVerification(v.intact(), v.events(), v.headHash(),
                        v.brokenAtSeq(), v.brokenAtPosition(), v.reason()), "position");
            }
            return intact;
        }

        private boolean report(String what, AuditVerification v, String unit) {
            if (v.intact()) {
                spec.commandLine().getOut().println(what + ": " + v.events() + " events, chain intact (head " + v.headHash() + ")");
                return true;
            }
            spec.commandLine().getErr().println(what + ": chain broken at " + unit + " " + v.brokenAtLine() + " (event "
                    + v.brokenAtSeq() + "): " + v.reason() + "; the " + v.events() + " events before it are intact");
            spec.commandLine().getErr().flush();
            return false;
        }
    }
}
