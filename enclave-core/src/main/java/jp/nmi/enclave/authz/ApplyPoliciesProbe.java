package jp.nmi.enclave.authz;

import org.apache.spark.sql.catalyst.analysis.Analyzer;
import org.apache.spark.sql.classic.SparkSession;

/** Checks that the enclave's rules are installed in a session's analyser. */
public final class ApplyPoliciesProbe {
    private ApplyPoliciesProbe() {}

    public static boolean isInstalled(SparkSession session) {
        Analyzer analyzer = session.sessionState().analyzer();
        boolean resolution = Scala.list(analyzer.extendedResolutionRules()).stream().anyMatch(r -> r instanceof ApplyPolicies);
        boolean check = Scala.list(analyzer.extendedCheckRules()).stream().anyMatch(r -> r instanceof CheckStatement);
        boolean order = Scala.list(session.sessionState().columnarRules()).stream().anyMatch(r -> r instanceof PolicyColumnarRule);
        return resolution && check && order;
    }
}
