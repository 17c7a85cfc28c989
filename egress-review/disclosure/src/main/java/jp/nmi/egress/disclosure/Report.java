package jp.nmi.egress.disclosure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdict on one output: status, profile, the table as it may leave (suppressed cells null,
 * counts rounded if the tool rounded them), every check, and which cells were suppressed. Cells are
 * {@code [row, column]}, zero-based, levels ascending, multi-level labels as the product of levels,
 * margins last.
 */
public record Report(Status status, Profile profile, OutputSpec spec, String specText, Table table, List<Check> checks,
        List<int[]> suppressed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** This report with {@code extra} among its checks, its status the worst of them all. */
    public Report withCheck(Check extra) {
        List<Check> all = new ArrayList<>(checks);
        all.add(java.util.Objects.requireNonNull(extra, "extra is null"));
        return new Report(Status.worst(all), profile, spec, specText, table, List.copyOf(all), suppressed);
    }

    public Check check(RuleId rule) {
        return checks.stream().filter(c -> c.rule() == rule).findFirst().orElse(null);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", status.label());
        out.put("profile", profile.name());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("index", labels(table.rowLabels()));
        t.put("columns", labels(table.columnLabels()));
        List<List<Object>> values = new ArrayList<>();
        for (int r = 0; r < table.rows(); r++) {
            List<Object> row = new ArrayList<>();
            for (int c = 0; c < table.columns(); c++) {
                row.add(number(table.value(r, c)));
            }
            values.add(row);
        }
        t.put("values", values);
        out.put("table", t);
        List<Map<String, Object>> checkList = new ArrayList<>();
        for (Check c : checks) {
            checkList.add(c.toMap());
        }
        out.put("checks", checkList);
        out.put("suppressed", suppressed.stream().map(x -> List.of(x[0], x[1])).toList());
        out.put("kind", table.kind().name().toLowerCase(java.util.Locale.ROOT));
        out.put("spec", specText);
        out.put("profile_description", profile.description());
        return out;
    }

    public String toJson(boolean pretty) {
        try {
            return (pretty ? JSON.copy().enable(SerializationFeature.INDENT_OUTPUT) : JSON).writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the report: " + e.getMessage(), e);
        }
    }

    private static List<Object> labels(List<List<String>> labels) {
        List<Object> out = new ArrayList<>();
        for (List<String> l : labels) {
            out.add(l.size() == 1 ? l.get(0) : l);
        }
        return out;
    }

    private static Object number(Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            return null;
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) v.longValue() : v;
    }
}
