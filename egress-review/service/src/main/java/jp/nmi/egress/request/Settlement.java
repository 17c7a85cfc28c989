package jp.nmi.egress.request;

/** What settling a release attempt did: finished it, rolled it back, or found nothing of it to settle. */
public enum Settlement {
    /** Its directory was published with exactly the reviewed bytes: the release is committed. */
    FINISHED("finished"),
    /** Anything staged or published was removed; the request stays approved, to be released again. */
    ROLLED_BACK("rolled back"),
    /** Another attempt owns the request now, or it is already done. */
    NOTHING_TO_SETTLE("nothing to settle");

    private final String label;

    Settlement(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
