package jp.nmi.notebook;

import java.util.ArrayList;
import java.util.List;

/**
 * What a paragraph shows: tables and text, in order, or one error line. Independent of Zeppelin;
 * {@link EnclaveInterpreter} turns it into Zeppelin's results ({@code %table} is tab-separated,
 * a header line first).
 */
public record Output(boolean error, List<Part> parts) {
    public Output {
        parts = List.copyOf(parts);
    }

    /** One result of a paragraph. */
    public sealed interface Part permits Table, Text {}

    /** A table: a header and rows of cells as shown. */
    public record Table(List<String> columns, List<List<String>> rows) implements Part {
        public Table {
            columns = List.copyOf(columns);
            rows = rows.stream().map(List::copyOf).toList();
        }

        /** Zeppelin's table format: tab-separated, one line per row, no tab or newline inside a cell. */
        public String tsv() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.join("\t", columns.stream().map(Table::cell).toList())).append('\n');
            for (List<String> row : rows) {
                sb.append(String.join("\t", row.stream().map(Table::cell).toList())).append('\n');
            }
            return sb.toString();
        }

        private static String cell(String v) {
            return v == null ? "" : v.replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
        }
    }

    /** Plain text (verdicts, notes, help). */
    public record Text(String text) implements Part {}

    public static Output error(String message) {
        return new Output(true, List.of(new Text(message)));
    }

    public static Output of(Part... parts) {
        return new Output(false, List.of(parts));
    }

    /** Builds an output part by part. */
    public static final class Builder {
        private final List<Part> parts = new ArrayList<>();

        public Builder table(List<String> columns, List<List<String>> rows) {
            parts.add(new Table(columns, rows));
            return this;
        }

        public Builder text(String text) {
            parts.add(new Text(text));
            return this;
        }

        public Output build() {
            return new Output(false, parts);
        }
    }
}
