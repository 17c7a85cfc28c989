package jp.nmi.egress.request;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every action the egress service records in its audit chain, the one list of their names and of
 * the details each may carry. The moves of the state machine carry theirs in {@link Transitions};
 * the others are steps that change no status. An event with a detail its action does not declare,
 * or without the request it is about, is refused before it is written: the chain's vocabulary is
 * this table, not whatever a call site spells.
 */
public enum AuditAction {
    REQUEST_CREATE("request.create", "files kind regulator regulatory_purpose context controls profile"),
    /** Files added to a request or removed from it. */
    REQUEST_FILES("request.files", "round files removed sha256"),
    REQUEST_EDIT("request.edit", "round context controls"),
    /** A file taken in (copied into quarantine and checked), or why it could not be (outcome {@code failed}). */
    FILE_CHECKED("file.checked", "round file sha256 size check metadata profile replaced failure"),
    REQUEST_SUBMIT("request.submit", Moves.DETAILS),
    REQUEST_RESUBMIT("request.resubmit", Moves.DETAILS),
    REQUEST_WITHDRAW("request.withdraw", Moves.DETAILS),
    REQUEST_FIRST_REVIEW("request.first_review", Moves.DETAILS),
    REQUEST_SECOND_REVIEW("request.second_review", Moves.DETAILS),
    REQUEST_APPROVE("request.approve", Moves.DETAILS),
    REQUEST_RETURN("request.return", Moves.DETAILS),
    REQUEST_REJECT("request.reject", Moves.DETAILS),
    REQUEST_RELEASE("request.release", Moves.DETAILS),
    REVIEW_DECIDE("review.decide", "round decisions reviewer_role kind regulator revised_after_reveal"),
    REVIEW_RESOLVE("review.resolve", "round resolutions"),
    RELEASE_RETRY("release.retry", "round kind regulator"),
    RELEASE_ROLLED_BACK("release.rolled_back", "reason"),
    FILE_DOWNLOAD("file.download", "file sha256");

    /** What every event names: the request it is about. */
    public static final String REQUEST = "request";

    private final String label;
    private final Set<String> details;

    AuditAction(String label, String details) {
        this.label = label;
        Set<String> d = new TreeSet<>(Arrays.asList(details.split(" ")));
        d.add(REQUEST);
        this.details = Set.copyOf(d);
    }

    /** The details every move of the state machine may carry (a holder: enum constants cannot name the enum's own statics). */
    private static final class Moves {
        static final String DETAILS = "from to round kind regulator reviewers message files recovered package";
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
