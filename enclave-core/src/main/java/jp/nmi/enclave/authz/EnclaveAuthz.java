package jp.nmi.enclave.authz;

import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.runtime.BoxedUnit;

/**
 * The enclave's Spark session extension ({@code spark.sql.extensions=jp.nmi.enclave.authz.EnclaveAuthz}):
 * a resolution rule that applies Ranger row filters and masks ({@link ApplyPolicies}), a check
 * rule that denies everything not allowed ({@link CheckStatement}), the parser that gives each
 * member their own {@code workspace} ({@link EnclaveParser}), and refusing stand-ins for denied
 * functions (the keyed pseudonym masks use among them: the enclave binds it inside its wrappers).
 *
 * <p>Spark silently skips an extension whose classes fail to load; the enclave therefore probes
 * every session it opens and refuses to serve one where these rules did not run.
 */
public final class EnclaveAuthz implements scala.Function1<SparkSessionExtensions, BoxedUnit> {
    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        extensions.injectParser((session, parser) -> new EnclaveParser(session, parser));
        extensions.injectResolutionRule(ApplyPolicies::new);
        extensions.injectColumnar(session -> new PolicyColumnarRule());
        extensions.injectCheckRule(session -> new CheckStatement(session));
        // Denied functions are refused where Spark resolves them, before their builders run: some
        // builders act at resolution (from_protobuf reads its descriptor file). The check rule
        // denies their expressions again should one ever come through another name.
        Allowlist.load().deniedFunctions().forEach((name, reason) -> extensions.injectFunction(new scala.Tuple3<>(
                org.apache.spark.sql.catalyst.FunctionIdentifier.apply(name),
                new org.apache.spark.sql.catalyst.expressions.ExpressionInfo(EnclaveAuthz.class.getName(), null, name,
                        "_FUNC_ - not available in the enclave: " + reason, "", "", "", "misc_funcs", "", "", "built-in"),
                (scala.Function1<scala.collection.immutable.Seq<org.apache.spark.sql.catalyst.expressions.Expression>,
                        org.apache.spark.sql.catalyst.expressions.Expression>) arguments -> {
                    throw AccessDeniedException.denyFunction(name, reason);
                })));
        return BoxedUnit.UNIT;
    }

    /** For tests and diagnostics: the plan node class that marks a secured table. */
    static boolean isSecured(LogicalPlan plan) {
        return plan.getTagValue(ApplyPolicies.SECURED).isDefined();
    }
}
