package jp.nmi.egress.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestFileNames {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "table.csv|table.csv",
        "Table 1 (sex by region).csv|Table 1 (sex by region).csv",
        "乳がん_集計表.csv|乳がん_集計表.csv",
        "データー、結果.md|データー、結果.md"})
    void ordinaryNamesPass(String raw, String normalised) {
        assertThat(FileNames.normalise(raw)).isEqualTo(normalised);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "../secret.csv|contains a path separator",
        "a/b.csv|contains a path separator",
        "a\\b.csv|contains a path separator",
        "..|starts with a dot",
        ".disclosure|starts with a dot",
        "result.\u0441sv|U+0441 CYRILLIC SMALL LETTER ES (cyrillic script)",
        "ｒｅｓｕｌｔ.csv|compatibility characters",
        "データ－1.md|compatibility characters",
        "report\u202Etxt.exe.csv|U+202E RIGHT-TO-LEFT OVERRIDE",
        "ta\u200Bble.csv|U+200B ZERO WIDTH SPACE",
        "tab\tle.csv|U+0009",
        "table;rm.csv|contains ';'",
        "résumé.csv|U+00E9 LATIN SMALL LETTER E WITH ACUTE (latin script)",
        "table.csv.|ends with a space or a dot"})
    void misleadingNamesAreRefusedWithTheReason(String raw, String reason) {
        assertThatThrownBy(() -> FileNames.normalise(raw)).isInstanceOf(ValidationException.class).hasMessageContaining(reason);
    }

    @Test
    void emptyAndOverlongNamesAreRefused() {
        assertThatThrownBy(() -> FileNames.normalise(" ")).hasMessage("a file name is empty");
        assertThatThrownBy(() -> FileNames.normalise("a".repeat(129) + ".csv")).hasMessageContaining("longer than 128 characters");
    }

    @Test
    void decomposedNamesAreNormalisedToComposedForm() {
        // か + combining voiced mark (U+3099) is NFC-composed to が
        assertThat(FileNames.normalise("\u304B\u3099.csv")).isEqualTo("\u304C.csv");
    }
}
