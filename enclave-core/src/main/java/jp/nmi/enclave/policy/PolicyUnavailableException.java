package jp.nmi.enclave.policy;

/** The policy source cannot be read: every statement is refused until it can. */
public class PolicyUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PolicyUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public PolicyUnavailableException(String message) {
        super(message);
    }
}
