package jp.nmi.enclave.authz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import jp.nmi.enclave.policy.ColumnMask;
import jp.nmi.enclave.policy.Principal;
import jp.nmi.enclave.policy.RangerAuthorizer;
import jp.nmi.enclave.policy.RowFilter;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.catalyst.trees.TreeNodeTag;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import scala.Option;

/**
 * The resolution rule that applies Ranger's row filters and column masks: every catalog table
 * becomes {@code Project(masked columns, Filter(row filter, table))}, for the user of the
 * statement, inside the analyser where no analyst code runs.
 *
 * <p>The projection keeps the table's original expression ids (the rest of the query may already
 * be resolved against them) and the table below gets fresh ones, so a self-join or a view of the
 * same table stays unambiguous. Masks keep each column's type for the same reason. Subqueries in
 * policy expressions (a cohort filter naming another table) arrive already evaluated, as local
 * relations: see {@link PolicyExpressions}.
 */
final class ApplyPolicies extends Rule<LogicalPlan> {
    static final TreeNodeTag<SecuredRelation> SECURED = new TreeNodeTag<>("enclave.secured");
    /**
     * On the table below a wrapper: never wrapped again, and treated as a table whose every column
     * is read if it is ever found without its wrapper (should Spark drop the wrapper's marker).
     */
    static final TreeNodeTag<SecuredRelation> INNER = new TreeNodeTag<>("enclave.inner");

    /**
     * On each conjunct of a row filter: the physical rule {@link PolicyFilterOrder} evaluates these
     * in a filter of their own, below everything the user wrote.
     */
    static final TreeNodeTag<Long> POLICY_CONJUNCT = new TreeNodeTag<>("enclave.policy-conjunct");
    /** The option on the file relation below a row filter: its scan must sit right under that filter. */
    static final String ROW_FILTERED = "__enclave_row_filtered";

    private final SparkSession session;

    ApplyPolicies(SparkSession session) {
        this.session = session;
    }

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
        AuthzContext context = AuthzContext.of(session);
        StatementTrace trace = context == null ? null : context.currentTrace();
        // Without a context or a user there is nothing to apply; the check rule denies the statement.
        if (trace == null || trace.isSystem()) {
            return plan;
        }
        return secure(plan, context, trace);
    }

    private LogicalPlan secure(LogicalPlan plan, AuthzContext context, StatementTrace trace) {
        if (plan.getTagValue(SECURED).isDefined() || plan.getTagValue(INNER).isDefined()) {
            return plan;
        }
        if (plan instanceof LogicalRelation relation && relation.catalogTable().isDefined()) {
            return wrap(relation, relation.catalogTable().get(), context, trace);
        }
        LogicalPlan withChildren = plan.mapChildren(child -> secure(child, context, trace));
        return (LogicalPlan) withChildren.transformExpressions(Scala.on(SubqueryExpression.class,
                s -> s.withNewPlan(secure(s.plan(), context, trace))));
    }

    private LogicalPlan wrap(LogicalRelation relation, CatalogTable table, AuthzContext context, StatementTrace trace) {
        String database = table.identifier().database().isDefined() ? table.identifier().database().get() : "default";
        String name = table.identifier().table();
        checkReadOptions(relation, table);
        boolean workspace = context.scope().isWorkspaceDatabase(database);
        RangerAuthorizer authorizer = context.authorizer();
        Principal principal = trace.principal();

        boolean project = !workspace && context.scope().isProjectDatabase(database);
        // An audience of its own (industry members of a non-commercial project) reads files that hold
        // only the participants it may see; the policies below are applied to them all the same.
        LogicalRelation source = relation;
        if (project && context.audienceOf(principal).isPresent()) {
            Optional<LogicalRelation> own = context.audienceRelation(principal, name);
            boolean personLevel = Scala.list(relation.output()).stream().anyMatch(a -> a.name().equalsIgnoreCase("participant_id"));
            if (own.isEmpty() && personLevel) {
                // an audience reads its own copy of every table that holds people, or nothing
                throw new jp.nmi.enclave.error.AccessDeniedException("the audience of " + principal.user() + " has no copy of "
                        + database + "." + name + "; the statement is not run");
            }
            source = own.orElse(relation);
        }
        LogicalRelation inner = source.newInstance();
        Set<Long> policies = new HashSet<>();
        LogicalPlan child = inner;
        Expression condition = null;
        long policyId = -1;
        if (project) {
            Optional<RowFilter> filter = authorizer.rowFilter(principal, database, name);
            if (filter.isPresent()) {
                condition = policyExpression(context, filter.get().expression());
                policyId = filter.get().policyId();
                policies.add(policyId);
            }
        } else if (workspace) {
            // participants who opted out leave the user's derived tables from the next statement on
            condition = context.workspaceFilter(inner, principal).orElse(null);
        }
        if (condition != null) {
            inner = rowFiltered(inner);
            child = new Filter(tagged(condition, policyId), inner);
        }
        List<AttributeReference> outputs = Scala.list(relation.output());
        List<AttributeReference> inputs = Scala.list(inner.output());
        if (outputs.size() != inputs.size()) {
            throw new jp.nmi.enclave.error.AccessDeniedException("the audience's copy of " + database + "." + name
                    + " does not have the table's columns; the statement is not run");
        }
        List<NamedExpression> projection = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            AttributeReference original = outputs.get(i);
            Expression value = inputs.get(i);
            if (!original.name().equals(inputs.get(i).name())) {
                throw new jp.nmi.enclave.error.AccessDeniedException("the audience's copy of " + database + "." + name
                        + " does not have the table's columns; the statement is not run");
            }
            if (project) {
                Optional<ColumnMask> mask = authorizer.mask(principal, database, name, original.name());
                if (mask.isPresent() && !mask.get().maskType().equals(Optional.of(jp.nmi.enclave.policy.MaskType.MASK_NONE))) {
                    value = policyExpression(context, MaskSql.of(mask.get(), original.name(), original.dataType()));
                    policies.add(mask.get().policyId());
                }
            }
            projection.add(new Alias(value, original.name(), original.exprId(), original.qualifier(), Option.empty(),
                    Scala.<String>seq(List.of())));
        }
        Project secured = new Project(Scala.seq(projection), child);
        SecuredRelation marker = new SecuredRelation(database, name, workspace, Set.copyOf(policies));
        secured.setTagValue(SECURED, marker);
        // inner is a fresh instance made above, never one Spark caches and shares between queries
        inner.setTagValue(INNER, marker);
        return secured;
    }

    /**
     * A table is read with the options it was registered with and nothing more: options a statement
     * adds ({@code WITH (...)}, however it got past the parser) reach the Hadoop configuration its
     * files are listed and read with.
     */
    private static void checkReadOptions(LogicalRelation relation, CatalogTable table) {
        if (!(relation.relation() instanceof org.apache.spark.sql.execution.datasources.HadoopFsRelation h)) {
            return;
        }
        java.util.Set<String> allowed = new java.util.HashSet<>();
        scala.jdk.javaapi.CollectionConverters.asJava(table.storage().properties()).keySet()
                .forEach(k -> allowed.add(k.toLowerCase(java.util.Locale.ROOT)));
        allowed.add("path");
        allowed.add(ROW_FILTERED.toLowerCase(java.util.Locale.ROOT));
        for (String key : scala.jdk.javaapi.CollectionConverters.asJava(h.options()).keySet()) {
            if (!allowed.contains(key.toLowerCase(java.util.Locale.ROOT))) {
                throw jp.nmi.enclave.error.AccessDeniedException.denyPlanNode("reading " + table.identifier().unquotedString()
                        + " with options", "a table is read as the enclave registered it");
            }
        }
    }

    /** {@code condition} with each of its conjuncts marked as the policy's. */
    private static Expression tagged(Expression condition, long policyId) {
        List<Expression> conjuncts = new ArrayList<>();
        split(condition, conjuncts);
        Expression out = null;
        for (Expression c : conjuncts) {
            c.setTagValue(POLICY_CONJUNCT, policyId);
            out = out == null ? c : new org.apache.spark.sql.catalyst.expressions.And(out, c);
        }
        return out;
    }

    static void split(Expression e, List<Expression> out) {
        if (e instanceof org.apache.spark.sql.catalyst.expressions.And and) {
            split(and.left(), out);
            split(and.right(), out);
        } else {
            out.add(e);
        }
    }

    /** The relation, its file relation carrying the option that says a row filter must sit right above its scan. */
    private static LogicalRelation rowFiltered(LogicalRelation r) {
        if (!(r.relation() instanceof org.apache.spark.sql.execution.datasources.HadoopFsRelation h)) {
            throw new jp.nmi.enclave.error.AccessDeniedException("a row filter applies to a table that is not stored as files;"
                    + " the enclave cannot prove the filter runs first");
        }
        org.apache.spark.sql.execution.datasources.HadoopFsRelation marked = new org.apache.spark.sql.execution.datasources.HadoopFsRelation(
                h.location(), h.partitionSchema(), h.dataSchema(), h.bucketSpec(), h.fileFormat(), h.options().updated(ROW_FILTERED, "true"),
                h.sparkSession());
        return new LogicalRelation(marked, r.output(), r.catalogTable(), r.isStreaming(), r.stream());
    }

    /** A policy's SQL expression, its subqueries already replaced by their rows (see {@link PolicyExpressions}). */
    private Expression policyExpression(AuthzContext context, String sql) {
        Expression parsed = PolicyExpressions.parse((org.apache.spark.sql.classic.SparkSession) session, sql);
        Expression bound = PseudonymFunction.bind(parsed, context.pseudonymKeyHandle());
        return context.policyExpressions().substitute(bound, context.authorizer().loadedVersion());
    }
}
