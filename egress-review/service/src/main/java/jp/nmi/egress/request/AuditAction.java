package jp.nmi.egress.request;

/**
 * Every action the egress service records in its audit chain, the one list of their names. The
 * moves of the state machine carry theirs in {@link Transitions}; the others are steps that change
 * no status.
 */
public enum AuditAction {
    REQUEST_CREATE("request.create"),
    REQUEST_FILES("request.files"),
    REQUEST_EDIT("request.edit"),
    /** A file taken in (copied into quarantine and checked), or why it could not be (outcome {@code failed}). */
    FILE_CHECKED("file.checked"),
    REQUEST_SUBMIT("request.submit"),
    REQUEST_RESUBMIT("request.resubmit"),
    REQUEST_WITHDRAW("request.withdraw"),
    REQUEST_FIRST_REVIEW("request.first_review"),
    REQUEST_SECOND_REVIEW("request.second_review"),
    REQUEST_APPROVE("request.approve"),
    REQUEST_RETURN("request.return"),
    REQUEST_REJECT("request.reject"),
    REQUEST_RELEASE("request.release"),
    REVIEW_DECIDE("review.decide"),
    REVIEW_RESOLVE("review.resolve"),
    RELEASE_RETRY("release.retry"),
    RELEASE_ROLLED_BACK("release.rolled_back"),
    FILE_DOWNLOAD("file.download");

    private final String label;

    AuditAction(String label) {
        this.label = label;
    }

    /** As the audit chain spells it. */
    public String label() {
        return label;
    }
}
