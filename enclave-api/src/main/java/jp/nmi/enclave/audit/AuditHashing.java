package jp.nmi.enclave.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Canonical JSON (keys sorted, no whitespace) and the SHA-256 that chains audit events. */
public final class AuditHashing {
    static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private AuditHashing() {}

    /** The hash of an event: over all its fields but {@code hash}. */
    public static String hash(AuditEvent e) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("seq", e.seq());
        fields.put("at", e.at());
        fields.put("actor", e.actor());
        fields.put("project", e.project());
        fields.put("action", e.action());
        fields.put("outcome", e.outcome());
        fields.put("details", e.details());
        fields.put("previousHash", e.previousHash());
        try {
            return sha256(CANONICAL.writeValueAsBytes(fields));
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("audit event cannot be serialised: " + ex.getMessage(), ex);
        }
    }

    /** Details as canonical JSON text: what is hashed, and what a store keeps (never re-ordered or re-normalised). */
    public static String canonicalJson(Map<String, Object> details) {
        try {
            return CANONICAL.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit details cannot be serialised: " + e.getMessage(), e);
        }
    }

    /** Details read back from {@link #canonicalJson} text. */
    public static Map<String, Object> readDetails(String json) throws java.io.IOException {
        return CANONICAL.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }
}
