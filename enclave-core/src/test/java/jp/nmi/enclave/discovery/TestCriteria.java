package jp.nmi.enclave.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestCriteria {
    @Test
    void parsesGroupsTermsAndValuesIntoTheCanonicalSpelling() {
        Criteria c = Criteria.parse(" icd10 = C50|C50.9 , sample_type=dna, biobank!=Chuo Biobank ;icd10=C00-D48,age_at_collection=50-59");
        assertThat(c.anyOf()).hasSize(2);
        assertThat(c.anyOf().get(0).get(2)).isEqualTo(new Criteria.Term(Criteria.Field.BIOBANK, true, java.util.List.of("Chuo Biobank")));
        assertThat(c.toString()).isEqualTo("icd10=C50|C50.9,sample_type=dna,biobank!=Chuo Biobank;icd10=C00-D48,age_at_collection=50-59");
        assertThat(Criteria.parse(c.toString())).isEqualTo(c);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "colour=red                 ~ --where: unknown field 'colour' (fields: icd10, sample_type, biobank, age_band, sex, region, duo, commercial, genotypes, age_at_collection)",
        "icd10=breast               ~ --where: icd10 cannot be 'breast' (expected an ICD-10 code, prefix or range such as C50, F03.1 or C00-D48)",
        "icd10=D48-C00              ~ --where: icd10 cannot be 'D48-C00' (expected an ICD-10 code, prefix or range such as C50, F03.1 or C00-D48)",
        "sex=X                      ~ --where: sex cannot be 'X' (expected F, M)",
        "age_at_collection=60-50    ~ --where: age_at_collection cannot be '60-50' (expected a range of years such as 50-59 (0 to 130))",
        "commercial=maybe           ~ --where: commercial cannot be 'maybe' (expected yes, no)",
        "icd10                      ~ --where: 'icd10' is not field=value or field!=value (fields: icd10, sample_type, biobank, age_band, sex, region, duo, commercial, genotypes, age_at_collection)"})
    void refusesWhatItCannotReadSayingWhatWasExpected(String line) {
        String[] p = line.split("~");
        assertThatThrownBy(() -> Criteria.parse(p[0].strip())).isInstanceOf(ValidationException.class).hasMessage(p[1].strip());
    }

    @Test
    void boundsTheSizeOfWhatItReads() {
        assertThatThrownBy(() -> Criteria.parse("sex=F;".repeat(8) + "sex=M")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: 9 groups joined by ';'; at most 8");
        assertThatThrownBy(() -> Criteria.parse("sex=F,".repeat(16) + "sex=M")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: a group has 17 conditions; at most 16");
        assertThatThrownBy(() -> Criteria.parse("icd10=" + "C50|".repeat(600))).isInstanceOf(ValidationException.class)
                .hasMessage("--where: criteria longer than 2000 characters");
    }
}
