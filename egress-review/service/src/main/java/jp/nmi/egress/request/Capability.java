package jp.nmi.egress.request;

/** What may be done with a request in a given status (besides its moves), as the transition table says. */
public enum Capability {
    /** Add or replace files (the author). */
    CHANGE_FILES,
    /** Record file decisions (stewards). */
    REVIEW,
    /** Start or retry a release (a steward). */
    RELEASE,
    /** Withdraw it (the author). */
    WITHDRAW,
    /** Download its files (members of the project). */
    DOWNLOAD
}
