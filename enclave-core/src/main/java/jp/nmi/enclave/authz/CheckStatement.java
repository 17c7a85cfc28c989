package jp.nmi.enclave.authz;

import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.runtime.BoxedUnit;

/**
 * The check rule: after analysis, and before anything runs, every statement is walked against the
 * allowlist and the user's column access (see {@link PlanCheck}). A session without the enclave's
 * context, or a statement without a user, is refused outright.
 */
final class CheckStatement implements scala.Function1<LogicalPlan, BoxedUnit> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CheckStatement.class);
    private final SparkSession session;
    /** The functions the enclave itself registers: its pseudonym function and the refusing stand-ins. */
    private final java.util.Set<String> enclaveFunctions;

    CheckStatement(SparkSession session) {
        this.session = session;
        java.util.Set<String> names = new java.util.HashSet<>(Allowlist.load().deniedFunctions().keySet());
        names.add(PseudonymFunction.NAME);
        this.enclaveFunctions = java.util.Set.copyOf(names);
    }

    @Override
    public BoxedUnit apply(LogicalPlan plan) {
        AuthzContext context = AuthzContext.of(session);
        if (context == null) {
            throw new AccessDeniedException("this Spark session was not opened by the enclave and serves no statements");
        }
        StatementTrace trace = context.currentTrace();
        if (trace == null) {
            throw AccessDeniedException.denyNoIdentity();
        }
        if (!trace.isSystem() && !trace.isExecuting()) {
            boolean foreignFunction = Scala.list(((org.apache.spark.sql.classic.SparkSession) session).sessionState().catalog()
                    .listTemporaryFunctions()).stream().anyMatch(f -> !enclaveFunctions.contains(f.funcName().toLowerCase(java.util.Locale.ROOT)));
            if (foreignFunction) {
                // Nothing the enclave allows creates one: if one exists, something went around it.
                throw new AccessDeniedException("the session holds temporary functions, which could shadow the functions masks use");
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("checking for {}:\n{}", trace.principal().user(), debugTree(plan, ""));
            }
            String currentDatabase = ((org.apache.spark.sql.classic.SparkSession) session).sessionState().catalog().getCurrentDatabase();
            new PlanCheck(context, trace, currentDatabase).check(plan);
            if (trace.isLineageWanted()) {
                trace.recordContributorProblem(ContributorLineage.problem(plan));
            }
        }
        trace.markChecked();
        return BoxedUnit.UNIT;
    }

    static String debugTree(LogicalPlan plan, String indent) {
        StringBuilder b = new StringBuilder(indent + plan.nodeName() + " " + plan.simpleStringWithNodeId().replace("\n", " ")
                + (plan.getTagValue(ApplyPolicies.SECURED).isDefined() ? " [SECURED]" : "")
                + (plan.getTagValue(ApplyPolicies.INNER).isDefined() ? " [INNER]" : "") + "\n");
        for (LogicalPlan c : Scala.list(plan.children())) {
            b.append(debugTree(c, indent + "  "));
        }
        for (org.apache.spark.sql.catalyst.expressions.Expression e : Scala.list(plan.expressions())) {
            e.foreach(x -> {
                if (x instanceof org.apache.spark.sql.catalyst.expressions.SubqueryExpression s) {
                    b.append(indent).append("  (subquery)\n").append(debugTree(s.plan(), indent + "    "));
                }
                return BoxedUnit.UNIT;
            });
        }
        return b.toString();
    }
}
