package jp.nmi.enclave.discovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.ingest.Icd10;

/**
 * The ICD-10 hierarchy researchers browse and search: chapters and blocks (ranges such as
 * {@code C00-D48}), categories ({@code C50}) and subcategories ({@code C50.1}), each with its English
 * and Japanese title. It comes from the classification, never from the data: a code is listed
 * whether or not anyone has it, so browsing says nothing about who is in the datasets.
 *
 * <p>The built-in table holds the WHO chapters and blocks and the categories the demo uses; an
 * operator loads the licensed full table, in the same four tab-separated columns, from a file.
 */
public final class Icd10Catalog {
    /** One entry of the hierarchy. */
    public record Entry(String code, String parent, String title, String titleJa) {
        public boolean isRange() {
            return code.indexOf('-') > 0;
        }

        public String title(Locale locale) {
            return "ja".equals(locale.getLanguage()) && !titleJa.isEmpty() ? titleJa : title;
        }
    }

    private static final Pattern RANGE = Pattern.compile("([A-Z][0-9]{2})-([A-Z][0-9]{2})");
    private static volatile Icd10Catalog builtIn;

    private final Map<String, Entry> entries;
    private final Map<String, List<Entry>> children;

    private Icd10Catalog(List<Entry> list) {
        Map<String, Entry> byCode = new LinkedHashMap<>();
        Map<String, List<Entry>> kids = new LinkedHashMap<>();
        for (Entry e : list) {
            if (byCode.putIfAbsent(e.code(), e) != null) {
                throw new ValidationException("ICD-10 table: " + e.code() + " is listed twice");
            }
            kids.computeIfAbsent(e.parent(), k -> new ArrayList<>()).add(e);
        }
        for (Entry e : list) {
            if (!e.parent().isEmpty() && !byCode.containsKey(e.parent())) {
                throw new ValidationException("ICD-10 table: the parent of " + e.code() + ", " + e.parent() + ", is not in the table");
            }
        }
        kids.values().forEach(l -> l.sort((a, b) -> a.code().compareTo(b.code())));
        this.entries = Collections.unmodifiableMap(byCode);
        this.children = kids;
    }

    /** The table shipped with the enclave. */
    public static Icd10Catalog builtIn() {
        Icd10Catalog c = builtIn;
        if (c == null) {
            try (InputStream in = Icd10Catalog.class.getResourceAsStream("/discovery/icd10.tsv")) {
                c = read(in, "the built-in ICD-10 table");
            } catch (IOException e) {
                throw new IllegalStateException("the built-in ICD-10 table cannot be read", e);
            }
            builtIn = c;
        }
        return c;
    }

    /** An operator's table (code, parent, English title, Japanese title; tab-separated; # comments). */
    public static Icd10Catalog load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new ValidationException("cannot read the ICD-10 table " + file + ": " + e.getMessage());
        }
    }

    static Icd10Catalog read(InputStream in, String source) throws IOException {
        List<Entry> list = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 4 || !(Icd10.isValid(f[0]) || RANGE.matcher(f[0]).matches()) || f[2].isBlank()) {
                throw new ValidationException(source + " line " + n + ": expected code, parent, English title, Japanese title"
                        + " separated by tabs, with a code such as C50, C50.1 or a range such as C00-D48");
            }
            list.add(new Entry(f[0], f[1], f[2], f[3]));
        }
        return new Icd10Catalog(list);
    }

    public Optional<Entry> entry(String code) {
        return Optional.ofNullable(entries.get(code));
    }

    /** The chapters, or the entries under one. */
    public List<Entry> children(String parent) {
        return List.copyOf(children.getOrDefault(parent == null ? "" : parent, List.of()));
    }

    /** The entries whose code starts with, or whose title contains, {@code query} (at most {@code limit}). */
    public List<Entry> search(String query, int limit) {
        String q = query.strip().toLowerCase(Locale.ROOT);
        if (q.isEmpty()) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.code().toLowerCase(Locale.ROOT).startsWith(q) || e.title().toLowerCase(Locale.ROOT).contains(q)
                    || e.titleJa().contains(query.strip())) {
                out.add(e);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    /** The path from the chapter down to {@code code} (or to its nearest listed ancestor). */
    public List<Entry> path(String code) {
        List<Entry> out = new ArrayList<>();
        Entry e = entries.get(code);
        for (String c = code; e == null && c.length() > 3; ) {
            c = c.substring(0, c.length() - 1);
            if (c.endsWith(".")) {
                c = c.substring(0, c.length() - 1);
            }
            e = entries.get(c);
        }
        while (e != null) {
            out.add(0, e);
            e = entries.get(e.parent());
        }
        return out;
    }

    /** Whether {@code code} (a category or subcategory) is {@code term} or under it: a prefix, or a range of categories. */
    public static boolean covers(String term, String code) {
        var m = RANGE.matcher(term);
        if (m.matches()) {
            String category = code.length() >= 3 ? code.substring(0, 3) : code;
            return category.compareTo(m.group(1)) >= 0 && category.compareTo(m.group(2)) <= 0;
        }
        return code.startsWith(term);
    }

    /** Whether a criterion value names a level of the hierarchy: a code, a prefix or a range. */
    public static boolean isTerm(String value) {
        var m = RANGE.matcher(value);
        return Icd10.isValidPrefix(value) || (m.matches() && m.group(1).compareTo(m.group(2)) <= 0);
    }
}
