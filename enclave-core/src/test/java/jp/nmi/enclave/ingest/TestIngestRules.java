package jp.nmi.enclave.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small rules ingest applies: ICD-10 syntax, DUO codes, age bands, scrubbing of free text. */
class TestIngestRules {
    @ParameterizedTest
    @ValueSource(strings = {"C50", "C50.9", "F00.1", "F03", "G30.1", "U07.1", "S72.00"})
    void validIcd10Codes(String code) {
        assertThat(Icd10.isValid(code)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"C5O.9", "c50.9", "C50.", "C509", "C50.123", "50.9", "", "C50.9 "})
    void invalidIcd10Codes(String code) {
        assertThat(Icd10.isValid(code)).isFalse();
    }

    @Test
    void duoCodesNeedExactlyOnePermissionAndKnownModifiers() {
        assertThat(DuoCodes.parse("HMB;NPU")).containsExactly("HMB", "NPU");
        assertThat(DuoCodes.parse("DS:MONDO:0007254")).containsExactly("DS:MONDO:0007254");
        assertThatThrownBy(() -> DuoCodes.parse("NPU")).hasMessage("must hold exactly one DUO permission (GRU, HMB, POA or DS:MONDO:...), found 0");
        assertThatThrownBy(() -> DuoCodes.parse("GRU;HMB")).hasMessage("must hold exactly one DUO permission (GRU, HMB, POA or DS:MONDO:...), found 2");
        assertThatThrownBy(() -> DuoCodes.parse("GRU;GRU")).hasMessage("repeats DUO code 'GRU'");
        assertThatThrownBy(() -> DuoCodes.parse("DS:C50")).hasMessageStartingWith("contains unknown DUO code 'DS:C50'");
    }

    @Test
    void ageBandsAreTenYearsWide() {
        assertThat(List.of(20, 29, 30, 64, 99, 100, 7).stream().map(Ingest::ageBand))
                .containsExactly("20-29", "20-29", "30-39", "60-69", "90-99", "100+", "0-9");
    }

    @Test
    void scrubbingRemovesThePatientsOwnIdentifiersAndIdentifierShapedNumbers() {
        List<String> ids = IdentifierScrubber.identifiersOf("PT00000007", "H123456789", "林 誠", "ハヤシ マコト",
                LocalDate.of(1950, 3, 4), "東京都世田谷区桜丘1丁目2-3", "090-1234-5678", "12345678-123456");
        String text = "Pt 林 誠 (ハヤシ マコト), DOB 1950-03-04, 林様 called from 09012345678; H123456789 at 東京都世田谷区桜丘1丁目2-3;"
                + " insurance 12345678-123456; other number 03-1111-2222; PT00000099 mentioned. BP stable, 林檎 eaten.";
        String scrubbed = IdentifierScrubber.scrub(text, ids);
        assertThat(scrubbed).isEqualTo("Pt [REDACTED] ([REDACTED]), DOB [REDACTED], [REDACTED] called from [REDACTED]; [REDACTED] at"
                + " [REDACTED]; insurance [REDACTED]; other number [REDACTED]; [REDACTED] mentioned. BP stable, 林檎 eaten.");
    }
}
