package jp.nmi.enclave.genomics;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import jp.nmi.enclave.dataset.AgeBands;
import jp.nmi.enclave.dataset.Region;
import jp.nmi.enclave.ingest.Icd10;

/**
 * The four clinical attributes a stratum is drawn from, with the values each may take (from the
 * enclave's one list of each): age band, sex, region of origin, and disease by ICD-10 code or
 * prefix ({@code C50} covers C50.0 … C50.9).
 */
public enum Attribute {
    AGE_BAND("age_band"), SEX("sex"), REGION("region"), DISEASE("disease");

    private static final List<String> SEXES = List.of("F", "M");

    private final String label;

    Attribute(String label) {
        this.label = label;
    }

    /** As strata and output spell it. */
    public String label() {
        return label;
    }

    public static Optional<Attribute> of(String label) {
        return Arrays.stream(values()).filter(a -> a.label.equals(label)).findFirst();
    }

    /** The values a stratum may name; for disease, empty (any ICD-10 code or prefix). */
    public List<String> choices() {
        return switch (this) {
            case AGE_BAND -> AgeBands.labels();
            case SEX -> SEXES;
            case REGION -> Region.labels();
            case DISEASE -> List.of();
        };
    }

    /** Whether {@code value} is one this attribute can take. */
    public boolean accepts(String value) {
        return this == DISEASE ? Icd10.isValidPrefix(value) : choices().contains(value);
    }

    /** What it accepts, for messages. */
    public String expected() {
        return this == DISEASE ? "an ICD-10 code or prefix such as C50 or F03.1" : String.join(", ", choices());
    }
}
