package jp.nmi.egress.request;

/** A request was asked to move where its state machine does not go. Nothing changed. */
public class InvalidStateTransitionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidStateTransitionException(String message) {
        super(message);
    }
}
