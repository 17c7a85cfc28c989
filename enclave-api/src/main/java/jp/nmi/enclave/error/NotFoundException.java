package jp.nmi.enclave.error;

/** Something named by the caller does not exist: a dataset, a project, a file. */
public class NotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
