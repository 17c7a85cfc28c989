package jp.nmi.egress.request;

import java.time.Instant;

/**
 * An export request as stored.
 *
 * @param id {@code R-000001}, ...
 * @param project the project whose outbox the files came from
 * @param author the analyst who created it
 * @param round the review round: 1, then one more at each resubmission
 * @param context what the outputs are and which cohort they describe (the author's words)
 * @param controls the disclosure controls the author applied
 * @param profile the project's disclosure profile the automatic checks used
 * @param releaseStartedAt set while a release is under way (or was interrupted): recovery looks here
 */
public record ExportRequest(String id, String project, String author, RequestStatus status, int round, String context,
        String controls, String profile, Instant createdAt, Instant updatedAt, Instant submittedAt, Instant releaseStartedAt,
        String releaseStartedBy, Instant releasedAt, String releasedBy) {}
