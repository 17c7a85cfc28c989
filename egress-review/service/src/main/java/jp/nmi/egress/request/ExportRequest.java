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
 * @param regulator for a regulatory submission, the regulator it goes to ({@link jp.nmi.enclave.project.Regulator}); null
 *     for an output request
 * @param regulatoryPurpose for a regulatory submission, its purpose as the project's spec stated it when the request was made
 */
public record ExportRequest(String id, String project, String author, RequestStatus status, int round, String context,
        String controls, String profile, Instant createdAt, Instant updatedAt, Instant submittedAt, Instant releaseStartedAt,
        String releaseStartedBy, Instant releasedAt, String releasedBy, String regulator, String regulatoryPurpose) {
    /** Whether this is record-level data for a regulator rather than a statistical output. */
    public boolean isRegulatory() {
        return regulator != null;
    }

    /** {@code output} or {@code regulatory}, as the API and the audit trail name the kind. */
    public String kind() {
        return isRegulatory() ? "regulatory" : "output";
    }

    /** A new request, a draft in its first round. */
    public static ExportRequest draft(String id, String project, String author, String context, String controls, String profile,
            Instant now) {
        return draft(id, project, author, context, controls, profile, now, null, null);
    }

    /** A new request, a draft in its first round; a regulatory submission if {@code regulator} is given. */
    public static ExportRequest draft(String id, String project, String author, String context, String controls, String profile,
            Instant now, String regulator, String regulatoryPurpose) {
        return new ExportRequest(id, project, author, RequestStatus.DRAFT, 1, context, controls, profile, now, now, null, null, null,
                null, null, regulator, regulatoryPurpose);
    }

    /** This request moved to {@code to} at {@code now} (in review round {@code round}; submitted now if {@code to} is submitted). */
    public ExportRequest withStatus(RequestStatus to, int newRound, Instant now) {
        return new ExportRequest(id, project, author, to, newRound, context, controls, profile, createdAt, now,
                to == RequestStatus.SUBMITTED ? now : submittedAt, releaseStartedAt, releaseStartedBy, releasedAt, releasedBy, regulator, regulatoryPurpose);
    }

    /** This request as of {@code now}, its status unchanged (a change to its files). */
    public ExportRequest touched(Instant now) {
        return new ExportRequest(id, project, author, status, round, context, controls, profile, createdAt, now, submittedAt,
                releaseStartedAt, releaseStartedBy, releasedAt, releasedBy, regulator, regulatoryPurpose);
    }

    /** This request with a new description and controls, as of {@code now}. */
    public ExportRequest described(String newContext, String newControls, Instant now) {
        return new ExportRequest(id, project, author, status, round, newContext, newControls, profile, createdAt, now, submittedAt,
                releaseStartedAt, releaseStartedBy, releasedAt, releasedBy, regulator, regulatoryPurpose);
    }

    /** Approved, its release started at {@code now} by {@code by}. */
    public ExportRequest withReleaseStarted(Instant now, String by) {
        return new ExportRequest(id, project, author, RequestStatus.APPROVED, round, context, controls, profile, createdAt, now,
                submittedAt, now, by, null, null, regulator, regulatoryPurpose);
    }

    /** Its release attempt rolled back: still approved, to be released again. */
    public ExportRequest withReleaseRolledBack(Instant now) {
        return new ExportRequest(id, project, author, status, round, context, controls, profile, createdAt, now, submittedAt, null, null,
                releasedAt, releasedBy, regulator, regulatoryPurpose);
    }

    /** Released at {@code now}, by whoever started the release. */
    public ExportRequest withReleased(Instant now) {
        return new ExportRequest(id, project, author, RequestStatus.RELEASED, round, context, controls, profile, createdAt, now,
                submittedAt, null, null, now, releaseStartedBy, regulator, regulatoryPurpose);
    }
}
