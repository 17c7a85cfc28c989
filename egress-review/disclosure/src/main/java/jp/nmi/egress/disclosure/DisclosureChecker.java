package jp.nmi.egress.disclosure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks one output against a profile. The output is rebuilt from its row-level data, so that
 * every cell's contributors are known; the rules run on that; the tool can suppress (primary,
 * secondary, audited) and round; and, given the project's release history, every cell is compared
 * with every cell released before.
 *
 * <p>Status: fail if any check fails, review if any asks for review (including anything the tool
 * changed: suppression or rounding), pass otherwise.
 */
public final class DisclosureChecker {
    /**
     * @param suppress suppress failing cells (and what protects them) instead of only reporting them
     * @param rounding {@code nearest} or {@code midpoint6} to round counts (null: the profile's own rounding, applied with suppress)
     * @param history the project's release history, or null
     * @param recordRelease record this table in the history as this release (after it was approved), or null
     */
    public record Options(boolean suppress, String rounding, Path history, String recordRelease) {
        public static final Options REPORT_ONLY = new Options(false, null, null, null);
    }

    private DisclosureChecker() {}

    public static Report check(Profile profile, Data data, String specText, Options options) {
        OutputSpec spec = OutputSpec.parse(specText);
        Table table = Tables.build(spec, data);
        List<Check> checks = new ArrayList<>();
        checks.add(FileTypes.check("output.csv"));
        checks.add(Rules.threshold(table, profile));
        checks.add(Rules.zeros(table, profile));
        checks.add(Rules.nk(table, profile));
        checks.add(Rules.pRatio(table, profile));
        if (spec.isRegression()) {
            checks.add(Rules.dof(spec, data, profile));
        }
        if (spec.kind() == OutputSpec.Kind.KM) {
            checks.add(Rules.survival(table, profile));
        }

        List<int[]> suppressed = List.of();
        boolean changedByTool = false;
        Table out = table;
        if (options.suppress() && (table.kind() == Table.Kind.FREQUENCY || table.kind() == Table.Kind.MAGNITUDE
                || table.kind() == Table.Kind.HISTOGRAM)) {
            List<int[]> primary = primaryCells(checks);
            if (!primary.isEmpty()) {
                Suppression.Result s = Suppression.suppress(table, primary, profile);
                out = s.table();
                suppressed = s.all();
                changedByTool = true;
                markSuppressed(checks, suppressed);
                checks.add(auditCheck(s, profile));
            }
        }
        String rounding = options.rounding() != null ? options.rounding()
                : options.suppress() && profile.rounding() != null ? profile.rounding().method() : null;
        if (rounding != null && (out.kind() == Table.Kind.FREQUENCY || out.kind() == Table.Kind.HISTOGRAM)) {
            out = round(out, rounding, profile.rounding() == null ? 5 : profile.rounding().base());
            changedByTool = true;
            checks.add(new Check(RuleId.ROUNDING, Status.REVIEW, List.of(), "counts rounded by the tool ("
                    + (rounding.equals("midpoint6") ? "midpoint-6" : "nearest " + (profile.rounding() == null ? 5 : profile.rounding().base()))
                    + "); check the rounded table"));
        } else {
            checks.add(Rules.rounding(out, profile));
        }
        if (options.history() != null) {
            History history = History.open(options.history());
            checks.add(history.differencing(visibleOnly(table, suppressed), profile.minCount()));
            if (options.recordRelease() != null) {
                history.record(history.recordOf(options.recordRelease(), specText, table, hiddenMask(table, suppressed)));
            }
        }
        Status status = Status.worst(checks);
        if (changedByTool && status == Status.PASS) {
            status = Status.REVIEW;
        }
        return new Report(status, profile, spec, specText, out, checks, suppressed);
    }

    /** A file that is not a table the checks can rebuild: its type, then manual review. */
    public static List<Check> checkFile(String fileName) {
        Check type = FileTypes.check(fileName);
        return type.status() == Status.FAIL ? List.of(type) : List.of(type, FileTypes.manualReview(fileName));
    }

    private static List<int[]> primaryCells(List<Check> checks) {
        Set<String> seen = new HashSet<>();
        List<int[]> out = new ArrayList<>();
        for (Check c : checks) {
            if (c.status() == Status.FAIL && Set.of(RuleId.THRESHOLD, RuleId.ZEROS, RuleId.NK, RuleId.P_RATIO).contains(c.rule())) {
                for (int[] cell : c.cells()) {
                    if (seen.add(cell[0] + "," + cell[1])) {
                        out.add(cell);
                    }
                }
            }
        }
        return out;
    }

    /** A failing cell rule whose cells are all suppressed now asks for review instead. */
    private static void markSuppressed(List<Check> checks, List<int[]> suppressed) {
        Set<String> hidden = new HashSet<>();
        suppressed.forEach(c -> hidden.add(c[0] + "," + c[1]));
        for (int i = 0; i < checks.size(); i++) {
            Check c = checks.get(i);
            if (c.status() == Status.FAIL && !c.cells().isEmpty() && c.cells().stream().allMatch(x -> hidden.contains(x[0] + "," + x[1]))) {
                checks.set(i, new Check(c.rule(), Status.REVIEW, c.cells(), c.detail() + "; suppressed by the tool"));
            }
        }
    }

    private static Check auditCheck(Suppression.Result s, Profile p) {
        List<int[]> narrow = new ArrayList<>();
        List<String> intervals = new ArrayList<>();
        for (Suppression.Interval iv : s.intervals()) {
            intervals.add(String.format(Locale.ROOT, "[%d,%d] in [%s, %s]", iv.row(), iv.column(), Tables.fmt(iv.lower()),
                    Double.isInfinite(iv.upper()) ? "inf" : Tables.fmt(iv.upper())));
            if (iv.width() < p.protectionLevel()) {
                narrow.add(new int[] {iv.row(), iv.column()});
            }
        }
        String detail = s.primary().size() + " cell(s) suppressed for failing a rule, " + s.secondary().size()
                + " more so that none can be recomputed; feasible intervals " + String.join(", ", intervals)
                + " (protection level " + p.protectionLevel() + ")";
        return new Check(RuleId.SUPPRESSION_AUDIT, narrow.isEmpty() ? Status.PASS : Status.FAIL, narrow,
                narrow.isEmpty() ? detail : narrow.size() + " suppressed cell(s) can still be narrowed below the protection level: " + detail);
    }

    private static Table round(Table t, String method, int base) {
        Double[][] v = t.copyValues();
        for (Double[] row : v) {
            for (int c = 0; c < row.length; c++) {
                if (row[c] != null) {
                    row[c] = (double) (method.equals("midpoint6") ? Rounding.midpoint6(row[c]) : Rounding.nearest(row[c], base));
                }
            }
        }
        return t.withValues(v);
    }

    private static boolean[][] hiddenMask(Table t, List<int[]> suppressed) {
        boolean[][] hidden = new boolean[t.rows()][t.columns()];
        suppressed.forEach(c -> hidden[c[0]][c[1]] = true);
        return hidden;
    }

    /** The table with the contributions of suppressed cells removed: what was not published cannot be differenced. */
    private static Table visibleOnly(Table t, List<int[]> suppressed) {
        if (suppressed.isEmpty()) {
            return t;
        }
        var contributions = Table.emptyContributions(t.rows(), t.columns());
        boolean[][] hidden = hiddenMask(t, suppressed);
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (!hidden[r][c]) {
                    contributions.get(r).get(c).putAll(t.contributionsOf(r, c));
                }
            }
        }
        return new Table(t.kind, t.rowLabels, t.columnLabels, t.values, contributions, t.margins, t.additive);
    }
}
