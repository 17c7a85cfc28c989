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

    /** The project's files or state cannot be read: said without the storage's own words, which go to the log. */
    public static AccessDeniedException denyUnreadableProject(String projectId) {
        return new AccessDeniedException("project " + projectId + " cannot be read now: the enclave's storage did not answer;"
                + " try again in a moment, or ask the operators");
    }

    /** The access policies cannot be read: every statement is refused (fail closed), without where they are kept. */
    public static AccessDeniedException denyPoliciesUnavailable() {
        return new AccessDeniedException("the project's access policies cannot be read now, so every statement is refused;"
                + " try again in a moment, or ask the operators (the service log has the details)");
    }

    public static AccessDeniedException denyConfiguration(String key, String reason) {
        return new AccessDeniedException("SET " + key + " is not allowed: " + reason);
    }
}
