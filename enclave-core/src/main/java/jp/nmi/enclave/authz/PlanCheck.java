package jp.nmi.enclave.authz;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.policy.Principal;
import jp.nmi.enclave.policy.RangerAuthorizer;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.analysis.LocalTempView$;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.catalyst.plans.QueryPlan;
import org.apache.spark.sql.catalyst.analysis.ResolvedIdentifier;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.DropTable;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.execution.command.CreateDataSourceTableAsSelectCommand;
import org.apache.spark.sql.execution.command.CreateDataSourceTableCommand;
import org.apache.spark.sql.execution.command.CreateViewCommand;
import org.apache.spark.sql.execution.command.DescribeTableCommand;
import org.apache.spark.sql.execution.command.DropTableCommand;
import org.apache.spark.sql.execution.command.SetCommand;
import org.apache.spark.sql.execution.command.InsertIntoDataSourceDirCommand;
import org.apache.spark.sql.execution.datasources.InsertIntoHadoopFsRelationCommand;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import scala.Option;
import scala.Tuple2;

/**
 * One statement's check: walks the analysed plan top-down, never below the enclave's policy
 * wrappers, and denies (with a message naming it) any plan node, command, function or expression
 * that is not on the allowlist, any relation that is not one of the project's tables, any write
 * outside the project's workspace and outbox, and any column the user's policies do not grant —
 * wherever the column is referenced: select list, WHERE, JOIN, GROUP BY, ORDER BY, window,
 * subquery, CTE or view.
 */
final class PlanCheck {
    /** Why some well-known operations are denied; others get the generic reason. */
    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("AddJarsCommand", "adding code to the session would run analyst code inside the enclave"),
            Map.entry("AddFilesCommand", "adding files to the session would bring data into the enclave unchecked"),
            Map.entry("AddArchivesCommand", "adding archives to the session would bring code or data into the enclave unchecked"),
            Map.entry("ListJarsCommand", "the session's jars are not the analyst's concern"),
            Map.entry("ListFilesCommand", "the session's files are not the analyst's concern"),
            Map.entry("CreateFunctionCommand", "user functions could run analyst code or shadow the functions masks use"),
            Map.entry("CreateFunction", "user functions could run analyst code or shadow the functions masks use"),
            Map.entry("CreateSQLFunctionCommand", "user functions could shadow the functions masks use"),
            Map.entry("CreateUserDefinedFunction", "user functions could shadow the functions masks use"),
            Map.entry("DropFunctionCommand", "functions are the enclave's"),
            Map.entry("DropFunction", "functions are the enclave's"),
            Map.entry("CacheTable", "cached plans are shared between the users of the project"),
            Map.entry("CacheTableAsSelect", "cached plans are shared between the users of the project"),
            Map.entry("CacheTableCommand", "cached plans are shared between the users of the project"),
            Map.entry("UncacheTable", "cached plans are shared between the users of the project"),
            Map.entry("UncacheTableCommand", "cached plans are shared between the users of the project"),
            Map.entry("ClearCacheCommand", "cached plans are shared between the users of the project"),
            Map.entry("ExplainCommand", "plans show where the provider's data lives and how the policies are implemented"),
            Map.entry("ResetCommand", "the session's configuration is the enclave's"),
            Map.entry("CreateNamespace", "the project's databases are provisioned by operators"),
            Map.entry("CreateDatabaseCommand", "the project's databases are provisioned by operators"),
            Map.entry("DropNamespace", "the project's databases are provisioned by operators"),
            Map.entry("AlterTableAddColumnsCommand", "the project's datasets are read-only"),
            Map.entry("AlterTableRenameCommand", "the project's datasets are read-only"),
            Map.entry("AlterTableSetPropertiesCommand", "the project's datasets are read-only"),
            Map.entry("AlterTableSetLocationCommand", "the project's datasets are read-only"),
            Map.entry("TruncateTableCommand", "the project's datasets are read-only"),
            Map.entry("LoadDataCommand", "the project's datasets are read-only, and files are not read by path"),
            Map.entry("AnalyzeTableCommand", "statistics would be computed over rows the policies hide"),
            Map.entry("AnalyzeColumnCommand", "statistics would be computed over rows the policies hide"),
            Map.entry("RefreshTableCommand", "the project's tables are the enclave's"),
            Map.entry("RefreshResource", "files are not read by path"),
            Map.entry("InMemoryRelation", "cached plans are shared between the users of the project"),
            Map.entry("LogicalRDD", "only the project's tables can be read"),
            Map.entry("ExternalRDD", "only the project's tables can be read"),
            Map.entry("DataSourceV2Relation", "only the project's tables can be read"),
            Map.entry("DataSourceV2ScanRelation", "only the project's tables can be read"),
            Map.entry("HiveTableRelation", "only the project's tables can be read"),
            Map.entry("CollectMetrics", "observed metrics leave the query outside its result"));

    /** Commands that only read the catalog's metadata (names and types, never rows). */
    private static final Set<String> METADATA_COMMANDS = Set.of(
            "ShowTablesCommand", "ShowTables", "ShowNamespaces", "ShowNamespacesCommand", "ShowColumnsCommand", "ShowColumns",
            "DescribeRelation", "DescribeColumnCommand", "DescribeColumn", "ShowFunctions", "ShowFunctionsCommand",
            "DescribeFunctionCommand", "DescribeFunction", "SetCatalogAndNamespace", "SetNamespaceCommand", "SetCatalogCommand",
            "ShowCurrentNamespaceCommand", "ShowCurrentNamespace", "DropTempViewCommand", "ShowViews", "ShowViewsCommand",
            "ShowCatalogsCommand", "ShowCatalogs", "DescribeTableCommand");

    private final AuthzContext context;
    private final StatementTrace trace;
    private final Allowlist allowlist;
    private final List<SecuredRelation> secured = new ArrayList<>();
    /** For each secured relation (same index), its output expression ids to column names, as the plan has them now. */
    private final List<Map<Long, String>> securedColumns = new ArrayList<>();
    private final Set<Long> referenced = new HashSet<>();

    PlanCheck(AuthzContext context, StatementTrace trace) {
        this.context = context;
        this.trace = trace;
        this.allowlist = context.allowlist();
    }

    void check(LogicalPlan root) {
        visitPlan(root);
        for (Attribute a : Scala.list(root.output())) {
            referenced.add(a.exprId().id());
        }
        checkColumnAccess();
    }

    private void visitPlan(LogicalPlan plan) {
        Option<SecuredRelation> marker = plan.getTagValue(ApplyPolicies.SECURED);
        if (marker.isDefined()) {
            if (!(plan instanceof Project project)) {
                throw new AccessDeniedException("the enclave's marker on " + marker.get().qualifiedName() + " is on a "
                        + plan.nodeName() + ", not on its projection");
            }
            Map<Long, String> columns = new LinkedHashMap<>();
            for (NamedExpression e : Scala.list(project.projectList())) {
                columns.put(e.exprId().id(), e.name());
            }
            secured.add(marker.get());
            securedColumns.add(columns);
            return;
        }
        Option<SecuredRelation> inner = plan.getTagValue(ApplyPolicies.INNER);
        if (inner.isDefined()) {
            // The table below a wrapper, reached without the wrapper's marker: count every column
            // as read (over-deny rather than under-deny).
            Map<Long, String> columns = new LinkedHashMap<>();
            for (Attribute a : Scala.list(plan.output())) {
                columns.put(a.exprId().id(), a.name());
                referenced.add(a.exprId().id());
            }
            secured.add(inner.get());
            securedColumns.add(columns);
            return;
        }
        String name = plan.getClass().getSimpleName().replace("$", "");
        if (plan instanceof Command) {
            checkCommand(plan, name);
            return;
        }
        if (plan instanceof LogicalRelation relation) {
            if (relation.catalogTable().isEmpty()) {
                throw AccessDeniedException.denyPlanNode("reading files by path",
                        "the project's data is its tables (parquet.`...`, spark.read and the like are not available)");
            }
            throw new AccessDeniedException("table " + relation.catalogTable().get().identifier().unquotedString()
                    + " was not secured by the enclave's policies");
        }
        if (!allowlist.isAllowedPlanNode(name)) {
            throw AccessDeniedException.denyPlanNode(name, REASONS.getOrDefault(name, "it is not on the enclave's allowlist"));
        }
        visitExpressionsAndChildren(plan);
    }

    private void visitExpressionsAndChildren(LogicalPlan plan) {
        for (Expression e : Scala.list(plan.expressions())) {
            visitExpression(e);
        }
        for (LogicalPlan child : Scala.list(plan.children())) {
            visitPlan(child);
        }
        for (QueryPlan<?> inner : Scala.list(plan.innerChildren())) {
            if (inner instanceof LogicalPlan lp && !Scala.list(plan.children()).contains(lp)) {
                visitPlan(lp);
            }
        }
    }

    private void visitExpression(Expression e) {
        if (e instanceof AttributeReference a) {
            referenced.add(a.exprId().id());
            return;
        }
        if (e instanceof SubqueryExpression s) {
            visitPlan(s.plan());
        }
        if (e instanceof StaticInvoke invoke) {
            if (!PseudonymFunction.isThis(invoke)) {
                throw AccessDeniedException.denyFunction(invoke.functionName(), "it calls a Java method directly");
            }
        } else {
            String name = e.getClass().getSimpleName();
            Optional<String[]> denial = allowlist.denial(name);
            if (denial.isPresent()) {
                throw AccessDeniedException.denyFunction(denial.get()[0], denial.get()[1]);
            }
            if (!allowlist.isAllowedExpression(name)) {
                throw AccessDeniedException.denyFunction(allowlist.displayName(name), "it is not on the enclave's allowlist");
            }
        }
        for (Expression child : Scala.list(e.children())) {
            visitExpression(child);
        }
    }

    private void checkCommand(LogicalPlan plan, String name) {
        String user = trace.principal().user();
        ProjectScope scope = context.scope();
        if (plan instanceof SetCommand set) {
            Option<Tuple2<String, Option<String>>> kv = set.kv();
            if (kv.isEmpty()) {
                throw AccessDeniedException.denyConfiguration("(list)", "the session's configuration is the enclave's");
            }
            String key = kv.get()._1();
            if (!allowlist.isSettable(key)) {
                throw AccessDeniedException.denyConfiguration(key, key.startsWith("spark.sql.extensions")
                        || key.startsWith("spark.sql.optimizer") || key.startsWith("spark.sql.runSQLOnFiles")
                        || key.startsWith("spark.sql.catalog") || key.startsWith("spark.enclave")
                        ? "it could switch off the enclave's controls"
                        : "only spark.sql.shuffle.partitions, spark.sql.session.timeZone, spark.sql.ansi.enabled and"
                                + " spark.sql.legacy.timeParserPolicy may be set");
            }
            return;
        }
        if (plan instanceof CreateViewCommand view) {
            if (view.viewType() != LocalTempView$.MODULE$) {
                throw AccessDeniedException.denyPlanNode("CREATE " + view.viewType() + " VIEW",
                        "only temporary views are allowed: other views are visible to the project's other users");
            }
            visitPlan(view.plan());
            return;
        }
        if (plan instanceof DescribeTableCommand describe && describe.isExtended()) {
            throw AccessDeniedException.denyPlanNode("DESCRIBE EXTENDED", "it shows where the provider's data lives");
        }
        if (METADATA_COMMANDS.contains(name)) {
            return;
        }
        if (plan instanceof InsertIntoDataSourceDirCommand insert) {
            Option<URI> location = insert.storage().locationUri();
            String path = location.isDefined() ? normalise(location.get()) : "";
            if (!scope.isWritablePath(path)) {
                throw AccessDeniedException.denyWrite(path.isEmpty() ? "a directory without a path" : path,
                        "results go to the project's outbox (" + scope.outboxPath() + ") or workspace (" + scope.workspacePath() + ")");
            }
            visitPlan(insert.query());
            return;
        }
        if (plan instanceof CreateDataSourceTableAsSelectCommand ctas) {
            checkWorkspaceTable(ctas.table(), user, true);
            visitPlan(ctas.query());
            context.recordWorkspaceOwner(qualified(ctas.table().identifier()), user);
            return;
        }
        if (plan instanceof CreateDataSourceTableCommand create) {
            checkWorkspaceTable(create.table(), user, true);
            context.recordWorkspaceOwner(qualified(create.table().identifier()), user);
            return;
        }
        if (plan instanceof InsertIntoHadoopFsRelationCommand insert) {
            if (insert.catalogTable().isDefined()) {
                checkWorkspaceTable(insert.catalogTable().get(), user, false);
            } else if (!scope.isWritablePath(normalise(insert.outputPath().toUri()))) {
                throw AccessDeniedException.denyWrite(insert.outputPath().toString(), "results go to the project's outbox or workspace");
            }
            visitPlan(insert.query());
            return;
        }
        if (plan instanceof DropTable drop) {
            // DROP TABLE on the session catalog, as Spark 4 analyses it
            if (!(drop.child() instanceof ResolvedIdentifier id) || id.identifier().namespace().length != 1) {
                throw AccessDeniedException.denyPlanNode("DROP TABLE", "only tables a user created in the workspace can be dropped");
            }
            String database = id.identifier().namespace()[0];
            String table = database + "." + id.identifier().name();
            String owner = context.workspaceOwner(table);
            if (!scope.isWorkspaceDatabase(database) || !user.equals(owner)) {
                throw AccessDeniedException.denyWrite(table, "only tables a user created in the workspace can be dropped, by that user");
            }
            return;
        }
        if (plan instanceof DropTableCommand drop) {
            if (drop.isView()) {
                throw AccessDeniedException.denyPlanNode("DROP VIEW", "only temporary views exist in the enclave (DROP VIEW of a"
                        + " temporary view names it without a database)");
            }
            String table = qualified(drop.tableName());
            String owner = context.workspaceOwner(table);
            if (!scope.isWorkspaceDatabase(database(drop.tableName())) || !user.equals(owner)) {
                throw AccessDeniedException.denyWrite(table, "only tables a user created in the workspace can be dropped, by that user");
            }
            return;
        }
        throw AccessDeniedException.denyPlanNode(name, REASONS.getOrDefault(name,
                "the enclave runs queries, temporary views, workspace tables and exports to the outbox"));
    }

    private void checkWorkspaceTable(CatalogTable table, String user, boolean creating) {
        ProjectScope scope = context.scope();
        String name = qualified(table.identifier());
        if (!scope.isWorkspaceDatabase(database(table.identifier()))) {
            throw AccessDeniedException.denyWrite(name, "tables are created only in the workspace database ("
                    + scope.workspaceDatabase() + "); the project's datasets are read-only");
        }
        if (creating && table.storage().locationUri().isDefined()) {
            throw AccessDeniedException.denyWrite(name, "a workspace table lives in the workspace; LOCATION is not allowed");
        }
        if (!creating) {
            String owner = context.workspaceOwner(name);
            if (!user.equals(owner)) {
                throw AccessDeniedException.denyWrite(name, "it belongs to " + (owner == null ? "nobody in this session" : owner));
            }
        }
    }

    private void checkColumnAccess() {
        RangerAuthorizer authorizer = context.authorizer();
        Principal principal = trace.principal();
        ProjectScope scope = context.scope();
        Set<String> denied = new TreeSet<>();
        for (int i = 0; i < secured.size(); i++) {
            SecuredRelation r = secured.get(i);
            Map<Long, String> outputs = securedColumns.get(i);
            r.policies().forEach(trace::recordPolicy);
            if (r.workspace()) {
                String owner = context.workspaceOwner(r.qualifiedName());
                if (!principal.user().equals(owner)) {
                    throw new AccessDeniedException(principal.user() + " may not read workspace table " + r.qualifiedName()
                            + ": it belongs to " + (owner == null ? "nobody in this session" : owner));
                }
                continue;
            }
            if (!scope.isProjectDatabase(r.database())) {
                throw new AccessDeniedException("table " + r.qualifiedName() + " is not part of project " + scope.projectId());
            }
            Set<String> columns = new TreeSet<>();
            for (Map.Entry<Long, String> c : outputs.entrySet()) {
                if (referenced.contains(c.getKey())) {
                    columns.add(c.getValue());
                }
            }
            if (columns.isEmpty()) {
                if (!authorizer.canSelectAnyColumn(principal, r.database(), r.table())) {
                    throw AccessDeniedException.denyTable(principal.user(), r.qualifiedName());
                }
                continue;
            }
            for (String column : columns) {
                String qualified = r.qualifiedName() + "." + column;
                if (authorizer.canSelect(principal, r.database(), r.table(), column)) {
                    trace.recordColumn(qualified);
                    trace.recordPolicy(authorizer.accessPolicy(principal, r.database(), r.table(), column));
                } else {
                    denied.add(qualified);
                }
            }
        }
        if (!denied.isEmpty()) {
            throw AccessDeniedException.denyColumns(principal.user(), denied);
        }
    }

    private String database(TableIdentifier id) {
        return id.database().isDefined() ? id.database().get() : currentDatabase();
    }

    private String qualified(TableIdentifier id) {
        return database(id) + "." + id.table();
    }

    private String currentDatabase() {
        return context.scope().database();
    }

    /** The path of a URI, normalised, so that {@code ..} cannot climb out of the outbox. */
    static String normalise(URI uri) {
        String path = uri.normalize().getPath();
        if (path == null || path.contains("..")) {
            return "";
        }
        return path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    }
}
