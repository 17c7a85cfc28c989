package jp.nmi.egress.request;

import java.time.Instant;

/**
 * One steward's decision on one file in one round, with a comment for the author and one for
 * stewards only. {@code revisedAfterReveal}: changed after both reviews of the round were in, when
 * each steward could read the other's.
 */
public record Review(String requestId, int round, String fileName, String reviewer, Decision decision, String publicComment,
        String privateComment, Instant decidedAt, boolean revisedAfterReveal) {}
