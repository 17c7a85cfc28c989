package jp.nmi.enclave.genomics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

class TestStratum {
    @Test
    void parsesOneOrSeveralValuesPerAttributeAndLeavesTheRestOpen() {
        Stratum s = Stratum.parse("age_band=60-69|70-79, sex=F,region=Kanto,disease=C50");
        assertThat(s.values()).containsOnlyKeys(Attribute.AGE_BAND, Attribute.SEX, Attribute.REGION, Attribute.DISEASE);
        assertThat(s.values().get(Attribute.AGE_BAND)).containsExactly("60-69", "70-79");
        assertThat(s).hasToString("age_band=60-69|70-79,sex=F,region=Kanto,disease=C50");
        assertThat(Stratum.parse(s.toString())).isEqualTo(s);
        assertThat(Stratum.parse("disease=F03.1").values().get(Attribute.DISEASE)).isEqualTo(List.of("F03.1"));
        assertThat(Stratum.parse("")).isEqualTo(Stratum.ALL).hasToString("all");
    }

    @Test
    void refusesWhatItCannotReadSayingWhatWasExpected() {
        assertThatThrownBy(() -> Stratum.parse("age=60-69")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: unknown attribute 'age' (attributes: age_band, sex, region, disease)");
        assertThatThrownBy(() -> Stratum.parse("region=Tokyo")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: region cannot be 'Tokyo' (expected Hokkaido, Tohoku, Kanto, Chubu, Kinki, Chugoku, Shikoku, Kyushu)");
        assertThatThrownBy(() -> Stratum.parse("disease=breast")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: disease cannot be 'breast' (expected an ICD-10 code or prefix such as C50 or F03.1)");
        assertThatThrownBy(() -> Stratum.parse("sex=F,sex=M")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: sex is named twice; name several values as sex=A|B");
        assertThatThrownBy(() -> Stratum.parse("sex=")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: sex cannot be '' (expected F, M)");
        assertThatThrownBy(() -> Stratum.parse("Kanto")).isInstanceOf(ValidationException.class)
                .hasMessage("--where: 'Kanto' is not attribute=value (attributes: age_band, sex, region, disease)");
    }
}
