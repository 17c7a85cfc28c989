package jp.nmi.enclave.error;

/**
 * A statement or action was refused by the enclave's controls. Every message starts with
 * {@value #PREFIX} and says what was denied and why.
 */
public class AccessDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "Access denied: ";

    public AccessDeniedException(String reason) {
        super(PREFIX + reason);
    }

    public static AccessDeniedException denyColumns(String user, java.util.Collection<String> columns) {
        return new AccessDeniedException(user + " may not read " + String.join(", ", columns)
                + " (no Ranger policy allows it)");
    }

    public static AccessDeniedException denyTable(String user, String table) {
        return new AccessDeniedException(user + " may not read " + table + " (no Ranger policy allows any of its columns)");
    }

    public static AccessDeniedException denyPlanNode(String node, String reason) {
        return new AccessDeniedException("the operation " + node + " is not allowed in the enclave" + (reason == null ? "" : ": " + reason));
    }

    public static AccessDeniedException denyFunction(String function, String reason) {
        return new AccessDeniedException("the function " + function + " is not allowed in the enclave: " + reason);
    }

    public static AccessDeniedException denyNoIdentity() {
        return new AccessDeniedException("the statement has no user identity; the enclave runs statements only on behalf of a user");
    }

    public static AccessDeniedException denyWrite(String target, String reason) {
        return new AccessDeniedException("writing to " + target + " is not allowed: " + reason);
    }

    public static AccessDeniedException denyConfiguration(String key, String reason) {
        return new AccessDeniedException("SET " + key + " is not allowed: " + reason);
    }
}
