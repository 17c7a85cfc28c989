package jp.nmi.egress.request;

import java.time.Instant;

/**
 * A file of a request asked for and not yet taken in: the intake workers copy it from the outbox
 * into quarantine, hash and check it, and then it becomes a {@link RequestFile}.
 *
 * @param round the round the file is for
 * @param token this version of the request for the name (a later one replaces it)
 * @param failure why it could not be taken in, or null while it waits
 */
public record Intake(String requestId, String name, int round, String token, String requestedBy, Instant requestedAt, String failure) {
    public boolean failed() {
        return failure != null;
    }
}
