package jp.nmi.egress.request;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every action the egress service records in its audit chain, the one list of their names and of
 * the details each carries: a record of {@link AuditDetails} (the moves of the state machine, named
 * in {@link Transitions}, all carry {@link AuditDetails.Moved}; the others are steps that change no
 * status). An event with details of another kind, or without the request it is about, is refused
 * before it is written: the chain's vocabulary is this table, not whatever a call site spells.
 */
public enum AuditAction {
    REQUEST_CREATE("request.create", AuditDetails.RequestCreated.class),
    /** Files added to a request or removed from it. */
    REQUEST_FILES("request.files", AuditDetails.FilesChanged.class),
    REQUEST_EDIT("request.edit", AuditDetails.DescriptionEdited.class),
    REQUEST_PUBLIC_DESCRIPTION("request.public_description", AuditDetails.PublicDescriptionEdited.class),
    /** A file taken in (copied into quarantine and checked), or why it could not be (outcome {@code failed}). */
    FILE_CHECKED("file.checked", AuditDetails.FileChecked.class),
    REQUEST_SUBMIT("request.submit", AuditDetails.Moved.class),
    REQUEST_RESUBMIT("request.resubmit", AuditDetails.Moved.class),
    REQUEST_WITHDRAW("request.withdraw", AuditDetails.Moved.class),
    REQUEST_FIRST_REVIEW("request.first_review", AuditDetails.Moved.class),
    REQUEST_SECOND_REVIEW("request.second_review", AuditDetails.Moved.class),
    REQUEST_APPROVE("request.approve", AuditDetails.Moved.class),
    REQUEST_RETURN("request.return", AuditDetails.Moved.class),
    REQUEST_REJECT("request.reject", AuditDetails.Moved.class),
    REQUEST_RELEASE("request.release", AuditDetails.Moved.class),
    REVIEW_DECIDE("review.decide", AuditDetails.ReviewDecided.class),
    REVIEW_RESOLVE("review.resolve", AuditDetails.ReviewResolved.class),
    RELEASE_RETRY("release.retry", AuditDetails.ReleaseRetried.class),
    RELEASE_ROLLED_BACK("release.rolled_back", AuditDetails.ReleaseRolledBack.class),
    FILE_DOWNLOAD("file.download", AuditDetails.FileDownloaded.class);

    /** What every event names: the request it is about. */
    public static final String REQUEST = "request";

    private final String label;
    private final Class<? extends AuditDetails> type;
    private final Set<String> details;

    AuditAction(String label, Class<? extends AuditDetails> type) {
        this.label = label;
        this.type = type;
        this.details = Set.copyOf(new TreeSet<>(AuditDetails.keysOf(type)));
    }

    /** The record this action's events carry. */
    public Class<? extends AuditDetails> type() {
        return type;
    }

    /**
     * Refuses details of another kind than this action's.
     *
     * @throws IllegalArgumentException naming the action and both kinds
     */
    public void check(AuditDetails given) {
        if (!type.isInstance(given)) {
            throw new IllegalArgumentException("audit event " + label + " records " + type.getSimpleName() + ", not "
                    + (given == null ? "nothing" : given.getClass().getSimpleName()));
        }
        check(given.toMap());
    }

    /** As the audit chain spells it. */
    public String label() {
        return label;
    }

    /** The details this action may carry, {@value #REQUEST} among them. */
    public Set<String> details() {
        return details;
    }

    /**
     * Refuses details this action does not declare, and an event that does not name its request.
     *
     * @throws IllegalArgumentException naming the action and the detail
     */
    public void check(Map<String, ?> given) {
        if (!given.containsKey(REQUEST)) {
            throw new IllegalArgumentException("audit event " + label + " does not name its request");
        }
        for (String key : given.keySet()) {
            if (!details.contains(key)) {
                throw new IllegalArgumentException("audit event " + label + " has the detail '" + key + "', which it does not declare "
                        + new TreeSet<>(details));
            }
        }
    }
}
