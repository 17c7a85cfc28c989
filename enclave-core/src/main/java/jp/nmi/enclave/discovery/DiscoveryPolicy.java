package jp.nmi.enclave.discovery;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.egress.disclosure.Profile;

/**
 * How discovery shows counts, as data ({@code discovery/policy.yaml}): the disclosure profile whose
 * threshold applies, what counts are rounded to, and each researcher's budget of queries.
 *
 * @param profile the disclosure profile (its {@code min_count} is the threshold)
 * @param minCount counts below it are shown as a bound, {@code <minCount}
 * @param roundTo counts at or above the threshold are rounded to a multiple of this
 * @param queriesPerResearcher new queries each researcher may ask
 */
public record DiscoveryPolicy(String profile, int minCount, int roundTo, int queriesPerResearcher) {
    public DiscoveryPolicy {
        if (minCount < 2 || roundTo < 1 || roundTo > minCount || queriesPerResearcher < 1) {
            throw new ValidationException("discovery policy: the threshold must be at least 2, rounding between 1 and the threshold ("
                    + minCount + "), the budget at least 1; got round_to " + roundTo + ", queries_per_researcher " + queriesPerResearcher);
        }
    }

    @JsonCreator
    static DiscoveryPolicy fromYaml(@JsonProperty(value = "profile", required = true) String profile,
            @JsonProperty(value = "round_to", required = true) int roundTo,
            @JsonProperty(value = "queries_per_researcher", required = true) int queries) {
        return new DiscoveryPolicy(profile, Profile.named(profile).minCount(), roundTo, queries);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The policy shipped with the enclave. */
    public static DiscoveryPolicy builtIn() {
        try (InputStream in = DiscoveryPolicy.class.getResourceAsStream("/discovery/policy.yaml")) {
            return YAML.readValue(in, DiscoveryPolicy.class);
        } catch (IOException e) {
            throw new IllegalStateException("the built-in discovery policy cannot be read: " + e.getMessage(), e);
        }
    }

    /** An operator's policy file. */
    public static DiscoveryPolicy load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return YAML.readValue(in, DiscoveryPolicy.class);
        } catch (IOException e) {
            throw new ValidationException("discovery policy " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The same policy with another budget (tests, benchmarks). */
    public DiscoveryPolicy withQueriesPerResearcher(int n) {
        return new DiscoveryPolicy(profile, minCount, roundTo, n);
    }
}
