package jp.nmi.egress.request;

import java.util.List;
import java.util.Locale;

/**
 * Where a file stands after this round's reviews: incomplete below two reviews, approved with two
 * approvals, conflicted when the two differ.
 */
public enum FileDecision {
    INCOMPLETE, APPROVED, CHANGES_REQUESTED, REJECTED, CONFLICTED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A settled conflict: the decision of the resolution. */
    public static FileDecision resolved(Decision d) {
        return switch (d) {
            case APPROVE -> APPROVED;
            case CHANGES -> CHANGES_REQUESTED;
            case REJECT -> REJECTED;
        };
    }

    /** The decision of a file from the reviews of the current round (one per steward). */
    public static FileDecision of(List<Decision> decisions) {
        if (decisions.size() < 2) {
            return INCOMPLETE;
        }
        Decision first = decisions.get(0);
        if (decisions.stream().anyMatch(d -> d != first)) {
            return CONFLICTED;
        }
        return switch (first) {
            case APPROVE -> APPROVED;
            case CHANGES -> CHANGES_REQUESTED;
            case REJECT -> REJECTED;
        };
    }
}
