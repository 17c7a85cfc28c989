package jp.nmi.enclave.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.discovery.Discovery;
import jp.nmi.enclave.discovery.DraftSpec;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.CsvWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code enclave discover}: how many of the provider's participants meet some criteria, as a registered researcher may see it. */
@Command(name = "discover",
        mixinStandardHelpOptions = true,
        description = {
            "Count the provider's participants who meet some criteria, before any project (cohort discovery).",
            "Counts over the published datasets (without those who opted out), in all and per biobank, sample type, sex, region or",
            "age band: each perturbed by up to 5 (the same for the same people), under the disclosure profile's threshold shown as <10,",
            "others rounded to 10; a count within 9 people of one shown before (to anyone) is shown as that one was. Each query",
            "spends one of the researcher's budget and is audited. The policy is the enclave's (/enclave/discovery/policy.yaml)."},
        footer = {"", "Criteria: field=value[|value] (any of), field!=value (none of), joined by ',' (and); groups joined by ';' (or).",
            "Fields: icd10 (a code, any prefix or a range: C50 covers C50.0 ... C50.9; C00-D48 the neoplasms), sample_type, biobank,",
            "age_at_collection (50-59) (the sample terms of a group hold for one sample), age_band, sex, region, duo (a DUO code of",
            "the participant's consent), commercial (yes: the consent allows commercial use), genotypes (yes/no).",
            "", "Example: ./enclave discover --embedded enclave-data --where \"icd10=C50,sample_type=dna,sex=F\" --by biobank --format json",
            "Save what was counted as a draft project spec: add --save-spec BC-2027.yaml --project-id BC-2027.",
            "", "Exit codes: 0 answered, 3 refused (the budget spent, or not a registered researcher), 1 error, 2 usage error."})
final class DiscoverCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StorageOptions storage;

    @Option(names = "--where", paramLabel = "CRITERIA", required = true, description = "What to count (see below).")
    String where;

    @Option(names = "--by", paramLabel = "BREAKDOWN", description = "biobank, sample_type, sex, region or age_band.")
    String by;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json", description = "json or csv (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--user", paramLabel = "U",
            description = "The registered researcher asking (a researcher or analyst of the enclave's directory), whose budget is spent;"
                    + " without it, the operator running the command (--as); on an embedded enclave without either, embedded-cli.")
    String user;

    @Option(names = "--save-spec", paramLabel = "FILE", description = "Also write what was counted as a draft project spec (YAML) here.")
    java.nio.file.Path saveSpec;

    @Option(names = "--project-id", paramLabel = "ID", description = "The draft spec's project id (with --save-spec).")
    String projectId;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who asks, in the audit log, when an embedded enclave's own files are counted without --user or --as. */
    static final String EMBEDDED_CALLER = "embedded-cli";

    @Override
    public Integer call() throws Exception {
        if (!format.equals("json") && !format.equals("csv")) {
            throw new ValidationException("--format must be json or csv, got '" + format + "'");
        }
        if ((saveSpec == null) != (projectId == null)) {
            throw new ValidationException("--save-spec and --project-id go together: where to write the draft, and its project id");
        }
        if (saveSpec != null && java.nio.file.Files.exists(saveSpec)) {
            throw new ValidationException("--save-spec: " + saveSpec + " exists; the draft never overwrites a file");
        }
        try (EnclaveStorage s = storage.open(); AuditTrail audit = storage.audit()) {
            String who;
            if (user != null) {
                DirectoryUser u = new DirectoryStore(s).user(user).orElseThrow(() -> new AccessDeniedException(user
                        + " is not in the enclave's directory: discovery is for registered researchers"));
                if (!u.isResearcher()) {
                    throw new AccessDeniedException(user + " is not a registered researcher (role researcher or analyst)");
                }
                who = user;
            } else if (storage.embeddedDir() != null && storage.operatorNamed().isEmpty()) {
                // a caller of an embedded enclave holds its files already: counted, budgeted and audited under one local name
                who = EMBEDDED_CALLER;
            } else {
                who = storage.operator(s);
            }
            Discovery.Answer a = new Discovery(s, audit).count(who, where, Optional.ofNullable(by));
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("json")) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("criteria", a.criteria().toString());
                doc.put("total", a.total().json());
                if (a.by().isPresent()) {
                    doc.put("by", a.by().get());
                    Map<String, Object> cells = new LinkedHashMap<>();
                    a.breakdown().forEach((k, v) -> cells.put(k, v.json()));
                    doc.put("breakdown", cells);
                }
                doc.put("precision", a.precision());
                doc.put("queries_used", a.queriesUsed());
                doc.put("queries_left", a.queriesLeft());
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
            } else {
                StringWriter csv = new StringWriter();
                try (CsvWriter w = new CsvWriter(csv)) {
                    w.writeRow(a.by().orElse("group"), "participants");
                    w.writeRow("total", a.total().shown());
                    for (Map.Entry<String, Discovery.Count> e : a.breakdown().entrySet()) {
                        w.writeRow(e.getKey(), e.getValue().shown());
                    }
                }
                out.print(csv);
            }
            out.flush();
            if (saveSpec != null) {
                String yaml = DraftSpec.yaml(projectId, who, a, java.time.LocalDate.now(java.time.ZoneId.of("Asia/Tokyo")));
                java.nio.file.Files.writeString(saveSpec, yaml, java.nio.file.StandardOpenOption.CREATE_NEW);
                System.err.println("enclave discover: the draft spec of " + projectId + " is in " + saveSpec + " (for the operator's review)");
            }
            System.err.println("enclave discover: " + who + " has used " + a.queriesUsed() + " discovery queries, " + a.queriesLeft()
                    + " left");
        }
        return EnclaveCli.EXIT_OK;
    }
}
