package jp.nmi.enclave.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * GA4GH Data Use Ontology codes as consent records carry them: exactly one permission
 * ({@code GRU} general research use, {@code HMB} health/medical/biomedical, {@code DS:<MONDO term>}
 * disease-specific, {@code POA} population origins/ancestry) and any number of modifiers
 * ({@code NPU} not-for-profit use only, {@code PUB} publication required, ...).
 */
public final class DuoCodes {
    static final Set<String> PERMISSIONS = Set.of("GRU", "HMB", "POA");
    static final Pattern DISEASE_SPECIFIC = Pattern.compile("DS:MONDO:[0-9]{7}");
    static final Set<String> MODIFIERS = Set.of(
            "NPU", "NCU", "NPUNCU", "PUB", "IRB", "GS", "MOR", "RTN", "TS", "US", "PS", "IS", "COL", "NRES", "RS");
    /** Modifiers that forbid commercial use. */
    public static final Set<String> NON_COMMERCIAL = Set.of("NPU", "NCU", "NPUNCU");

    private DuoCodes() {}

    /**
     * Parses a {@code ;}-separated list; returns the codes or an error text.
     *
     * @return the codes in order; throws {@link IllegalArgumentException} with the problem otherwise
     */
    public static List<String> parse(String field) {
        List<String> codes = new ArrayList<>();
        int permissions = 0;
        for (String raw : field.split(";")) {
            String code = raw.strip();
            if (code.isEmpty()) {
                continue;
            }
            if (PERMISSIONS.contains(code) || DISEASE_SPECIFIC.matcher(code).matches()) {
                permissions++;
            } else if (!MODIFIERS.contains(code)) {
                throw new IllegalArgumentException("contains unknown DUO code '" + code + "' (permissions: GRU, HMB, POA, "
                        + "DS:MONDO:<7 digits>; modifiers: " + String.join(", ", MODIFIERS.stream().sorted().toList()) + ")");
            }
            if (codes.contains(code)) {
                throw new IllegalArgumentException("repeats DUO code '" + code + "'");
            }
            codes.add(code);
        }
        if (permissions != 1) {
            throw new IllegalArgumentException("must hold exactly one DUO permission (GRU, HMB, POA or DS:MONDO:...), found "
                    + permissions);
        }
        return codes;
    }
}
