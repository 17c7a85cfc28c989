package jp.nmi.egress.disclosure;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * A disclosure-control profile: the thresholds its rules use, as data
 * ({@code disclosure/profiles/<name>.yaml}). A rule whose parameter is null is not part of the
 * profile.
 *
 * @param name profile name: {@code ndb}, {@code acro}, {@code opensafely}, {@code all-of-us}
 * @param description what it is, for reports
 * @param minCount a cell with 1 to minCount-1 contributors fails the threshold rule
 * @param zerosDisclosive whether a zero in a frequency table fails
 * @param nk N-K dominance: the n largest contributions may not exceed k of the cell's total
 * @param pRatio p% rule: the total minus the two largest contributions must be at least p of the largest
 * @param minDof minimum residual degrees of freedom of a model
 * @param survivalThreshold minimum at-risk and event counts in a survival table (events 0 allowed)
 * @param rounding rounding the outputs must carry (OpenSAFELY), or null
 * @param protectionLevel the width a suppressed cell's feasible interval must have at least
 */
public record Profile(String name, String description, int minCount, boolean zerosDisclosive, NK nk, Double pRatio, Integer minDof,
        int survivalThreshold, Rounding rounding, int protectionLevel) {
    public static final List<String> NAMES = List.of("ndb", "acro", "opensafely", "all-of-us");

    @JsonCreator
    public Profile(@JsonProperty(value = "name", required = true) String name,
            @JsonProperty(value = "description", required = true) String description,
            @JsonProperty(value = "min_count", required = true) int minCount,
            @JsonProperty(value = "zeros_disclosive", required = true) boolean zerosDisclosive,
            @JsonProperty("nk") NK nk,
            @JsonProperty("p_ratio") Double pRatio,
            @JsonProperty("min_dof") Integer minDof,
            @JsonProperty(value = "survival_threshold", required = true) int survivalThreshold,
            @JsonProperty("rounding") Rounding rounding,
            @JsonProperty(value = "protection_level", required = true) int protectionLevel) {
        this.name = name;
        this.description = description;
        this.minCount = minCount;
        this.zerosDisclosive = zerosDisclosive;
        this.nk = nk;
        this.pRatio = pRatio;
        this.minDof = minDof;
        this.survivalThreshold = survivalThreshold;
        this.rounding = rounding;
        this.protectionLevel = protectionLevel;
    }

    /** N-K dominance parameters. */
    public record NK(@JsonProperty(value = "n", required = true) int n, @JsonProperty(value = "k", required = true) double k) {}

    /** Rounding: to a base, {@code nearest} or {@code midpoint6}. */
    public record Rounding(@JsonProperty(value = "base", required = true) int base,
            @JsonProperty(value = "method", required = true) String method) {}

    private static final java.util.Map<String, Profile> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    /** A shipped profile by name (read once; profiles are immutable). @throws DisclosureException if there is none */
    public static Profile named(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new DisclosureException("unknown disclosure profile '" + name + "' (profiles: " + String.join(", ", NAMES) + ")");
        }
        return LOADED.computeIfAbsent(name, Profile::load);
    }

    private static Profile load(String name) {
        if (!NAMES.contains(name)) {
            throw new DisclosureException("unknown disclosure profile '" + name + "' (profiles: " + String.join(", ", NAMES) + ")");
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try (InputStream in = Profile.class.getResourceAsStream("/disclosure/profiles/" + name + ".yaml")) {
            if (in == null) {
                throw new DisclosureException("disclosure/profiles/" + name + ".yaml is missing from the classpath");
            }
            return yaml.readValue(in, Profile.class);
        } catch (IOException e) {
            throw new DisclosureException("disclosure profile " + name + " is not valid: " + e.getMessage());
        }
    }
}
