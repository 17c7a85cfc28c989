package jp.nmi.enclave.error;

/** HDFS or the local key store failed underneath an operation; the operation did not publish anything. */
public class EnclaveStorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EnclaveStorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public EnclaveStorageException(String message) {
        super(message);
    }
}
