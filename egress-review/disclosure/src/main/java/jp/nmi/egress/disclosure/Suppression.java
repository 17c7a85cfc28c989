package jp.nmi.egress.disclosure;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;

/**
 * Cell suppression: the cells that fail a rule are suppressed (primary), then more cells until none
 * of them can be recomputed from the margins (secondary), and an audit computes, by linear
 * programming, each suppressed cell's feasible interval given everything published: a cell whose
 * interval is narrower than the profile's protection level is still (nearly) disclosed.
 */
final class Suppression {
    /** A suppressed cell's feasible interval. */
    record Interval(int row, int column, double lower, double upper) {
        double width() {
            return upper - lower;
        }
    }

    /** The outcome: the table with suppressed cells as null, which cells, and the audit. */
    record Result(Table table, List<int[]> primary, List<int[]> secondary, List<Interval> intervals) {
        List<int[]> all() {
            List<int[]> out = new ArrayList<>(primary);
            out.addAll(secondary);
            return out;
        }
    }

    static {
        // ojAlgo prints a hardware banner on standard output at first use unless told not to; the
        // reports go to standard output.
        if (System.getProperty("shut.up.ojAlgo") == null) {
            System.setProperty("shut.up.ojAlgo", "true");
        }
    }

    private Suppression() {}

    static Result suppress(Table t, List<int[]> primary, Profile p) {
        boolean[][] hidden = new boolean[t.rows()][t.columns()];
        for (int[] c : primary) {
            hidden[c[0]][c[1]] = true;
        }
        List<int[]> secondary = new ArrayList<>();
        List<Interval> intervals = List.of();
        if (t.margins && t.additive) {
            for (int round = 0; round < 10; round++) {
                while (secondaryPass(t, hidden, secondary)) {
                    // until no row or column holds a single hidden cell
                }
                intervals = audit(t, hidden);
                List<Interval> narrow = intervals.stream().filter(iv -> iv.width() < p.protectionLevel()).toList();
                if (narrow.isEmpty()) {
                    break;
                }
                // A cell the totals still pin down (an all-zero row under a visible zero total, a
                // lone small cell between large ones) needs a partner in its row and in its column.
                boolean changed = false;
                for (Interval iv : narrow.subList(0, Math.min(narrow.size(), 5))) {
                    for (boolean isRow : new boolean[] {true, false}) {
                        int[] more = smallestVisible(t, hidden, isRow ? iv.row() : iv.column(), isRow, -1);
                        if (more != null) {
                            hidden[more[0]][more[1]] = true;
                            secondary.add(more);
                            changed = true;
                        }
                    }
                }
                if (!changed) {
                    break;
                }
            }
        }
        Double[][] values = t.copyValues();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (hidden[r][c]) {
                    values[r][c] = null;
                }
            }
        }
        if (!(t.margins && t.additive)) {
            intervals = unbounded(t, hidden);
        } else if (secondary.isEmpty() && intervals.isEmpty()) {
            intervals = audit(t, hidden);
        }
        return new Result(t.withValues(values), primary, secondary, intervals);
    }

    /** Hides a second cell in every row and column (margins included) that has exactly one hidden cell. */
    private static boolean secondaryPass(Table t, boolean[][] hidden, List<int[]> secondary) {
        boolean changed = false;
        for (int r = 0; r < t.rows(); r++) {
            int count = 0;
            for (int c = 0; c < t.columns(); c++) {
                count += hidden[r][c] ? 1 : 0;
            }
            if (count == 1) {
                int[] cell = smallestVisible(t, hidden, r, true, -1);
                if (cell != null) {
                    hidden[cell[0]][cell[1]] = true;
                    secondary.add(cell);
                    changed = true;
                }
            }
        }
        for (int c = 0; c < t.columns(); c++) {
            int count = 0;
            for (int r = 0; r < t.rows(); r++) {
                count += hidden[r][c] ? 1 : 0;
            }
            if (count == 1) {
                int[] cell = smallestVisible(t, hidden, c, false, -1);
                if (cell != null) {
                    hidden[cell[0]][cell[1]] = true;
                    secondary.add(cell);
                    changed = true;
                }
            }
        }
        return changed;
    }

    /** The visible inner cell of smallest value in a row (or column); a margin only if nothing else is left. */
    private static int[] smallestVisible(Table t, boolean[][] hidden, int line, boolean isRow, int except) {
        int[] best = null;
        double bestValue = Double.POSITIVE_INFINITY;
        int n = isRow ? t.columns() : t.rows();
        for (int pass = 0; pass < 2 && best == null; pass++) {
            for (int i = 0; i < n; i++) {
                int r = isRow ? line : i;
                int c = isRow ? i : line;
                boolean margin = t.isMarginRow(r) || t.isMarginColumn(c);
                if (hidden[r][c] || i == except || (pass == 0 && margin)) {
                    continue;
                }
                double v = t.value(r, c) == null ? 0 : t.value(r, c);
                if (v < bestValue) {
                    bestValue = v;
                    best = new int[] {r, c};
                }
            }
        }
        return best;
    }

    /**
     * Each hidden cell's feasible interval: min and max of the cell subject to every visible value,
     * non-negative hidden cells, and the table's row, column and grand totals.
     */
    static List<Interval> audit(Table t, boolean[][] hidden) {
        List<Interval> out = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (hidden[r][c]) {
                    out.add(new Interval(r, c, bound(t, hidden, r, c, false), bound(t, hidden, r, c, true)));
                }
            }
        }
        return out;
    }

    private static double bound(Table t, boolean[][] hidden, int tr, int tc, boolean max) {
        ExpressionsBasedModel model = new ExpressionsBasedModel();
        Variable[][] x = new Variable[t.rows()][t.columns()];
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (hidden[r][c]) {
                    x[r][c] = model.addVariable(String.format(Locale.ROOT, "x_%d_%d", r, c)).lower(0);
                }
            }
        }
        int inner = t.rows() - 1;
        int innerCols = t.columns() - 1;
        // each row (the margin row too): its inner cells add up to its margin cell
        for (int r = 0; r < t.rows(); r++) {
            constraint(model, t, hidden, x, "row_" + r, r, -1, innerCols);
        }
        for (int c = 0; c < t.columns(); c++) {
            constraint(model, t, hidden, x, "col_" + c, -1, c, inner);
        }
        x[tr][tc].weight(1);
        Optimisation.Result result = max ? model.maximise() : model.minimise();
        if (result.getState() == Optimisation.State.UNBOUNDED) {
            return max ? Double.POSITIVE_INFINITY : 0;
        }
        if (!result.getState().isFeasible()) {
            // No solution: the audit cannot vouch for the cell; report it as unprotected (width 0).
            return t.value(tr, tc) == null ? 0 : t.value(tr, tc);
        }
        return result.getValue();
    }

    /** sum(inner cells of the line) - margin cell = 0, with visible values moved to the right-hand side. */
    private static void constraint(ExpressionsBasedModel model, Table t, boolean[][] hidden, Variable[][] x, String name, int row,
            int column, int count) {
        Expression e = model.addExpression(name);
        double constant = 0;
        boolean any = false;
        for (int i = 0; i <= count; i++) {
            int r = row >= 0 ? row : i;
            int c = column >= 0 ? column : i;
            double sign = i == count ? -1 : 1; // the last cell of the line is its margin
            if (hidden[r][c]) {
                e.set(x[r][c], sign);
                any = true;
            } else {
                constant -= sign * (t.value(r, c) == null ? 0 : t.value(r, c));
            }
        }
        if (any) {
            // Totals of sums are added up in another order than their cells: allow for rounding.
            double eps = 1e-7 * Math.max(1, Math.abs(constant)) + 1e-9 * scale(t);
            e.lower(constant - eps).upper(constant + eps);
        }
    }

    private static double scale(Table t) {
        double max = 1;
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (t.value(r, c) != null) {
                    max = Math.max(max, Math.abs(t.value(r, c)));
                }
            }
        }
        return max;
    }

    private static List<Interval> unbounded(Table t, boolean[][] hidden) {
        List<Interval> out = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (hidden[r][c]) {
                    out.add(new Interval(r, c, 0, Double.POSITIVE_INFINITY));
                }
            }
        }
        return out;
    }
}
