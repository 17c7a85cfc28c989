package jp.nmi.enclave.dataset;

import java.util.List;

/**
 * The ten-year age bands of {@code participants.age_band}, the one list: project cohorts name them,
 * allele-frequency strata are drawn from them.
 */
public final class AgeBands {
    private static final List<String> LABELS = List.of("0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89",
            "90-99", "100+");

    private AgeBands() {}

    /** Youngest first, as the datasets spell them. */
    public static List<String> labels() {
        return LABELS;
    }
}
