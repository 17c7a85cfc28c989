package jp.nmi.egress.check;

import jp.nmi.egress.disclosure.RuleId;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.DisclosureException;
import jp.nmi.egress.disclosure.FileContents;
import jp.nmi.egress.disclosure.FileTypes;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.egress.disclosure.UnrecordedOutput;

/**
 * The automatic checks the egress service runs on each submitted file (ARCHITECTURE.md section 4:
 * checks run when an output is made and again here). A file whose {@link OutputRecord} verifies
 * keeps the checks made at creation, where the rows were at hand, and is differenced here against
 * everything the project released since; a file without one is checked as far as its content
 * allows and marked for manual review. Nothing passes automatically that no check understood.
 */
public final class FileChecker {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] signingKey;

    public FileChecker(byte[] signingKey) {
        this.signingKey = signingKey.clone();
    }

    /**
     * @param released the project's released cells, by release ("R-000012 table.csv")
     */
    public FileVerdict check(String project, Profile profile, String name, byte[] bytes, Optional<byte[]> recordBytes,
            Map<String, List<OutputRecord.RecordedCell>> released) {
        Check type = FileTypes.check(name);
        if (type.status() == Status.FAIL) {
            return verdict(profile, List.of(type), "absent", "", 0, 0, List.of());
        }
        // what the file carries that nobody would see, whatever the record says
        Check content = FileContents.check(name, bytes);
        String why = null;
        OutputRecord record = null;
        if (recordBytes.isPresent()) {
            try {
                record = OutputRecord.parse(recordBytes.get());
                why = record.verify(signingKey, project, name, bytes);
            } catch (DisclosureException | IllegalArgumentException e) {
                why = e.getMessage();
            }
        }
        if (record == null || why != null) {
            List<Check> checks = new ArrayList<>(UnrecordedOutput.check(name, bytes, profile));
            String state = record == null && why == null ? "absent" : "invalid";
            if (state.equals("invalid")) {
                checks.add(0, new Check(RuleId.METADATA, Status.REVIEW, List.of(), "the record of checks made at creation was ignored: " + why));
            }
            checks.add(1, content);
            return verdict(profile, checks, state, why == null ? "no record of checks made at creation" : why, 1, 0, List.of());
        }
        List<Check> checks = new ArrayList<>();
        checks.add(type);
        checks.add(content);
        Profile recordedProfile = null;
        Object p = record.report().get("profile");
        if (p != null) {
            recordedProfile = Profile.named(p.toString());
        }
        if (recordedProfile == null || !recordedProfile.name().equals(profile.name())) {
            checks.add(new Check(RuleId.PROFILE, Status.FAIL, List.of(), "checked at creation under profile " + p + ", but the project's"
                    + " profile is " + profile.name() + ": make the output again"));
        }
        boolean contributorsVerified = false;
        for (Check c : record.checks()) {
            // the file type is checked here, on the real name; differencing again, against today's releases
            if (c.rule() != RuleId.DIFFERENCING && c.rule() != RuleId.FILE_TYPE) {
                checks.add(c);
            }
            contributorsVerified |= c.rule() == RuleId.CONTRIBUTORS;
        }
        if (!contributorsVerified) {
            // a record made before the enclave traced contributors: its counts rest on the analyst's word
            checks.add(new Check(RuleId.CONTRIBUTORS, Status.REVIEW, List.of(), "the record does not show that its contributors"
                    + " were verified (it was made before the enclave traced them); every cell's count of contributors is unproven"));
        }
        // Differencing at creation saw the releases of that moment; these are the releases of now.
        checks.add(OutputRecord.differencing(record.cells(), released, profile.minCount()));
        return verdict(profile, checks, "verified", "checked at creation by " + record.createdBy() + " at " + jp.nmi.egress.request.Times.shown(record.createdAt())
                + " (" + record.report().getOrDefault("spec", "?") + ")", 1, record.indexColumns(), record.cells());
    }

    /**
     * A file of a regulatory submission: record-level data for a regulator, which no statistical
     * rule could pass and none is meant to. What is checked is what a reader would not see (type and
     * content); the rest is the review of a data steward and the provider's approver.
     */
    public FileVerdict checkRegulatory(Profile profile, String regulator, String name, byte[] bytes) {
        Check type = FileTypes.check(name);
        if (type.status() == Status.FAIL) {
            return verdict(profile, List.of(type), "absent", "", 0, 0, List.of());
        }
        List<Check> checks = new ArrayList<>();
        checks.add(type);
        checks.add(FileContents.check(name, bytes));
        checks.add(new Check(RuleId.MANUAL_REVIEW, Status.REVIEW, List.of(), "record-level data for " + regulator + ": a data steward and"
                + " the provider's approver review it file by file"));
        String why = "record-level data for a regulator: statistical disclosure rules are not what decides it";
        checks.add(Check.notApplicable(RuleId.THRESHOLD, why));
        checks.add(Check.notApplicable(RuleId.DIFFERENCING, why));
        return verdict(profile, checks, "absent", "a regulatory submission to " + regulator + ": no record of checks applies", 1, 0,
                List.of());
    }

    private static FileVerdict verdict(Profile profile, List<Check> checks, String metadata, String metadataDetail, int rowOffset,
            int columnOffset, List<OutputRecord.RecordedCell> cells) {
        Status status = Status.worst(checks);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("status", status.label());
        report.put("profile", profile.name());
        report.put("metadata", metadata);
        report.put("metadata_detail", metadataDetail);
        // Cells are [row, column] of the output's table; in the CSV they sit below the header and
        // right of the label columns.
        report.put("row_offset", rowOffset);
        report.put("column_offset", columnOffset);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Check c : checks) {
            list.add(c.toMap());
        }
        report.put("checks", list);
        try {
            return new FileVerdict(status, metadata, JSON.writeValueAsString(report), cells);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a check report: " + e.getMessage(), e);
        }
    }
}
