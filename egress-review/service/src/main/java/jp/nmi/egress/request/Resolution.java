package jp.nmi.egress.request;

import java.time.Instant;

/**
 * How a conflict between the two stewards' decisions on a file was settled: a further decision,
 * by either of them or a third independent steward, with the discussion note that led to it.
 */
public record Resolution(String requestId, int round, String fileName, String resolver, Decision decision, String note,
        Instant resolvedAt) {}
