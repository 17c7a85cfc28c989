package jp.nmi.enclave.dataset;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The eight regions of origin of the datasets ({@code participants.region}), the one list every
 * part of the enclave uses: ingest checks source rows against it, project specs' cohorts name
 * them, the demo world and the benchmarks draw from it.
 */
public enum Region {
    HOKKAIDO("Hokkaido"), TOHOKU("Tohoku"), KANTO("Kanto"), CHUBU("Chubu"), KINKI("Kinki"), CHUGOKU("Chugoku"),
    SHIKOKU("Shikoku"), KYUSHU("Kyushu");

    private static final List<String> LABELS = Arrays.stream(values()).map(Region::label).toList();

    private final String label;

    Region(String label) {
        this.label = label;
    }

    /** As the datasets spell it. */
    public String label() {
        return label;
    }

    /** Every region as the datasets spell it, north to south. */
    public static List<String> labels() {
        return LABELS;
    }

    public static Optional<Region> of(String label) {
        return Arrays.stream(values()).filter(r -> r.label.equals(label)).findFirst();
    }
}
