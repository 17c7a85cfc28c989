package jp.nmi.egress.request;

import java.time.Instant;

/**
 * One steward's decision on one file in one round, with a comment for the author and one for
 * stewards only. {@code revisedAfterReveal}: changed after both reviews of the round were in, when
 * each steward could read the other's. {@code reviewerRole}: {@code steward} or {@code approver}, as
 * the reviewer's directory entry said when the review was written.
 */
public record Review(String requestId, int round, String fileName, String reviewer, Decision decision, String publicComment,
        String privateComment, Instant decidedAt, boolean revisedAfterReveal, String reviewerRole) {
    public static final String STEWARD = "steward";
    public static final String APPROVER = "approver";

    /** The capacity in which {@code actor} reviews: the provider's approver, or a steward. */
    public static String roleOf(jp.nmi.egress.security.Actor actor) {
        return actor.isApprover() ? APPROVER : STEWARD;
    }
}
