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
        boolean workspace = context.scope().isWorkspaceDatabase(database);
        RangerAuthorizer authorizer = context.authorizer();
        Principal principal = trace.principal();

        LogicalRelation inner = relation.newInstance();
        Set<Long> policies = new HashSet<>();
        LogicalPlan child = inner;
        // Derived tables in the workspace carry no dataset policies: only their creator reads them (checked later).
        if (!workspace && context.scope().isProjectDatabase(database)) {
            Optional<RowFilter> filter = authorizer.rowFilter(principal, database, name);
            if (filter.isPresent()) {
                child = new Filter(policyExpression(context, filter.get().expression()), inner);
                policies.add(filter.get().policyId());
            }
        }
        List<AttributeReference> outputs = Scala.list(relation.output());
        List<AttributeReference> inputs = Scala.list(inner.output());
        List<NamedExpression> projection = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            AttributeReference original = outputs.get(i);
            Expression value = inputs.get(i);
            if (!workspace && context.scope().isProjectDatabase(database)) {
                Optional<ColumnMask> mask = authorizer.mask(principal, database, name, original.name());
                if (mask.isPresent() && !"MASK_NONE".equalsIgnoreCase(mask.get().type())) {
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

    /** A policy's SQL expression, its subqueries already replaced by their rows (see {@link PolicyExpressions}). */
    private Expression policyExpression(AuthzContext context, String sql) {
        Expression parsed = PolicyExpressions.parse((org.apache.spark.sql.classic.SparkSession) session, sql);
        return context.policyExpressions().substitute(parsed, context.authorizer().loadedVersion());
    }
}
