package jp.nmi.egress.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jp.nmi.egress.disclosure.Data;

/**
 * A CSV as the stewards' viewer shows it: a grid whose cells carry the rules that flagged them
 * (from the file's check report, placed by its row and column offsets).
 */
public record CsvGrid(List<String> header, List<List<Cell>> rows, String error, List<Cell> flagged) {
    /**
     * One cell, the checks that flagged it (none: null) and, when flagged, where it is as people
     * read it: one-based row with its labels and the column's header, e.g. {@code row 3 (Shikoku), sex=F}.
     */
    public record Cell(String text, String status, String rules, String label) {
        public boolean isFlagged() {
            return status != null;
        }
    }

    static final int MAX_ROWS = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static CsvGrid of(byte[] bytes, String reportJson) {
        Data data;
        try {
            data = Data.readCsv(new StringReader(new String(bytes, StandardCharsets.UTF_8)), "file");
        } catch (Exception e) {
            return new CsvGrid(List.of(), List.of(), "not a readable CSV table: " + e.getMessage(), List.of());
        }
        Map<String, String> status = new HashMap<>();
        Map<String, Set<String>> rules = new HashMap<>();
        int labelColumns;
        try {
            JsonNode report = JSON.readTree(reportJson);
            int rowOffset = report.path("row_offset").asInt(1);
            int colOffset = report.path("column_offset").asInt(0);
            labelColumns = colOffset;
            for (JsonNode check : report.path("checks")) {
                String st = check.path("status").asText();
                if (st.equals("pass")) {
                    continue;
                }
                for (JsonNode cell : check.path("cells")) {
                    // Grid rows count the header as row 0; data row r is CSV line r + row_offset.
                    String key = (cell.get(0).asInt() + rowOffset - 1) + "," + (cell.get(1).asInt() + colOffset);
                    status.merge(key, st, (a, b) -> a.equals("fail") || b.equals("fail") ? "fail" : "review");
                    rules.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(check.path("rule").asText() + " (" + st + ")");
                }
            }
        } catch (Exception e) {
            return new CsvGrid(List.of(), List.of(), "the check report cannot be read: " + e.getMessage(), List.of());
        }
        List<List<Cell>> rows = new ArrayList<>();
        List<Cell> flagged = new ArrayList<>();
        for (int r = 0; r < Math.min(data.size(), MAX_ROWS); r++) {
            String[] row = data.row(r);
            List<Cell> cells = new ArrayList<>();
            for (int c = 0; c < row.length; c++) {
                String key = r + "," + c;
                Cell cell;
                if (status.containsKey(key)) {
                    List<String> labels = new ArrayList<>();
                    // the row's labels (known from the record), or else its first cell, to find it by
                    for (int l = 0; l < Math.min(Math.max(labelColumns, c > 0 ? 1 : 0), row.length); l++) {
                        labels.add(row[l]);
                    }
                    String where = "row " + (r + 1) + (labels.isEmpty() ? "" : " (" + String.join(" / ", labels) + ")") + ", "
                            + (c < data.columns().size() ? data.columns().get(c) : "column " + (c + 1));
                    cell = new Cell(row[c], status.get(key), String.join(", ", rules.get(key)), where);
                    flagged.add(cell);
                } else {
                    cell = new Cell(row[c], null, null, null);
                }
                cells.add(cell);
            }
            rows.add(cells);
        }
        return new CsvGrid(data.columns(), rows, data.size() > MAX_ROWS ? "showing the first " + MAX_ROWS + " of " + data.size()
                + " rows" : null, flagged);
    }
}
