package jp.nmi.enclave.error;

/**
 * Bad user input: a malformed file, an unknown column, an invalid value. The message names the
 * file, line and field where it can, and the operation that raised it changed nothing.
 */
public class ValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ValidationException(String message) {
        super(message);
    }

    public ValidationException(String message, Throwable cause) {
        super(message, cause);
    }
}
