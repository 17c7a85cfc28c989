package jp.nmi.egress.disclosure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An output as the checks see it: a 2-D grid of values (multi-level index and columns flattened as
 * the product of their levels in ascending order, margins last) and, for every cell, its
 * contributors with what each contributed (rows for counts, the summed value for magnitudes).
 */
public final class Table {
    /** What the grid holds. */
    public enum Kind { FREQUENCY, MAGNITUDE, REGRESSION, HISTOGRAM, SURVIVAL }

    final Kind kind;
    final List<List<String>> rowLabels;
    final List<List<String>> columnLabels;
    final Double[][] values;
    final List<List<Map<String, Double>>> contributions;
    final boolean margins;
    /** Whether the table's cells add up along rows and columns (counts and sums): what secondary suppression relies on. */
    final boolean additive;

    Table(Kind kind, List<List<String>> rowLabels, List<List<String>> columnLabels, Double[][] values,
            List<List<Map<String, Double>>> contributions, boolean margins, boolean additive) {
        this.kind = kind;
        this.rowLabels = rowLabels;
        this.columnLabels = columnLabels;
        this.values = values;
        this.contributions = contributions;
        this.margins = margins;
        this.additive = additive;
    }

    public Kind kind() {
        return kind;
    }

    public int rows() {
        return values.length;
    }

    public int columns() {
        return values.length == 0 ? 0 : values[0].length;
    }

    public Double value(int r, int c) {
        return values[r][c];
    }

    /** Distinct contributors of a cell. */
    public int contributors(int r, int c) {
        return contributions == null ? 0 : contributions.get(r).get(c).size();
    }

    Map<String, Double> contributionsOf(int r, int c) {
        return contributions.get(r).get(c);
    }

    public boolean isMarginRow(int r) {
        return margins && r == rows() - 1;
    }

    public boolean isMarginColumn(int c) {
        return margins && c == columns() - 1;
    }

    public List<List<String>> rowLabels() {
        return rowLabels;
    }

    public List<List<String>> columnLabels() {
        return columnLabels;
    }

    String label(int r, int c) {
        return String.join("/", rowLabels.get(r)) + " x " + String.join("/", columnLabels.get(c));
    }

    /** A copy whose listed cells are replaced (null: suppressed). */
    Table withValues(Double[][] newValues) {
        return new Table(kind, rowLabels, columnLabels, newValues, contributions, margins, additive);
    }

    Double[][] copyValues() {
        Double[][] out = new Double[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i].clone();
        }
        return out;
    }

    static List<List<Map<String, Double>>> emptyContributions(int rows, int columns) {
        List<List<Map<String, Double>>> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            List<Map<String, Double>> row = new ArrayList<>(columns);
            for (int c = 0; c < columns; c++) {
                row.add(new java.util.HashMap<>());
            }
            out.add(row);
        }
        return out;
    }
}
