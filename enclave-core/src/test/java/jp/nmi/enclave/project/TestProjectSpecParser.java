package jp.nmi.enclave.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TestProjectSpecParser {
    @Test
    void theDemoSpecsParse() {
        ProjectSpec demo1 = DemoSpecs.spec("DEMO-1");
        assertThat(demo1.id()).isEqualTo("DEMO-1");
        assertThat(demo1.database()).isEqualTo("demo_1");
        assertThat(demo1.purpose()).isEqualTo(new ProjectSpec.Purpose("HMB", null, false));
        assertThat(demo1.start()).isEqualTo(LocalDate.of(2026, 4, 1));
        assertThat(demo1.members()).extracting(jp.nmi.enclave.project.ProjectMember::user).containsExactly("alice", "kenji");
        assertThat(demo1.membersOf("industry")).extracting(jp.nmi.enclave.project.ProjectMember::user).containsExactly("kenji");
        assertThat(demo1.cohort().icd10()).containsExactly("C50");
        assertThat(demo1.datasets().get("participants")).contains("birth_year", "commercial_use_prohibited");
        assertThat(demo1.masks().get(0)).isEqualTo(new ProjectSpec.MaskRule("participants.birth_year", "DENY", "industry", null));
        ProjectSpec demo2 = DemoSpecs.spec("DEMO-2");
        assertThat(demo2.purpose()).isEqualTo(new ProjectSpec.Purpose("DS", "MONDO:0001627", false));
        assertThat(demo2.datasets()).doesNotContainKey("clinical_notes");
        assertThat(demo1.afQueryBudget()).isEqualTo(200);
        assertThat(demo2.genomics()).isNull();
        assertThat(demo2.afQueryBudget()).isEqualTo(ProjectSpec.Genomics.DEFAULT_AF_QUERY_BUDGET);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("  af_query_budget: 200", "  af_query_budget: lots",
                        "DEMO-1.yaml line 44: genomics.af_query_budget: is not a whole number from 0 to 100000 (strata per member)"),
                Arguments.of("  af_query_budget: 200", "  af_query_budget: 200\n  af_threshold: 5",
                        "DEMO-1.yaml line 45: genomics.af_threshold: unknown field (expected: af_query_budget)"),
                Arguments.of("  genotypes: [participant_id, variant_id, alt_count]\n", "",
                        "DEMO-1.yaml line 42: genomics: the project's datasets do not include genotypes"),
                Arguments.of("  - user: kenji", "  - user: kenji\n    colour: blue",
                        "DEMO-1.yaml line 19: members[1].colour: unknown field (expected: affiliation, role, user)"),
                Arguments.of("    affiliation: industry", "    affiliation: indsutry",
                        "DEMO-1.yaml line 20: members[1].affiliation: 'indsutry' is not one of academic, industry"),
                Arguments.of("end: 2029-03-31", "end: 2026-03-31",
                        "DEMO-1.yaml line 13: end: 2026-03-31 is before start 2026-04-01"),
                Arguments.of("  code: HMB", "  code: DS",
                        "DEMO-1.yaml line 7: purpose.disease: a disease-specific (DS) purpose needs the disease as a MONDO term, e.g. MONDO:0007254"),
                Arguments.of("  diagnoses: [participant_id, icd10, diagnosed_on]", "  diagnoses: [participant_id, icd10, diagnosed_at]",
                        "DEMO-1.yaml line 23: datasets.diagnoses[2]: 'diagnosed_at' is not a column of diagnoses (columns: participant_id, icd10, diagnosed_on)"),
                Arguments.of("  samples: [sample_id, participant_id, biobank", "  samples: [sample_id, biobank",
                        "DEMO-1.yaml line 24: datasets.samples: must include participant_id (row filters and the project's pseudonyms need it)"),
                Arguments.of("  variants: [variant_id", "  variant: [variant_id",
                        "DEMO-1.yaml line 27: datasets.variant: 'variant' is not a dataset (datasets: participants, diagnoses, samples, lab_results, clinical_notes, variants, genotypes)"),
                Arguments.of("  icd10: [C50]", "  icd10: [C5O]",
                        "DEMO-1.yaml line 30: cohort.icd10[0]: 'C5O' is not an ICD-10 code or prefix (e.g. C50, C50.9, F0)"),
                Arguments.of("  - {column: clinical_notes.note, mask: MASK_NULL, members: all}",
                        "  - {column: clinical_notes.note, mask: MASK_NUL, members: all}",
                        "DEMO-1.yaml line 33: masks[1].mask: 'MASK_NUL' is not one of CUSTOM, DENY, MASK, MASK_DATE_SHOW_YEAR, MASK_HASH, MASK_NONE, MASK_NULL, MASK_SHOW_FIRST_4, MASK_SHOW_LAST_4"),
                Arguments.of("  - {column: clinical_notes.note, mask: MASK_NULL, members: all}",
                        "  - {column: clinical_notes.text, mask: MASK_NULL, members: all}",
                        "DEMO-1.yaml line 33: masks[1].column: 'clinical_notes.text' is not an approved column (table.column of datasets)"),
                Arguments.of("  - {column: participants.birth_year, mask: DENY, members: industry}",
                        "  - {column: participants.birth_year, mask: DENY, members: sales}",
                        "DEMO-1.yaml line 32: masks[0].members: 'sales' names no one (all, academic, industry, lead, analyst, or a member's user name)"),
                Arguments.of("disclosure_profile: acro", "disclosure_profile: strict",
                        "DEMO-1.yaml line 39: disclosure_profile: 'strict' is not one of acro, all-of-us, ndb, opensafely"),
                Arguments.of("title: Germline variants and outcomes in breast cancer", "title: [unclosed",
                        "DEMO-1.yaml line 5, column 8: not valid YAML: expected ',' or ']', but got : (while parsing a flow sequence)"),
                Arguments.of("  commercial: false         # an academic project; its industry member is still filtered (see below)",
                        "  commercial: maybe", "DEMO-1.yaml line 8: purpose.commercial: 'maybe' is not true or false"),
                Arguments.of("approval:\n  reference: REC-2026-017   # the committee's decision\n  date: 2026-03-15",
                        "approval:\n  reference: REC-2026-017\n  date: 2026-05-15",
                        "DEMO-1.yaml line 11: approval.date: 2026-05-15 is after the start 2026-04-01; access cannot begin before the committee approved it"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void anInvalidSpecNamesTheLineAndTheField(String original, String replacement, String message) {
        String yaml = DemoSpecs.yaml("DEMO-1");
        assertThat(yaml).contains(original);
        assertThatThrownBy(() -> ProjectSpecParser.parse(yaml.replace(original, replacement), "DEMO-1.yaml"))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void aMissingFieldIsNamed() {
        String yaml = DemoSpecs.yaml("DEMO-1").replaceAll("(?m)^disclosure_profile: acro\\n?", "");
        assertThatThrownBy(() -> ProjectSpecParser.parse(yaml, "DEMO-1.yaml"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("DEMO-1.yaml line 4: disclosure_profile: is missing");
        assertThat(List.of(yaml)).isNotEmpty();
    }

    @Test
    void moreMembersThanAnHdfsAclHoldsAreRefused() {
        StringBuilder members = new StringBuilder("members:\n");
        for (int i = 0; i < 26; i++) {
            members.append("  - user: analyst").append(i).append("\n    role: analyst\n    affiliation: academic\n");
        }
        String yaml = DemoSpecs.yaml("DEMO-1").replaceAll("(?s)members:\\n.*?\\ndatasets:",
                java.util.regex.Matcher.quoteReplacement(members + "datasets:")).replaceAll("(?s)masks:.*?\\ndisclosure_profile",
                "disclosure_profile");
        assertThatThrownBy(() -> ProjectSpecParser.parse(yaml, "BIG.yaml"))
                .isInstanceOf(ValidationException.class)
                .hasMessageEndingWith("members: has 26 members; a project has at most 25 (HDFS allows 32 entries per ACL and each member"
                        + " is one): split the work into projects");
    }

    @Test
    void theRegulatorySectionNamesKnownRegulatorsOnly() {
        ProjectSpec spec = DemoSpecs.spec("DEMO-1");
        assertThat(spec.regulatory().destinations()).containsExactly("PMDA");
        assertThat(spec.regulatory().purpose()).startsWith("post-marketing safety study");
        assertThat(DemoSpecs.spec("DEMO-2").regulatory()).isNull();
        String yaml = DemoSpecs.yaml("DEMO-1").replace("destinations: [PMDA]", "destinations: [PMDA, CDSCO]");
        assertThatThrownBy(() -> ProjectSpecParser.parse(yaml, "DEMO-1.yaml"))
                .isInstanceOf(ValidationException.class)
                .hasMessageEndingWith("regulatory.destinations[1]: 'CDSCO' is not a regulator the enclave may provide data to (one of MHLW,"
                        + " PMDA, FDA, MHRA, EMA)");
        String none = DemoSpecs.yaml("DEMO-1").replace("destinations: [PMDA]", "destinations: []");
        assertThatThrownBy(() -> ProjectSpecParser.parse(none, "DEMO-1.yaml"))
                .hasMessageEndingWith("regulatory.destinations: name at least one regulator (MHLW, PMDA, FDA, MHRA, EMA)");
    }

    @Test
    void aYamlSyntaxErrorSaysWhereAndWhatWithoutParserInternals() {
        assertThatThrownBy(() -> ProjectSpecParser.parse("id: DEMO-9\ntitle: x\npurpose:\n  code: HMB\n  commercial false\napproval: [\n",
                "bad.yaml")).isInstanceOf(ValidationException.class)
                .hasMessage("bad.yaml line 5, column 3: not valid YAML: could not find expected ':' (while scanning a simple key)");
    }
}
