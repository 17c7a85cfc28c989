package jp.nmi.enclave.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

class TestCsvReader {
    private static List<CsvReader.Row> read(String text) throws IOException {
        try (CsvReader csv = new CsvReader(new StringReader(text), "t.csv")) {
            csv.readHeader();
            List<CsvReader.Row> rows = new ArrayList<>();
            for (CsvReader.Row r = csv.next(); r != null; r = csv.next()) {
                rows.add(r);
            }
            return rows;
        }
    }

    @Test
    void quotedFieldsHoldCommasQuotesAndLineBreaksAndRowsKnowTheirLine() throws IOException {
        List<CsvReader.Row> rows = read("a,b\n1,\"x, \"\"y\"\"\"\n2,\"two\nlines\"\r\n3,\n");
        assertThat(rows).extracting(CsvReader.Row::fields).containsExactly(
                List.of("1", "x, \"y\""), List.of("2", "two\nlines"), List.of("3", ""));
        assertThat(rows).extracting(CsvReader.Row::line).containsExactly(2, 3, 5);
    }

    @Test
    void aRowOfTheWrongWidthNamesItsLine() {
        assertThatThrownBy(() -> read("a,b\n1,2\n3\n"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("t.csv line 3: expected 2 fields (a,b) but found 1");
    }

    @Test
    void strayQuotesAreRejected() {
        assertThatThrownBy(() -> read("a,b\n1,x\"y\n"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("t.csv line 2: a quote in the middle of an unquoted field (quote the whole field and double the quote)");
        assertThatThrownBy(() -> read("a,b\n1,\"x\"y\n"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("t.csv line 2: unexpected character 'y' after a closing quote (quotes inside a field must be doubled)");
        assertThatThrownBy(() -> read("a,b\n1,\"open\n"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("t.csv line 2: a quoted field is never closed");
    }

    @Test
    void headersMustBePresentAndUnique() {
        assertThatThrownBy(() -> read(""))
                .isInstanceOf(ValidationException.class).hasMessage("t.csv: the file is empty (expected a header line)");
        assertThatThrownBy(() -> read("a,a\n"))
                .isInstanceOf(ValidationException.class).hasMessage("t.csv line 1: column 'a' appears twice");
    }

    @Test
    void whatTheWriterWritesTheReaderReadsBack() throws IOException {
        StringWriter out = new StringWriter();
        try (CsvWriter w = new CsvWriter(out)) {
            w.writeRow("h1", "h2");
            w.writeRow("plain", "with, comma");
            w.writeRow("quote \"q\"", "line\nbreak");
        }
        assertThat(read(out.toString())).extracting(CsvReader.Row::fields)
                .containsExactly(List.of("plain", "with, comma"), List.of("quote \"q\"", "line\nbreak"));
    }
}
