package jp.nmi.enclave.authz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.analysis.UnresolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedNamespace;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedStar;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTable;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableOrView;
import org.apache.spark.sql.catalyst.analysis.UnresolvedView;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.ParameterContext;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.collection.immutable.Seq;

/**
 * The enclave's parser: what a statement names is screened and rewritten before Spark's analyser
 * sees it, because the analyser acts on some names before any check rule runs.
 *
 * <p><b>Data sources.</b> Spark's analyser loads and instantiates the class a {@code USING} clause
 * names (any class on the classpath with a public constructor) while it analyses a
 * {@code CREATE TABLE}, before the enclave's check. So a provider is screened here, by name: only
 * the names the allowlist lists for its data sources pass (case-insensitively); the check rule
 * later compares the class Spark resolved, too.
 *
 * <p><b>Workspaces.</b> Gives every member a workspace of their own under one name: wherever a statement names the
 * database {@code workspace} (a table, a namespace, a qualified column or star), the parser
 * replaces it with the statement's user's own workspace database, {@code workspace_<user>}. Two
 * members running the same note each write and read their own {@code workspace.cohort}, and no
 * name a statement can write reaches another member's tables (the check rule denies an explicit
 * {@code workspace_<other>} too).
 *
 * <p>The user is the statement's, from the enclave's trace on this thread; the enclave's own
 * statements are parsed unchanged. A name this rewrite does not reach (one built at analysis time,
 * {@code IDENTIFIER('workspace.t')}) names a database that does not exist and fails.
 */
final class EnclaveParser implements ParserInterface {
    private final SparkSession session;
    private final ParserInterface delegate;

    EnclaveParser(SparkSession session, ParserInterface delegate) {
        this.session = session;
        this.delegate = delegate;
    }

    @Override
    public LogicalPlan parsePlan(String sqlText) throws ParseException {
        return rewrite(delegate.parsePlan(sqlText));
    }

    @Override
    public LogicalPlan parsePlanWithParameters(String sqlText, ParameterContext parameterContext) throws ParseException {
        return rewrite(delegate.parsePlanWithParameters(sqlText, parameterContext));
    }

    @Override
    public LogicalPlan parseQuery(String sqlText) throws ParseException {
        return rewrite(delegate.parseQuery(sqlText));
    }

    @Override
    public Expression parseExpression(String sqlText) throws ParseException {
        return delegate.parseExpression(sqlText);
    }

    @Override
    public TableIdentifier parseTableIdentifier(String sqlText) throws ParseException {
        return delegate.parseTableIdentifier(sqlText);
    }

    @Override
    public FunctionIdentifier parseFunctionIdentifier(String sqlText) throws ParseException {
        return delegate.parseFunctionIdentifier(sqlText);
    }

    @Override
    public Seq<String> parseMultipartIdentifier(String sqlText) throws ParseException {
        return delegate.parseMultipartIdentifier(sqlText);
    }

    @Override
    public StructType parseRoutineParam(String sqlText) throws ParseException {
        return delegate.parseRoutineParam(sqlText);
    }

    @Override
    public StructType parseTableSchema(String sqlText) throws ParseException {
        return delegate.parseTableSchema(sqlText);
    }

    @Override
    public DataType parseDataType(String sqlText) throws ParseException {
        return delegate.parseDataType(sqlText);
    }

    private LogicalPlan rewrite(LogicalPlan plan) {
        AuthzContext context = AuthzContext.of(session);
        StatementTrace trace = context == null ? null : context.currentTrace();
        if (trace == null || trace.isSystem()) {
            return plan;
        }
        screen(plan, context.allowlist());
        screenProviders(plan, context.allowlist());
        return new Rewrite(context.scope().workspaceDatabaseOf(trace.principal().user())).plan(plan);
    }

    /**
     * Denies the parsed nodes the analyser would act on before any check (the allowlist's
     * {@code parser_denied}), and options on a table read ({@code WITH (...)}), which go into the
     * Hadoop configuration used to list and read its files.
     */
    static void screen(LogicalPlan plan, Allowlist allowlist) {
        visitAll(plan, node -> screenNode(node, allowlist));
    }

    private static void screenNode(LogicalPlan node, Allowlist allowlist) {
        for (org.apache.spark.sql.catalyst.expressions.Expression e : Scala.list(node.expressions())) {
            e.foreach(x -> {
                if (x instanceof org.apache.spark.sql.catalyst.analysis.UnresolvedFunction f && f.nameParts().size() == 1) {
                    String fn = f.nameParts().head();
                    allowlist.functionNameDenial(fn).ifPresent(reason -> {
                        throw jp.nmi.enclave.error.AccessDeniedException.denyFunction(fn.toLowerCase(java.util.Locale.ROOT), reason);
                    });
                }
                return scala.runtime.BoxedUnit.UNIT;
            });
        }
        String name = node.getClass().getSimpleName();
        java.util.Optional<String> denial = allowlist.parserDenial(name);
        if (denial.isPresent()) {
            throw jp.nmi.enclave.error.AccessDeniedException.denyPlanNode(name, denial.get());
        }
        if (node instanceof UnresolvedRelation r && r.options().keySet().stream()
                .anyMatch(k -> !k.equals(UnresolvedRelation.REQUIRED_WRITE_PRIVILEGES()))) {
            // (Spark's own key on the target of an INSERT says which privileges it needs: not an option)
            throw jp.nmi.enclave.error.AccessDeniedException.denyPlanNode("WITH (options) on a table", "options of a table read"
                    + " reach the Hadoop configuration its files are listed and read with");
        }
    }

    /**
     * Every plan of a parsed statement: its nodes, their subqueries, and plans held outside the
     * children (the definitions of a {@code WITH} clause, {@code INSERT INTO}'s table, a script's
     * statement), at any depth.
     */
    static void visitAll(LogicalPlan plan, java.util.function.Consumer<LogicalPlan> visitor) {
        visitor.accept(plan);
        for (org.apache.spark.sql.catalyst.expressions.Expression e : Scala.list(plan.expressions())) {
            e.foreach(x -> {
                if (x instanceof org.apache.spark.sql.catalyst.expressions.SubqueryExpression s) {
                    visitAll(s.plan(), visitor);
                }
                return scala.runtime.BoxedUnit.UNIT;
            });
        }
        for (int i = 0; i < plan.productArity(); i++) {
            visitArgument(plan.productElement(i), visitor);
        }
    }

    private static void visitArgument(Object arg, java.util.function.Consumer<LogicalPlan> visitor) {
        if (arg instanceof LogicalPlan p) {
            visitAll(p, visitor);
        } else if (arg instanceof scala.collection.Iterable<?> it) {
            it.foreach(o -> {
                visitArgument(o, visitor);
                return scala.runtime.BoxedUnit.UNIT;
            });
        } else if (arg instanceof scala.Product p && (arg instanceof scala.Tuple2<?, ?> || arg instanceof scala.Tuple3<?, ?, ?>
                || arg instanceof Option<?>)) {
            for (int i = 0; i < p.productArity(); i++) {
                visitArgument(p.productElement(i), visitor);
            }
        }
    }

    /**
     * Denies any data source name the allowlist does not list, wherever a node of the parsed plan
     * carries one (a field named {@code provider}, or a table spec's provider).
     */
    static void screenProviders(LogicalPlan plan, Allowlist allowlist) {
        visitAll(plan, node -> {
            for (int i = 0; i < node.productArity(); i++) {
                Object value = node.productElement(i);
                String provider = null;
                if ("provider".equals(node.productElementName(i))) {
                    provider = value instanceof Option<?> o ? (o.isDefined() ? String.valueOf(o.get()) : null)
                            : value == null ? null : String.valueOf(value);
                } else if (value instanceof org.apache.spark.sql.catalyst.plans.logical.TableSpecBase spec && spec.provider().isDefined()) {
                    provider = spec.provider().get();
                }
                if (provider != null && !allowlist.isDataSourceName(provider)) {
                    throw jp.nmi.enclave.error.AccessDeniedException.denyPlanNode("USING " + provider, "only "
                            + String.join(", ", allowlist.dataSourceNames()) + " may be named as a data source");
                }
            }
        });
    }

    /** One statement's rewrite of {@code workspace} to {@code target}. */
    static final class Rewrite {
        private final String target;

        Rewrite(String target) {
            this.target = target;
        }

        LogicalPlan plan(LogicalPlan plan) {
            return plan.transformUpWithSubqueries(Scala.on(LogicalPlan.class, this::node));
        }

        private LogicalPlan node(LogicalPlan node) {
            LogicalPlan out = node;
            if (node instanceof UnresolvedRelation || node instanceof UnresolvedIdentifier || node instanceof UnresolvedTable
                    || node instanceof UnresolvedTableOrView || node instanceof UnresolvedView) {
                out = withFirstArgument(node, table(firstArgument(node)));
            } else if (node instanceof UnresolvedNamespace) {
                out = withFirstArgument(node, namespace(firstArgument(node)));
            } else {
                // Plans held outside the children (INSERT INTO's table, the definitions of a WITH clause).
                Object[] args = arguments(node);
                boolean changed = false;
                List<LogicalPlan> children = Scala.list(node.children());
                for (int i = 0; i < args.length; i++) {
                    Object rewritten = argument(args[i], children);
                    changed |= rewritten != args[i];
                    args[i] = rewritten;
                }
                if (changed) {
                    out = (LogicalPlan) node.makeCopy(args);
                }
            }
            return (LogicalPlan) out.transformExpressions(Scala.on(Expression.class, this::expression));
        }

        /** Plans among a node's arguments, and inside collections, tuples and options there, that are not its children. */
        private Object argument(Object arg, List<LogicalPlan> children) {
            if (arg instanceof LogicalPlan p) {
                // children were rewritten already, bottom-up
                return children.stream().anyMatch(c -> c == p) ? p : plan(p);
            }
            if (arg instanceof scala.collection.immutable.Seq<?> seq && !seq.isEmpty()) {
                List<Object> out = new ArrayList<>();
                boolean changed = false;
                for (Object o : Scala.list(seq)) {
                    Object r = argument(o, children);
                    changed |= r != o;
                    out.add(r);
                }
                return changed ? Scala.seq(out) : arg;
            }
            if (arg instanceof scala.Tuple2<?, ?> t) {
                Object a = argument(t._1(), children);
                Object b = argument(t._2(), children);
                return a != t._1() || b != t._2() ? new scala.Tuple2<>(a, b) : arg;
            }
            if (arg instanceof scala.Tuple3<?, ?, ?> t) {
                Object a = argument(t._1(), children);
                Object b = argument(t._2(), children);
                Object c = argument(t._3(), children);
                return a != t._1() || b != t._2() || c != t._3() ? new scala.Tuple3<>(a, b, c) : arg;
            }
            if (arg instanceof Option<?> o && o.isDefined()) {
                Object r = argument(o.get(), children);
                return r != o.get() ? Option.apply(r) : arg;
            }
            return arg;
        }

        private Expression expression(Expression e) {
            if (e instanceof UnresolvedAttribute a && a.nameParts().size() >= 3) {
                List<String> parts = new ArrayList<>(Scala.list(a.nameParts()));
                int at = isCatalog(parts.get(0)) && parts.size() >= 4 ? 1 : 0;
                if (isWorkspace(parts.get(at))) {
                    parts.set(at, target);
                    return new UnresolvedAttribute(Scala.seq(parts));
                }
            }
            if (e instanceof UnresolvedStar s && s.target().isDefined() && s.target().get().size() >= 2) {
                List<String> parts = new ArrayList<>(Scala.list(s.target().get()));
                int at = isCatalog(parts.get(0)) && parts.size() >= 3 ? 1 : 0;
                if (isWorkspace(parts.get(at))) {
                    parts.set(at, target);
                    return new UnresolvedStar(Option.apply(Scala.seq(parts)));
                }
            }
            return e;
        }

        /** {@code workspace.t} or {@code spark_catalog.workspace.t}. */
        private Seq<String> table(Seq<String> parts) {
            List<String> p = new ArrayList<>(Scala.list(parts));
            if (p.size() == 2 && isWorkspace(p.get(0))) {
                p.set(0, target);
                return Scala.seq(p);
            }
            if (p.size() == 3 && isCatalog(p.get(0)) && isWorkspace(p.get(1))) {
                p.set(1, target);
                return Scala.seq(p);
            }
            return parts;
        }

        /** {@code workspace} or {@code spark_catalog.workspace}. */
        private Seq<String> namespace(Seq<String> parts) {
            List<String> p = new ArrayList<>(Scala.list(parts));
            if (p.size() == 1 && isWorkspace(p.get(0))) {
                return Scala.seq(List.of(target));
            }
            if (p.size() == 2 && isCatalog(p.get(0)) && isWorkspace(p.get(1))) {
                p.set(1, target);
                return Scala.seq(p);
            }
            return parts;
        }

        private static boolean isWorkspace(String part) {
            return ProjectScope.WORKSPACE.equals(part.toLowerCase(Locale.ROOT));
        }

        private static boolean isCatalog(String part) {
            return "spark_catalog".equals(part.toLowerCase(Locale.ROOT));
        }

        @SuppressWarnings("unchecked")
        private static Seq<String> firstArgument(LogicalPlan node) {
            return (Seq<String>) node.productElement(0);
        }

        private static LogicalPlan withFirstArgument(LogicalPlan node, Seq<String> parts) {
            if (parts == node.productElement(0)) {
                return node;
            }
            Object[] args = arguments(node);
            args[0] = parts;
            return (LogicalPlan) node.makeCopy(args);
        }

        private static Object[] arguments(LogicalPlan node) {
            Object[] args = new Object[node.productArity()];
            for (int i = 0; i < args.length; i++) {
                args[i] = node.productElement(i);
            }
            return args;
        }
    }
}
