package jp.nmi.egress.disclosure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules, each on the whole table, each naming the cells it fails. Rules that are not part of
 * the profile, or do not apply to the kind of output, are reported as passing with a detail saying
 * so, never silently skipped.
 */
final class Rules {
    private Rules() {}

    /** A cell with 1 to min_count-1 contributors. */
    static Check threshold(Table t, Profile p) {
        if (t.kind() == Table.Kind.REGRESSION || t.kind() == Table.Kind.SURVIVAL) {
            return Check.notApplicable(RuleId.THRESHOLD, "not a cell table");
        }
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                int n = t.contributors(r, c);
                if (n > 0 && n < p.minCount()) {
                    cells.add(new int[] {r, c});
                }
            }
        }
        return new Check(RuleId.THRESHOLD, cells.isEmpty() ? Status.PASS : Status.FAIL, cells, cells.isEmpty()
                ? "every cell has 0 or at least " + p.minCount() + " contributors"
                : cells.size() + " cell(s) with 1 to " + (p.minCount() - 1) + " contributors: " + describe(t, cells));
    }

    /** A zero in a frequency table, where the profile says zeros disclose (everyone in the row has some other value). */
    static Check zeros(Table t, Profile p) {
        if (!p.zerosDisclosive()) {
            return Check.notApplicable(RuleId.ZEROS, "zeros are not disclosive under " + p.name());
        }
        if (t.kind() != Table.Kind.FREQUENCY && t.kind() != Table.Kind.MAGNITUDE) {
            return Check.notApplicable(RuleId.ZEROS, "not a frequency or magnitude table");
        }
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (t.contributors(r, c) == 0) {
                    cells.add(new int[] {r, c});
                }
            }
        }
        return new Check(RuleId.ZEROS, cells.isEmpty() ? Status.PASS : Status.FAIL, cells,
                cells.isEmpty() ? "no empty cell" : cells.size() + " empty cell(s): " + describe(t, cells));
    }

    /** N-K dominance: the n largest contributions exceed k of the cell's total. */
    static Check nk(Table t, Profile p) {
        if (p.nk() == null) {
            return Check.notApplicable(RuleId.NK, "N-K dominance is not part of " + p.name());
        }
        if (t.kind() != Table.Kind.MAGNITUDE) {
            return Check.notApplicable(RuleId.NK, "not a magnitude table");
        }
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                double[] x = largest(t.contributionsOf(r, c), p.nk().n());
                double total = total(t.contributionsOf(r, c));
                double top = sum(x);
                if (total > 0 && top > p.nk().k() * total) {
                    cells.add(new int[] {r, c});
                }
            }
        }
        return new Check(RuleId.NK, cells.isEmpty() ? Status.PASS : Status.FAIL, cells, cells.isEmpty()
                ? "in every cell the " + p.nk().n() + " largest contributions are at most " + pct(p.nk().k()) + " of the total"
                : cells.size() + " cell(s) where the " + p.nk().n() + " largest contributions exceed " + pct(p.nk().k())
                        + " of the total: " + describe(t, cells));
    }

    /** p%: the total minus the two largest contributions must be at least p of the largest. */
    static Check pRatio(Table t, Profile p) {
        if (p.pRatio() == null) {
            return Check.notApplicable(RuleId.P_RATIO, "the p% rule is not part of " + p.name());
        }
        if (t.kind() != Table.Kind.MAGNITUDE) {
            return Check.notApplicable(RuleId.P_RATIO, "not a magnitude table");
        }
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (t.contributionsOf(r, c).isEmpty()) {
                    continue;
                }
                double[] x = largest(t.contributionsOf(r, c), 2);
                double rest = total(t.contributionsOf(r, c)) - x[0] - x[1];
                if (rest < p.pRatio() * x[0]) {
                    cells.add(new int[] {r, c});
                }
            }
        }
        return new Check(RuleId.P_RATIO, cells.isEmpty() ? Status.PASS : Status.FAIL, cells, cells.isEmpty()
                ? "in every cell the others contribute at least " + pct(p.pRatio()) + " of the largest"
                : cells.size() + " cell(s) where the largest contribution could be estimated within " + pct(p.pRatio()) + ": "
                        + describe(t, cells));
    }

    /** Residual degrees of freedom of a model. */
    static Check dof(OutputSpec spec, Data data, Profile p) {
        int dof = Regression.dof(data.size(), spec.regressors().size());
        if (p.minDof() == null) {
            return Check.notApplicable(RuleId.DOF, "residual degrees of freedom " + dof + " (no minimum under " + p.name() + ")");
        }
        boolean ok = dof >= p.minDof();
        return new Check(RuleId.DOF, ok ? Status.PASS : Status.FAIL, List.of(), String.format(Locale.ROOT,
                "%d observations, %d regressor%s and a constant: %d residual degrees of freedom (minimum %d)", data.size(),
                spec.regressors().size(), spec.regressors().size() == 1 ? "" : "s", dof, p.minDof()));
    }

    /** A survival table's at-risk and event counts at each step. */
    static Check survival(Table t, Profile p) {
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            double atRisk = t.value(r, 0);
            double events = t.value(r, 1);
            if (atRisk > 0 && atRisk < p.survivalThreshold()) {
                cells.add(new int[] {r, 0});
            }
            if (events > 0 && events < p.survivalThreshold()) {
                cells.add(new int[] {r, 1});
            }
        }
        return new Check(RuleId.SURVIVAL, cells.isEmpty() ? Status.PASS : Status.FAIL, cells, cells.isEmpty()
                ? "every step has at least " + p.survivalThreshold() + " at risk and events"
                : cells.size() + " count(s) of at-risk or events between 1 and " + (p.survivalThreshold() - 1) + ": " + describe(t, cells));
    }

    /** Counts that should carry the profile's rounding but do not. */
    static Check rounding(Table t, Profile p) {
        if (p.rounding() == null) {
            return Check.notApplicable(RuleId.ROUNDING, "no rounding is required under " + p.name());
        }
        if (t.kind() != Table.Kind.FREQUENCY && t.kind() != Table.Kind.HISTOGRAM) {
            return Check.notApplicable(RuleId.ROUNDING, "not a count table");
        }
        List<int[]> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                Double v = t.value(r, c);
                if (v != null && v != 0 && !isRounded(v, p.rounding())) {
                    cells.add(new int[] {r, c});
                }
            }
        }
        return new Check(RuleId.ROUNDING, cells.isEmpty() ? Status.PASS : Status.REVIEW, cells, cells.isEmpty()
                ? "every count is rounded (" + p.rounding().method() + ", base " + p.rounding().base() + ")"
                : cells.size() + " count(s) not rounded to " + p.rounding().base() + " (" + p.rounding().method() + "): " + describe(t, cells));
    }

    private static boolean isRounded(double v, Profile.Rounding r) {
        if (r.method().equals("midpoint6")) {
            return Rounding.midpoint6(v) == v;
        }
        return v % r.base() == 0;
    }

    /** The n largest absolute contributions, largest first (zeros where there are fewer than n). */
    static double[] largest(Map<String, Double> contributions, int n) {
        double[] top = new double[n];
        for (double v : contributions.values()) {
            double a = Math.abs(v);
            if (a <= top[n - 1]) {
                continue;
            }
            int i = n - 1;
            while (i > 0 && top[i - 1] < a) {
                top[i] = top[i - 1];
                i--;
            }
            top[i] = a;
        }
        return top;
    }

    private static double total(Map<String, Double> contributions) {
        double s = 0;
        for (double v : contributions.values()) {
            s += Math.abs(v);
        }
        return s;
    }

    private static double sum(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s;
    }

    /**
     * A cell as people read it: one-based row and column of the table (label columns not counted)
     * and its labels, e.g. {@code row 3, column 1 (Shikoku x F)}. The reports' {@code cells} stay
     * zero-based {@code [row, column]} for programs.
     */
    static String cell(int row, int column, String label) {
        return "row " + (row + 1) + ", column " + (column + 1) + " (" + label + ")";
    }

    private static String pct(double v) {
        return Math.round(v * 100) + "%";
    }

    static String describe(Table t, List<int[]> cells) {
        List<String> out = new ArrayList<>();
        for (int[] c : cells.subList(0, Math.min(cells.size(), 10))) {
            out.add(cell(c[0], c[1], t.label(c[0], c[1])));
        }
        return String.join(", ", out) + (cells.size() > 10 ? ", ..." : "");
    }
}
