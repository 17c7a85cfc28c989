package jp.nmi.enclave.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;

class TestSqlScript {
    @Test
    void splitsAtSemicolonsOutsideQuotesAndComments() {
        assertThat(SqlScript.split("SELECT 1; SELECT ';' AS s -- a comment; with a semicolon\n; /* ; */ SELECT `a;b` FROM t;;"))
                .containsExactly("SELECT 1", "SELECT ';' AS s", "SELECT `a;b` FROM t");
        assertThat(SqlScript.split("SELECT 'it''s' ; SELECT \"x\\\"y\"")).containsExactly("SELECT 'it''s'", "SELECT \"x\\\"y\"");
        assertThat(SqlScript.split("  -- only a comment\n ")).isEmpty();
    }

    @Test
    void unclosedQuotesAndCommentsAreErrors() {
        assertThatThrownBy(() -> SqlScript.split("SELECT 'open")).isInstanceOf(ValidationException.class)
                .hasMessage("the script has a ' quote that is never closed");
        assertThatThrownBy(() -> SqlScript.split("SELECT 1 /* open")).isInstanceOf(ValidationException.class)
                .hasMessage("the script has a /* comment that is never closed");
    }
}
