package jp.nmi.egress.disclosure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class TestRuleHints {
    @Test
    void everyRuleSaysHowToFixItInEnglishAndJapanese() {
        for (RuleId rule : RuleId.values()) {
            assertThat(rule.hint(Locale.ENGLISH)).as(rule.label()).isNotBlank().doesNotContain("\\u");
            assertThat(rule.hint(Locale.JAPANESE)).as(rule.label()).isNotBlank().isNotEqualTo(rule.hint(Locale.ENGLISH));
        }
        assertThat(RuleId.THRESHOLD.hint(Locale.ENGLISH)).startsWith("Combine categories");
        assertThat(RuleId.THRESHOLD.hint(Locale.JAPANESE)).startsWith("区分をまとめる");
        assertThat(RuleId.THRESHOLD.hint(Locale.FRENCH)).isEqualTo(RuleId.THRESHOLD.hint(Locale.ENGLISH));
    }
}
