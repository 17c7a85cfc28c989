package jp.nmi.enclave.authz;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Where a project's session may read and write: its dataset database, the workspace database for
 * derived tables, and the HDFS directories of its workspace and outbox (paths without scheme).
 */
public record ProjectScope(String projectId, String database, String workspaceDatabase, String workspacePath, String outboxPath) {
    public ProjectScope {
        requireNonNull(projectId, "projectId is null");
        requireNonNull(database, "database is null");
        requireNonNull(workspaceDatabase, "workspaceDatabase is null");
        requireNonNull(workspacePath, "workspacePath is null");
        requireNonNull(outboxPath, "outboxPath is null");
    }

    /** The SQL database a project's datasets live in: {@code DEMO-1} becomes {@code demo_1}. */
    public static String databaseOf(String projectId) {
        return projectId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    public boolean isProjectDatabase(String db) {
        return database.equalsIgnoreCase(db);
    }

    public boolean isWorkspaceDatabase(String db) {
        return workspaceDatabase.equalsIgnoreCase(db);
    }

    /** Whether {@code path} (scheme-less, normalised) lies under the workspace or the outbox. */
    public boolean isWritablePath(String path) {
        return isUnder(path, workspacePath) || isUnder(path, outboxPath);
    }

    static boolean isUnder(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir.endsWith("/") ? dir : dir + "/");
    }
}
