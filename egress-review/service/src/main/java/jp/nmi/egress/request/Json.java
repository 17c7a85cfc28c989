package jp.nmi.egress.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import jp.nmi.egress.disclosure.OutputRecord;

/** JSON columns of the egress tables. */
final class Json {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Json() {}

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise: " + e.getMessage(), e);
        }
    }

    static Object tree(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored report is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The stored JSON, or an empty object when it is not valid (a history must not fail on one bad event). */
    static com.fasterxml.jackson.databind.JsonNode nodeOrEmpty(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException | RuntimeException e) {
            return JSON.createObjectNode();
        }
    }

    static List<OutputRecord.RecordedCell> cells(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return JSON.readValue(json, new TypeReference<List<OutputRecord.RecordedCell>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored cells are not valid JSON: " + e.getMessage(), e);
        }
    }
}
