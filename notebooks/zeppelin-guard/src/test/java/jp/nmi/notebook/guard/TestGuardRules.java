package jp.nmi.notebook.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestGuardRules {
    static final GuardRules RULES = GuardRules.load();

    static Optional<GuardRules.Who> who(String method, String path) {
        return RULES.match(method, path).map(m -> m.rule().who());
    }

    @Test
    void notesAreForMembersAndEverythingElseUnderTheApiForOperators() {
        assertThat(who("GET", "/api/notebook/2ABC")).contains(GuardRules.Who.MEMBER);
        assertThat(RULES.match("GET", "/api/notebook/2ABC").orElseThrow().segments()).containsEntry("note", "2ABC");
        assertThat(who("POST", "/api/notebook/run/2ABC/paragraph_1")).contains(GuardRules.Who.MEMBER);
        assertThat(who("POST", "/api/notebook")).contains(GuardRules.Who.USER);
        for (String[] admin : new String[][] {{"PUT", "/api/notebook/2ABC/permissions"}, {"GET", "/api/notebook/export/2ABC"},
            {"POST", "/api/notebook/import"}, {"POST", "/api/notebook/2ABC"}, {"GET", "/api/interpreter/setting"},
            {"PUT", "/api/interpreter/setting/restart/DEMO-1"}, {"GET", "/api/configurations/all"}, {"POST", "/api/notebook/cron/2ABC"},
            {"PUT", "/api/notebook/2ABC/paragraph/p1/config"}, {"HEAD", "/api/notebook"}, {"OPTIONS", "/api/notebook/2ABC"}}) {
            assertThat(who(admin[0], admin[1])).as(admin[0] + " " + admin[1]).contains(GuardRules.Who.ADMIN);
        }
        assertThat(RULES.isClosed("/ws")).isTrue();
        assertThat(RULES.isClosed("/ws/anything")).isTrue();
        assertThat(who("GET", "/index.html")).contains(GuardRules.Who.ANYONE);
        // a segment is one name: a note id cannot carry a path
        assertThat(RULES.match("GET", "/api/notebook/a.b").map(m -> m.rule().who())).contains(GuardRules.Who.ADMIN);
    }

    @Test
    void paragraphsRunEnclaveOrMarkdownOnly() {
        assertThat(RULES.paragraphProblem("%enclave\nSELECT 1")).isEmpty();
        assertThat(RULES.paragraphProblem("  \n%md # title")).isEmpty();
        assertThat(RULES.paragraphProblem("SELECT 1")).isEmpty();
        assertThat(RULES.paragraphProblem("%spark\n1")).contains(
                "%spark is not available in the enclave: paragraphs run %enclave (governed SQL and analysis commands) or %md");
        assertThat(RULES.paragraphProblem("%enclave(x=1)\n1")).contains(
                "%enclave( is not available in the enclave: paragraphs run %enclave (governed SQL and analysis commands) or %md");
        assertThat(RULES.paragraphProblem("%DEMO-2.enclave\n1")).isPresent();
        assertThat(RULES.paragraphProblem("%enclave.conf\n1")).isPresent();
        assertThat(RULES.paragraphProblem("%\n1")).contains("a paragraph starts with %enclave or %md");
    }

    @Test
    void aNotesProjectIsItsFirstFolder() {
        assertThat(AccessFile.projectOf("/DEMO-1/alice/x")).contains("DEMO-1");
        assertThat(AccessFile.projectOf("DEMO-1/x")).contains("DEMO-1");
        assertThat(AccessFile.projectOf("/DEMO-1")).isEmpty();
        assertThat(AccessFile.projectOf("/demo-1/x")).isEmpty();
        assertThat(AccessFile.projectOf("/scratch/x")).isEmpty();
    }
}
