package jp.nmi.enclave.genomics;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.io.CsvWriter;

/** An answer as CSV or JSON: the one spelling of its columns, for the CLI and the notebook interpreter. */
public final class AfOutput {
    /** The columns, in order. */
    public static final List<String> COLUMNS = List.of("stratum", "variant_id", "chrom", "pos", "ref", "alt", "participants", "allele_count",
            "allele_number", "frequency", "hom_ref", "het", "hom_alt");

    private static final ObjectMapper JSON = new ObjectMapper();

    private AfOutput() {}

    /** One row's values in {@link #COLUMNS} order; bounded counts as their bound ({@code <10}). */
    public static List<Object> values(AlleleFrequencies.Row r) {
        AlleleIndex.Variant v = r.variant();
        List<Object> out = new ArrayList<>(COLUMNS.size());
        out.add(r.stratum());
        out.add(v.id());
        out.add(v.chrom());
        out.add(v.pos());
        out.add(v.ref());
        out.add(v.alt());
        out.add(r.participants());
        out.add(count(r.alleleCount()));
        out.add(r.alleleNumber());
        out.add(r.frequency());
        out.add(count(r.homRef()));
        out.add(count(r.het()));
        out.add(count(r.homAlt()));
        return out;
    }

    private static Object count(AlleleFrequencies.Count c) {
        return c.exact() ? (Object) c.value() : c.shown();
    }

    public static String csv(AlleleFrequencies.Answer a) throws IOException {
        StringWriter out = new StringWriter();
        try (CsvWriter w = new CsvWriter(out)) {
            w.writeRow(new ArrayList<>(COLUMNS));
            for (AlleleFrequencies.Row r : a.rows()) {
                w.writeRow(values(r));
            }
        }
        return out.toString();
    }

    public static String json(String project, String where, String by, AlleleFrequencies.Answer a) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("project", project);
        doc.put("where", where);
        if (by != null) {
            doc.put("by", by);
        }
        doc.put("queries_used", a.queriesUsed());
        doc.put("queries_left", a.queriesLeft());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AlleleFrequencies.Row r : a.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> vs = values(r);
            for (int i = 0; i < COLUMNS.size(); i++) {
                m.put(COLUMNS.get(i), vs.get(i));
            }
            rows.add(m);
        }
        doc.put("rows", rows);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n";
    }
}
