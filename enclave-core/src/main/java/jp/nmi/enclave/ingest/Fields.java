package jp.nmi.enclave.ingest;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.CsvReader;

/** Reads typed fields from a source row; every failure names file, line, column and value. */
final class Fields {
    private final String file;
    private final CsvReader.Row row;
    private final int[] positions;
    private final List<String> columns;

    Fields(String file, List<String> columns, int[] positions, CsvReader.Row row) {
        this.file = file;
        this.columns = columns;
        this.positions = positions;
        this.row = row;
    }

    int line() {
        return row.line();
    }

    String raw(String column) {
        return row.get(positions[columns.indexOf(column)]);
    }

    String text(String column) {
        String value = raw(column).strip();
        if (value.isEmpty()) {
            throw fail(column, value, "is empty");
        }
        return value;
    }

    /** Free text: kept as written apart from surrounding blanks; may be empty. */
    String freeText(String column) {
        return raw(column).strip();
    }

    String oneOf(String column, List<String> allowed) {
        String value = text(column);
        if (!allowed.contains(value)) {
            throw fail(column, value, "is not one of " + String.join(", ", allowed));
        }
        return value;
    }

    String matching(String column, String regex, String expected) {
        String value = text(column);
        if (!value.matches(regex)) {
            throw fail(column, value, "is not valid (expected " + expected + ")");
        }
        return value;
    }

    LocalDate date(String column) {
        String value = text(column);
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw fail(column, value, "is not a date (expected YYYY-MM-DD)");
        }
    }

    double number(String column) {
        String value = text(column);
        try {
            double d = Double.parseDouble(value);
            if (!Double.isFinite(d)) {
                throw fail(column, value, "is not a finite number");
            }
            return d;
        } catch (NumberFormatException e) {
            throw fail(column, value, "is not a number");
        }
    }

    boolean bool(String column) {
        String value = text(column);
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw fail(column, value, "is not a boolean (expected true or false)");
        };
    }

    ValidationException fail(String column, String value, String problem) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        // Direct identifiers are not echoed into messages, which end up in logs and terminals.
        if (SourceTable.DIRECT_IDENTIFIERS.contains(column)) {
            shown = "<" + value.length() + " characters>";
        }
        return new ValidationException(file + " line " + row.line() + ": " + column + " '" + shown + "' " + problem);
    }

    ValidationException fail(String message) {
        return new ValidationException(file + " line " + row.line() + ": " + message);
    }
}
