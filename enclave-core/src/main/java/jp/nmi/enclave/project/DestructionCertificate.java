package jp.nmi.enclave.project;

import java.util.List;

/**
 * Proof that a closed project's data was destroyed: what was deleted (every file, its size and
 * SHA-256), when, by whom, and the check made afterwards that none of it remains and that the
 * project's pseudonym key is gone. Signed with HMAC-SHA256 under the provider key, so that a
 * certificate cannot be edited or forged by anyone without the key.
 */
public record DestructionCertificate(int format, String project, String title, String approvalReference, String closedBy,
        String closedAt, String reason, boolean pendingExportsOverridden, List<DeletedDirectory> deleted, String keyAlias,
        List<Check> checks, String signature) {
    public static final int FORMAT = 1;

    /** A directory that was deleted, with every file it held. */
    public record DeletedDirectory(String path, long files, long bytes, List<DeletedFile> contents) {}

    /** One deleted file. */
    public record DeletedFile(String path, long bytes, String sha256) {}

    /** What was checked after the deletion, and what was found. */
    public record Check(String what, boolean passed, String detail) {}

    public DestructionCertificate withSignature(String s) {
        return new DestructionCertificate(format, project, title, approvalReference, closedBy, closedAt, reason, pendingExportsOverridden,
                deleted, keyAlias, checks, s);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean allChecksPassed() {
        return checks.stream().allMatch(Check::passed);
    }
}
