package jp.nmi.egress.disclosure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Builds the {@link Table} an output spec describes from the row-level data. */
final class Tables {
    static final String ALL = "All";

    private Tables() {}

    static Table build(OutputSpec spec, Data data) {
        return switch (spec.kind()) {
            case CROSSTAB -> crosstab(spec, data);
            case OLS, LOGIT, PROBIT -> Regression.table(spec, data);
            case HIST -> histogram(spec, data);
            case KM -> survival(spec, data);
        };
    }

    /** The contributor of each row: the id column, participant_id if there is one, else the row itself. */
    static String[] contributors(OutputSpec spec, Data data) {
        String id = spec.idColumn() != null ? spec.idColumn() : data.hasColumn("participant_id") ? "participant_id" : null;
        String[] out = new String[data.size()];
        int col = id == null ? -1 : data.column(id);
        for (int i = 0; i < data.size(); i++) {
            out[i] = col < 0 ? "row-" + i : data.row(i)[col];
        }
        return out;
    }

    static Table crosstab(OutputSpec spec, Data data) {
        int[] idx = spec.index().stream().mapToInt(data::column).toArray();
        int[] cols = spec.columns().stream().mapToInt(data::column).toArray();
        int valueCol = spec.values() == null ? -1 : data.column(spec.values());
        List<List<String>> rowKeys = product(levels(data, idx));
        List<List<String>> colKeys = cols.length == 0 ? List.of(List.of(spec.values() == null ? "count" : spec.aggfunc()))
                : product(levels(data, cols));
        Map<List<String>, Integer> rowIndex = indexOf(rowKeys);
        Map<List<String>, Integer> colIndex = indexOf(colKeys);
        int nr = rowKeys.size() + (spec.margins() ? 1 : 0);
        int nc = colKeys.size() + (spec.margins() ? 1 : 0);
        String[] who = contributors(spec, data);
        List<List<Map<String, Double>>> contributions = Table.emptyContributions(nr, nc);
        List<List<List<Double>>> cellValues = new ArrayList<>();
        for (int r = 0; r < nr; r++) {
            List<List<Double>> row = new ArrayList<>();
            for (int c = 0; c < nc; c++) {
                row.add(new ArrayList<>());
            }
            cellValues.add(row);
        }
        // only the median and the standard deviation need every value; the rest add up as they go
        boolean keepValues = spec.aggfunc() != null && (spec.aggfunc().equals("median") || spec.aggfunc().equals("std"));
        double[][] sums = new double[nr][nc];
        int[][] counts = new int[nr][nc];
        for (int i = 0; i < data.size(); i++) {
            String[] row = data.row(i);
            int r = rowIndex.get(key(row, idx));
            int c = cols.length == 0 ? 0 : colIndex.get(key(row, cols));
            double v = valueCol < 0 ? 1 : data.number(i, valueCol);
            int[] rs = spec.margins() ? new int[] {r, nr - 1} : new int[] {r};
            int[] cs = spec.margins() ? new int[] {c, nc - 1} : new int[] {c};
            for (int rr : rs) {
                for (int cc : cs) {
                    contributions.get(rr).get(cc).merge(who[i], v, Double::sum);
                    sums[rr][cc] += v;
                    counts[rr][cc]++;
                    if (keepValues) {
                        cellValues.get(rr).get(cc).add(v);
                    }
                }
            }
        }
        Double[][] values = new Double[nr][nc];
        for (int r = 0; r < nr; r++) {
            for (int c = 0; c < nc; c++) {
                values[r][c] = keepValues ? aggregate(spec, cellValues.get(r).get(c)) : additiveAggregate(spec, sums[r][c], counts[r][c]);
            }
        }
        List<List<String>> rowLabels = new ArrayList<>(rowKeys);
        List<List<String>> colLabels = new ArrayList<>(colKeys);
        if (spec.margins()) {
            rowLabels.add(marginLabel(idx.length));
            colLabels.add(marginLabel(Math.max(1, cols.length)));
        }
        boolean magnitude = spec.isMagnitude();
        boolean additive = spec.aggfunc() == null || spec.aggfunc().equals("count") || spec.aggfunc().equals("sum");
        return new Table(magnitude ? Table.Kind.MAGNITUDE : Table.Kind.FREQUENCY, rowLabels, colLabels, values, contributions,
                spec.margins(), additive);
    }

    private static Double additiveAggregate(OutputSpec spec, double sum, int count) {
        if (spec.values() == null || spec.aggfunc().equals("count")) {
            return (double) count;
        }
        return switch (spec.aggfunc()) {
            case "sum" -> sum;
            case "mean" -> count == 0 ? null : sum / count;
            default -> throw new DisclosureException("aggfunc " + spec.aggfunc() + " needs every value");
        };
    }

    private static Double aggregate(OutputSpec spec, List<Double> v) {
        if (spec.values() == null || spec.aggfunc().equals("count")) {
            return (double) v.size();
        }
        if (v.isEmpty()) {
            return spec.aggfunc().equals("sum") ? 0.0 : null;
        }
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return switch (spec.aggfunc()) {
            case "sum" -> sum;
            case "mean" -> sum / v.size();
            case "median" -> {
                double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                yield s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            }
            case "std" -> {
                if (v.size() < 2) {
                    yield null;
                }
                double mean = sum / v.size();
                double ss = 0;
                for (double x : v) {
                    ss += (x - mean) * (x - mean);
                }
                yield Math.sqrt(ss / (v.size() - 1));
            }
            default -> throw new DisclosureException("aggfunc " + spec.aggfunc() + " is not supported");
        };
    }

    static Table histogram(OutputSpec spec, Data data) {
        int col = data.column(spec.variable());
        String[] who = contributors(spec, data);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double[] x = new double[data.size()];
        for (int i = 0; i < data.size(); i++) {
            x[i] = data.number(i, col);
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        int bins = spec.bins();
        double width = data.size() == 0 || max == min ? 1 : (max - min) / bins;
        Double[][] values = new Double[bins][1];
        List<List<Map<String, Double>>> contributions = Table.emptyContributions(bins, 1);
        for (Double[] row : values) {
            row[0] = 0.0;
        }
        for (int i = 0; i < x.length; i++) {
            // The maximum belongs to the last bin, which is closed on the right. Computing its bin
            // as floor((max - min) / width) would open an extra, always empty top bin: an artefact
            // of bin-edge arithmetic, not a disclosure.
            int b = x[i] >= max ? bins - 1 : (int) Math.floor((x[i] - min) / width);
            b = Math.max(0, Math.min(bins - 1, b));
            values[b][0] += 1;
            contributions.get(b).get(0).merge(who[i], 1.0, Double::sum);
        }
        List<List<String>> rows = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            double lo = min + b * width;
            double hi = b == bins - 1 ? max : min + (b + 1) * width;
            rows.add(List.of((b == bins - 1 ? "[" + fmt(lo) + ", " + fmt(hi) + "]" : "[" + fmt(lo) + ", " + fmt(hi) + ")")));
        }
        return new Table(Table.Kind.HISTOGRAM, rows, List.of(List.of("count")), values, contributions, false, false);
    }

    static Table survival(OutputSpec spec, Data data) {
        int t = data.column(spec.time());
        int e = data.column(spec.event());
        int g = spec.group() == null ? -1 : data.column(spec.group());
        String[] who = contributors(spec, data);
        TreeSet<String> groups = new TreeSet<>(levelComparator(data, g));
        for (int i = 0; i < data.size(); i++) {
            groups.add(g < 0 ? "all" : data.row(i)[g]);
        }
        List<List<String>> rowLabels = new ArrayList<>();
        List<Double[]> rows = new ArrayList<>();
        List<List<Map<String, Double>>> contributions = new ArrayList<>();
        for (String group : groups) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                if (g < 0 || data.row(i)[g].equals(group)) {
                    members.add(i);
                }
            }
            members.sort(Comparator.comparingDouble(i -> data.number(i, t)));
            double survival = 1;
            int k = 0;
            while (k < members.size()) {
                double time = data.number(members.get(k), t);
                int atRisk = members.size() - k;
                int events = 0;
                Map<String, Double> atRiskWho = new HashMap<>();
                for (int j = k; j < members.size(); j++) {
                    atRiskWho.merge(who[members.get(j)], 1.0, Double::sum);
                }
                int j = k;
                while (j < members.size() && data.number(members.get(j), t) == time) {
                    double ev = data.number(members.get(j), e);
                    if (ev != 0 && ev != 1) {
                        throw new DisclosureException("row " + (members.get(j) + 2) + ": event '" + data.row(members.get(j))[e]
                                + "' is not 0 or 1");
                    }
                    events += (int) ev;
                    j++;
                }
                if (events > 0) {
                    survival *= 1 - (double) events / atRisk;
                    rowLabels.add(List.of(group, fmt(time)));
                    rows.add(new Double[] {(double) atRisk, (double) events, survival});
                    List<Map<String, Double>> cellWho = new ArrayList<>();
                    cellWho.add(atRiskWho);
                    cellWho.add(new HashMap<>());
                    cellWho.add(atRiskWho);
                    contributions.add(cellWho);
                }
                k = j;
            }
        }
        return new Table(Table.Kind.SURVIVAL, rowLabels, List.of(List.of("at_risk"), List.of("events"), List.of("survival")),
                rows.toArray(new Double[0][]), contributions, false, false);
    }

    static List<List<String>> levels(Data data, int[] cols) {
        List<List<String>> out = new ArrayList<>();
        for (int c : cols) {
            TreeSet<String> set = new TreeSet<>(levelComparator(data, c));
            for (int i = 0; i < data.size(); i++) {
                set.add(data.row(i)[c]);
            }
            out.add(new ArrayList<>(set));
        }
        return out;
    }

    /** Ascending: numerically when every value of the column is a number, else as text. */
    static Comparator<String> levelComparator(Data data, int col) {
        if (col < 0) {
            return Comparator.naturalOrder();
        }
        for (int i = 0; i < data.size(); i++) {
            try {
                Double.parseDouble(data.row(i)[col]);
            } catch (NumberFormatException e) {
                return Comparator.naturalOrder();
            }
        }
        return Comparator.comparingDouble((String s) -> Double.parseDouble(s)).thenComparing(Comparator.naturalOrder());
    }

    static List<List<String>> product(List<List<String>> levels) {
        List<List<String>> out = new ArrayList<>();
        out.add(List.of());
        for (List<String> level : levels) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> prefix : out) {
                for (String v : level) {
                    List<String> k = new ArrayList<>(prefix);
                    k.add(v);
                    next.add(List.copyOf(k));
                }
            }
            out = next;
        }
        return out;
    }

    private static Map<List<String>, Integer> indexOf(List<List<String>> keys) {
        Map<List<String>, Integer> out = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            out.put(keys.get(i), i);
        }
        return out;
    }

    private static List<String> key(String[] row, int[] cols) {
        String[] k = new String[cols.length];
        for (int i = 0; i < cols.length; i++) {
            k[i] = row[cols[i]];
        }
        return Arrays.asList(k);
    }

    private static List<String> marginLabel(int levels) {
        List<String> out = new ArrayList<>(Collections.nCopies(levels, ""));
        out.set(0, ALL);
        return out;
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(Math.round(v * 1e6) / 1e6);
    }
}
