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
import org.apache.spark.sql.catalyst.analysis.ResolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.ResolvedNamespace;
import org.apache.spark.sql.catalyst.catalog.CatalogStorageFormat;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.objects.Invoke;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.catalyst.plans.QueryPlan;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.DropTable;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SetCatalogAndNamespace;
import org.apache.spark.sql.catalyst.plans.logical.ShowTables;
import org.apache.spark.sql.execution.command.CreateDataSourceTableAsSelectCommand;
import org.apache.spark.sql.execution.command.CreateDataSourceTableCommand;
import org.apache.spark.sql.execution.command.CreateViewCommand;
import org.apache.spark.sql.execution.command.DescribeColumnCommand;
import org.apache.spark.sql.execution.command.DescribeTableCommand;
import org.apache.spark.sql.execution.command.DropTableCommand;
import org.apache.spark.sql.execution.command.InsertIntoDataSourceDirCommand;
import org.apache.spark.sql.execution.command.SetCommand;
import org.apache.spark.sql.execution.command.ShowColumnsCommand;
import org.apache.spark.sql.execution.command.ShowTablesCommand;
import org.apache.spark.sql.execution.datasources.InsertIntoHadoopFsRelationCommand;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import scala.Option;
import scala.Tuple2;

/**
 * One statement's check: walks the analysed plan top-down, never below the enclave's policy
 * wrappers, and denies (with a message naming it) anything not on the allowlist — and the
 * allowlist covers everything a statement names, not only its node types:
 *
 * <ul>
 *   <li>plan nodes, commands, functions and expressions (by class, functions through Spark's
 *       registry, so that no other spelling reaches a denied one; no method calls at all);
 *   <li>relations: only the project's tables, always below the enclave's wrapper, and the user's
 *       own workspace tables;
 *   <li>data sources: a {@code USING} name resolved to the class Spark would load, whatever its
 *       spelling, and each of its options with the values they may take;
 *   <li>paths: a write target as a fully qualified URI on the enclave's own filesystem, one name
 *       inside the project's outbox (see {@link WriteTargets});
 *   <li>databases a metadata command names: the project's, or the user's own workspace;
 *   <li>columns: every column the user's policies do not grant, wherever it is referenced: select
 *       list, WHERE, JOIN, GROUP BY, ORDER BY, window, subquery, CTE or view.
 * </ul>
 */
final class PlanCheck {
    private final AuthzContext context;
    private final StatementTrace trace;
    private final Allowlist allowlist;
    private final String currentDatabase;
    private final List<SecuredRelation> secured = new ArrayList<>();
    /** For each secured relation (same index), its output expression ids to column names, as the plan has them now. */
    private final List<Map<Long, String>> securedColumns = new ArrayList<>();
    private final Set<Long> referenced = new HashSet<>();

    PlanCheck(AuthzContext context, StatementTrace trace, String currentDatabase) {
        this.context = context;
        this.trace = trace;
        this.allowlist = context.allowlist();
        this.currentDatabase = currentDatabase;
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
            throw AccessDeniedException.denyPlanNode(name, allowlist.specificDenialReason(name).orElse("it is not on the enclave's allowlist"));
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
        if (e instanceof StaticInvoke || e instanceof Invoke) {
            // Method calls appear in an analyst's plan only through functions that call Java code;
            // the enclave's own keyed pseudonym sits below the policy wrappers, never up here.
            throw AccessDeniedException.denyFunction(e instanceof StaticInvoke s ? s.functionName() : ((Invoke) e).functionName(),
                    "it calls a Java method directly");
        }
        String name = e.getClass().getSimpleName();
        Optional<String[]> denial = allowlist.denial(name);
        if (denial.isPresent()) {
            throw AccessDeniedException.denyFunction(denial.get()[0], denial.get()[1]);
        }
        if (!allowlist.isAllowedExpression(name)) {
            throw AccessDeniedException.denyFunction(allowlist.displayName(name), "it is not on the enclave's allowlist");
        }
        for (Expression child : Scala.list(e.children())) {
            visitExpression(child);
        }
    }

    private void checkCommand(LogicalPlan plan, String name) {
        String user = trace.principal().user();
        if (plan instanceof SetCommand set) {
            Option<Tuple2<String, Option<String>>> kv = set.kv();
            if (kv.isEmpty()) {
                throw AccessDeniedException.denyConfiguration("(list)", "the session's configuration is the enclave's");
            }
            String key = kv.get()._1();
            if (!allowlist.isSettable(key)) {
                throw AccessDeniedException.denyConfiguration(key, allowlist.configurationDenial(key));
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
        if (plan instanceof DescribeTableCommand describe) {
            if (describe.isExtended()) {
                throw AccessDeniedException.denyPlanNode("DESCRIBE EXTENDED", "it shows where the provider's data lives");
            }
            checkNamedTable(describe.table(), user);
            return;
        }
        if (plan instanceof DescribeColumnCommand describe) {
            if (describe.isExtended()) {
                throw AccessDeniedException.denyPlanNode("DESCRIBE EXTENDED", "it shows where the provider's data lives");
            }
            checkNamedTable(describe.table(), user);
            return;
        }
        if (plan instanceof ShowTablesCommand show) {
            if (show.isExtended()) {
                throw AccessDeniedException.denyPlanNode("SHOW TABLE EXTENDED", "it shows where the data lives and"
                        + " describes tables that are not yours");
            }
            checkNamedDatabase(show.databaseName().isDefined() ? show.databaseName().get() : currentDatabase, user);
            return;
        }
        if (plan instanceof ShowColumnsCommand show) {
            TableIdentifier id = show.tableName();
            checkNamedTable(show.databaseName().isDefined() ? new TableIdentifier(id.table(), show.databaseName()) : id, user);
            return;
        }
        if (plan instanceof ShowTables show) {
            checkNamedNamespace(show.namespace(), user);
            return;
        }
        if (plan instanceof SetCatalogAndNamespace use) {
            checkNamedNamespace(use.child(), user);
            return;
        }
        if (plan instanceof org.apache.spark.sql.execution.command.SetNamespaceCommand use) {
            List<String> ns = Scala.list(use.namespace());
            if (ns.size() != 1) {
                throw AccessDeniedException.denyPlanNode("USE", "only the project's database and your workspace exist here");
            }
            checkNamedDatabase(ns.get(0), user);
            return;
        }
        if (allowlist.isMetadataCommand(name)) {
            return;
        }
        if (plan instanceof InsertIntoDataSourceDirCommand insert) {
            Allowlist.DataSourceRule rule = dataSource(insert.provider(), Allowlist.DataSourceUse.OUTBOX_DIRECTORY,
                    "INSERT OVERWRITE DIRECTORY");
            checkOptions(insert.provider(), rule, insert.storage());
            String target = WriteTargets.outboxDirectory(insert.storage().locationUri(), context.fileSystem(),
                    context.scope().outboxPath());
            checkNoSampleIds(target, insert.query());
            context.writeGuard().checkOutboxDirectory(user, target, !trace.outboxDirectories().contains(target));
            trace.recordOutboxDirectory(target);
            visitPlan(insert.query());
            return;
        }
        if (plan instanceof CreateDataSourceTableAsSelectCommand ctas) {
            checkWorkspaceTableCreation(ctas.table(), user);
            checkWorkspaceColumns(qualified(ctas.table().identifier()), ctas.query().schema());
            checkNoSampleIds(qualified(ctas.table().identifier()), ctas.query());
            // the command writes its files through a nested insert, checked against this
            trace.expectWrite(context.scope().workspaceDirectoryOf(user) + "/" + ctas.table().identifier().table().toLowerCase(java.util.Locale.ROOT));
            visitPlan(ctas.query());
            return;
        }
        if (plan instanceof CreateDataSourceTableCommand create) {
            checkWorkspaceTableCreation(create.table(), user);
            checkWorkspaceColumns(qualified(create.table().identifier()), create.table().schema());
            return;
        }
        if (plan instanceof InsertIntoHadoopFsRelationCommand insert) {
            if (insert.catalogTable().isEmpty()) {
                // only as the inside of a command checked above: its files, exactly where that command said
                URI target = insert.outputPath().toUri();
                String path = target.getPath();
                boolean sameFileSystem = target.getScheme() == null || (target.getScheme().equalsIgnoreCase(context.fileSystem().getScheme())
                        && String.valueOf(target.getRawAuthority()).equalsIgnoreCase(String.valueOf(context.fileSystem().getRawAuthority())));
                if (!sameFileSystem || !trace.isExpectedWrite(path)) {
                    throw AccessDeniedException.denyWrite(display(target),
                            "results are written as workspace tables or with INSERT OVERWRITE DIRECTORY into the outbox");
                }
                dataSource(insert.fileFormat().getClass().getName(), trace.outboxDirectories().contains(path)
                        ? Allowlist.DataSourceUse.OUTBOX_DIRECTORY : Allowlist.DataSourceUse.WORKSPACE_TABLE, "this write");
                visitPlan(insert.query());
                return;
            }
            CatalogTable table = insert.catalogTable().get();
            checkOwnWorkspace(table.identifier(), user, "writing to");
            java.util.Set<String> registered = new java.util.HashSet<>();
            scala.jdk.javaapi.CollectionConverters.asJava(table.storage().properties()).keySet()
                    .forEach(k -> registered.add(k.toLowerCase(java.util.Locale.ROOT)));
            registered.add("path");
            for (String key : scala.jdk.javaapi.CollectionConverters.asJava(insert.options()).keySet()) {
                if (!registered.contains(key.toLowerCase(java.util.Locale.ROOT))) {
                    throw AccessDeniedException.denyWrite(qualified(table.identifier()), "a table is written as it was made: no options");
                }
            }
            dataSource(insert.fileFormat().getClass().getName(), Allowlist.DataSourceUse.WORKSPACE_TABLE, "a workspace table");
            checkNoSampleIds(qualified(table.identifier()), insert.query());
            visitPlan(insert.query());
            return;
        }
        if (plan instanceof DropTable drop) {
            // DROP TABLE on the session catalog, as Spark 4 analyses it
            if (!(drop.child() instanceof ResolvedIdentifier id) || id.identifier().namespace().length != 1) {
                throw AccessDeniedException.denyPlanNode("DROP TABLE", "only tables in your own workspace can be dropped");
            }
            checkOwnWorkspace(new TableIdentifier(id.identifier().name(), Option.apply(id.identifier().namespace()[0])), user,
                    "dropping");
            trace.recordWorkspaceDrop(id.identifier().name());
            return;
        }
        if (plan instanceof DropTableCommand drop) {
            if (drop.isView()) {
                throw AccessDeniedException.denyPlanNode("DROP VIEW", "only temporary views exist in the enclave (DROP VIEW of a"
                        + " temporary view names it without a database)");
            }
            checkOwnWorkspace(drop.tableName(), user, "dropping");
            trace.recordWorkspaceDrop(drop.tableName().table());
            return;
        }
        throw AccessDeniedException.denyPlanNode(name, allowlist.denialReason(name));
    }

    /** The allowlist's rule for the data source {@code provider} names, if it may be used for {@code use}. */
    private Allowlist.DataSourceRule dataSource(String provider, Allowlist.DataSourceUse use, String where) {
        String className;
        try {
            className = canonical(provider);
        } catch (RuntimeException | LinkageError e) {
            throw AccessDeniedException.denyPlanNode("USING " + provider, "it is not a data source the enclave knows");
        }
        Optional<Map.Entry<String, Allowlist.DataSourceRule>> rule = allowlist.dataSource(className);
        if (rule.isEmpty() || !rule.get().getValue().uses().contains(use)) {
            throw AccessDeniedException.denyPlanNode("USING " + provider, "only " + String.join(", ", allowlist.dataSourcesFor(use))
                    + " may be used for " + where + (rule.isEmpty() ? "" : " (" + rule.get().getKey() + " is for "
                    + rule.get().getValue().uses().stream().map(Allowlist.DataSourceUse::label).sorted().toList() + ")"));
        }
        return rule.get().getValue();
    }

    /** The class Spark loads for a data source name, whatever its spelling. */
    private static String canonical(String provider) {
        Class<?> c = org.apache.spark.sql.execution.datasources.DataSource$.MODULE$.lookupDataSource(provider,
                org.apache.spark.sql.internal.SQLConf.get());
        return c.getName();
    }

    private void checkOptions(String provider, Allowlist.DataSourceRule rule, CatalogStorageFormat storage) {
        for (Map.Entry<String, String> option : scala.jdk.javaapi.CollectionConverters.asJava(storage.properties()).entrySet()) {
            String key = option.getKey().toLowerCase(java.util.Locale.ROOT);
            java.util.regex.Pattern allowed = rule.options().get(key);
            if (allowed == null) {
                throw AccessDeniedException.denyPlanNode("OPTIONS (" + option.getKey() + ")", "the option is not allowed for "
                        + provider + (rule.options().isEmpty() ? "" : " (allowed: " + String.join(", ", new TreeSet<>(rule.options().keySet()))
                        + ")"));
            }
            if (option.getValue() == null || !allowed.matcher(option.getValue()).matches()) {
                throw AccessDeniedException.denyPlanNode("OPTIONS (" + option.getKey() + ")", "its value is not one the enclave"
                        + " allows for " + provider + " (" + allowed.pattern() + ")");
            }
        }
    }

    private void checkWorkspaceTableCreation(CatalogTable table, String user) {
        checkOwnWorkspace(table.identifier(), user, "writing to");
        String name = qualified(table.identifier());
        if (!table.partitionColumnNames().isEmpty() || table.bucketSpec().isDefined()) {
            // a partition's value is in a directory name, where opt-outs cannot be removed from, and
            // partition pruning evaluates the user's predicates on every value before any filter
            throw AccessDeniedException.denyWrite(name, "workspace tables are not partitioned or bucketed");
        }
        if (table.storage().locationUri().isDefined()) {
            throw AccessDeniedException.denyWrite(name, "a workspace table lives in the workspace; LOCATION and OPTIONS (path) are not allowed");
        }
        if (table.provider().isEmpty()) {
            throw AccessDeniedException.denyWrite(name, "a workspace table needs USING parquet");
        }
        Allowlist.DataSourceRule rule = dataSource(table.provider().get(), Allowlist.DataSourceUse.WORKSPACE_TABLE, "a workspace table");
        checkOptions(table.provider().get(), rule, table.storage());
        if (!table.properties().isEmpty()) {
            throw AccessDeniedException.denyWrite(name, "TBLPROPERTIES are not allowed on workspace tables");
        }
    }

    /**
     * What a workspace table may hold: values of atomic types and arrays of them. A participant's
     * pseudonym nested in a struct or a map would escape the filter that hides participants who
     * opted out, and the purge of derived data; binary values cannot be read for pseudonyms.
     */
    private static void checkWorkspaceColumns(String table, org.apache.spark.sql.types.StructType schema) {
        for (org.apache.spark.sql.types.StructField f : schema.fields()) {
            org.apache.spark.sql.types.DataType t = f.dataType();
            if (t instanceof org.apache.spark.sql.types.ArrayType a) {
                t = a.elementType();
            }
            if (!(t instanceof org.apache.spark.sql.types.AtomicType) || t instanceof org.apache.spark.sql.types.BinaryType) {
                throw AccessDeniedException.denyWrite(table, "column " + f.name() + " is " + f.dataType().simpleString()
                        + "; workspace tables hold plain values and arrays of them (flatten structs and maps)");
            }
        }
    }

    /**
     * Workspace tables keep no sample pseudonyms: participants who opt out (or leave an audience)
     * are found in derived data by their participant pseudonym, and a sample's cannot be traced
     * back to them once the extract no longer holds it.
     */
    private static void checkNoSampleIds(String table, LogicalPlan query) {
        for (Attribute a : Scala.list(query.output())) {
            Optional<String> source = ContributorLineage.sourceColumn(query, a.exprId().id());
            if (source.isPresent() && source.get().endsWith(".sample_id")) {
                throw AccessDeniedException.denyWrite(table, "column " + a.name() + " is " + source.get() + "; workspace tables keep"
                        + " participants by participant_id, not by their samples");
            }
        }
    }

    /** Table names in a workspace: a directory name of the user's workspace, nothing else. */
    private static final java.util.regex.Pattern TABLE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_]{1,128}");

    /** {@code id} must be a table of {@code user}'s own workspace. */
    private void checkOwnWorkspace(TableIdentifier id, String user, String what) {
        String database = database(id);
        String name = database + "." + id.table();
        if (!TABLE_NAME.matcher(id.table()).matches()) {
            throw AccessDeniedException.denyWrite(database + ".`" + id.table() + "`", "table names are letters, digits and '_'");
        }
        ProjectScope scope = context.scope();
        Optional<String> owner = scope.workspaceUser(database);
        if (owner.isEmpty()) {
            throw AccessDeniedException.denyWrite(name, scope.isProjectDatabase(database)
                    ? "the project's datasets are read-only; derived tables go to your workspace (workspace.<table>)"
                    : "tables are created only in your workspace (workspace.<table>)");
        }
        if (!owner.get().equals(user)) {
            throw AccessDeniedException.denyWrite(name, "it is in the workspace of " + owner.get() + "; " + what
                    + " workspace tables is for their owner only");
        }
    }

    /** A table a metadata command names: the project's, or one of the user's own workspace. */
    private void checkNamedTable(TableIdentifier id, String user) {
        checkNamedDatabase(database(id), user);
    }

    private void checkNamedDatabase(String database, String user) {
        ProjectScope scope = context.scope();
        if (scope.isProjectDatabase(database)) {
            return;
        }
        Optional<String> owner = scope.workspaceUser(database);
        if (owner.isPresent() && owner.get().equals(user)) {
            return;
        }
        throw new AccessDeniedException(user + " may not look into " + database + ": "
                + (owner.isPresent() ? "it is the workspace of " + owner.get() : "it is not part of project " + scope.projectId()));
    }

    private void checkNamedNamespace(LogicalPlan namespace, String user) {
        if (!(namespace instanceof ResolvedNamespace ns) || ns.namespace().length() != 1) {
            throw AccessDeniedException.denyPlanNode(namespace.nodeName(), "only the project's database and your workspace exist here");
        }
        checkNamedDatabase(ns.namespace().head(), user);
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
                Optional<String> owner = scope.workspaceUser(r.database());
                if (owner.isEmpty() || !principal.user().equals(owner.get())) {
                    throw new AccessDeniedException(principal.user() + " may not read workspace table " + r.qualifiedName()
                            + ": it belongs to " + owner.orElse("nobody"));
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
        return id.database().isDefined() ? id.database().get() : currentDatabase;
    }

    private String qualified(TableIdentifier id) {
        return database(id) + "." + id.table();
    }

    /** For messages: a URI without its user-info. */
    static String display(URI uri) {
        return uri.getRawUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
    }
}
