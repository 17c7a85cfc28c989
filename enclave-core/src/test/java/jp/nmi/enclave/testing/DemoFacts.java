package jp.nmi.enclave.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import jp.nmi.enclave.dataset.DatasetRegistry;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.hdfs.EnclaveStorage;

/**
 * What the demo world's raw datasets say, read with Parquet's own reader under the provider's
 * privileges: the expected answers governed queries are compared with, computed without the
 * enclave's SQL path.
 */
public final class DemoFacts {
    private final Map<String, List<Map<String, Object>>> tables = new java.util.HashMap<>();
    private final SecretKey projectKey;

    public DemoFacts(EnclaveStorage storage, SecretKey projectKey) throws IOException {
        DatasetRegistry registry = new DatasetRegistryStore(storage).require();
        for (DatasetRegistry.Entry e : registry.datasets()) {
            tables.put(e.name(), ParquetScan.rows(storage, e));
        }
        this.projectKey = projectKey;
    }

    public List<Map<String, Object>> rows(String table) {
        return tables.get(table);
    }

    /** Provider pseudonyms of participants with a diagnosis whose code starts with one of {@code prefixes}. */
    public Set<String> cohort(String... prefixes) {
        return rows("diagnoses").stream()
                .filter(r -> List.of(prefixes).stream().anyMatch(p -> ((String) r.get("icd10")).startsWith(p)))
                .map(r -> (String) r.get("participant_id")).collect(Collectors.toSet());
    }

    /** Provider pseudonyms of participants whose consent covers a health/medical (HMB) purpose: GRU or HMB. */
    public Set<String> consentCoversHmb() {
        return rows("participants").stream().filter(r -> {
            @SuppressWarnings("unchecked")
            List<String> duo = (List<String>) r.get("duo_codes");
            return duo.contains("GRU") || duo.contains("HMB");
        }).map(r -> (String) r.get("participant_id")).collect(Collectors.toSet());
    }

    public static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.retainAll(b);
        return out;
    }

    public Set<String> commercialUseProhibited() {
        return rows("participants").stream().filter(r -> Boolean.TRUE.equals(r.get("commercial_use_prohibited")))
                .map(r -> (String) r.get("participant_id")).collect(Collectors.toSet());
    }

    /** The project pseudonyms (what analysts see) of provider pseudonyms. */
    public Set<String> asProject(Set<String> provider) {
        Set<String> out = new HashSet<>();
        for (String p : provider) {
            out.add(projectPseudonym(p));
        }
        return out;
    }

    public String projectPseudonym(String provider) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(projectKey);
            mac.update("project:".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(provider.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What MASK_HASH shows for {@code value}: the project key, in the masks' own domain. */
    public String maskHash(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(projectKey);
            mac.update("mask:".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.removeAll(b);
        return out;
    }
}
