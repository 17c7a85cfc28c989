package jp.nmi.enclave.io;

import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;

/**
 * A strict RFC 4180 reader: comma-separated, double-quoted fields may hold commas, quotes ("") and
 * line breaks. Every record knows the line it started on, so errors can name it. Anything malformed
 * (a stray quote, an unterminated field, a record with the wrong number of fields) is a
 * {@link ValidationException} naming the file and line.
 */
public final class CsvReader implements Closeable {
    private final Reader in;
    private final String fileName;
    private int line = 1;
    private int pushback = -2;
    private List<String> header;

    public CsvReader(Reader in, String fileName) {
        this.in = in instanceof BufferedReader ? in : new BufferedReader(requireNonNull(in, "in is null"), 1 << 16);
        this.fileName = requireNonNull(fileName, "fileName is null");
    }

    /** One record and the line it started on (1-based). */
    public record Row(int line, List<String> fields) {
        public String get(int index) {
            return fields.get(index);
        }
    }

    /** Reads the header line. @throws ValidationException if the file is empty or the header repeats a name */
    public List<String> readHeader() throws IOException {
        Row row = readRecord();
        if (row == null) {
            throw new ValidationException(fileName + ": the file is empty (expected a header line)");
        }
        List<String> names = new ArrayList<>();
        for (String raw : row.fields()) {
            String name = raw.strip();
            if (name.startsWith("\uFEFF")) {
                name = name.substring(1);
            }
            if (names.contains(name)) {
                throw new ValidationException(fileName + " line " + row.line() + ": column '" + name + "' appears twice");
            }
            names.add(name);
        }
        header = List.copyOf(names);
        return header;
    }

    /** The next record, checked against the header's width, or {@code null} at the end. */
    public Row next() throws IOException {
        Row row;
        do {
            row = readRecord();
            // a blank line (one empty field) carries nothing; skip it rather than fail
        } while (row != null && row.fields().size() == 1 && row.fields().get(0).isEmpty());
        if (row != null && header != null && row.fields().size() != header.size()) {
            throw new ValidationException(fileName + " line " + row.line() + ": expected " + header.size()
                    + " fields (" + String.join(",", header) + ") but found " + row.fields().size());
        }
        return row;
    }

    private Row readRecord() throws IOException {
        int c = read();
        if (c == -1) {
            return null;
        }
        int startLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean afterQuote = false;
        boolean fieldStart = true;
        while (true) {
            if (quoted) {
                if (c == -1) {
                    throw new ValidationException(fileName + " line " + startLine + ": a quoted field is never closed");
                }
                if (c == '"') {
                    int d = read();
                    if (d == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        afterQuote = true;
                        c = d;
                        continue;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append((char) c);
                }
                c = read();
                continue;
            }
            if (c == -1 || c == '\n' || c == '\r') {
                if (c == '\r') {
                    int d = read();
                    if (d != '\n') {
                        unread(d);
                    }
                }
                if (c != -1) {
                    line++;
                }
                fields.add(field.toString());
                return new Row(startLine, List.copyOf(fields));
            }
            if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                afterQuote = false;
                fieldStart = true;
                c = read();
                continue;
            }
            if (afterQuote) {
                throw new ValidationException(fileName + " line " + line + ": unexpected character '" + (char) c
                        + "' after a closing quote (quotes inside a field must be doubled)");
            }
            if (c == '"') {
                if (!fieldStart) {
                    throw new ValidationException(fileName + " line " + line
                            + ": a quote in the middle of an unquoted field (quote the whole field and double the quote)");
                }
                quoted = true;
                fieldStart = false;
                c = read();
                continue;
            }
            fieldStart = false;
            field.append((char) c);
            c = read();
        }
    }

    private int read() throws IOException {
        if (pushback != -2) {
            int c = pushback;
            pushback = -2;
            return c;
        }
        return in.read();
    }

    private void unread(int c) {
        pushback = c;
    }

    public String fileName() {
        return fileName;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
