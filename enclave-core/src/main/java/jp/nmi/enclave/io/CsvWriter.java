package jp.nmi.enclave.io;

import static java.util.Objects.requireNonNull;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.util.List;

/** Writes RFC 4180 CSV: fields with commas, quotes or line breaks are quoted; lines end with LF. */
public final class CsvWriter implements Closeable {
    private final Writer out;

    public CsvWriter(Writer out) {
        this.out = requireNonNull(out, "out is null");
    }

    public void writeRow(List<?> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            Object value = fields.get(i);
            out.write(escape(value == null ? "" : value.toString()));
        }
        out.write('\n');
    }

    public void writeRow(Object... fields) throws IOException {
        writeRow(List.of(fields));
    }

    public static String escape(String s) {
        boolean needsQuotes = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                needsQuotes = true;
                break;
            }
        }
        if (!needsQuotes) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
