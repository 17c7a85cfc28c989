package jp.nmi.enclave.discovery;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.egress.disclosure.Profile;
import org.apache.hadoop.fs.Path;

/**
 * How discovery shows counts, as data ({@code discovery/policy.yaml}, or the enclave's own at
 * {@code /enclave/discovery/policy.yaml}): the disclosure profile whose threshold applies, the
 * rounding, the noise, each researcher's budget, and the labels of breakdowns.
 *
 * @param profile the disclosure profile (its {@code min_count} is the threshold)
 * @param minCount counts below it are shown as a bound, {@code <minCount}
 * @param roundTo counts at or above the threshold are rounded to a multiple of this
 * @param noise each count is perturbed by -noise..+noise, the same for the same set of people
 * @param queriesPerResearcher queries each researcher may ask
 * @param biobanks the provider's biobanks: a per-biobank breakdown shows each, always
 * @param sampleTypes the sample types kept: a per-type breakdown shows each, always
 */
public record DiscoveryPolicy(String profile, int minCount, int roundTo, int noise, int queriesPerResearcher, List<String> biobanks,
        List<String> sampleTypes) {
    /** Where an enclave keeps its own policy. */
    public static Path location(EnclaveStorage storage) {
        return new Path(storage.layout().discovery(), "policy.yaml");
    }

    public DiscoveryPolicy {
        biobanks = List.copyOf(biobanks);
        sampleTypes = List.copyOf(sampleTypes);
        if (minCount < 2 || roundTo < 1 || roundTo > minCount || noise < 0 || noise >= minCount || queriesPerResearcher < 1) {
            throw new ValidationException("discovery policy: the threshold must be at least 2, rounding between 1 and the threshold ("
                    + minCount + "), noise between 0 and the threshold less one, the budget at least 1; got round_to " + roundTo
                    + ", noise " + noise + ", queries_per_researcher " + queriesPerResearcher);
        }
        if (biobanks.isEmpty() || sampleTypes.isEmpty() || biobanks.size() > 32 || sampleTypes.size() > 32) {
            throw new ValidationException("discovery policy: name the provider's biobanks and sample types (1 to 32 of each)");
        }
        for (String name : biobanks) {
            Criteria.checkName("biobanks", name);
        }
        for (String name : sampleTypes) {
            Criteria.checkName("sample_types", name);
        }
    }

    @JsonCreator
    static DiscoveryPolicy fromYaml(@JsonProperty(value = "profile", required = true) String profile,
            @JsonProperty(value = "round_to", required = true) int roundTo,
            @JsonProperty(value = "noise", required = true) int noise,
            @JsonProperty(value = "queries_per_researcher", required = true) int queries,
            @JsonProperty(value = "biobanks", required = true) List<String> biobanks,
            @JsonProperty(value = "sample_types", required = true) List<String> sampleTypes) {
        return new DiscoveryPolicy(profile, Profile.named(profile).minCount(), roundTo, noise, queries, biobanks, sampleTypes);
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

    /** The enclave's own policy, or the built-in one when it has none. */
    public static DiscoveryPolicy of(EnclaveStorage storage) {
        Path p = location(storage);
        try {
            if (!storage.fs().exists(p)) {
                return builtIn();
            }
            try (InputStream in = storage.fs().open(p)) {
                return parse(in.readAllBytes(), p.toString());
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read the discovery policy " + p + ": " + e.getMessage(), e);
        }
    }

    static DiscoveryPolicy parse(byte[] yaml, String source) {
        try {
            return YAML.readValue(yaml, DiscoveryPolicy.class);
        } catch (IOException e) {
            Throwable cause = e.getCause() instanceof ValidationException v ? v : e;
            throw new ValidationException(source + ": " + cause.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** What decides the counts shown (threshold, rounding, noise): answers recorded under another are not this policy's. */
    public String id() {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest((minCount + "/" + roundTo + "/" + noise)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same policy with another budget (tests, benchmarks). */
    public DiscoveryPolicy withQueriesPerResearcher(int n) {
        return new DiscoveryPolicy(profile, minCount, roundTo, noise, n, biobanks, sampleTypes);
    }

    /** The same policy with another noise (tests that compare with exact counts). */
    public DiscoveryPolicy withNoise(int n) {
        return new DiscoveryPolicy(profile, minCount, roundTo, n, queriesPerResearcher, biobanks, sampleTypes);
    }
}
