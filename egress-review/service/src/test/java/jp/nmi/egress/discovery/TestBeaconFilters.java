package jp.nmi.egress.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

/** Beacon v2 filters as discovery criteria: each filter one condition, ANDed, nothing smuggled through a value. */
class TestBeaconFilters {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void ontologyAndAlphanumericFiltersBecomeConditions() throws Exception {
        assertThat(BeaconApi.filters(JSON.readTree("[{\"id\": \"ICD10:C50\"}, \"ICD10:C00-D48\", {\"id\": \"DUO:0000042\"},"
                + " {\"id\": \"sex\", \"operator\": \"=\", \"value\": \"F\"}, {\"id\": \"biobank\", \"operator\": \"!\", \"value\": \"Chuo Biobank\"}]")))
                .containsExactly("icd10=C50", "icd10=C00-D48", "duo=GRU", "sex=F", "biobank!=Chuo Biobank");
        assertThat(BeaconApi.filters(JSON.readTree("null"))).isEmpty();
    }

    @Test
    void aValueCannotCarryAnotherConditionOrGroup() {
        assertThatThrownBy(() -> BeaconApi.filters(JSON.readTree("[{\"id\": \"sex\", \"value\": \"F;icd10=C50\"}]")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("filter sex: one value, without , ; | = or ! (filters are ANDed; OR goes in requestParameters.where)");
        assertThatThrownBy(() -> BeaconApi.filters(JSON.readTree("[{\"id\": \"ICD10:C50,sex=M\"}]")))
                .isInstanceOf(ValidationException.class)
                .hasMessage("filter 'ICD10:C50,sex=M' is not an ICD-10 code, prefix or range (ICD10:C50, ICD10:C00-D48)");
        assertThatThrownBy(() -> BeaconApi.filters(JSON.readTree("[{\"id\": \"sex\", \"operator\": \">\", \"value\": \"F\"}]")))
                .isInstanceOf(ValidationException.class).hasMessage("filter sex: operator > is not one this beacon reads (= or !)");
        assertThatThrownBy(() -> BeaconApi.filters(JSON.readTree("{\"id\": \"sex\"}")))
                .isInstanceOf(ValidationException.class).hasMessage("query.filters is a list of filters");
    }
}
