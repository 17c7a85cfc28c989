package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.ConsoleProgress;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.Identities;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.project.DestructionCertificate;
import jp.nmi.enclave.project.ProjectCloser;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectSpec;
import jp.nmi.enclave.project.ProjectSpecParser;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave project}: projects as code. */
@Command(name = "project",
        mixinStandardHelpOptions = true,
        description = {
            "Provision projects from reviewed YAML specs.",
            "Projects as code: a reviewed YAML spec per project (members, purpose, approved datasets and columns,",
            "cohort, masks, dates) is applied idempotently; closing destroys the project's data, with proof."},
        subcommands = {ProjectCommand.Plan.class, ProjectCommand.Apply.class, ProjectCommand.ListProjects.class,
            ProjectCommand.Show.class, ProjectCommand.Close.class, ProjectCommand.VerifyCertificate.class})
final class ProjectCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static ProjectReconciler reconciler(EnclaveStorage s, StorageOptions o, AuditTrail audit, String operator) {
        return new ProjectReconciler(s, KeyStoreFile.openOrCreate(o.keyStore()), o.policyPublisher(),
                audit, operator, Clock.systemUTC(), new ConsoleProgress(System.err, 5000));
    }

    static void printChanges(PrintWriter out, ProjectReconciler.Plan plan) {
        for (String line : plan.lines()) {
            out.println("  " + line);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    /** What a saved plan file says it is. */
    static final String PLAN_KIND = "enclave-project-plan";

    /** A plan for machines, and the content of a saved plan (with the spec it was made from and the world it saw). */
    static Map<String, Object> planJson(ProjectReconciler.Plan plan, ProjectSpec projectSpec, String yaml, Path file, String world) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("format", 1);
        m.put("kind", PLAN_KIND);
        m.put("project", projectSpec.id());
        m.put("title", projectSpec.title());
        m.put("spec_file", file.toString());
        m.put("world", world);
        List<Map<String, Object>> changes = new java.util.ArrayList<>();
        for (ProjectReconciler.Change c : plan.changes()) {
            Map<String, Object> x = new java.util.LinkedHashMap<>();
            x.put("action", c.action());
            x.put("target", c.target());
            x.put("detail", c.detail());
            x.put("items", c.items());
            changes.add(x);
        }
        m.put("changes", changes);
        ProjectReconciler.Summary sum = plan.summary();
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("add", sum.add());
        summary.put("change", sum.change());
        summary.put("destroy", sum.destroy());
        m.put("summary", summary);
        m.put("spec_yaml", yaml);
        return m;
    }

    /**
     * The command line as it was typed, with the subcommand {@code from} made {@code to} and the
     * options {@code drop} left out, quoted for a POSIX shell: the next command, ready to paste.
     */
    static String pasteable(CommandSpec spec, String from, String to, List<String> drop) {
        return pasteable(spec, from, to, drop, null, null, null);
    }

    /** As above; {@code oldFile} replaced by {@code newFile}, and {@code dropWithValue} left out with the value after it. */
    static String pasteable(CommandSpec spec, String from, String to, List<String> drop, String oldFile, String newFile,
            String dropWithValue) {
        List<String> args = new java.util.ArrayList<>(spec.root().commandLine().getParseResult().originalArgs());
        args.removeAll(drop);
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(dropWithValue)) {
                args.remove(i);
                if (i < args.size()) {
                    args.remove(i);
                }
                i--;
            } else if (args.get(i).startsWith(dropWithValue + "=")) {
                args.remove(i--);
            } else if (args.get(i).equals(oldFile)) {
                args.set(i, newFile);
            }
        }
        int at = args.indexOf(from);
        if (at >= 0) {
            args.set(at, to);
        }
        StringBuilder b = new StringBuilder("./enclave");
        for (String a : args) {
            b.append(' ').append(a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Print exactly what apply would change, and change nothing.",
                "Each change is shown before and after, with a summary line. --out saves the plan,",
                "and apply FILE.plan applies exactly it (refused if the enclave changed since)."})
    static final class Plan implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "FILE", description = "The project spec (YAML).")
        Path file;
        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
        String format;
        @Option(names = "--out", paramLabel = "FILE", description = "Also save the plan here (a .plan file) for apply to apply exactly it.")
        Path saveTo;

        @Override
        public Integer call() throws java.io.IOException {
            if (!format.equals("text") && !format.equals("json")) {
                throw new ValidationException("--format " + format + ": text or json");
            }
            if (saveTo != null && !saveTo.getFileName().toString().endsWith(".plan")) {
                throw new ValidationException("--out " + saveTo + ": a saved plan's name ends in .plan (apply tells it from a spec by that)");
            }
            ProjectSpec projectSpec = ProjectSpecParser.parse(file);
            String yaml = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
            PrintWriter out = spec.commandLine().getOut();
            // plan changes nothing and writes nothing to the audit log
            try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
                // a plan counts the cohort it would build: who asked, and what they were told, is on the record
                String operator = storage.operator(s);
                // the members are people the enclave knows, as analysts: a typo is refused, never made a new person
                Identities.checkMembers(projectSpec, new DirectoryStore(s).users());
                ProjectReconciler reconciler = reconciler(s, storage, audit, operator);
                ProjectReconciler.Plan plan = reconciler.plan(projectSpec);
                String world = saveTo != null || format.equals("json") ? reconciler.world(projectSpec) : null;
                audit.append(new jp.nmi.enclave.audit.AuditRecord(operator, projectSpec.id(), "project.plan", "ok", Map.of("changes",
                        plan.lines(), "saved", String.valueOf(saveTo))));
                if (saveTo != null) {
                    writeOwnerOnly(saveTo, JSON.writeValueAsString(planJson(plan, projectSpec, yaml, file, world)));
                }
                if (format.equals("json")) {
                    out.println(JSON.writeValueAsString(planJson(plan, projectSpec, yaml, file, world)));
                } else if (plan.isEmpty()) {
                    out.println("No changes: " + projectSpec.id() + " is as its spec says.");
                } else {
                    out.println("Plan for " + projectSpec.id() + " (" + projectSpec.title() + "): " + plan.changes().size() + " change"
                            + (plan.changes().size() == 1 ? "" : "s"));
                    printChanges(out, plan);
                    out.println("Plan: " + plan.summary() + ".");
                    // the next command as it can be pasted: the same enclave, the same identity if one was given
                    out.println(saveTo != null ? "Saved to " + saveTo + ". Apply exactly this plan with: "
                            + pasteable(spec, "plan", "apply", List.of(), file.toString(), saveTo.toString(), "--out")
                            : "Apply them with: " + pasteable(spec, "plan", "apply", List.of()));
                }
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }

    /**
     * Writes a saved plan owner-only, by a rename over whatever was there: never through a link
     * planted at the name, never readable by others (it lists members and cohort criteria).
     */
    static void writeOwnerOnly(Path target, String content) throws java.io.IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = java.nio.file.Files.createTempFile(dir, ".plan-", ".tmp",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        try {
            java.nio.file.Files.writeString(tmp, content, java.nio.charset.StandardCharsets.UTF_8);
            java.nio.file.Files.move(tmp, target.toAbsolutePath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Make the project what its spec says: directories, extract, Ranger policies, member list.",
                "A second apply of the same spec changes nothing and says so. Every change is audited."})
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "FILE", description = "The project spec (YAML), or a plan saved by plan --out (FILE.plan).")
        Path file;

        @SuppressWarnings("unchecked")
        static Map<String, Object> readPlan(Path file) {
            Map<String, Object> m;
            try {
                m = JSON.readValue(file.toFile(), Map.class);
            } catch (java.io.IOException e) {
                throw new ValidationException(file + " is not a saved plan: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (!PLAN_KIND.equals(m.get("kind")) || !Integer.valueOf(1).equals(m.get("format")) || !(m.get("spec_yaml") instanceof String)
                    || !(m.get("world") instanceof String)) {
                throw new ValidationException(file + " is not a saved plan of this enclave (made by ./enclave project plan --out FILE.plan)");
            }
            return m;
        }

        @Override
        public Integer call() throws java.io.IOException {
            boolean saved = file.getFileName().toString().endsWith(".plan");
            Map<String, Object> savedPlan = saved ? readPlan(file) : null;
            ProjectSpec projectSpec = saved ? ProjectSpecParser.parse((String) savedPlan.get("spec_yaml"), file.getFileName() + " (its spec)")
                    : ProjectSpecParser.parse(file);
            PrintWriter out = spec.commandLine().getOut();
            try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
                String operator = storage.operator(s);
                try {
                    Identities.checkMembers(projectSpec, new DirectoryStore(s).users());
                } catch (ValidationException e) {
                    audit.append(new jp.nmi.enclave.audit.AuditRecord(operator, projectSpec.id(), "project.apply", "refused",
                            Map.of("error", e.getMessage())));
                    throw e;
                }
                ProjectReconciler reconciler = reconciler(s, storage, audit, operator);
                if (saved && !reconciler.world(projectSpec).equals(savedPlan.get("world"))) {
                    throw new ValidationException(file + " was planned against an enclave that has changed since (the project's state,"
                            + " its members or policies, the datasets, the opt-outs or the key): nothing was applied; plan again");
                }
                // what the file shows a reviewer is what is applied: its changes must be the plan's, word for word
                if (saved && !JSON.valueToTree(planJson(reconciler.plan(projectSpec), projectSpec, (String) savedPlan.get("spec_yaml"),
                        Path.of(String.valueOf(savedPlan.get("spec_file"))), (String) savedPlan.get("world"))).equals(JSON.valueToTree(savedPlan))) {
                    throw new ValidationException(file + " does not show the plan it would apply (its changes, summary or project were"
                            + " edited after it was made): nothing was applied; plan again");
                }
                ProjectReconciler.Plan plan = reconciler.apply(projectSpec);
                if (plan.isEmpty()) {
                    out.println("No changes: " + projectSpec.id() + " is already as its spec says.");
                } else {
                    out.println("Applied " + plan.changes().size() + " change" + (plan.changes().size() == 1 ? "" : "s") + " to "
                            + projectSpec.id() + ":");
                    printChanges(out, plan);
                    ProjectState state = new ProjectStore(s).require(projectSpec.id());
                    if (state.extract() != null) {
                        out.printf(Locale.ROOT, "Extract %s: %,d participants in %d tables; policies in %s%n", state.extract().build(),
                                state.extract().participants(), state.extract().tables().size(), storage.policyPublisher().describe());
                    }
                }
                storage.refreshNotebookAccess(s, out);
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every project applied, active or closed.")
    static final class ListProjects implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (EnclaveStorage s = storage.open()) {
                ProjectStore store = new ProjectStore(s);
                out.printf(Locale.ROOT, "%-12s %-7s %-10s %-10s %7s %12s  %s%n", "project", "status", "start", "end", "members",
                        "participants", "title");
                for (String id : store.ids()) {
                    ProjectState st = store.require(id);
                    out.printf(Locale.ROOT, "%-12s %-7s %-10s %-10s %7d %12s  %s%n", id, st.status(), st.spec().start(), st.spec().end(),
                            st.spec().members().size(), st.extract() == null ? "-" : String.format(Locale.ROOT, "%,d",
                                    st.extract().participants()), st.spec().title());
                }
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a project: spec, members, extract, policies, state.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "ID", description = "The project id, e.g. DEMO-1.")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (EnclaveStorage s = storage.open()) {
                ProjectStore store = new ProjectStore(s);
                ProjectState st = store.require(id);
                ProjectSpec p = st.spec();
                out.println(p.id() + ": " + p.title());
                out.println("  status:      " + st.status() + (st.isActive() ? "" : " (closed " + st.closedAt() + " by " + st.closedBy()
                        + "; certificate " + st.certificate() + ")"));
                out.println("  purpose:     " + p.purpose().code() + (p.purpose().disease() == null ? "" : " " + p.purpose().disease())
                        + (p.purpose().commercial() ? ", commercial" : ", non-commercial"));
                out.println("  approval:    " + p.approval().reference() + " of " + p.approval().date());
                out.println("  access:      " + p.start() + " to " + p.end() + " (Asia/Tokyo)");
                out.println("  members:     " + String.join(", ", p.members().stream().map(m -> m.user() + " (" + m.role() + ", "
                        + m.affiliation() + ")").toList()));
                out.println("  cohort:      " + describe(p.cohort()));
                out.println("  disclosure:  " + p.disclosureProfile());
                out.println("  applied:     " + st.appliedAt() + " by " + st.appliedBy() + ", spec sha256 " + st.specSha256());
                if (st.extract() != null) {
                    out.printf(Locale.ROOT, "  extract:     %s from publication %s, %,d participants%n", st.extract().build(),
                            st.extract().sourcePublication(), st.extract().participants());
                    for (Map.Entry<String, ProjectState.Table> t : st.extract().tables().entrySet()) {
                        out.printf(Locale.ROOT, "    %-16s %,12d rows  %s%n", t.getKey(), t.getValue().rows(), t.getValue().contentHash());
                    }
                }
                out.println("  policies:    " + store.policies(id).size() + " Ranger policies");
                for (var policy : store.policies(id)) {
                    out.println("    " + policy.getId() + "  " + policy.getName());
                }
            }
            out.flush();
            return EnclaveCli.EXIT_OK;
        }

        private static String describe(ProjectSpec.Cohort c) {
            StringBuilder b = new StringBuilder();
            append(b, "ICD-10", c.icd10());
            append(b, "age bands", c.ageBands());
            append(b, "sex", c.sex());
            append(b, "regions", c.regions());
            append(b, "sample types", c.sampleTypes());
            if (!c.criteria().isEmpty()) {
                append(b, "criteria", List.of(c.criteria()));
            }
            return b.length() == 0 ? "everyone whose consent covers the purpose" : b.toString();
        }

        private static void append(StringBuilder b, String what, List<String> values) {
            if (!values.isEmpty()) {
                b.append(b.length() == 0 ? "" : "; ").append(what).append(' ').append(String.join(", ", values));
            }
        }
    }

    @Command(name = "close", mixinStandardHelpOptions = true,
            description = {"Close a project and destroy its data, with a signed certificate.",
                "Close a project: revoke access at once, destroy its extract, workspace, outbox and key, and write a",
                "signed destruction certificate. Refused while export requests are pending, unless overridden (audited).",
                "Irreversible: it asks for the project id to be typed (--yes in scripts); --dry-run shows what it would destroy."})
    static final class Close implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "ID", description = "The project id.")
        String id;
        @Option(names = "--override-pending", description = "Close although the egress service holds export requests of the project.")
        boolean overridePending;
        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (required with --override-pending; recorded).")
        String reason;
        @Option(names = "--certificate-dir", paramLabel = "DIR", description = "Also write the certificate here (default: the current directory).")
        Path certificateDir;
        @Option(names = "--dry-run", description = "Show what would be destroyed and change nothing.")
        boolean dryRun;
        @Option(names = "--yes", description = "Do not ask for the project id to be typed (for scripts).")
        boolean yes;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            ProjectCloser.Preview preview;
            try (EnclaveStorage s = storage.open(); AuditTrail readOnly = AuditTrail.readOnly(storage.auditLogFile())) {
                preview = new ProjectCloser(s, KeyStoreFile.openOrCreate(storage.keyStore()), storage.policyPublisher(), readOnly, "preview",
                        Clock.systemUTC(), new ConsoleProgress(System.err, 5000)).preview(id);
            }
            try (EnclaveStorage s = storage.open()) {
                printPreview(out, preview);
                if (dryRun) {
                    out.println("Nothing was changed (--dry-run). Close it with: " + pasteable(spec, "close", "close", List.of("--dry-run",
                            "--yes")));
                    out.flush();
                    return EnclaveCli.EXIT_OK;
                }
                String operator = storage.operator(s);
                if (!preview.pendingRequests().isEmpty() && !overridePending) {
                    throw new ValidationException("project " + id + " has " + preview.pendingRequests().size() + " export request(s) pending"
                            + " in the egress service (" + String.join(", ", preview.pendingRequests()) + "); wait until they are decided,"
                            + " or close with --override-pending --reason TEXT (audited)");
                }
                if (!yes) {
                    out.print("This cannot be undone. Type the project id (" + id + ") to close it: ");
                    out.flush();
                    String typed = readLine();
                    if (typed == null || !typed.strip().equals(id)) {
                        throw new ValidationException("not closed: the project id was not typed" + (typed == null
                                ? " (no terminal to ask on: give --yes in scripts)" : " ('" + typed.strip() + "' is not " + id + ")"));
                    }
                }
                try (AuditTrail audit = storage.audit()) {
                    return close(s, audit, operator, out);
                }
            }
        }

        private Integer close(EnclaveStorage s, AuditTrail audit, String operator, PrintWriter out) {
            DestructionCertificate c = new ProjectCloser(s, KeyStoreFile.openOrCreate(storage.keyStore()),
                    storage.policyPublisher(), audit, operator,
                    Clock.systemUTC(), new ConsoleProgress(System.err, 5000))
                    .close(id, overridePending, reason, certificateDir == null ? Path.of("") : certificateDir);
            long files = c.deleted().stream().mapToLong(DestructionCertificate.DeletedDirectory::files).sum();
            long bytes = c.deleted().stream().mapToLong(DestructionCertificate.DeletedDirectory::bytes).sum();
            out.printf(Locale.ROOT, "Closed %s: access revoked, %,d files (%,d bytes) destroyed, key %s destroyed.%n", id, files, bytes,
                    c.keyAlias());
            for (DestructionCertificate.Check check : c.checks()) {
                out.println("  " + (check.passed() ? "ok      " : "FAILED  ") + check.what() + ": " + check.detail());
            }
            out.println("Destruction certificate: " + (certificateDir == null ? Path.of("") : certificateDir).toAbsolutePath()
                    .resolve(id + "-destruction-certificate.json") + " (signature " + c.signature() + ", closed by " + c.closedBy() + ")");
            storage.refreshNotebookAccess(s, out);
            out.flush();
            return c.allChecksPassed() ? EnclaveCli.EXIT_OK : EnclaveCli.EXIT_ERROR;
        }

        static void printPreview(PrintWriter out, ProjectCloser.Preview p) {
            out.printf(Locale.ROOT, "Closing %s (%s) would:%n", p.project(), p.title());
            out.printf(Locale.ROOT, "  revoke   %d Ranger policies: %s lose access from the next statement%n", p.policies(),
                    String.join(", ", p.members()));
            for (DestructionCertificate.DeletedDirectory d : p.directories()) {
                out.printf(Locale.ROOT, "  destroy  %s: %,d files, %,d bytes%n", d.path(), d.files(), d.bytes());
            }
            out.printf(Locale.ROOT, "  destroy  key %s (the project's pseudonyms can no longer be linked)%n", p.keyAlias());
            if (!p.pendingRequests().isEmpty()) {
                out.printf(Locale.ROOT, "  refused  while %d export request(s) are pending (%s), unless --override-pending --reason TEXT%n",
                        p.pendingRequests().size(), String.join(", ", p.pendingRequests()));
            }
            out.printf(Locale.ROOT, "  total    %,d files, %,d bytes; a signed destruction certificate lists them%n", p.files(), p.bytes());
        }

        private static String readLine() {
            java.io.Console console = System.console();
            if (console != null) {
                return console.readLine();
            }
            try {
                // no terminal: an answer piped in is read, an open input with nothing in it is not waited for
                if (System.in.available() <= 0) {
                    return null;
                }
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        java.nio.charset.StandardCharsets.UTF_8));
                return in.readLine();
            } catch (java.io.IOException e) {
                return null;
            }
        }
    }

    @Command(name = "verify-certificate", mixinStandardHelpOptions = true,
            description = "Check a destruction certificate: its signature, and that nothing it lists exists on HDFS.")
    static final class VerifyCertificate implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        StorageOptions storage;
        @Parameters(paramLabel = "FILE", description = "The certificate (JSON).")
        Path file;

        @Override
        public Integer call() throws Exception {
            DestructionCertificate c;
            try {
                c = ProjectStoreAccess.readCertificate(file);
            } catch (java.io.IOException e) {
                throw new jp.nmi.enclave.error.ValidationException(file + " is not a destruction certificate: " + e.getMessage());
            }
            try (EnclaveStorage s = storage.open()) {
                List<String> problems = ProjectCloser.verify(c, KeyStoreFile.openOrCreate(storage.keyStore()), s);
                if (problems.isEmpty()) {
                    spec.commandLine().getOut().println("The destruction certificate of " + c.project() + " verifies: signed by this"
                            + " provider, " + c.deleted().stream().mapToLong(DestructionCertificate.DeletedDirectory::files).sum()
                            + " files destroyed on " + c.closedAt() + " by " + c.closedBy() + ", none of them exists, key "
                            + c.keyAlias() + " gone.");
                    spec.commandLine().getOut().flush();
                    return EnclaveCli.EXIT_OK;
                }
                spec.commandLine().getErr().println("The destruction certificate of " + c.project() + " does not verify:");
                problems.forEach(p -> spec.commandLine().getErr().println("  " + p));
                spec.commandLine().getErr().flush();
                return EnclaveCli.EXIT_ERROR;
            }
        }
    }
}
