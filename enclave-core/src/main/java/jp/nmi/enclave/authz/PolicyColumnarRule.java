package jp.nmi.enclave.authz;

import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.ColumnarRule;
import org.apache.spark.sql.execution.SparkPlan;

/** Puts {@link PolicyFilterOrder} where Spark runs it on every physical plan: before its columnar transitions. */
final class PolicyColumnarRule extends ColumnarRule {
    private final PolicyFilterOrder rule = new PolicyFilterOrder();

    @Override
    public Rule<SparkPlan> preColumnarTransitions() {
        return rule;
    }
}
