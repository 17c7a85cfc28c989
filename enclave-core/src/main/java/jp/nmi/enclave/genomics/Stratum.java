package jp.nmi.enclave.genomics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jp.nmi.enclave.error.ValidationException;

/**
 * A set of participants named by their attributes: for each attribute one or several values
 * (any of them), an attribute left out is open. {@code age_band=60-69|70-79,sex=F,disease=C50}.
 *
 * @param values the values per attribute named; an attribute not in it is open
 */
public record Stratum(Map<Attribute, List<String>> values) {
    /** Everyone. */
    public static final Stratum ALL = new Stratum(Map.of());

    public Stratum {
        EnumMap<Attribute, List<String>> copy = new EnumMap<>(Attribute.class);
        values.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        values = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * Parses {@code attribute=value[|value...][,attribute=...]}. An unknown attribute, a value the
     * attribute cannot take, an attribute named twice or an empty value is refused with what was
     * expected.
     */
    public static Stratum parse(String where) {
        if (where == null || where.isBlank()) {
            return ALL;
        }
        EnumMap<Attribute, List<String>> out = new EnumMap<>(Attribute.class);
        for (String part : where.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new ValidationException("--where: '" + part.strip() + "' is not attribute=value (attributes: " + labels() + ")");
            }
            String name = part.substring(0, eq).strip();
            Attribute a = Attribute.of(name).orElseThrow(() -> new ValidationException("--where: unknown attribute '" + name
                    + "' (attributes: " + labels() + ")"));
            if (out.containsKey(a)) {
                throw new ValidationException("--where: " + name + " is named twice; name several values as " + name + "=A|B");
            }
            LinkedHashSet<String> vs = new LinkedHashSet<>();
            for (String v : part.substring(eq + 1).split("\\|", -1)) {
                String value = v.strip();
                if (!a.accepts(value)) {
                    throw new ValidationException("--where: " + name + " cannot be '" + value + "' (expected " + a.expected() + ")");
                }
                vs.add(value);
            }
            out.put(a, new ArrayList<>(vs));
        }
        return new Stratum(out);
    }

    /** This stratum with {@code attribute} set to the one {@code value}. */
    public Stratum with(Attribute attribute, String value) {
        EnumMap<Attribute, List<String>> out = new EnumMap<>(Attribute.class);
        out.putAll(values);
        out.put(attribute, List.of(value));
        return new Stratum(out);
    }

    /** The canonical spelling, as {@link #parse} reads it; {@code all} for everyone. */
    @Override
    public String toString() {
        return values.isEmpty() ? "all" : values.entrySet().stream().map(e -> e.getKey().label() + "=" + String.join("|", e.getValue()))
                .collect(Collectors.joining(","));
    }

    private static String labels() {
        return Arrays.stream(Attribute.values()).map(Attribute::label).collect(Collectors.joining(", "));
    }
}
