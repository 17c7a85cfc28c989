package jp.nmi.enclave.authz;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
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
    private final java.net.URI fileSystem;
    private final WriteGuard writeGuard;

    /**
     * What the check asks of storage before a write runs: the check itself stays free of I/O.
     */
    public interface WriteGuard {
        /**
         * Checks, and claims for the statement until it ends, an outbox directory it would overwrite.
         *
         * @param target the scheme-less path of an outbox directory the statement would overwrite
         * @param firstTime whether this statement names it for the first time (a plan is checked more than once): the
         *     claim counts statements, so that one of two statements of a member ending frees the name for nobody else
         * @throws jp.nmi.enclave.error.AccessDeniedException if {@code user} may not overwrite it
         */
        void checkOutboxDirectory(String user, String target, boolean firstTime);
    }

    /**
     * @param fileSystem the enclave's own filesystem (scheme and authority): the only one written to
     */
    public AuthzContext(RangerAuthorizer authorizer, ProjectScope scope, String pseudonymKeyHandle, java.net.URI fileSystem,
            WriteGuard writeGuard) {
        this.authorizer = requireNonNull(authorizer, "authorizer is null");
        this.scope = requireNonNull(scope, "scope is null");
        this.pseudonymKeyHandle = requireNonNull(pseudonymKeyHandle, "pseudonymKeyHandle is null");
        this.fileSystem = requireNonNull(fileSystem, "fileSystem is null");
        this.writeGuard = requireNonNull(writeGuard, "writeGuard is null");
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
                        .filter(m -> m.maskType().equals(java.util.Optional.of(jp.nmi.enclave.policy.MaskType.CUSTOM)))
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

    /** An audience's own copies of the project's tables, and the groups whose members read them. */
    private record AudienceRelations(String name, Set<String> groups,
            Map<String, org.apache.spark.sql.execution.datasources.LogicalRelation> relations, Set<String> hidden) {}

    private final java.util.List<AudienceRelations> audiences = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Project pseudonyms of everyone who opted out, as the workspace filter matches them. */
    private volatile Set<String> optouts = Set.of();
    private volatile scala.collection.immutable.Set<Object> optoutValues = scala.collection.immutable.Set$.MODULE$.empty();

    /**
     * Registers an audience: members of any of {@code groups} read {@code relations} (resolved by
     * the enclave, table name to relation) instead of the project's tables of those names.
     */
    public void registerAudience(String name, Set<String> groups,
            Map<String, org.apache.spark.sql.execution.datasources.LogicalRelation> relations, Set<String> hidden) {
        audiences.add(new AudienceRelations(name, Set.copyOf(groups), Map.copyOf(relations), Set.copyOf(hidden)));
    }

    /** Forgets every audience (before the project's tables are registered again). */
    public void clearAudiences() {
        audiences.clear();
    }

    /** The name of the audience {@code principal} belongs to, if any. */
    public java.util.Optional<String> audienceOf(Principal principal) {
        for (AudienceRelations a : audiences) {
            if (principal.groups().stream().anyMatch(a.groups()::contains)) {
                return java.util.Optional.of(a.name());
            }
        }
        return java.util.Optional.empty();
    }

    /** The audience's relation for {@code table} if {@code principal} belongs to an audience that has one. */
    java.util.Optional<org.apache.spark.sql.execution.datasources.LogicalRelation> audienceRelation(Principal principal, String table) {
        for (AudienceRelations a : audiences) {
            if (principal.groups().stream().anyMatch(a.groups()::contains)) {
                return java.util.Optional.ofNullable(a.relations().get(table.toLowerCase(java.util.Locale.ROOT)));
            }
        }
        return java.util.Optional.empty();
    }

    /** The project pseudonyms of every participant who opted out, in force from the next statement. */
    public void updateOptouts(Set<String> projectPseudonyms) {
        if (projectPseudonyms.equals(optouts)) {
            return;
        }
        java.util.Set<Object> values = new java.util.HashSet<>();
        projectPseudonyms.forEach(p -> values.add(org.apache.spark.unsafe.types.UTF8String.fromString(p)));
        optoutValues = scala.jdk.javaapi.CollectionConverters.asScala(values).toSet();
        optouts = Set.copyOf(projectPseudonyms);
    }

    /**
     * The row filter of a workspace table: no row whose string column (or element of an array of
     * strings) is the pseudonym of a participant the table's owner may not see now: everyone who
     * opted out, and, for an audience of its own, everyone outside it (an industry member's table
     * made before a participant withdrew commercial consent). Derived data carries pseudonyms
     * wherever the analyst put them, under any column name; workspace tables hold no structs or
     * maps; a transformed pseudonym is not recognised (docs/security-model.md).
     */
    java.util.Optional<org.apache.spark.sql.catalyst.expressions.Expression> workspaceFilter(
            org.apache.spark.sql.execution.datasources.LogicalRelation relation, Principal principal) {
        Set<String> hiddenFromAudience = Set.of();
        for (AudienceRelations a : audiences) {
            if (principal.groups().stream().anyMatch(a.groups()::contains)) {
                hiddenFromAudience = a.hidden();
                break;
            }
        }
        scala.collection.immutable.Set<Object> values = optoutValues;
        if (!hiddenFromAudience.isEmpty()) {
            java.util.Set<Object> all = new java.util.HashSet<>(scala.jdk.javaapi.CollectionConverters.asJava(values));
            hiddenFromAudience.forEach(p -> all.add(org.apache.spark.unsafe.types.UTF8String.fromString(p)));
            values = scala.jdk.javaapi.CollectionConverters.asScala(all).toSet();
        }
        if (values.isEmpty()) {
            return java.util.Optional.empty();
        }
        org.apache.spark.sql.catalyst.expressions.Expression out = null;
        for (org.apache.spark.sql.catalyst.expressions.AttributeReference a : Scala.list(relation.output())) {
            org.apache.spark.sql.catalyst.expressions.Expression matches;
            if (a.dataType() instanceof org.apache.spark.sql.types.StringType) {
                matches = new org.apache.spark.sql.catalyst.expressions.InSet(a, values);
            } else if (a.dataType() instanceof org.apache.spark.sql.types.ArrayType t
                    && t.elementType() instanceof org.apache.spark.sql.types.StringType) {
                matches = new org.apache.spark.sql.catalyst.expressions.ArraysOverlap(a,
                        org.apache.spark.sql.catalyst.expressions.Literal.create(
                                new org.apache.spark.sql.catalyst.util.GenericArrayData(Scala.seq(new java.util.ArrayList<>(
                                        scala.jdk.javaapi.CollectionConverters.asJava(values)))), t));
            } else {
                continue;
            }
            org.apache.spark.sql.catalyst.expressions.Expression keep = new org.apache.spark.sql.catalyst.expressions.Not(
                    new org.apache.spark.sql.catalyst.expressions.Coalesce(Scala.seq(java.util.List.of(matches,
                            org.apache.spark.sql.catalyst.expressions.Literal.create(false,
                                    org.apache.spark.sql.types.DataTypes.BooleanType)))));
            out = out == null ? keep : new org.apache.spark.sql.catalyst.expressions.And(out, keep);
        }
        return java.util.Optional.ofNullable(out);
    }

    java.net.URI fileSystem() {
        return fileSystem;
    }

    WriteGuard writeGuard() {
        return writeGuard;
    }
}
