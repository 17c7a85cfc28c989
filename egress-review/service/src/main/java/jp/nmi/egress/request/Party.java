package jp.nmi.egress.request;

/** Who may move a request on. */
public enum Party {
    /** The analyst who created the request. */
    AUTHOR,
    /** A steward independent of the request: not its author, not a member of its project. */
    STEWARD,
    /** A steward completing their review: the move follows from how many stewards have reviewed. */
    REVIEWER
}
