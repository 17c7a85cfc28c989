package jp.nmi.enclave.authz;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a project's session may read and write: its dataset database, each member's own workspace
 * database for derived tables, and the HDFS directories of the workspace and the outbox (paths
 * without scheme, on the enclave's own filesystem).
 *
 * <p>Every member has a workspace of their own: analysts write {@code workspace.t}, and the
 * enclave reads it as {@code workspace_<user>.t}, a database whose files live under
 * {@code <workspace>/users/<user>/}. Whose a workspace table is follows from where it is; nothing
 * has to be recorded, and no statement can make another member's table its own.
 */
public record ProjectScope(String projectId, String database, String workspacePath, String outboxPath) {
    /** The database name analysts write for their own workspace. */
    public static final String WORKSPACE = "workspace";
    private static final String WORKSPACE_PREFIX = WORKSPACE + "_";
    /** User names as project specs allow them. */
    private static final Pattern USER = Pattern.compile("[a-z0-9_-]{1,64}");

    public ProjectScope {
        requireNonNull(projectId, "projectId is null");
        requireNonNull(database, "database is null");
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

    /** The workspace database of {@code user}. */
    public String workspaceDatabaseOf(String user) {
        if (!USER.matcher(user).matches()) {
            throw new IllegalArgumentException("'" + user + "' is not a user name");
        }
        return WORKSPACE_PREFIX + user;
    }

    /** Whose workspace {@code db} is, if it is a workspace database. */
    public Optional<String> workspaceUser(String db) {
        if (db == null) {
            return Optional.empty();
        }
        String lower = db.toLowerCase(Locale.ROOT);
        if (!lower.startsWith(WORKSPACE_PREFIX)) {
            return Optional.empty();
        }
        String user = lower.substring(WORKSPACE_PREFIX.length());
        return USER.matcher(user).matches() ? Optional.of(user) : Optional.empty();
    }

    public boolean isWorkspaceDatabase(String db) {
        return workspaceUser(db).isPresent();
    }

    /** Where {@code user}'s workspace tables live (scheme-less). */
    public String workspaceDirectoryOf(String user) {
        workspaceDatabaseOf(user); // validates the name
        return workspacePath + "/users/" + user;
    }
}
