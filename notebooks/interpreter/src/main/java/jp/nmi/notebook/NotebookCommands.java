package jp.nmi.notebook;

import static java.util.Objects.requireNonNull;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureException;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.egress.disclosure.Table;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.genomics.AfOutput;
import jp.nmi.enclave.genomics.AfService;
import jp.nmi.enclave.genomics.AlleleFrequencies;
import jp.nmi.enclave.genomics.Attribute;
import jp.nmi.enclave.genomics.Stratum;
import jp.nmi.enclave.genomics.VariantSelection;
import jp.nmi.enclave.output.OutputExporter;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;

/**
 * Runs {@code %enclave} paragraphs for a project member: governed SQL, what the member may see,
 * disclosure-checked outputs with the verdict shown before anything is exported, and export. The
 * user is always the one Zeppelin authenticated; nothing in a paragraph names another.
 */
public final class NotebookCommands {
    /** Marks a cell that a check flags, in the table shown. */
    public static final String FLAG = " ✖";
    /** Marks a cell that suppression hid. */
    public static final String SUPPRESSED = "suppressed";

    private final NotebookProject project;
    /** Each member's last checked output per note: what {@code export} writes. */
    private final Map<String, LastOutput> last = new ConcurrentHashMap<>();

    private record LastOutput(Paragraph paragraph) {}

    public NotebookCommands(NotebookProject project) {
        this.project = requireNonNull(project, "project is null");
    }

    /** Runs one paragraph of {@code noteId} for {@code user}. Never throws for anything the user wrote. */
    public Output run(String user, String noteId, String text) {
        requireNonNull(user, "user is null");
        Paragraph p;
        try {
            p = Paragraph.parse(text);
        } catch (AccessDeniedException | ValidationException | NotFoundException | DisclosureException e) {
            return Output.error(e.getMessage());
        }
        try {
            return switch (p.command()) {
                case HELP -> help();
                case TABLES -> tables(user);
                case SCHEMA -> schema(user);
                case DESCRIBE -> describe(user, p.head());
                case SQL -> sql(user, p.head());
                case EXPORT -> export(user, noteId, p);
                case SUMMARY -> summary(user, noteId, p);
                case AF -> af(user, p.head());
                case PHENOPACKET -> phenopacket(user, p.head());
                default -> output(user, noteId, p);
            };
        } catch (AccessDeniedException | ValidationException | NotFoundException | DisclosureException e) {
            return Output.error(e.getMessage());
        } catch (EnclaveStorageException e) {
            return storageFailure(user, e);
        }
    }

    /**
     * A failure of the enclave's storage, as its member sees it: HDFS's own words (paths, principals,
     * hosts, ACLs, tokens) are for the operators' log only.
     */
    static Output storageFailure(String user, EnclaveStorageException e) {
        org.slf4j.LoggerFactory.getLogger(NotebookCommands.class).error("storage failure for {}", user, e);
        return Output.error("the enclave's storage could not do this just now; try again, or tell the operators if it keeps failing");
    }

    /** Variants the chart of an allele-frequency answer shows (the rows shown follow {@code enclave.results.rows}). */
    static final int AF_CHART_VARIANTS = 8;

    /**
     * {@code af [where=STRATUM] [by=ATTRIBUTE] variants=ID,ID | region=CHR:START-END | all}: the
     * project's allele frequencies as the member may see them ({@link AfService}),
     * a table, then the frequencies across strata as a table the page draws as a chart.
     */
    private Output af(String user, String head) {
        String where = "";
        String by = null;
        VariantSelection variants = null;
        String[] tokens = head.strip().split("\\s+");
        for (int i = 1; i < tokens.length; i++) {
            String t = tokens[i];
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.startsWith("where=")) {
                where = t.substring(6);
            } else if (lower.startsWith("by=")) {
                by = t.substring(3);
            } else if (lower.startsWith("variants=") || lower.startsWith("variant=")) {
                variants = new VariantSelection.Ids(List.of(t.substring(t.indexOf('=') + 1).split(",")));
            } else if (lower.startsWith("region=")) {
                variants = VariantSelection.region(t.substring(7));
            } else if (lower.equals("all")) {
                variants = new VariantSelection.All();
            } else {
                throw new ValidationException("af: '" + t + "' is not an option (" + Paragraph.Command.AF.usage() + ")");
            }
        }
        if (variants == null) {
            throw new ValidationException("af: name the variants: variants=ID,ID, region=CHR:START-END or all");
        }
        String byName = by;
        Optional<Attribute> attribute = Optional.ofNullable(by)
                .map(b -> Attribute.of(b).orElseThrow(() -> new ValidationException("af: by=" + byName
                        + " is not an attribute (age_band, sex, region, disease)")));
        Stratum stratum = Stratum.parse(where);
        AlleleFrequencies.Answer a = project.af().query(user, stratum, variants, attribute);
        int shown = project.settings().resultRows();
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(a.rows().size(), shown); i++) {
            rows.add(AfOutput.values(a.rows().get(i)).stream().map(String::valueOf).toList());
        }
        Output.Builder b = new Output.Builder().table(AfOutput.COLUMNS, rows);
        // the chart: strata down, the first variants across, each cell a frequency (a bound is left out of the chart)
        LinkedHashMap<String, Map<String, String>> byStratum = new LinkedHashMap<>();
        LinkedHashSet<String> shownVariants = new LinkedHashSet<>();
        for (AlleleFrequencies.Row r : a.rows()) {
            if (!shownVariants.contains(r.variant().id()) && shownVariants.size() >= AF_CHART_VARIANTS) {
                continue;
            }
            shownVariants.add(r.variant().id());
            String f = r.frequency();
            byStratum.computeIfAbsent(r.stratum(), k -> new LinkedHashMap<>()).put(r.variant().id(),
                    f.startsWith("<") || f.startsWith(">") || f.equals("NA") ? SUPPRESSED : f);
        }
        if (!byStratum.isEmpty()) {
            List<String> columns = new ArrayList<>();
            columns.add("stratum");
            columns.addAll(shownVariants);
            List<List<String>> chart = new ArrayList<>();
            byStratum.forEach((s, m) -> {
                List<String> row = new ArrayList<>();
                row.add(s);
                for (String v : shownVariants) {
                    row.add(m.getOrDefault(v, SUPPRESSED));
                }
                chart.add(row);
            });
            b.table(columns, chart);
        }
        StringBuilder note = new StringBuilder();
        if (a.rows().size() > shown) {
            note.append("The first ").append(shown).append(" of ").append(a.rows().size())
                    .append(" rows are shown: narrow it with variants= or region=. ");
        }
        if (a.withheld() > 0) {
            note.append(a.withheld()).append(" strata withheld: too few participants, alone or with earlier answers. ");
        }
        note.append("Counts under the project's minimum are bounds (<10); a bounded frequency is left out of the chart. You have used ")
                .append(a.queriesUsed()).append(" allele-frequency queries of this project; ").append(a.queriesLeft()).append(" left.");
        return b.text(note.toString()).build();
    }

    /**
     * {@code phenopacket PARTICIPANT_ID}: the participant as a GA4GH Phenopacket, from what the member
     * may see (their row filters and masks apply). Not an output: {@code export} does not write it.
     */
    private Output phenopacket(String user, String head) {
        String[] tokens = head.strip().split("\\s+");
        if (tokens.length != 2) {
            throw new ValidationException("phenopacket: name one participant: " + Paragraph.Command.PHENOPACKET.usage());
        }
        String json = new jp.nmi.enclave.phenopacket.Phenopackets(project.session(), project.projectId(), java.time.Clock.systemUTC())
                .json(user, tokens[1]);
        return new Output.Builder().text(json).text("A phenopacket is for your own view in the enclave: it is not an output, so export"
                + " never writes it.").build();
    }

    private static Output help() {
        List<List<String>> rows = new ArrayList<>();
        for (Paragraph.Command c : Paragraph.Command.values()) {
            rows.add(List.of(c.usage(), c.purpose()));
        }
        return new Output.Builder().table(List.of("command", "what it does"), rows)
                .text("An output command's first line says what to make; the lines below are the query that feeds it, one row per"
                        + " contribution with participant_id. Every output is checked for disclosure before you export it.")
                .build();
    }

    private Output tables(String user) {
        List<List<String>> rows = new ArrayList<>();
        for (EnclaveSession.TableView t : project.session().describe(user)) {
            long visible = t.columns().stream().filter(c -> c.access() == EnclaveSession.Access.VISIBLE).count();
            long masked = t.columns().stream().filter(c -> c.access() == EnclaveSession.Access.MASKED).count();
            long denied = t.columns().stream().filter(c -> c.access() == EnclaveSession.Access.DENIED).count();
            rows.add(List.of(t.name(), Long.toString(visible), Long.toString(masked), Long.toString(denied),
                    t.rowsFiltered() ? "yes" : "no", t.workspace() ? "yours" : "project"));
        }
        return new Output.Builder().table(List.of("table", "visible", "masked", "denied", "rows filtered", "owner"), rows).build();
    }

    private Output schema(String user) {
        List<List<String>> rows = new ArrayList<>();
        for (EnclaveSession.TableView t : project.session().describe(user)) {
            for (EnclaveSession.ColumnView c : t.columns()) {
                rows.add(List.of(t.name(), c.name(), c.type(), c.access().label(), c.mask() == null ? "" : c.mask(),
                        t.rowsFiltered() ? "yes" : "no"));
            }
        }
        return new Output.Builder().table(List.of("table", "column", "type", "access", "mask", "rows filtered"), rows).build();
    }

    private Output describe(String user, String table) {
        String wanted = table.toLowerCase(Locale.ROOT);
        for (EnclaveSession.TableView t : project.session().describe(user)) {
            if (t.name().equalsIgnoreCase(wanted)) {
                List<List<String>> rows = new ArrayList<>();
                for (EnclaveSession.ColumnView c : t.columns()) {
                    rows.add(List.of(c.name(), c.type(), c.access().label(), c.mask() == null ? "" : c.mask()));
                }
                Output.Builder b = new Output.Builder().table(List.of("column", "type", "access", "mask"), rows);
                if (t.rowsFiltered()) {
                    b.text("A policy filters the rows of " + t.name() + " for you: you see only the participants it allows.");
                }
                return b.build();
            }
        }
        return Output.error("no table " + table + " in project " + project.projectId() + " for you (tables lists what you may see)");
    }

    private Output sql(String user, String statement) {
        int shown = project.settings().resultRows();
        StatementResult r = project.session().execute(user, statement);
        if (!r.isOk()) {
            return Output.error(r.message());
        }
        if (r.columns().isEmpty()) {
            return Output.of(new Output.Text("OK"));
        }
        List<List<String>> rows = new ArrayList<>();
        for (List<Object> row : r.rows().subList(0, Math.min(shown, r.rows().size()))) {
            rows.add(row.stream().map(NotebookCommands::show).toList());
        }
        Output.Builder b = new Output.Builder().table(r.columns(), rows);
        if (r.rows().size() > shown || r.truncated()) {
            b.text("Showing the first " + shown + " rows" + (r.truncated() ? " (the query returned more than " + r.rows().size() + ")"
                    : " of " + r.rows().size()) + ". Results stay in the enclave: to take something out, make an output"
                    + " (crosstab, summary, ...) and export it.");
        }
        return b.build();
    }

    private Output output(String user, String noteId, Paragraph p) {
        Report report = project.exporter().check(user, project.profile(), p.query(), p.spec(), p.suppress());
        last.put(key(user, noteId), new LastOutput(p));
        return new Output.Builder().table(header(report), cells(report)).text(verdict(report)).build();
    }

    /**
     * {@code summary [by=G]}: n, mean and standard deviation of every numeric column of the query,
     * each checked as the magnitude table it is (threshold and dominance on every cell).
     */
    private Output summary(String user, String noteId, Paragraph p) {
        String by = null;
        for (String token : p.head().split("\\s+")) {
            if (token.startsWith("by=")) {
                by = token.substring(3);
            } else if (!token.equalsIgnoreCase("summary") && !token.toLowerCase(Locale.ROOT).startsWith("suppress")) {
                return Output.error("summary takes by=COLUMN and suppress only, not '" + token + "'");
            }
        }
        OutputExporter.Rows rows = project.exporter().rows(user, p.query());
        Data data = rows.data();
        String group = by == null ? "all" : by;
        if (by != null && !data.columns().contains(by)) {
            return Output.error("summary by=" + by + ": the query returns no column " + by);
        }
        Data grouped = by != null ? data : withConstant(data, group, "all participants");
        OutputExporter.Rows input = new OutputExporter.Rows(grouped, rows.contributors());
        List<String> variables = new ArrayList<>();
        for (String c : data.columns()) {
            if (!c.equals(OutputExporter.CONTRIBUTOR) && !c.equals(by) && numeric(data, c)) {
                variables.add(c);
            }
        }
        if (variables.isEmpty()) {
            return Output.error("summary needs numeric columns besides participant_id" + (by == null ? "" : " and " + by)
                    + " (the query returns " + String.join(", ", data.columns()) + ")");
        }
        List<List<String>> table = new ArrayList<>();
        List<Check> checks = new ArrayList<>();
        StringBuilder details = new StringBuilder();
        for (String v : variables) {
            Report n = OutputExporter.check(project.profile(), input, "crosstab index=" + group, p.suppress());
            Report mean = OutputExporter.check(project.profile(), input, "crosstab index=" + group + " values=" + v + " aggfunc=mean",
                    p.suppress());
            Report sd = OutputExporter.check(project.profile(), input, "crosstab index=" + group + " values=" + v + " aggfunc=std",
                    p.suppress());
            Set<String> flaggedN = flagged(n);
            Set<String> flaggedMean = flagged(mean);
            Set<String> flaggedSd = flagged(sd);
            for (int r = 0; r < mean.table().rows(); r++) {
                String cell = r + ",0";
                table.add(List.of(v, String.join(" / ", mean.table().rowLabels().get(r)),
                        value(n.table().value(r, 0)) + (flaggedN.contains(cell) ? FLAG : ""),
                        value(mean.table().value(r, 0)) + (flaggedMean.contains(cell) ? FLAG : ""),
                        value(sd.table().value(r, 0)) + (flaggedSd.contains(cell) ? FLAG : "")));
            }
            for (Report rep : List.of(n, mean, sd)) {
                for (Check c : rep.checks()) {
                    checks.add(new Check(c.rule(), c.status(), c.cells(), v + ": " + c.detail(), c.applies()));
                }
            }
        }
        last.remove(key(user, noteId));
        details.append(verdictLines(Status.worst(checks), project.profile(), dedupe(checks)));
        details.append("\nA summary is for looking: to export one, make it a crosstab (values=X aggfunc=mean) and export that.");
        return new Output.Builder().table(List.of("variable", group, "n", "mean", "sd"), table).text(details.toString()).build();
    }

    private Output export(String user, String noteId, Paragraph p) {
        LastOutput output = last.get(key(user, noteId));
        if (output == null) {
            return Output.error("nothing to export: run an output command (crosstab, ols, logit, probit, hist, km) in this note first;"
                    + " export writes your last one");
        }
        Paragraph.ExportTarget target = p.exportTarget();
        OutputExporter.checkName(target.name());
        Paragraph made = output.paragraph();
        // made again now, so that what is written is what the data and the policies give at this moment
        Report report = project.exporter().check(user, project.profile(), made.query(), made.spec(), made.suppress());
        project.exporter().write(user, target.name(), report);
        StringBuilder sb = new StringBuilder();
        sb.append("Exported ").append(target.name()).append(" to the outbox of ").append(project.projectId())
                .append(" with its signed record of checks (").append(report.status().label().toUpperCase(Locale.ROOT))
                .append(" under ").append(report.profile().name()).append("). Nothing leaves until two stewards approve it.");
        if (report.status() != Status.PASS) {
            sb.append("\nThe stewards will see what the checks found; fix it first unless you will explain it in the request.");
        }
        String egress = project.settings().egressUrl();
        if (!egress.isBlank()) {
            sb.append("\nOpen the egress request: ").append(egress.replaceAll("/$", "")).append("/requests/new?project=")
                    .append(enc(project.projectId())).append("&file=").append(enc(target.name()));
            if (!target.description().isEmpty()) {
                sb.append("&context=").append(enc(target.description()));
            }
        }
        return new Output.Builder().table(header(report), cells(report)).text(sb.toString()).build();
    }

    /** Table and column names this user may see, for the editor's completion. */
    public List<String> completions(String user) {
        List<String> out = new ArrayList<>();
        for (EnclaveSession.TableView t : project.session().describe(user)) {
            out.add(t.name());
            for (EnclaveSession.ColumnView c : t.columns()) {
                if (c.access() != EnclaveSession.Access.DENIED) {
                    out.add(c.name());
                }
            }
        }
        for (Paragraph.Command c : Paragraph.Command.values()) {
            if (c != Paragraph.Command.SQL) {
                out.add(c.word());
            }
        }
        return out.stream().distinct().toList();
    }

    // ---- rendering ------------------------------------------------------------------------

    static List<String> header(Report report) {
        List<String> h = new ArrayList<>();
        List<String> index = report.spec().index();
        h.add(index.isEmpty() ? "" : String.join(" / ", index));
        for (List<String> c : report.table().columnLabels()) {
            h.add(String.join(" / ", c));
        }
        return h;
    }

    static List<List<String>> cells(Report report) {
        Table t = report.table();
        Set<String> flagged = flagged(report);
        Set<String> suppressed = new HashSet<>();
        report.suppressed().forEach(c -> suppressed.add(c[0] + "," + c[1]));
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            List<String> row = new ArrayList<>();
            row.add(String.join(" / ", t.rowLabels().get(r)));
            for (int c = 0; c < t.columns(); c++) {
                String key = r + "," + c;
                String v = suppressed.contains(key) ? SUPPRESSED : value(t.value(r, c));
                row.add(flagged.contains(key) && !suppressed.contains(key) ? v + FLAG : v);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The cells a failing or to-be-reviewed check names, as "row,column". */
    static Set<String> flagged(Report report) {
        Set<String> out = new HashSet<>();
        for (Check c : report.checks()) {
            if (c.status() != Status.PASS) {
                c.cells().forEach(x -> out.add(x[0] + "," + x[1]));
            }
        }
        return out;
    }

    /** The verdict under the table: overall status, then each check with its status, what it found and how to fix it. */
    static String verdict(Report report) {
        return verdictLines(report.status(), report.profile().name(), report.checks());
    }

    private static String verdictLines(Status status, String profile, List<Check> checks) {
        StringBuilder sb = new StringBuilder();
        sb.append("Disclosure check under ").append(profile).append(": ").append(status.label().toUpperCase(Locale.ROOT));
        sb.append(switch (status) {
            case PASS -> " (ready to export)";
            case REVIEW -> " (the stewards will look at what is marked)";
            case FAIL -> " (fix what is marked before exporting)";
        });
        for (Check c : checks) {
            // as the stewards' page shows it: a rule that does not apply is not a pass
            sb.append('\n').append(c.applies() ? c.status().label().toUpperCase(Locale.ROOT) : "N/A").append(' ').append(c.rule().label())
                    .append(": ").append(c.detail());
            if (c.status() != Status.PASS) {
                sb.append("\n  How to fix: ").append(c.rule().hint(Locale.ENGLISH));
            }
        }
        return sb.toString();
    }

    private static List<Check> dedupe(List<Check> checks) {
        Map<String, Check> out = new LinkedHashMap<>();
        for (Check c : checks) {
            out.putIfAbsent(c.rule().label() + "|" + c.status() + "|" + c.detail(), c);
        }
        return List.copyOf(out.values());
    }

    static String value(Double v) {
        if (v == null) {
            return "";
        }
        if (v.isNaN() || v.isInfinite()) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString(v.longValue());
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String show(Object v) {
        return v == null ? "null" : v.toString();
    }

    private static boolean numeric(Data data, String column) {
        int i = data.column(column);
        boolean any = false;
        for (int r = 0; r < data.size(); r++) {
            String v = data.row(r)[i];
            if (v == null || v.isEmpty()) {
                continue;
            }
            try {
                Double.parseDouble(v);
                any = true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return any;
    }

    private static Data withConstant(Data data, String column, String value) {
        List<String> columns = new ArrayList<>(data.columns());
        columns.add(column);
        List<String[]> rows = new ArrayList<>(data.size());
        for (int r = 0; r < data.size(); r++) {
            String[] old = data.row(r);
            String[] row = java.util.Arrays.copyOf(old, old.length + 1);
            row[old.length] = value;
            rows.add(row);
        }
        return new Data(columns, rows);
    }

    private static String key(String user, String noteId) {
        return user + "\u0000" + (noteId == null ? "" : noteId);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
