package jp.nmi.enclave.authz;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.EvalMode;
import org.apache.spark.sql.catalyst.expressions.Exists;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.InSet;
import org.apache.spark.sql.catalyst.expressions.InSubquery;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.ScalarSubquery;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.classic.Dataset;
import org.apache.spark.sql.classic.Dataset$;
import org.apache.spark.sql.classic.SparkSession;
import scala.Option;
import scala.runtime.BoxedUnit;

/**
 * Policy expressions (row filters, custom masks) as Catalyst expressions, with every subquery
 * they contain (a cohort: {@code participant_id IN (SELECT ... FROM diagnoses ...)}) replaced by
 * the values it returns, as literals.
 *
 * <p>A policy's subquery reads its tables as the policy wrote it, not through the user's own
 * policies. Marking those relations as trusted inside the user's plan does not work: Spark shares
 * resolved relations between queries and copies marks onto the shared instances, so a mark meant
 * for the policy's read leaks to the user's. Instead the enclave evaluates each subquery itself,
 * before the statement is analysed and in its own system session.
 *
 * <p>The user's plan receives literals, never a subquery: an {@code IN (subquery)} in a filter
 * becomes a semi-join, and Spark evaluates the user's own predicates below that join, on every row
 * the policy should have removed (an error raised there leaks the row). {@code x IN (subquery)}
 * becomes {@code x IN <set of values>}, a scalar subquery its value, {@code EXISTS} true or false;
 * a correlated or multi-column subquery in a policy is refused.
 */
final class PolicyExpressions {
    /** One evaluated subquery: its single column's type and values. */
    private record Values(DataType type, List<Object> values) {}

    /** Evaluated subqueries by policy version and subquery text. */
    private final Map<String, Values> evaluated = new ConcurrentHashMap<>();
    private volatile Long version;

    static Expression parse(SparkSession session, String sql) {
        try {
            return session.sessionState().sqlParser().parseExpression(sql);
        } catch (ParseException e) {
            // A policy the engine cannot apply protects nothing: refuse the statement. The text of
            // the policy stays out of the message (it can list participants).
            throw new AccessDeniedException("a policy expression of the project does not parse; every statement is refused until"
                    + " an operator fixes it (the service log has the details)");
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
                if (output.size() != 1) {
                    throw new AccessDeniedException("a policy's subquery returns " + output.size() + " columns; the enclave applies"
                            + " subqueries of one column only");
                }
                DataType type = output.get(0).dataType();
                InternalRow[] data = rows.queryExecution().executedPlan().executeCollect();
                List<Object> values = new ArrayList<>(data.length);
                for (InternalRow r : data) {
                    Object v = r.isNullAt(0) ? null : r.get(0, type);
                    values.add(v instanceof org.apache.spark.unsafe.types.UTF8String u ? u.clone() : v);
                }
                evaluated.put(key, new Values(type, values));
            } catch (AccessDeniedException e) {
                throw e;
            } catch (Exception e) {
                // Scala throws AnalysisException undeclared; any failure here refuses the statement
                throw new AccessDeniedException("a policy's subquery cannot be evaluated on its own (a correlated subquery?);"
                        + " every statement is refused until an operator fixes it");
            } finally {
                context.restore(previous);
            }
        }
    }

    /**
     * {@code parsed} with each subquery replaced by the literals it returned. A subquery that was
     * not prepared is denied: the enclave never evaluates a policy's subquery inside the user's
     * plan.
     */
    Expression substitute(Expression parsed, Long policyVersion) {
        return parsed.transformDown(Scala.on(Expression.class, e -> {
            if (e instanceof InSubquery in) {
                List<Expression> left = Scala.list(in.values());
                if (left.size() != 1) {
                    throw new AccessDeniedException("a policy compares several columns with a subquery; the enclave applies"
                            + " IN (subquery) on one column only");
                }
                Values values = prepared(in.query(), policyVersion);
                // a value of another type becomes NULL, never an error: the row is then left out
                Expression value = new Cast(left.get(0), values.type(), Option.empty(), EvalMode.LEGACY());
                Set<Object> set = new HashSet<>(values.values());
                return new InSet(value, scala.jdk.javaapi.CollectionConverters.asScala(set).toSet());
            }
            if (e instanceof ScalarSubquery s) {
                Values values = prepared(s, policyVersion);
                if (values.values().size() > 1) {
                    throw new AccessDeniedException("a policy's scalar subquery returns more than one row; every statement is"
                            + " refused until an operator fixes it");
                }
                return Literal.create(values.values().isEmpty() ? null : values.values().get(0), values.type());
            }
            if (e instanceof Exists s) {
                return Literal.create(!prepared(s, policyVersion).values().isEmpty(), DataTypes.BooleanType);
            }
            if (e instanceof SubqueryExpression s) {
                throw new AccessDeniedException("a policy uses a subquery the enclave does not apply (" + s.nodeName() + ")");
            }
            return e;
        }));
    }

    private Values prepared(SubqueryExpression s, Long policyVersion) {
        Values values = evaluated.get(key(policyVersion, s.plan()));
        if (values == null) {
            throw new AccessDeniedException("a policy's subquery was not prepared for this statement (the policies changed"
                    + " while it was analysed); run it again");
        }
        return values;
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
