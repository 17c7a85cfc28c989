package jp.nmi.egress.disclosure;

/** Bad input to a disclosure check: an unknown profile, a spec that does not parse, a column the data lacks. */
public class DisclosureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DisclosureException(String message) {
        super(message);
    }
}
