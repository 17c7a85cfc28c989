package jp.nmi.egress.disclosure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signed record of an output made in the enclave, and differencing against released cells. */
class TestOutputRecord {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** 3 x 2 crosstab: region x sex, the Shikoku row small (3 F, 2 M). */
    static Data rows() {
        List<String[]> rows = new ArrayList<>();
        int id = 0;
        for (String[] cell : new String[][] {{"Kanto", "F", "30"}, {"Kanto", "M", "25"}, {"Kinki", "F", "20"}, {"Kinki", "M", "18"},
                {"Shikoku", "F", "3"}, {"Shikoku", "M", "2"}}) {
            for (int i = 0; i < Integer.parseInt(cell[2]); i++) {
                rows.add(new String[] {"p" + id++, cell[0], cell[1]});
            }
        }
        return new Data(List.of("participant_id", "region", "sex"), rows);
    }

    @Test
    void aRecordSignsTheFileAndOmitsSuppressedCells() {
        Report report = DisclosureChecker.check(Profile.named("acro"), rows(), "crosstab index=region columns=sex",
                new DisclosureChecker.Options(true, null, null, null));
        byte[] csv = OutputRecord.csv(report);
        // the variables' names as headers, suppressed cells marked as such
        assertThat(new String(csv, StandardCharsets.UTF_8)).isEqualTo("region,sex=F,sex=M\nKanto,30,25\nKinki,20,18\n"
                + "Shikoku,suppressed,suppressed\n");
        OutputRecord r = OutputRecord.create(KEY, "DEMO-1", "t.csv", csv, "alice", report);
        assertThat(r.verify(KEY, "DEMO-1", "t.csv", csv)).isNull();
        // the two Shikoku cells are suppressed: they are published nowhere, so they are not recorded
        assertThat(r.cells()).extracting(OutputRecord.RecordedCell::label).containsExactly("Kanto x F", "Kanto x M", "Kinki x F",
                "Kinki x M");
        assertThat(r.cells().get(0).contributors()).hasSize(30).allMatch(h -> h.matches("[0-9a-f]{32}"));
        assertThat(r.indexColumns()).isEqualTo(1);
        assertThat(r.status()).isEqualTo(Status.REVIEW);

        OutputRecord parsed = OutputRecord.parse(r.toJson());
        assertThat(parsed.verify(KEY, "DEMO-1", "t.csv", csv)).isNull();
        assertThat(parsed.checks()).extracting(Check::rule).contains(RuleId.THRESHOLD, RuleId.SUPPRESSION_AUDIT);
    }

    @Test
    void labelsAndHeadersThatASpreadsheetWouldRunAreWrittenInert() {
        assertThat(OutputRecord.inert("=HYPERLINK(\"http://x\")")).isEqualTo("'=HYPERLINK(\"http://x\")");
        assertThat(OutputRecord.inert("+1+cmd")).isEqualTo("'+1+cmd");
        assertThat(OutputRecord.inert("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(OutputRecord.inert("\tx")).isEqualTo("'\tx");
        assertThat(OutputRecord.inert("-5")).isEqualTo("-5");
        assertThat(OutputRecord.inert("Kanto")).isEqualTo("Kanto");
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rows.add(new String[] {"p" + i, "=1+2"});
        }
        Report report = DisclosureChecker.check(Profile.named("acro"), new Data(List.of("participant_id", "region"), rows),
                "crosstab index=region", DisclosureChecker.Options.REPORT_ONLY);
        assertThat(new String(OutputRecord.csv(report), StandardCharsets.UTF_8)).isEqualTo("region,count\n'=1+2,12\n");
    }

    @Test
    void aRecordThatDoesNotFitIsRefusedWithTheReason() {
        Report report = DisclosureChecker.check(Profile.named("acro"), rows(), "crosstab index=region columns=sex",
                DisclosureChecker.Options.REPORT_ONLY);
        byte[] csv = OutputRecord.csv(report);
        OutputRecord r = OutputRecord.create(KEY, "DEMO-1", "t.csv", csv, "alice", report);
        assertThat(r.verify("another key of thirty-two bytes!".getBytes(StandardCharsets.US_ASCII), "DEMO-1", "t.csv", csv))
                .startsWith("its signature does not verify");
        assertThat(r.verify(KEY, "DEMO-2", "t.csv", csv)).isEqualTo("it was made in project DEMO-1, not DEMO-2");
        assertThat(r.verify(KEY, "DEMO-1", "u.csv", csv)).isEqualTo("it describes 't.csv', not 'u.csv'");
        assertThat(r.verify(KEY, "DEMO-1", "t.csv", "index,F\nKanto,31\n".getBytes(StandardCharsets.UTF_8)))
                .startsWith("the file was changed after it was checked");
        String forged = new String(r.toJson(), StandardCharsets.UTF_8).replace("\"created_by\" : \"alice\"", "\"created_by\" : \"bob\"");
        assertThat(OutputRecord.parse(forged.getBytes(StandardCharsets.UTF_8)).verify(KEY, "DEMO-1", "t.csv", csv))
                .startsWith("its signature does not verify");
        assertThatThrownBy(() -> OutputRecord.parse("{\"format\":1,\"surprise\":true}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DisclosureException.class).hasMessageStartingWith("the output record is not valid: ");
    }

    @Test
    void differencingFlagsACellThatDiffersFromAReleasedOneByAFewContributors() {
        OutputRecord.RecordedCell released = new OutputRecord.RecordedCell(0, 0, "F", List.of("a", "b", "c", "d", "e", "f", "g", "h",
                "i", "j", "k", "l"));
        OutputRecord.RecordedCell nested = new OutputRecord.RecordedCell(0, 0, "F", List.of("a", "b", "c", "d", "e", "f", "g", "h",
                "i", "j"));
        OutputRecord.RecordedCell unrelated = new OutputRecord.RecordedCell(1, 0, "M", List.of("x", "y", "z"));
        Check c = OutputRecord.differencing(List.of(nested, unrelated), Map.of("R-000007 a.csv", List.of(released)), 10);
        assertThat(c.status()).isEqualTo(Status.FAIL);
        assertThat(c.cells()).containsExactly(new int[] {0, 0});
        assertThat(c.detail()).isEqualTo("row 1, column 1 (F) differs by 2 contributor(s) from cell F of R-000007 a.csv");
        Check none = OutputRecord.differencing(List.of(nested), Map.of(), 10);
        assertThat(none.status()).isEqualTo(Status.PASS);
        assertThat(none.detail()).isEqualTo("no earlier release of the project to compare with");
    }
}
