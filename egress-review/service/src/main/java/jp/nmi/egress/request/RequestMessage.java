package jp.nmi.egress.request;

import java.time.Instant;

/**
 * A steward's message to the author of a request: why it was returned (what to change) or
 * rejected, for one round. The author reads it on the request's page and in the API.
 */
public record RequestMessage(String requestId, int round, Kind kind, String sender, String message, Instant sentAt) {
    /** What the message goes with. */
    public enum Kind {
        RETURN, REJECT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label().equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown message kind '" + label + "'");
        }
    }
}
