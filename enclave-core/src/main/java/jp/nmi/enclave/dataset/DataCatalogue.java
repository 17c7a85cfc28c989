package jp.nmi.enclave.dataset;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The data catalogue registered researchers browse: every published dataset with its
 * description, columns and types, sensitivity, update date, row count as bounds and the standards
 * it follows. Columns, types, sensitivity, counts and dates come from the dataset registry; only
 * the words come from {@code dataset/catalogue.yaml}, which must describe exactly the datasets and
 * columns of {@link DatasetSchemas} (checked when it is loaded).
 */
public final class DataCatalogue {
    /** Standards a dataset or column may name. */
    public static final Set<String> STANDARDS = Set.of("ICD-10", "DUO", "VCF", "MONDO");

    /** One dataset as the catalogue shows it. */
    public record Dataset(String name, String description, List<String> standards, String updatedOn, Bounds rows, List<ColumnEntry> columns) {}

    /** One column: its type and sensitivity as the registry records them, its description and standard. */
    public record ColumnEntry(String name, String type, List<String> sensitivity, String description, String standard) {}

    /**
     * A row count as bounds, never exact: under 10 is "0 to under 10"; otherwise the lower bound is
     * the largest of 1, 2 or 5 times a power of ten not above the count, the upper the next one
     * (exclusive).
     */
    public record Bounds(long atLeast, long below) {
        public static Bounds of(long count) {
            if (count < 10) {
                return new Bounds(0, 10);
            }
            long power = 1;
            while (power * 10 <= count) {
                power *= 10;
            }
            long[] steps = {power, 2 * power, 5 * power, 10 * power};
            for (int i = 0; i < 3; i++) {
                if (count < steps[i + 1]) {
                    return new Bounds(steps[i], steps[i + 1]);
                }
            }
            return new Bounds(5 * power, 10 * power);
        }
    }

    record Words(String en, String ja, List<String> standards, Map<String, ColumnWords> columns) {}

    record ColumnWords(String en, String ja, String standard) {}

    private final Map<String, Words> words;

    private DataCatalogue(Map<String, Words> words) {
        this.words = words;
    }

    /** The catalogue's words from the classpath, checked against the datasets' schema. */
    public static DataCatalogue load() {
        try (InputStream in = DataCatalogue.class.getResourceAsStream("/dataset/catalogue.yaml")) {
            if (in == null) {
                throw new IllegalStateException("dataset/catalogue.yaml is missing from the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read dataset/catalogue.yaml: " + e.getMessage(), e);
        }
    }

    static DataCatalogue parse(InputStream in) throws IOException {
        Map<String, Words> words = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(in, new TypeReference<LinkedHashMap<String, Words>>() {});
        List<String> problems = new ArrayList<>();
        for (TableSchema t : DatasetSchemas.ALL) {
            Words w = words.get(t.name());
            if (w == null) {
                problems.add("dataset " + t.name() + " is not described");
                continue;
            }
            if (w.en() == null || w.ja() == null) {
                problems.add("dataset " + t.name() + " needs en and ja");
            }
            for (String s : w.standards() == null ? List.<String>of() : w.standards()) {
                if (!STANDARDS.contains(s)) {
                    problems.add("dataset " + t.name() + ": unknown standard " + s);
                }
            }
            Set<String> described = new TreeSet<>(w.columns() == null ? Set.of() : w.columns().keySet());
            for (String c : t.columnNames()) {
                ColumnWords cw = w.columns() == null ? null : w.columns().get(c);
                if (cw == null || cw.en() == null || cw.ja() == null) {
                    problems.add("column " + t.name() + "." + c + " is not described in en and ja");
                } else if (cw.standard() != null && !STANDARDS.contains(cw.standard())) {
                    problems.add("column " + t.name() + "." + c + ": unknown standard " + cw.standard());
                }
                described.remove(c);
            }
            described.forEach(c -> problems.add("column " + t.name() + "." + c + " is described but no dataset has it"));
        }
        words.keySet().stream().filter(n -> DatasetSchemas.byName(n).isEmpty())
                .forEach(n -> problems.add("dataset " + n + " is described but does not exist"));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("dataset/catalogue.yaml: " + String.join("; ", problems));
        }
        return new DataCatalogue(Map.copyOf(words));
    }

    /** The published datasets as the catalogue shows them, in {@code locale}'s language (Japanese or English). */
    public List<Dataset> datasets(DatasetRegistry registry, Locale locale) {
        boolean ja = "ja".equals(locale.getLanguage());
        List<Dataset> out = new ArrayList<>();
        for (DatasetRegistry.Entry e : registry.datasets()) {
            Words w = words.get(e.name());
            if (w == null) {
                // a dataset without words is still listed: the registry is the truth, the words only explain it
                w = new Words(e.name(), e.name(), List.of(), Map.of());
            }
            List<ColumnEntry> columns = new ArrayList<>();
            for (Column c : e.columns()) {
                ColumnWords cw = w.columns() == null ? null : w.columns().get(c.name());
                columns.add(new ColumnEntry(c.name(), c.type().name().toLowerCase(Locale.ROOT),
                        c.tags().stream().map(s -> s.name().toLowerCase(Locale.ROOT)).sorted().toList(),
                        cw == null ? "" : ja ? cw.ja() : cw.en(), cw == null ? null : cw.standard()));
            }
            String updated = e.ingestedAt() == null || e.ingestedAt().isEmpty() ? registry.publishedAt() : e.ingestedAt();
            out.add(new Dataset(e.name(), ja ? w.ja() : w.en(), w.standards() == null ? List.of() : w.standards(),
                    java.time.Instant.parse(updated).atZone(java.time.ZoneId.of("Asia/Tokyo")).toLocalDate().toString(),
                    Bounds.of(e.rowCount()), columns));
        }
        return out;
    }
}
