package jp.nmi.egress.check;

import jp.nmi.egress.disclosure.RuleId;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureChecker;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.egress.disclosure.Status;
import org.junit.jupiter.api.Test;

/** The egress service's automatic checks of one file, without a server: records and their contributor checks. */
class TestFileChecker {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    static Report table() throws Exception {
        StringBuilder rows = new StringBuilder("participant_id,sex\n");
        for (int i = 0; i < 40; i++) {
            rows.append("p").append(i).append(',').append(i % 2 == 0 ? "F" : "M").append('\n');
        }
        return DisclosureChecker.check(Profile.named("acro"), Data.readCsv(new java.io.StringReader(rows.toString()), "t.csv"),
                "crosstab index=sex", DisclosureChecker.Options.REPORT_ONLY);
    }

    static FileCheckerResult check(Report report) {
        byte[] csv = OutputRecord.csv(report);
        OutputRecord record = OutputRecord.create(KEY, "DEMO-1", "t.csv", csv, "alice", report);
        FileVerdict v = new FileChecker(KEY).check("DEMO-1", Profile.named("acro"), "t.csv", csv, Optional.of(record.toJson()), Map.of());
        return new FileCheckerResult(v.status(), v.reportJson());
    }

    record FileCheckerResult(Status status, String report) {}

    @Test
    void aRecordWithVerifiedContributorsPasses() throws Exception {
        FileCheckerResult r = check(table().withCheck(new Check(RuleId.CONTRIBUTORS, Status.PASS, List.of(), "verified")));
        assertThat(r.status()).isEqualTo(Status.PASS);
    }

    /** Issue 10: contributors the enclave could not trace are never a verified pass; the stewards see why. */
    @Test
    void aRecordWhoseContributorsCouldNotBeVerifiedGoesToReviewWithTheReason() throws Exception {
        FileCheckerResult r = check(table().withCheck(new Check(RuleId.CONTRIBUTORS, Status.REVIEW, List.of(),
                "the contributors could not be verified: participant_id is computed in the select list")));
        assertThat(r.status()).isEqualTo(Status.REVIEW);
        assertThat(r.report()).contains("\"rule\":\"contributors\"").contains("participant_id is computed in the select list");
    }

    @Test
    void aRecordThatDoesNotSayWhetherItsContributorsWereVerifiedGoesToReview() throws Exception {
        FileCheckerResult r = check(table());
        assertThat(r.status()).isEqualTo(Status.REVIEW);
        assertThat(r.report()).contains("the record does not show that its contributors were verified");
    }
}
