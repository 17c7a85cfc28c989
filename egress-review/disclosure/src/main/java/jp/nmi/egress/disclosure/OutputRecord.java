package jp.nmi.egress.disclosure;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the enclave records when it makes an output (ARCHITECTURE.md section 4): the checks it ran
 * where the row-level data was at hand, and every published cell's contributors as salted hashes —
 * never pseudonyms — so that the egress service can verify the output and difference it against the
 * project's earlier releases without seeing any row.
 *
 * <p>The record names the output file's SHA-256 and is signed (HMAC-SHA256) with a key only the
 * enclave's services hold. Analysts can write to their outbox, so an unsigned or altered record
 * is treated as absent: the file is then checked as far as its content allows and goes to manual
 * review.
 *
 * <p>Written as {@code outbox/.disclosure/<file>.json} beside the output.
 *
 * @param format record format (1)
 * @param project the project the output was made in
 * @param file the output's file name in the outbox
 * @param sha256 SHA-256 of the output's bytes
 * @param createdBy the analyst who made it
 * @param createdAt when
 * @param report the disclosure report at creation ({@link Report#toMap()})
 * @param indexColumns how many leading CSV columns hold row labels (cells are offset by it)
 * @param cells every published cell with its contributors' salted hashes
 * @param signature HMAC-SHA256 over the canonical JSON of every other field, hex
 */
public record OutputRecord(int format, String project, String file, String sha256, @JsonProperty("created_by") String createdBy,
        @JsonProperty("created_at") String createdAt, Map<String, Object> report, @JsonProperty("index_columns") int indexColumns,
        List<RecordedCell> cells, String signature) {
    public static final int FORMAT = 1;
    public static final String DIRECTORY = ".disclosure";

    /** One published cell: where it is, its labels, and its contributors as salted hashes (16 bytes, hex). */
    public record RecordedCell(int row, int column, String label, List<String> contributors) {}

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * Records an output made from {@code report} (whose table was built from row-level data, so its
     * cells know their contributors) and signs it.
     *
     * @param key the enclave's output-signing key
     * @param fileBytes the output exactly as written to the outbox
     */
    public static OutputRecord create(byte[] key, String project, String file, byte[] fileBytes, String createdBy, Report report) {
        Table t = report.table();
        Set<String> hidden = new HashSet<>();
        report.suppressed().forEach(c -> hidden.add(c[0] + "," + c[1]));
        byte[] salt = contributorSalt(key, project);
        List<RecordedCell> cells = new ArrayList<>();
        for (int r = 0; r < t.rows(); r++) {
            for (int c = 0; c < t.columns(); c++) {
                if (hidden.contains(r + "," + c) || t.contributions == null) {
                    continue;
                }
                cells.add(new RecordedCell(r, c, t.label(r, c), hashes(salt, t.contributionsOf(r, c).keySet())));
            }
        }
        int indexColumns = t.rowLabels().isEmpty() ? 1 : Math.max(1, t.rowLabels().get(0).size());
        OutputRecord unsigned = new OutputRecord(FORMAT, project, file, sha256(fileBytes), createdBy, Instant.now().toString(),
                report.toMap(), indexColumns, cells, null);
        return unsigned.withSignature(hmacHex(key, unsigned.canonicalWithoutSignature()));
    }

    /** What a suppressed cell reads in a written table: never a blank that passes for a zero or a missing value. */
    public static final String SUPPRESSED = "suppressed";

    /**
     * The table of {@code report} as the CSV the enclave writes for it: label columns named by the
     * spec's row variables, then one column per column label ({@code variable=value} when the spec
     * names column variables; margins as labelled). Suppressed cells read {@value #SUPPRESSED}.
     */
    public static byte[] csv(Report report) {
        Table t = report.table();
        StringWriter w = new StringWriter();
        int levels = t.rowLabels().isEmpty() ? 1 : t.rowLabels().get(0).size();
        List<String> rowNames = report.spec() == null ? List.of() : report.spec().index();
        List<String> columnNames = report.spec() == null ? List.of() : report.spec().columns();
        List<String> header = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            header.add(rowNames.size() == levels ? rowNames.get(i) : levels == 1 ? "index" : "index_" + (i + 1));
        }
        for (int c = 0; c < t.columns(); c++) {
            List<String> l = t.columnLabels().get(c);
            if (!columnNames.isEmpty() && l.size() == columnNames.size() && !t.isMarginColumn(c)) {
                List<String> named = new ArrayList<>();
                for (int k = 0; k < l.size(); k++) {
                    named.add(columnNames.get(k) + "=" + l.get(k));
                }
                header.add(String.join("/", named));
            } else {
                header.add(String.join("/", l));
            }
        }
        w.write(csvLine(header.stream().map(OutputRecord::inert).toList()));
        Set<String> hidden = new HashSet<>();
        report.suppressed().forEach(x -> hidden.add(x[0] + "," + x[1]));
        for (int r = 0; r < t.rows(); r++) {
            List<String> row = new ArrayList<>(t.rowLabels().get(r).stream().map(OutputRecord::inert).toList());
            for (int c = 0; c < t.columns(); c++) {
                Double v = t.value(r, c);
                row.add(hidden.contains(r + "," + c) ? SUPPRESSED : v == null || v.isNaN() ? ""
                        : v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString(v.longValue()) : v.toString());
            }
            w.write(csvLine(row));
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A label or header as a spreadsheet will not run it: text starting with {@code = + - @}, a tab
     * or a carriage return gets a leading apostrophe, unless it is a number.
     */
    static String inert(String field) {
        if (field.isEmpty() || "=+-@\t\r".indexOf(field.charAt(0)) < 0) {
            return field;
        }
        try {
            Double.parseDouble(field);
            return field;
        } catch (NumberFormatException e) {
            return "'" + field;
        }
    }

    private static String csvLine(List<String> fields) {
        List<String> quoted = new ArrayList<>();
        for (String f : fields) {
            quoted.add(f.contains(",") || f.contains("\"") || f.contains("\n") || f.contains("\r")
                    ? "\"" + f.replace("\"", "\"\"") + "\"" : f);
        }
        return String.join(",", quoted) + "\n";
    }

    /** Parses a record; malformed JSON or unknown fields are an error naming the problem. */
    public static OutputRecord parse(byte[] json) {
        try {
            return CANONICAL.readValue(json, OutputRecord.class);
        } catch (IOException e) {
            throw new DisclosureException("the output record is not valid: " + e.getMessage());
        }
    }

    public byte[] toJson() {
        try {
            return CANONICAL.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the output record: " + e.getMessage(), e);
        }
    }

    /**
     * Why this record cannot be trusted for {@code fileBytes} of {@code project}'s {@code file}, or
     * null if it can: a bad signature, another file's hash, another project or name.
     */
    public String verify(byte[] key, String expectedProject, String expectedFile, byte[] fileBytes) {
        if (format != FORMAT) {
            return "record format " + format + " is not " + FORMAT;
        }
        if (signature == null || !MessageDigest.isEqual(HexFormat.of().parseHex(signature.length() % 2 == 0 && signature.matches("[0-9a-f]*")
                ? signature : ""), hmac(key, canonicalWithoutSignature()))) {
            return "its signature does not verify (it was not written by the enclave, or was changed since)";
        }
        if (!project.equals(expectedProject)) {
            return "it was made in project " + project + ", not " + expectedProject;
        }
        if (!file.equals(expectedFile)) {
            return "it describes '" + file + "', not '" + expectedFile + "'";
        }
        String actual = sha256(fileBytes);
        if (!actual.equals(sha256)) {
            return "the file was changed after it was checked (its SHA-256 is " + actual + ", the record's " + sha256 + ")";
        }
        return null;
    }

    /** The verdict recorded at creation. */
    public Status status() {
        Object s = report == null ? null : report.get("status");
        return s == null ? Status.FAIL : Status.valueOf(s.toString().toUpperCase(java.util.Locale.ROOT));
    }

    /** The checks recorded at creation. */
    @SuppressWarnings("unchecked")
    public List<Check> checks() {
        List<Check> out = new ArrayList<>();
        Object raw = report == null ? null : report.get("checks");
        if (raw instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> m = (Map<String, Object>) o;
                List<int[]> cells = new ArrayList<>();
                for (Object cell : (List<Object>) m.getOrDefault("cells", List.of())) {
                    List<Number> rc = (List<Number>) cell;
                    cells.add(new int[] {rc.get(0).intValue(), rc.get(1).intValue()});
                }
                out.add(new Check(RuleId.of((String) m.get("rule")), Status.valueOf(((String) m.get("status")).toUpperCase(java.util.Locale.ROOT)),
                        cells, (String) m.get("detail"), !Boolean.FALSE.equals(m.get("applies"))));
            }
        }
        return out;
    }

    private OutputRecord withSignature(String sig) {
        return new OutputRecord(format, project, file, sha256, createdBy, createdAt, report, indexColumns, cells, sig);
    }

    private byte[] canonicalWithoutSignature() {
        Map<String, Object> m = CANONICAL.convertValue(withSignature(null), CANONICAL.getTypeFactory()
                .constructMapType(LinkedHashMap.class, String.class, Object.class));
        m.remove("signature");
        try {
            return CANONICAL.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The salt for a project's contributor hashes: derived from the key, so only the enclave can make or compare them. */
    static byte[] contributorSalt(byte[] key, String project) {
        return hmac(key, ("contributors|" + project).getBytes(StandardCharsets.UTF_8));
    }

    static List<String> hashes(byte[] salt, Set<String> ids) {
        List<String> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            out.add(HexFormat.of().formatHex(hmac(salt, id.getBytes(StandardCharsets.UTF_8)), 0, 16));
        }
        out.sort(null);
        return out;
    }

    private static String hmacHex(byte[] key, byte[] data) {
        return HexFormat.of().formatHex(hmac(key, data));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Differencing of recorded cells against released ones: a cell whose contributors differ from a
     * released cell's by 1 to {@code minCount - 1} (one set inside the other) lets the difference be
     * computed by subtraction.
     *
     * @param released released cells by release name (e.g. {@code "R-000012 table.csv"})
     */
    public static Check differencing(List<RecordedCell> cells, Map<String, List<RecordedCell>> released, int minCount) {
        if (released.isEmpty()) {
            return Check.notApplicable(RuleId.DIFFERENCING, "no earlier release of the project to compare with");
        }
        List<int[]> flagged = new ArrayList<>();
        List<String> findings = new ArrayList<>();
        for (RecordedCell mine : cells) {
            Set<String> a = new HashSet<>(mine.contributors());
            if (a.isEmpty()) {
                continue;
            }
            search:
            for (Map.Entry<String, List<RecordedCell>> release : released.entrySet()) {
                for (RecordedCell old : release.getValue()) {
                    int d = History.differenceIfNested(a, new HashSet<>(old.contributors()));
                    if (d > 0 && d < minCount) {
                        flagged.add(new int[] {mine.row(), mine.column()});
                        findings.add(Rules.cell(mine.row(), mine.column(), mine.label()) + " differs by " + d
                                + " contributor(s) from cell " + old.label() + " of " + release.getKey());
                        break search;
                    }
                }
            }
        }
        return new Check(RuleId.DIFFERENCING, flagged.isEmpty() ? Status.PASS : Status.FAIL, flagged, flagged.isEmpty()
                ? "no cell differs from a cell of the " + released.size() + " earlier release(s) by 1 to " + (minCount - 1) + " contributors"
                : String.join("; ", findings.subList(0, Math.min(findings.size(), 10))) + (findings.size() > 10 ? "; ..." : ""));
    }
}
