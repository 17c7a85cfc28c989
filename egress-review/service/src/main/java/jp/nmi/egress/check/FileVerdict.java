package jp.nmi.egress.check;

import java.util.List;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Status;

/**
 * The automatic verdict on one submitted file.
 *
 * @param status pass, review or fail (the worst check)
 * @param metadata {@code verified}, {@code absent} or {@code invalid}
 * @param reportJson the checks as shown to stewards, with the offsets that place table cells in the CSV
 * @param cells the published cells with contributor hashes (verified records only; empty otherwise)
 */
public record FileVerdict(Status status, String metadata, String reportJson, List<OutputRecord.RecordedCell> cells) {}
