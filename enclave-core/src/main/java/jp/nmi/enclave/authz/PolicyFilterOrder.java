package jp.nmi.enclave.authz;

import java.util.ArrayList;
import java.util.List;
import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.SparkPlan;

/**
 * Rows a member may not see are never evaluated by that member's expressions: in every physical
 * plan, the conjuncts of a row filter (marked by {@link ApplyPolicies#POLICY_CONJUNCT}) are moved
 * into a filter of their own, directly above the scan of the table they protect, and everything
 * else in the same filter goes into a second filter above it.
 *
 * <p>Why a rule is needed at all: Spark's optimizer merges the user's predicates into the policy's
 * filter, and although it keeps the policy's conjuncts first, it puts inferred predicates (built
 * from the user's own, {@code a = b AND f(b)} infers {@code f(a)}) in front of them, evaluates a
 * filter's common subexpressions before its conjuncts when the filter is not compiled into a
 * whole stage, and moves {@code IS NOT NULL} conjuncts to where their column is first used. A
 * predicate that raises an error on a hidden row (a cast of a pseudonym, a division by zero) then
 * leaks that row. Two filters, one above the other, leave no such freedom: the upper one only ever
 * sees rows the lower one kept.
 *
 * <p>And the proof, fail closed: every scan of a table under a row filter (its file relation
 * carries {@link ApplyPolicies#ROW_FILTERED}) must have, directly above it, a filter of policy
 * conjuncts only, and must prune no partitions by a predicate; otherwise the statement is refused.
 * Runs as a columnar rule, on every physical plan and every adaptive stage, before any row is read.
 */
final class PolicyFilterOrder extends Rule<SparkPlan> {
    @Override
    public SparkPlan apply(SparkPlan plan) {
        SparkPlan split = plan.transformUp(Scala.on(FilterExec.class, PolicyFilterOrder::split));
        verify(split, null);
        return split;
    }

    private static SparkPlan split(FilterExec filter) {
        List<Expression> conjuncts = new ArrayList<>();
        ApplyPolicies.split(filter.condition(), conjuncts);
        List<Expression> policy = new ArrayList<>();
        List<Expression> rest = new ArrayList<>();
        for (Expression c : conjuncts) {
            (isPolicy(c) ? policy : rest).add(c);
        }
        if (policy.isEmpty() || rest.isEmpty()) {
            return filter;
        }
        FilterExec lower = new FilterExec(and(policy), filter.child());
        return new FilterExec(and(rest), lower);
    }

    private static void verify(SparkPlan plan, SparkPlan parent) {
        if (plan instanceof FileSourceScanExec scan && scan.relation().options().contains(ApplyPolicies.ROW_FILTERED)) {
            String table = scan.tableIdentifier().isDefined() ? scan.tableIdentifier().get().unquotedString() : "a table";
            if (!(parent instanceof FilterExec f) || !onlyPolicy(f.condition())) {
                throw new AccessDeniedException("the enclave could not prove that the row filter of " + table + " runs before"
                        + " the statement's own expressions; the statement is not run");
            }
            if (!scan.partitionFilters().isEmpty()) {
                throw new AccessDeniedException("the statement would prune partitions of " + table + " before its row filter runs;"
                        + " the statement is not run");
            }
        }
        for (SparkPlan child : Scala.list(plan.children())) {
            verify(child, plan);
        }
    }

    private static boolean onlyPolicy(Expression condition) {
        List<Expression> conjuncts = new ArrayList<>();
        ApplyPolicies.split(condition, conjuncts);
        return conjuncts.stream().allMatch(PolicyFilterOrder::isPolicy);
    }

    private static boolean isPolicy(Expression e) {
        return e.getTagValue(ApplyPolicies.POLICY_CONJUNCT).isDefined();
    }

    private static Expression and(List<Expression> conjuncts) {
        Expression out = conjuncts.get(0);
        for (int i = 1; i < conjuncts.size(); i++) {
            out = new And(out, conjuncts.get(i));
        }
        return out;
    }
}
