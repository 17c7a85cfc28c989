package jp.nmi.enclave.sql;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.QueryContext;
import org.apache.spark.SparkThrowable;
import org.apache.spark.SparkThrowableHelper;

/**
 * What an analyst is told when a statement fails: the error's class and the analyst's own text,
 * never a data value and never a plan. An error raised while rows are evaluated can carry a row's
 * value ({@code CAST_INVALID_INPUT} quotes the value it could not cast) and Spark's messages can
 * carry the analysed plan, policy filters included; both stay in the service log.
 *
 * <ul>
 *   <li>A parse error quotes the analyst's own statement only.
 *   <li>Every other error keeps its condition and its message template, with every parameter that
 *       is not a name or a type replaced by {@code …}, plus the fragment of the statement that raised
 *       it when that fragment is the analyst's own text (from Spark's query context). Errors of
 *       analysis are no exception: Spark puts plans into some of their parameters
 *       ({@code treeNode}, policy filters included), and some analysis evaluates expressions.
 *   <li>Anything else is named by its class only.
 * </ul>
 */
final class AnalystErrors {
    /** Template parameters that name columns, tables, types, functions or settings, never values. */
    private static final Set<String> SAFE_PARAMETERS = Set.of("sourceType", "targetType", "dataType", "inputType", "requiredType",
            "functionName", "routineName", "config", "ansiConfig", "prettyName", "precision", "scale", "objectName",
            "tableName", "relationName", "columnName", "colName", "fieldName", "schemaName", "namespace", "viewName",
            "searchPath");
    private static final Pattern PARAMETER = Pattern.compile("<([A-Za-z0-9_]+)>");

    private AnalystErrors() {}

    /**
     * @param statement the analyst's statement: a fragment is quoted only if it is the analyst's
     *     own text (a fragment of a policy expression is not)
     */
    static String message(Throwable t, String statement) {
        SparkThrowable spark = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.apache.spark.sql.catalyst.parser.ParseException p) {
                // the statement's own text, with a pointer into it
                String m = p.getMessage();
                return m == null ? p.getClass().getSimpleName() : m.strip();
            }
            if (spark == null && c instanceof SparkThrowable s && s.getCondition() != null) {
                spark = s;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        if (spark == null) {
            return "the statement failed (" + t.getClass().getSimpleName() + "); the details are in the service log";
        }
        StringBuilder b = new StringBuilder("[").append(spark.getCondition()).append("] ").append(template(spark));
        String fragment = fragment(spark);
        if (fragment != null && statement.contains(fragment)) {
            b.append(" (raised by: ").append(fragment).append(")");
        }
        return b.toString();
    }

    /** The condition's message template, values left out. */
    private static String template(SparkThrowable spark) {
        String template;
        try {
            template = SparkThrowableHelper.getMessageTemplate(spark.getCondition());
        } catch (RuntimeException e) {
            return "the statement failed while rows were evaluated";
        }
        Map<String, String> parameters = spark.getMessageParameters();
        Matcher m = PARAMETER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = SAFE_PARAMETERS.contains(name) && parameters != null && parameters.get(name) != null
                    ? parameters.get(name) : "…";
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString().strip();
    }

    /** The fragment of the analyst's statement that raised the error, if Spark knows it. */
    private static String fragment(SparkThrowable spark) {
        QueryContext[] contexts = spark.getQueryContext();
        if (contexts == null) {
            return null;
        }
        for (QueryContext c : contexts) {
            String f = c.fragment();
            if (f != null && !f.isBlank()) {
                return f.length() > 200 ? f.substring(0, 200) + "…" : f;
            }
        }
        return null;
    }
}
