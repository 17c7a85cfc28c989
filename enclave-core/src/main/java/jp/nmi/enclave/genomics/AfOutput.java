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

    /** The answer as CSV, written row by row. */
    public static void csv(AlleleFrequencies.Answer a, java.io.Writer out) throws IOException {
        CsvWriter w = new CsvWriter(out);
        w.writeRow(new ArrayList<>(COLUMNS));
        for (AlleleFrequencies.Row r : a.rows()) {
            w.writeRow(values(r));
        }
        w.flush();
    }

    public static String csv(AlleleFrequencies.Answer a) throws IOException {
        StringWriter out = new StringWriter();
        csv(a, out);
        return out.toString();
    }

    /** The answer as one JSON document, written row by row. */
    public static void json(String project, String where, String by, AlleleFrequencies.Answer a, java.io.Writer out) throws IOException {
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.configure(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("project", project);
            g.writeStringField("where", where);
            if (by != null) {
                g.writeStringField("by", by);
            }
            g.writeNumberField("queries_used", a.queriesUsed());
            g.writeNumberField("queries_left", a.queriesLeft());
            g.writeNumberField("strata_withheld", a.withheld());
            g.writeArrayFieldStart("rows");
            for (AlleleFrequencies.Row r : a.rows()) {
                Map<String, Object> m = new LinkedHashMap<>();
                List<Object> vs = values(r);
                for (int i = 0; i < COLUMNS.size(); i++) {
                    m.put(COLUMNS.get(i), vs.get(i));
                }
                g.writeObject(m);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write("\n");
        out.flush();
    }

    public static String json(String project, String where, String by, AlleleFrequencies.Answer a) throws IOException {
        StringWriter out = new StringWriter();
        json(project, where, by, a, out);
        return out.toString();
    }
}
