package jp.nmi.enclave.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

class TestIcd10Catalog {
    @Test
    void aTermCoversEveryCodeUnderItAndARangeItsCategories() {
        assertThat(Icd10Catalog.covers("C50", "C50.1")).isTrue();
        assertThat(Icd10Catalog.covers("C50", "C50")).isTrue();
        assertThat(Icd10Catalog.covers("C50.1", "C50.9")).isFalse();
        assertThat(Icd10Catalog.covers("C00-D48", "D48.7")).isTrue();
        assertThat(Icd10Catalog.covers("C00-D48", "C50.9")).isTrue();
        assertThat(Icd10Catalog.covers("C00-D48", "D50.0")).isFalse();
        assertThat(Icd10Catalog.covers("C", "C34.1")).isTrue();
        assertThat(Icd10Catalog.isTerm("C00-D48")).isTrue();
        assertThat(Icd10Catalog.isTerm("D48-C00")).isFalse();
    }

    @Test
    void theHierarchyIsTheClassificationsWithTitlesInBothLanguages() {
        Icd10Catalog c = Icd10Catalog.builtIn();
        assertThat(c.children(null)).hasSize(22).first().extracting(Icd10Catalog.Entry::code).isEqualTo("A00-B99");
        assertThat(c.path("C50.9").stream().map(Icd10Catalog.Entry::code)).containsExactly("C00-D48", "C00-C97", "C50-C50", "C50", "C50.9");
        assertThat(c.children("C50").stream().map(Icd10Catalog.Entry::code)).contains("C50.0", "C50.6", "C50.9");
        assertThat(c.entry("C50").orElseThrow().title(Locale.JAPANESE)).isEqualTo("乳房の悪性新生物＜腫瘍＞");
        assertThat(c.entry("C50").orElseThrow().title(Locale.ENGLISH)).isEqualTo("Malignant neoplasm of breast");
        assertThat(c.search("breast", 50).stream().map(Icd10Catalog.Entry::code)).contains("C50", "C50.9", "C50-C50");
        assertThat(c.search("乳房", 50)).isNotEmpty();
        assertThat(c.search("C3", 10).stream().map(Icd10Catalog.Entry::code)).contains("C34", "C34.1");
        // a code the table does not list shows under its nearest listed ancestor
        assertThat(c.path("C50.7").get(c.path("C50.7").size() - 1).code()).isEqualTo("C50");
    }

    @Test
    void anOperatorsTableIsCheckedLineByLine() {
        assertThatThrownBy(() -> Icd10Catalog.read(new ByteArrayInputStream("C50\tC00-D48\tBreast\t\n".getBytes(StandardCharsets.UTF_8)), "t.tsv"))
                .isInstanceOf(ValidationException.class).hasMessage("ICD-10 table: the parent of C50, C00-D48, is not in the table");
        assertThatThrownBy(() -> Icd10Catalog.read(new ByteArrayInputStream("breast\t\tBreast\t\n".getBytes(StandardCharsets.UTF_8)), "t.tsv"))
                .isInstanceOf(ValidationException.class).hasMessage("t.tsv line 1: expected code, parent, English title, Japanese title"
                        + " separated by tabs, with a code such as C50, C50.1 or a range such as C00-D48");
    }
}
