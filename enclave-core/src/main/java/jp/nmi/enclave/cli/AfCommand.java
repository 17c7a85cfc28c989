package jp.nmi.enclave.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.crypto.SecretKey;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.genomics.AfOutput;
import jp.nmi.enclave.genomics.AfService;
import jp.nmi.enclave.genomics.AlleleFrequencies;
import jp.nmi.enclave.genomics.Attribute;
import jp.nmi.enclave.genomics.HdfsQueryBudget;
import jp.nmi.enclave.genomics.Stratum;
import jp.nmi.enclave.genomics.VariantSelection;
import jp.nmi.enclave.io.ConsoleProgress;
import jp.nmi.enclave.policy.FilePolicySource;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.project.ProjectDirectory;
import jp.nmi.enclave.project.ProjectOptouts;
import jp.nmi.enclave.project.ProjectPolicies;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code enclave af}: allele frequencies of a stratum of a project's participants, as a member may see them. */
@Command(name = "af",
        mixinStandardHelpOptions = true,
        description = {
            "Allele frequencies of a stratum, as a project member may see them.",
            "Allele frequencies for any combination of age band, sex, region and disease (ICD-10 code or prefix), for named",
            "variants, a genomic region or all variants, from the project's index (no Spark job). Strata smaller than the",
            "project's disclosure profile allows are refused, counts below it shown as bounds (<10); each stratum spends one",
            "query of the member's budget, and every query is audited. Against the demo enclave in --demo-dir (default:",
            "enclave-data, the one ./enclave up runs), connecting to its HDFS when up runs it."},
        footer = {"", "Example: ./enclave af --project DEMO-1 --user alice --where \"age_band=60-69,sex=F,region=Kanto,disease=C50\" --all",
            "", "Exit codes: 0 answered, 3 denied (too small a stratum, the budget spent, a column not readable), 1 error, 2 usage error."})
final class AfCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--project", paramLabel = "P", required = true, description = "The project, e.g. DEMO-1.")
    String project;

    @Option(names = "--user", paramLabel = "U", required = true, description = "The member asking, e.g. alice.")
    String user;

    @Option(names = "--where", paramLabel = "STRATUM", defaultValue = "",
            description = "attribute=value[|value...], comma-separated; attributes: age_band, sex, region, disease (ICD-10 code or"
                    + " prefix). Left out: everyone.")
    String where;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Variants variants;

    static final class Variants {
        @Option(names = "--variant", paramLabel = "ID", arity = "1..*", description = "These variants (by variant_id).")
        List<String> ids;

        @Option(names = "--region", paramLabel = "CHR:START-END", description = "The variants in this region (1-based, inclusive).")
        String region;

        @Option(names = "--all", description = "Every variant.")
        boolean all;
    }

    @Option(names = "--by", paramLabel = "ATTRIBUTE",
            description = "Every value of this attribute in turn within the stratum (the per-attribute table): age_band, sex, region,"
                    + " disease (by 3-character ICD-10 category).")
    String by;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "csv", description = "csv or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = {"--demo-dir", "--embedded"}, paramLabel = "DIR",
            description = "The enclave's data directory (default: enclave-data, which ./enclave up must have made).")
    Path demoDir;

    @Option(names = "--participants", paramLabel = "N", defaultValue = "2000", hidden = true)
    int participants;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("csv") && !format.equals("json")) {
            throw new ValidationException("--format must be csv or json, got '" + format + "'");
        }
        Stratum stratum = Stratum.parse(where);
        Optional<Attribute> byAttribute = Optional.ofNullable(by).map(b -> Attribute.of(b).orElseThrow(() -> new ValidationException(
                "--by: unknown attribute '" + b + "' (attributes: age_band, sex, region, disease)")));
        VariantSelection selection = variants.ids != null ? new VariantSelection.Ids(List.copyOf(variants.ids))
                : variants.region != null ? VariantSelection.region(variants.region) : new VariantSelection.All();
        Path dir = DemoEnclave.demoDirectory(demoDir);
        System.err.println("enclave af: the enclave in " + dir + " ...");
        try (DemoEnclave enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(participants, 200, 42), new ConsoleProgress(System.err, 5000))) {
            ProjectStore store = new ProjectStore(enclave.storage());
            ProjectState state = store.require(project);
            SecretKey key = KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir)).key(state.spec().keyAlias())
                    .orElseThrow(() -> new ValidationException("the key of project " + project + " is missing"));
            ProjectDirectory directory = new ProjectDirectory(store.members(project)
                    .orElseThrow(() -> new ValidationException("project " + project + " has no member list")));
            AfService service = new AfService(enclave.storage(), project,
                    new RangerAuthorizer(new FilePolicySource(enclave.policyFile()), ProjectPolicies.SERVICE, Clock.systemUTC()), directory,
                    enclave.audit(), new HdfsQueryBudget(enclave.storage()), new ProjectOptouts(enclave.storage(), key, project));
            AlleleFrequencies.Answer answer = service.query(user, stratum, selection, byAttribute);
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("json")) {
                AfOutput.json(project, stratum.toString(), by, answer, out);
            } else {
                AfOutput.csv(answer, out);
            }
            out.flush();
            System.err.println("enclave af: " + answer.rows().size() + " row(s)" + (answer.withheld() > 0 ? ", " + answer.withheld()
                    + " strata withheld (too few participants, alone or with earlier answers)" : "") + "; " + user + " has used " + answer.queriesUsed()
                    + " allele-frequency queries of project " + project + ", " + answer.queriesLeft() + " left");
        }
        return EnclaveCli.EXIT_OK;
    }
}
