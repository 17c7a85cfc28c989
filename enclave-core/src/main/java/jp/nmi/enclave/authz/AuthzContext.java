package jp.nmi.enclave.authz;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.policy.Principal;
import jp.nmi.enclave.policy.RangerAuthorizer;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What the authorizer's rules need to decide, for the one project a Spark application serves:
 * the Ranger authorizer, the project's scope, the allowlist, and the statement in progress on each
 * thread. The rules find it through the session's SparkContext; a session without one serves no
 * statement at all.
 */
public final class AuthzContext {
    private static final Map<SparkContext, AuthzContext> CONTEXTS = new WeakHashMap<>();

    private final RangerAuthorizer authorizer;
    private final ProjectScope scope;
    private final Allowlist allowlist;
    private final String pseudonymKeyHandle;
    private final ThreadLocal<StatementTrace> current = new ThreadLocal<>();
    private final PolicyExpressions policyExpressions = new PolicyExpressions();
    /** Derived tables in the workspace database and the user who created each. */
    private final Map<String, String> workspaceOwners = new ConcurrentHashMap<>();

    public AuthzContext(RangerAuthorizer authorizer, ProjectScope scope, String pseudonymKeyHandle) {
        this.authorizer = requireNonNull(authorizer, "authorizer is null");
        this.scope = requireNonNull(scope, "scope is null");
        this.pseudonymKeyHandle = requireNonNull(pseudonymKeyHandle, "pseudonymKeyHandle is null");
        this.allowlist = Allowlist.load();
    }

    public static synchronized void register(SparkContext sc, AuthzContext context) {
        AuthzContext existing = CONTEXTS.get(sc);
        if (existing != null && existing != context) {
            throw new IllegalStateException("this Spark application already serves project " + existing.scope.projectId()
                    + "; one project per Spark application");
        }
        CONTEXTS.put(sc, context);
    }

    public static synchronized void unregister(SparkContext sc) {
        CONTEXTS.remove(sc);
    }

    static synchronized AuthzContext of(SparkSession session) {
        return CONTEXTS.get(session.sparkContext());
    }

    /** Starts a statement for {@code principal} on this thread. */
    public StatementTrace begin(Principal principal) {
        StatementTrace trace = StatementTrace.forUser(principal);
        current.set(trace);
        return trace;
    }

    /** Starts one of the enclave's own set-up statements on this thread. */
    public StatementTrace beginSystem() {
        StatementTrace trace = StatementTrace.forSystem();
        current.set(trace);
        return trace;
    }

    public void end() {
        current.remove();
    }

    void restore(StatementTrace previous) {
        if (previous == null) {
            current.remove();
        } else {
            current.set(previous);
        }
    }

    /**
     * Evaluates, before a statement of {@code principal} is analysed, the subqueries of every
     * policy expression that can apply to it on the project's tables, so that the analysis itself
     * never reads a table outside the user's policies.
     *
     * @param tables the project's tables: name to columns (name and type)
     */
    public void prepareStatement(Principal principal, Map<String, java.util.List<org.apache.spark.sql.types.StructField>> tables,
            org.apache.spark.sql.classic.SparkSession systemSession) {
        Long version = authorizer.loadedVersion();
        for (Map.Entry<String, java.util.List<org.apache.spark.sql.types.StructField>> t : tables.entrySet()) {
            authorizer.rowFilter(principal, scope.database(), t.getKey())
                    .ifPresent(f -> policyExpressions.prepare(f.expression(), version, systemSession, this));
            for (org.apache.spark.sql.types.StructField column : t.getValue()) {
                authorizer.mask(principal, scope.database(), t.getKey(), column.name())
                        .filter(m -> "CUSTOM".equalsIgnoreCase(m.type()))
                        .ifPresent(m -> policyExpressions.prepare(MaskSql.of(m, column.name(), column.dataType()), version,
                                systemSession, this));
            }
        }
    }

    PolicyExpressions policyExpressions() {
        return policyExpressions;
    }

    StatementTrace currentTrace() {
        return current.get();
    }

    RangerAuthorizer authorizer() {
        return authorizer;
    }

    public ProjectScope scope() {
        return scope;
    }

    Allowlist allowlist() {
        return allowlist;
    }

    String pseudonymKeyHandle() {
        return pseudonymKeyHandle;
    }

    void recordWorkspaceOwner(String table, String user) {
        workspaceOwners.put(table.toLowerCase(java.util.Locale.ROOT), user);
    }

    String workspaceOwner(String table) {
        return workspaceOwners.get(table.toLowerCase(java.util.Locale.ROOT));
    }
}
