package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.io.ConsoleProgress;
import jp.nmi.enclave.output.OutputExporter;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave export}: make a disclosure-checked output in the project's outbox. */
@Command(name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Make an output for export into the project's outbox.",
            "Make an output for export: run a governed query as a project member (its rows must include participant_id),",
            "build the table of --spec from them, run every disclosure check of the project's profile where each cell's",
            "contributors are known, and write the table to the project's outbox with a signed record of the checks. Submit",
            "it for review in the egress service (./enclave egress serve). Prints the report (JSON) on stdout."},
        footer = {"", "Exit codes: 0 written (whatever the checks found: stewards decide), 1 error, 3 the query was denied."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--demo", required = true, description = "Run against the embedded demo enclave.")
    boolean demo;

    @Option(names = "--demo-dir", paramLabel = "DIR",
            description = "The demo enclave's data directory (default: enclave-data, the one ./enclave up runs).")
    Path demoDir;

    @Option(names = "--project", paramLabel = "P", required = true, description = "The project: DEMO-1 or DEMO-2.")
    String project;

    @Option(names = "--user", paramLabel = "U", required = true, description = "The analyst: alice, kenji (DEMO-1) or bob (DEMO-2).")
    String user;

    @Option(names = "--query", paramLabel = "SQL", required = true,
            description = "Governed SQL returning participant_id and the variables of --spec, one row per contribution.")
    String query;

    @Option(names = "--spec", paramLabel = "SPEC", required = true,
            description = "The output, as for ./enclave disclosure check: e.g. 'crosstab index=sex columns=age_band'.")
    String outputSpec;

    @Option(names = "--name", paramLabel = "FILE", required = true, description = "Its file name in the outbox (.csv).")
    String name;

    @Option(names = "--suppress", description = "Suppress failing cells (and what would reveal them) before writing.")
    boolean suppress;

    @Option(names = "--participants", paramLabel = "N", defaultValue = "2000", hidden = true)
    int participants;

    @Override
    public Integer call() throws Exception {
        demoDir = DemoEnclave.demoDirectory(demoDir);
        Files.createDirectories(demoDir);
        System.err.println("enclave export: starting the demo enclave in " + demoDir + " ...");
        try (DemoEnclave enclave = DemoEnclave.start(demoDir, new DemoWorld.Parameters(participants, 200, 42),
                new ConsoleProgress(System.err, 5000));
                EnclaveSession session = enclave.openProject(project, new EnclaveSession.Settings("local[2]", 5_000_000, 4))) {
            String profile = new ProjectStore(enclave.storage()).require(project).spec().disclosureProfile();
            byte[] key = KeyStoreFile.openOrCreate(DemoEnclave.keyStore(demoDir)).keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS)
                    .getEncoded();
            Report report = new OutputExporter(session, enclave.storage(), key).export(user, profile, query, outputSpec, suppress, name);
            PrintWriter out = spec.commandLine().getOut();
            out.println(report.toJson(true));
            out.flush();
            System.err.println("enclave export: wrote " + name + " to the outbox of " + project + " (checks: " + report.status().label()
                    + " under " + profile + ")");
            for (Check c : report.checks()) {
                if (c.status() != jp.nmi.egress.disclosure.Status.PASS) {
                    System.err.println("  " + c.status().label() + " " + c.rule().label() + ": " + c.detail());
                }
            }
            return EnclaveCli.EXIT_OK;
        }
    }
}
