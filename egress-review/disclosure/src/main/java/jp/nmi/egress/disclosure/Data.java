package jp.nmi.egress.disclosure;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The row-level data an output is made from: CSV with a header. The checks rebuild the output
 * from it, so that they know each cell's contributors.
 */
public final class Data {
    private final List<String> columns;
    private final List<String[]> rows;

    public Data(List<String> columns, List<String[]> rows) {
        this.columns = List.copyOf(columns);
        this.rows = rows;
    }

    public static Data readCsv(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return readCsv(reader, file.getFileName().toString());
        } catch (NoSuchFileException e) {
            throw new DisclosureException("--data " + file + " does not exist");
        } catch (IOException e) {
            throw new DisclosureException("cannot read --data " + file + ": " + e.getMessage());
        }
    }

    public static Data readCsv(Reader reader, String name) throws IOException {
        CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (MappingIterator<String[]> it = mapper.readerFor(String[].class).with(CsvSchema.emptySchema()).readValues(reader)) {
            if (!it.hasNext()) {
                throw new DisclosureException(name + " is empty (expected a header line)");
            }
            List<String> header = List.of(it.next());
            List<String[]> rows = new ArrayList<>();
            int line = 1;
            while (it.hasNext()) {
                line++;
                String[] row = it.next();
                if (row.length == 1 && row[0].isEmpty()) {
                    continue;
                }
                if (row.length != header.size()) {
                    throw new DisclosureException(name + " line " + line + ": expected " + header.size() + " fields but found " + row.length);
                }
                rows.add(row);
            }
            return new Data(header, rows);
        }
    }

    public List<String> columns() {
        return columns;
    }

    public int size() {
        return rows.size();
    }

    public String[] row(int i) {
        return rows.get(i);
    }

    /** The position of {@code column}. @throws DisclosureException naming the columns there are */
    public int column(String column) {
        int i = columns.indexOf(column);
        if (i < 0) {
            throw new DisclosureException("the data has no column '" + column + "' (columns: " + String.join(", ", columns) + ")");
        }
        return i;
    }

    public boolean hasColumn(String column) {
        return columns.contains(column);
    }

    public double number(int row, int column) {
        String v = rows.get(row)[column];
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new DisclosureException("row " + (row + 2) + ", column " + columns.get(column) + ": '" + v + "' is not a number");
        }
    }
}
