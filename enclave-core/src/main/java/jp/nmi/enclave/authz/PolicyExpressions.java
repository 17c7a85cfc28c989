package jp.nmi.enclave.authz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.classic.Dataset;
import org.apache.spark.sql.classic.Dataset$;
import org.apache.spark.sql.classic.SparkSession;
import scala.Option;
import scala.runtime.BoxedUnit;

/**
 * Policy expressions (row filters, custom masks) as Catalyst expressions, with every subquery
 * they contain (a cohort: {@code participant_id IN (SELECT ... FROM diagnoses ...)}) replaced by
 * the rows it returns.
 *
 * <p>A policy's subquery reads its tables as the policy wrote it, not through the user's own
 * policies. Marking those relations as trusted inside the user's plan does not work: Spark shares
 * resolved relations between queries and copies marks onto the shared instances, so a mark meant
 * for the policy's read leaks to the user's. Instead the enclave evaluates each subquery itself,
 * before the statement is analysed and in its own system session, and the user's plan receives only
 * the result as a local relation: no table is read there without the user's policies.
 */
final class PolicyExpressions {
    /** Evaluated subqueries by policy version and subquery text. */
    private final Map<String, LocalRelation> evaluated = new ConcurrentHashMap<>();
    private volatile Long version;

    static Expression parse(SparkSession session, String sql) {
        try {
            return session.sessionState().sqlParser().parseExpression(sql);
        } catch (ParseException e) {
            // A policy the engine cannot apply protects nothing: refuse the statement.
            throw new AccessDeniedException("a policy expression does not parse (" + sql + "): " + e.getMessage());
        }
    }

    /** Evaluates, as the system, the subqueries of {@code sql} not evaluated yet under {@code policyVersion}. */
    void prepare(String sql, Long policyVersion, SparkSession systemSession, AuthzContext context) {
        resetIfVersionChanged(policyVersion);
        for (SubqueryExpression s : subqueries(parse(systemSession, sql))) {
            String key = key(policyVersion, s.plan());
            if (evaluated.containsKey(key)) {
                continue;
            }
            StatementTrace previous = context.currentTrace();
            context.beginSystem();
            try {
                Dataset<Row> rows = Dataset$.MODULE$.ofRows(systemSession, s.plan());
                List<Attribute> output = Scala.list(rows.queryExecution().analyzed().output());
                InternalRow[] data = rows.queryExecution().executedPlan().executeCollect();
                List<InternalRow> copies = new ArrayList<>(data.length);
                Arrays.stream(data).forEach(r -> copies.add(r.copy()));
                evaluated.put(key, new LocalRelation(Scala.seq(output), Scala.seq(copies), false, Option.empty()));
            } finally {
                context.restore(previous);
            }
        }
    }

    /**
     * {@code parsed} with each subquery replaced by its prepared rows (fresh attributes for each
     * use). A subquery that was not prepared is denied: the enclave never evaluates a policy's
     * subquery inside the user's plan.
     */
    Expression substitute(Expression parsed, Long policyVersion) {
        return parsed.transform(Scala.on(SubqueryExpression.class, s -> {
            LocalRelation rows = evaluated.get(key(policyVersion, s.plan()));
            if (rows == null) {
                throw new AccessDeniedException("a policy's subquery was not prepared for this statement (the policies changed"
                        + " while it was analysed); run it again");
            }
            return s.withNewPlan(rows.newInstance());
        }));
    }

    private void resetIfVersionChanged(Long policyVersion) {
        if (policyVersion == null || !policyVersion.equals(version)) {
            evaluated.clear();
            version = policyVersion;
        }
    }

    private static String key(Long policyVersion, LogicalPlan plan) {
        return policyVersion + "\n" + plan.toString();
    }

    private static List<SubqueryExpression> subqueries(Expression e) {
        List<SubqueryExpression> out = new ArrayList<>();
        e.foreach(x -> {
            if (x instanceof SubqueryExpression s) {
                out.add(s);
            }
            return BoxedUnit.UNIT;
        });
        return out;
    }
}
