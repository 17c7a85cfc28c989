package jp.nmi.egress.request;

import java.util.Locale;

/** Where an export request is in its life. The allowed moves are in {@link Transitions}. */
public enum RequestStatus {
    /** Being put together by its author; files are in quarantine, nobody reviews yet. */
    DRAFT,
    /** Waiting for two independent stewards. */
    SUBMITTED,
    /** One steward has reviewed every file; waiting for the second. */
    PARTIALLY_REVIEWED,
    /** Two stewards have reviewed every file; a steward releases, returns or rejects it. */
    REVIEWED,
    /** Every file approved by both stewards; release is under way (or was interrupted and can be retried). */
    APPROVED,
    /** Sent back to the author with comments; the author changes files and resubmits, or withdraws. */
    RETURNED,
    /** Refused; nothing leaves. Terminal. */
    REJECTED,
    /** The approved bytes have left the enclave. Terminal. */
    RELEASED,
    /** Withdrawn by its author. Terminal. */
    WITHDRAWN;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isTerminal() {
        return this == REJECTED || this == RELEASED || this == WITHDRAWN;
    }

    /** Parses a stored or requested status; unknown text is an error, never a default. */
    public static RequestStatus of(String label) {
        for (RequestStatus s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown request status '" + label + "'");
    }
}
