package jp.nmi.enclave.sql;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;
import jp.nmi.enclave.audit.AuditLog;
import jp.nmi.enclave.audit.AuditRecord;
import jp.nmi.enclave.authz.ApplyPoliciesProbe;
import jp.nmi.enclave.authz.AuthzContext;
import jp.nmi.enclave.authz.EnclaveAuthz;
import jp.nmi.enclave.authz.ProjectScope;
import jp.nmi.enclave.authz.PseudonymFunction;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.authz.StatementTrace;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.policy.PolicyUnavailableException;
import jp.nmi.enclave.policy.Principal;
import jp.nmi.enclave.policy.RangerAuthorizer;
import org.apache.spark.SparkContext$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A project's governed SQL: one Spark application for the project, one Spark session per user
 * (so temporary views stay private), the {@link EnclaveAuthz} extension enforcing Ranger's
 * policies inside the analyser, and every statement in the audit log.
 *
 * <p>Fail closed: the session refuses to open if the extension is not active (Spark silently
 * drops an extension whose classes fail to load), and refuses any statement whose user is not a
 * member, whose policies cannot be read, or that the authorizer's check rule did not see.
 */
public final class EnclaveSession implements AutoCloseable {
    /**
     * The project a session serves: its scope, its tables (name to HDFS path without scheme), and
     * the audiences that read copies of some tables holding fewer participants.
     */
    public record Project(ProjectScope scope, Map<String, String> tables, List<Audience> audiences) {
        public Project {
            requireNonNull(scope, "scope is null");
            tables = Map.copyOf(tables);
            audiences = List.copyOf(audiences);
        }

        public Project(ProjectScope scope, Map<String, String> tables) {
            this(scope, tables, List.of());
        }
    }

    /** An audience: members of any of {@code groups} read {@code tables} (name to path) instead of the project's. */
    public record Audience(String name, java.util.Set<String> groups, Map<String, String> tables) {
        public Audience {
            requireNonNull(name, "name is null");
            groups = java.util.Set.copyOf(groups);
            tables = Map.copyOf(tables);
        }
    }

    /**
     * Spark master, result row cap, shuffle partitions, the operators' Spark settings for a cluster
     * (resources and addresses: only what {@link OperatorSparkConf} allows), and the file holding a
     * standalone cluster's shared secret (required for {@code spark://} masters; read when the
     * session starts, never kept here).
     */
    public record Settings(String master, int maxRows, int shufflePartitions, Map<String, String> sparkConf,
            java.nio.file.Path clusterSecretFile) {
        public static final Settings DEFAULTS = new Settings("local[2]", 10_000, 4);

        public Settings {
            requireNonNull(master, "master is null");
            sparkConf = Map.copyOf(sparkConf);
            OperatorSparkConf.load().check(sparkConf);
        }

        public Settings(String master, int maxRows, int shufflePartitions, Map<String, String> sparkConf) {
            this(master, maxRows, shufflePartitions, sparkConf, null);
        }

        public Settings(String master, int maxRows, int shufflePartitions) {
            this(master, maxRows, shufflePartitions, Map.of(), null);
        }

        /** Whether executors run in other JVMs (a cluster), where the enclave's in-process state does not reach. */
        public boolean distributed() {
            return !master.equals("local") && !master.startsWith("local[");
        }

        /**
         * The settings every cluster session of the enclave gets, after the operators': driver and
         * executors authenticate each other with the cluster's shared secret and encrypt what they
         * send, without falling back to unencrypted SASL; on Kubernetes, executors from the enclave's
         * pod template ({@link ClusterSecurity}).
         *
         * @throws ValidationException if the master is neither a standalone cluster's nor Kubernetes', or its secret is missing
         */
        public Map<String, String> clusterSecurity() {
            return ClusterSecurity.settings(master, clusterSecretFile, sparkConf);
        }
    }

    private final SparkSession base;
    private final AuthzContext context;
    private final RangerAuthorizer authorizer;
    private final UserDirectory directory;
    private final AuditLog audit;
    private final Settings settings;
    private volatile Project project;
    /** Where a newer state of the project comes from (an extract rebuilt, the project closed), or null. */
    private volatile ProjectSource source;
    private volatile String sourceVersion;
    /** Statements read the project's tables; a reload after {@code project apply} replaces them. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock tablesLock = new java.util.concurrent.locks.ReentrantReadWriteLock();

    /** The project as operators change it: a session picks up a rebuilt extract, and stops serving a closed project. */
    public interface ProjectSource {
        /** Changes whenever the project's state changes. */
        String version();

        /**
         * The project now.
         *
         * @throws AccessDeniedException if it serves no statements any more (closed)
         */
        Project current();
    }
    private final Map<String, SparkSession> userSessions = new ConcurrentHashMap<>();
    private final WriteCounter writes;
    private final java.util.concurrent.atomic.AtomicLong statements = new java.util.concurrent.atomic.AtomicLong();
    /** The enclave's own session: evaluates policies' subqueries; never runs analyst input. */
    private SparkSession systemSession;
    /** The project's tables and their columns, for preparing policy expressions. */
    private final Map<String, List<StructField>> tableColumns = new LinkedHashMap<>();
    /** The enclave's filesystem URI without a trailing slash. */
    private String fileSystem;
    private HdfsWriteGuard guard;
    private volatile java.util.function.Supplier<java.util.Set<String>> optouts = java.util.Set::of;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnclaveSession.class);

    private EnclaveSession(SparkSession base, AuthzContext context, RangerAuthorizer authorizer, UserDirectory directory,
            AuditLog audit, Settings settings, Project project) {
        this.base = base;
        this.context = context;
        this.authorizer = authorizer;
        this.directory = directory;
        this.audit = audit;
        this.settings = settings;
        this.writes = WriteCounter.install(base.sparkContext());
        this.project = project;
    }

    /**
     * Starts the project's Spark application against the HDFS at {@code fileSystem} and registers
     * the project's tables.
     *
     * @throws AccessDeniedException if the enclave's extension is not active in the session
     * @throws IllegalStateException if this JVM already runs a Spark application
     */
    public static EnclaveSession open(URI fileSystem, Project project, RangerAuthorizer authorizer, UserDirectory directory,
            AuditLog audit, SecretKey pseudonymKey, Settings settings) {
        requireNonNull(fileSystem, "fileSystem is null");
        requireNonNull(project, "project is null");
        if (SparkContext$.MODULE$.getActive().isDefined()) {
            throw new IllegalStateException("this JVM already runs a Spark application; one project per enclave session process");
        }
        ProjectScope scope = project.scope();
        String fs = fileSystem.toString().replaceAll("/$", "");
        String keyHandle = "project-" + scope.projectId().toLowerCase(java.util.Locale.ROOT);
        PseudonymFunction.register(keyHandle, pseudonymKey);
        org.apache.spark.sql.SparkSession.Builder builder = org.apache.spark.sql.SparkSession.builder()
                .master(settings.master())
                .appName("enclave " + scope.projectId())
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1");
        // the operators' settings first: none of them can change what follows (OperatorSparkConf)
        settings.sparkConf().forEach(builder::config);
        ClusterSecurity.ExecutorSecret executorSecret = null;
        if (settings.distributed()) {
            settings.clusterSecurity().forEach(builder::config);
            if (ClusterSecurity.kubernetes(settings.master())) {
                // the application's own secret, created for its executors before they are asked for
                executorSecret = ClusterSecurity.ExecutorSecret.create(settings.master(), settings.sparkConf(), scope.projectId());
                executorSecret.settings().forEach(builder::config);
            }
            // Executors run the policies' expressions in other JVMs: the keyed pseudonym reads its key
            // there from this entry (redacted by Spark's default redaction pattern; SQL cannot read the
            // configuration: SET of it is denied and variable substitution is off, below). Between the
            // driver and the executors it is authenticated and encrypted (clusterSecurity, above).
            builder.config(PseudonymFunction.confKey(keyHandle), java.util.Base64.getEncoder().encodeToString(pseudonymKey.getEncoded()));
            // the JVM flags Spark needs on Java 17, as the enclave's own JVMs have them
            builder.config("spark.executor.extraJavaOptions", String.join(" ", OperatorSparkConf.EXECUTOR_JAVA_OPTIONS));
        }
        SparkSession base;
        try {
            base = (SparkSession) builder
                .config("spark.sql.extensions", EnclaveAuthz.class.getName())
                .config("spark.ui.enabled", "false")
                // ${...} in a statement would otherwise be replaced by any configuration value, secrets included
                .config("spark.sql.variable.substitute", "false")
                .config("spark.sql.catalogImplementation", "in-memory")
                .config("spark.sql.warehouse.dir", fs + scope.workspacePath() + "/warehouse")
                .config("spark.hadoop.fs.defaultFS", fs)
                .config("spark.hadoop.fs.permissions.umask-mode", "027")
                // Files are never read by path; the check rule denies it too.
                .config("spark.sql.runSQLOnFiles", "false")
                .config("spark.sql.datetime.java8API.enabled", "true")
                .config("spark.sql.shuffle.partitions", String.valueOf(settings.shufflePartitions()))
                .config("spark.sql.session.timeZone", "UTC")
                // no scripts: a script's statements would be analysed as one node the check never sees whole
                .config("spark.sql.scripting.enabled", "false")
                // no filters inferred from the user's predicates: Spark puts them in front of the policy's
                .config("spark.sql.constraintPropagation.enabled", "false")
                // no constants carried from the user's predicates into the policy's: `region = 'Kanto'` would fold a
                // policy's `region <> 'Shikoku'` away and leave the user's other predicates first on every row
                .config("spark.sql.optimizer.excludedRules", "org.apache.spark.sql.catalyst.optimizer.ConstantPropagation")
                .getOrCreate();
        } catch (Exception | Error e) { // Spark's checked exceptions too (an external scheduler that cannot start)
            if (executorSecret != null) {
                executorSecret.close();
            }
            throw e;
        }
        if (executorSecret != null) {
            ClusterSecurity.ExecutorSecret secret = executorSecret;
            base.sparkContext().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
                @Override
                public void onApplicationEnd(org.apache.spark.scheduler.SparkListenerApplicationEnd end) {
                    secret.close(); // the executors are being deleted with their application (deleteOnTermination)
                }
            });
        }
        // whatever alias of it a configuration file carried: nothing the enclave writes is for "other"
        base.sparkContext().hadoopConfiguration().set("fs.permissions.umask-mode", "027");
        if (settings.distributed() && org.apache.hadoop.security.UserGroupInformation.isSecurityEnabled()) {
            // before the first job (the tables' registration reads their footers on the executors)
            try {
                ExecutorCredentials.start(base.sparkContext(), URI.create(fs));
            } catch (RuntimeException e) {
                base.stop(); // no application left behind: the next attempt starts afresh
                throw e;
            }
        }
        return attach(base, fs, project, authorizer, directory, audit, keyHandle, settings);
    }

    /**
     * Serves a project from a Spark application started elsewhere (a notebook interpreter's):
     * refuses unless the application runs the {@link EnclaveAuthz} extension, then registers the
     * project's tables. Closing the returned session stops the application.
     *
     * @throws AccessDeniedException if the extension is not active in {@code base}
     */
    public static EnclaveSession attach(SparkSession base, String fileSystem, Project project, RangerAuthorizer authorizer,
            UserDirectory directory, AuditLog audit, String keyHandle, Settings settings) {
        ProjectScope scope = project.scope();
        String fs = fileSystem.replaceAll("/$", "");
        if (!ApplyPoliciesProbe.isInstalled(base)) {
            throw new AccessDeniedException("the EnclaveAuthz extension is not active in this Spark session (Spark drops"
                    + " an extension whose classes fail to load; see the log); the enclave refuses to serve");
        }
        URI fileSystemUri = URI.create(fs);
        HdfsWriteGuard guard = new HdfsWriteGuard(base.sparkContext().hadoopConfiguration(), fileSystemUri);
        AuthzContext context = new AuthzContext(authorizer, scope, keyHandle, fileSystemUri, guard);
        AuthzContext.register(base.sparkContext(), context);
        EnclaveSession session = new EnclaveSession(base, context, authorizer, directory, audit, settings, project);
        session.fileSystem = fs;
        session.guard = guard;
        try {
            session.asSystem(base, "CREATE DATABASE IF NOT EXISTS `" + scope.database() + "`");
            session.registerTables(project);
            session.systemSession = base.newSession();
            session.asSystem(session.systemSession, "USE `" + scope.database() + "`");
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** The project's tables (and its audiences') in the catalog, replacing whatever was there. */
    private void registerTables(Project p) {
        ProjectScope scope = p.scope();
        tableColumns.clear();
        context.clearAudiences();
        for (Map.Entry<String, String> t : p.tables().entrySet()) {
            asSystem(base, "DROP TABLE IF EXISTS `" + scope.database() + "`.`" + t.getKey() + "`");
            asSystem(base, "CREATE TABLE `" + scope.database() + "`.`" + t.getKey() + "` USING parquet LOCATION '" + fileSystem
                    + t.getValue() + "'");
            tableColumns.put(t.getKey(), List.of(schemaOf(scope.database(), t.getKey()).fields()));
        }
        for (Audience a : p.audiences()) {
            registerAudience(p, a);
        }
    }

    /**
     * Follows the project's state: after {@code project apply} rebuilt the extract, the next
     * statement reads the new files (the old ones are gone); a closed project serves nothing.
     */
    public EnclaveSession withProjectSource(ProjectSource projectSource) {
        return withProjectSource(projectSource, projectSource.version());
    }

    /**
     * As {@link #withProjectSource(ProjectSource)}, the session's project being what the source was at
     * {@code version} (read before the session was built: a change since is followed at the next statement).
     */
    public EnclaveSession withProjectSource(ProjectSource projectSource, String version) {
        this.source = requireNonNull(projectSource, "projectSource is null");
        this.sourceVersion = requireNonNull(version, "version is null");
        return this;
    }

    private void followProject() {
        ProjectSource s = source;
        if (s == null) {
            return;
        }
        String version = s.version();
        if (version.equals(sourceVersion)) {
            return;
        }
        tablesLock.writeLock().lock();
        try {
            if (!version.equals(sourceVersion)) {
                Project now = s.current();
                registerTables(now);
                project = now;
                invalidateCachedTables();
                sourceVersion = version;
                LOG.info("project {} reloaded: its extract changed", now.scope().projectId());
            }
        } finally {
            tablesLock.writeLock().unlock();
        }
    }

    /** Runs one statement for {@code user} and records it in the audit log. Never throws for a denial. */
    public StatementResult execute(String user, String statement) {
        return run(user, statement, false).result();
    }

    /** A query's rows for an output, and whether its contributors could be verified. */
    public record ExportRows(StatementResult result, Optional<String> contributorProblem) {}

    /**
     * Runs a query whose result becomes an output: as {@link #execute}, and the enclave traces in
     * the analysed plan whether the result's {@code participant_id} is each row's real contributor
     * (see the authorizer's contributor lineage).
     */
    public ExportRows executeForExport(String user, String query) {
        return run(user, query, true);
    }

    /**
     * Claims a name in the project's outbox for an export by {@code user} until the claim is closed:
     * no statement or other export of this session writes it meanwhile.
     *
     * @throws AccessDeniedException if a statement or another export is writing it now
     */
    public AutoCloseable claimOutboxName(String user, String path) {
        return guard.claim(user, path);
    }

    /**
     * The participants {@code user} may see (project pseudonyms, opted-out participants left out),
     * read by the enclave itself: what an output's contributors must be among.
     */
    public java.util.Set<String> participantsOf(String user) {
        tablesLock.readLock().lock();
        try {
            return participantsOfLocked(user);
        } finally {
            tablesLock.readLock().unlock();
        }
    }

    private java.util.Set<String> participantsOfLocked(String user) {
        Principal principal = directory.principal(user).orElseThrow(() -> new AccessDeniedException(user
                + " is not a member of project " + project.scope().projectId()));
        Optional<String> audience = context.audienceOf(principal);
        String database = project.audiences().stream()
                .filter(a -> audience.isPresent() && a.name().equals(audience.get()) && a.tables().containsKey("participants"))
                .map(this::audienceDatabase).findFirst().orElse(project.scope().database());
        java.util.Set<String> out = new java.util.HashSet<>();
        context.beginSystem();
        try {
            for (Row r : systemSession.sql("SELECT participant_id FROM `" + database + "`.participants").collectAsList()) {
                out.add(r.getString(0));
            }
        } finally {
            context.end();
        }
        out.removeAll(optouts.get());
        return out;
    }

    private ExportRows run(String user, String statement, boolean lineage) {
        requireNonNull(user, "user is null");
        requireNonNull(statement, "statement is null");
        Optional<Principal> principal = directory.principal(user);
        if (principal.isEmpty()) {
            return new ExportRows(finish(user, statement, denied(statement, new AccessDeniedException(user + " is not a member of project "
                    + project.scope().projectId())), null), Optional.of("the statement was denied"));
        }
        try {
            followProject();
        } catch (RuntimeException e) {
            Throwable reason = denialIn(e);
            if (reason == null) {
                // the storage's own words (paths, hosts, its exceptions) go to the operators' log, never to the analyst
                LOG.warn("project {} cannot be read for a statement of {}", project.scope().projectId(), user, e);
                reason = AccessDeniedException.denyUnreadableProject(project.scope().projectId());
            }
            return new ExportRows(finish(user, statement, denied(statement, reason), null), Optional.of("the statement was denied"));
        }
        tablesLock.readLock().lock();
        try {
            return runLocked(user, statement, lineage, principal.get());
        } finally {
            tablesLock.readLock().unlock();
        }
    }

    private ExportRows runLocked(String user, String statement, boolean lineage, Principal principal) {
        SparkSession session = sessionFor(user);
        StatementTrace trace = context.begin(principal);
        if (lineage) {
            trace.requestContributorLineage();
        }
        StatementResult result;
        Long written = null;
        String statementTag = "enclave-" + statements.incrementAndGet();
        boolean wrote = false;
        writes.begin(statementTag);
        try {
            authorizer.refresh();
            context.updateOptouts(optouts.get());
            refreshIfDerivedDataRewritten();
            context.prepareStatement(principal, tableColumns, systemSession);
            Dataset<Row> frame = session.sql(statement);
            wrote = isCommand(frame);
            if (!trace.isChecked()) {
                throw new AccessDeniedException("the statement was not checked by the enclave's authorizer; it is not run");
            }
            trace.enterExecution();
            List<Row> rows = frame.limit(settings.maxRows() + 1).collectAsList();
            boolean truncated = rows.size() > settings.maxRows();
            List<List<Object>> values = new ArrayList<>();
            for (Row row : rows.subList(0, Math.min(rows.size(), settings.maxRows()))) {
                List<Object> cells = new ArrayList<>(row.size());
                for (int i = 0; i < row.size(); i++) {
                    cells.add(plain(row.get(i)));
                }
                values.add(cells);
            }
            afterSuccess(user, trace);
            result = new StatementResult(statement, StatementResult.Status.OK, truncated
                    ? "showing the first " + settings.maxRows() + " rows" : null, List.of(frame.columns()), values, truncated,
                    trace.policies());
        } catch (Throwable t) {
            Throwable reason = denialIn(t);
            if (reason == null) {
                // the full error (values, plans) stays here; the analyst gets its class and their own text
                LOG.warn("statement {} of {} in {} failed", statementTag, user, project.scope().projectId(), t);
            }
            result = reason != null ? denied(statement, reason) : new StatementResult(statement, StatementResult.Status.ERROR,
                    AnalystErrors.message(t, statement), List.of(), List.of(), false, trace.policies());
            if (t instanceof Error e && !(t instanceof StackOverflowError)) {
                context.end();
                throw e;
            }
        } finally {
            context.end();
            guard.release(user, trace.outboxDirectories());
            written = writes.finish(statementTag, wrote);
        }
        return new ExportRows(finish(user, statement, result, trace, written), trace.contributorProblem());
    }

    /** How a member sees one column: as it is, masked (the mask named), or not at all. */
    public enum Access {
        VISIBLE, MASKED, DENIED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One column as a member sees it; {@code mask} is the mask type when masked, else null. */
    public record ColumnView(String name, String type, Access access, String mask) {}

    /**
     * One table as a member sees it: its columns, whether a policy filters its rows (never the filter
     * itself), and whether it is the member's own workspace table.
     */
    public record TableView(String name, boolean rowsFiltered, boolean workspace, List<ColumnView> columns) {
        public TableView {
            columns = List.copyOf(columns);
        }
    }

    /**
     * What {@code user} may see: the project's tables with every column visible, masked or denied
     * as the policies in force decide for this user, then the user's own workspace tables. Never a
     * value, never a policy's expression.
     *
     * @throws AccessDeniedException if the user is not a member of the project
     */
    public List<TableView> describe(String user) {
        Principal principal = directory.principal(user).orElseThrow(() -> new AccessDeniedException(user
                + " is not a member of project " + project.scope().projectId()));
        followProject();
        tablesLock.readLock().lock();
        try {
            authorizer.refresh();
            String database = project.scope().database();
            List<TableView> out = new ArrayList<>();
            for (Map.Entry<String, List<StructField>> t : tableColumns.entrySet()) {
                List<ColumnView> columns = new ArrayList<>();
                for (StructField f : t.getValue()) {
                    Access access;
                    String mask = null;
                    if (!authorizer.canSelect(principal, database, t.getKey(), f.name())) {
                        access = Access.DENIED;
                    } else {
                        Optional<jp.nmi.enclave.policy.ColumnMask> m = authorizer.mask(principal, database, t.getKey(), f.name());
                        boolean masked = m.isPresent() && m.get().maskType().orElse(jp.nmi.enclave.policy.MaskType.MASK_NULL)
                                != jp.nmi.enclave.policy.MaskType.MASK_NONE;
                        access = masked ? Access.MASKED : Access.VISIBLE;
                        mask = masked ? m.get().maskType().map(Enum::name).orElse(jp.nmi.enclave.policy.MaskType.MASK_NULL.name()) : null;
                    }
                    columns.add(new ColumnView(f.name(), f.dataType().simpleString(), access, mask));
                }
                out.add(new TableView(t.getKey(), authorizer.rowFilter(principal, database, t.getKey()).isPresent(), false, columns));
            }
            sessionFor(user);
            openWorkspace(user); // tables another process of the project made since
            String workspace = project.scope().workspaceDatabaseOf(user);
            for (String table : guard.tablesIn(project.scope().workspaceDirectoryOf(user))) {
                List<ColumnView> columns = new ArrayList<>();
                for (StructField f : schemaOf(workspace, table).fields()) {
                    columns.add(new ColumnView(f.name(), f.dataType().simpleString(), Access.VISIBLE, null));
                }
                out.add(new TableView("workspace." + table, false, true, columns));
            }
            return out;
        } finally {
            tablesLock.readLock().unlock();
        }
    }

    /**
     * Runs {@code work} with its Spark jobs tagged {@code tag} (a notebook paragraph's id), so that
     * {@link #cancelTagged} stops exactly them.
     */
    public <T> T tagged(String tag, java.util.function.Supplier<T> work) {
        String t = jobTag(tag);
        base.sparkContext().addJobTag(t);
        try {
            return work.get();
        } finally {
            base.sparkContext().removeJobTag(t);
        }
    }

    /** Cancels the running jobs tagged {@code tag}: the statement ends as an error. */
    public void cancelTagged(String tag) {
        base.sparkContext().cancelJobsWithTag(jobTag(tag));
    }

    private static String jobTag(String tag) {
        return "enclave-run-" + String.valueOf(tag).replaceAll("[^A-Za-z0-9_-]", "_");
    }

    /** Runs each statement of a script in order, whatever the earlier ones returned. */
    public List<StatementResult> executeScript(String user, String script) {
        List<StatementResult> results = new ArrayList<>();
        for (String statement : SqlScript.split(script)) {
            results.add(execute(user, statement));
        }
        return results;
    }

    public Project project() {
        return project;
    }

    /** The project's Spark application, for tests that try to go around the enclave. */
    SparkSession sparkSession() {
        return base;
    }

    private StatementResult finish(String user, String statement, StatementResult result, StatementTrace trace) {
        return finish(user, statement, result, trace, null);
    }

    /** Audits the statement: {@code rows} returned to the analyst and, for a write, {@code rowsWritten}. */
    private StatementResult finish(String user, String statement, StatementResult result, StatementTrace trace, Long written) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("statement", statement);
        details.put("policies", result.policies().stream().sorted().toList());
        if (trace != null) {
            details.put("columns", List.copyOf(trace.columns()));
        }
        details.put("rows", result.isOk() ? result.rows().size() : 0);
        if (written != null) {
            details.put("rowsWritten", written);
        }
        if (authorizer.loadedVersion() != null) {
            details.put("policyVersion", authorizer.loadedVersion());
        }
        if (result.message() != null) {
            details.put("message", result.message());
        }
        String outcome = switch (result.status()) {
            case OK -> "allowed";
            case DENIED -> "denied";
            case ERROR -> "error";
        };
        // If the statement cannot be audited, its result is not returned.
        audit.append(new AuditRecord(user, project.scope().projectId(), "sql.statement", outcome, details));
        return result;
    }

    /** Whether the statement was a command (run when planned: a write, DDL), not a query. */
    private static boolean isCommand(Dataset<Row> frame) {
        return frame instanceof org.apache.spark.sql.classic.Dataset<Row> classic
                && classic.queryExecution().commandExecuted() instanceof org.apache.spark.sql.catalyst.plans.logical.CommandResult;
    }

    private static StatementResult denied(String statement, Throwable reason) {
        return new StatementResult(statement, StatementResult.Status.DENIED, reason.getMessage(), List.of(), List.of(), false,
                java.util.Set.of());
    }

    /** {@code parquet.`/path`}: blocked by spark.sql.runSQLOnFiles=false before the check rule sees it. */
    private static final java.util.regex.Pattern PATH_READ = java.util.regex.Pattern.compile(
            "TABLE_OR_VIEW_NOT_FOUND\\].*`(parquet|orc|json|csv|text|avro|binaryFile|delta|jdbc|hive|libsvm|image|xml)`\\.`[^`]*[/:][^`]*`",
            java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.DOTALL);

    /** The denial somewhere in a failure's causes, if it is one. */
    private static Throwable denialIn(Throwable t) {
        if (t.getMessage() != null && PATH_READ.matcher(t.getMessage()).find()) {
            return new AccessDeniedException("reading files by path is not allowed: the project's data is its tables"
                    + " (parquet.`...`, spark.read and the like are not available)");
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof AccessDeniedException) {
                return c;
            }
            if (c instanceof PolicyUnavailableException) {
                // where the policies are and why they cannot be read (Ranger Admin's address, a file's path) is for the operators
                LOG.warn("policies unavailable: {}", c.getMessage());
                return AccessDeniedException.denyPoliciesUnavailable();
            }
            if (c instanceof StackOverflowError) {
                return new AccessDeniedException("the statement is nested too deeply for the authorizer to check");
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /**
     * The audience's tables in a database of their own ({@code <project db>__<audience>}), which no
     * policy names and the check rule refuses to read directly; the enclave resolves each once and
     * hands it to the policy rule, which reads it instead of the project's table for the audience.
     */
    private void registerAudience(Project p, Audience a) {
        String database = audienceDatabase(a);
        asSystem(base, "CREATE DATABASE IF NOT EXISTS `" + database + "`");
        Map<String, org.apache.spark.sql.execution.datasources.LogicalRelation> relations = new LinkedHashMap<>();
        for (Map.Entry<String, String> t : a.tables().entrySet()) {
            if (!p.tables().containsKey(t.getKey())) {
                throw new IllegalStateException("audience " + a.name() + " has a table " + t.getKey() + " the project does not have");
            }
            asSystem(base, "DROP TABLE IF EXISTS `" + database + "`.`" + t.getKey() + "`");
            asSystem(base, "CREATE TABLE `" + database + "`.`" + t.getKey() + "` USING parquet LOCATION '" + fileSystem
                    + t.getValue() + "'");
            relations.put(t.getKey(), relationOf(database, t.getKey()));
        }
        // who the audience does not see: kept out of its members' own derived tables as well
        java.util.Set<String> hidden = new java.util.HashSet<>();
        if (a.tables().containsKey("participants")) {
            context.beginSystem();
            try {
                for (Row r : base.sql("SELECT participant_id FROM `" + p.scope().database() + "`.participants EXCEPT"
                        + " SELECT participant_id FROM `" + database + "`.participants").collectAsList()) {
                    hidden.add(r.getString(0));
                }
            } finally {
                context.end();
            }
        }
        context.registerAudience(a.name(), a.groups(), relations, hidden);
    }

    private String audienceDatabase(Audience a) {
        return project.scope().database() + "__" + a.name().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    }

    private org.apache.spark.sql.execution.datasources.LogicalRelation relationOf(String database, String table) {
        context.beginSystem();
        try {
            org.apache.spark.sql.catalyst.plans.logical.LogicalPlan plan = ((org.apache.spark.sql.classic.Dataset<Row>) base
                    .table("`" + database + "`.`" + table + "`")).queryExecution().analyzed();
            while (plan instanceof org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias alias) {
                plan = alias.child();
            }
            if (!(plan instanceof org.apache.spark.sql.execution.datasources.LogicalRelation relation)) {
                throw new IllegalStateException(database + "." + table + " is not a file relation: " + plan.nodeName());
            }
            return relation;
        } finally {
            context.end();
        }
    }

    /**
     * Where the project pseudonyms of participants who opted out come from: read before every
     * statement, so that an opt-out reaches the user's derived tables at once.
     */
    public EnclaveSession withOptouts(java.util.function.Supplier<java.util.Set<String>> projectPseudonyms) {
        this.optouts = requireNonNull(projectPseudonyms, "projectPseudonyms is null");
        return this;
    }

    private volatile long derivedGeneration = Long.MIN_VALUE;

    /** Spark caches each table's relation (and its file listing) per session: every session lists files again. */
    private void invalidateCachedTables() {
        base.sessionState().catalog().invalidateAllCachedTables();
        if (systemSession != null) {
            systemSession.sessionState().catalog().invalidateAllCachedTables();
        }
        userSessions.values().forEach(u -> u.sessionState().catalog().invalidateAllCachedTables());
    }

    /**
     * When {@code project apply} rewrote derived files (participants who opted out removed), every
     * session lists the workspace tables' files again: Spark caches file listings per session.
     */
    private void refreshIfDerivedDataRewritten() {
        long generation = guard.modificationTime(project.scope().workspacePath() + "/" + jp.nmi.enclave.project.DerivedData.GENERATION);
        if (generation != derivedGeneration) {
            synchronized (this) {
                if (generation != derivedGeneration) {
                    if (derivedGeneration != Long.MIN_VALUE) {
                        invalidateCachedTables();
                    }
                    derivedGeneration = generation;
                }
            }
        }
    }

    /** What a statement that ran leaves to the enclave: marks on the outbox directories it wrote, dropped tables' files removed. */
    private void afterSuccess(String user, StatementTrace trace) {
        for (String dir : trace.outboxDirectories()) {
            guard.markWrittenBy(user, dir);
        }
        for (String table : trace.droppedWorkspaceTables()) {
            guard.removeDropped(project.scope().workspaceDirectoryOf(user), table.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private SparkSession sessionFor(String user) {
        return userSessions.computeIfAbsent(user, u -> {
            SparkSession s = base.newSession();
            asSystem(s, "USE `" + project.scope().database() + "`");
            openWorkspace(u);
            return s;
        });
    }

    /**
     * The user's own workspace database, with the tables an earlier session left in it: their
     * files are under the user's workspace directory, so a restart loses nothing and whose they
     * are follows from where they are.
     */
    private void openWorkspace(String user) {
        ProjectScope scope = project.scope();
        String database = scope.workspaceDatabaseOf(user);
        String directory = scope.workspaceDirectoryOf(user);
        asSystem(base, "CREATE DATABASE IF NOT EXISTS `" + database + "` LOCATION '" + fileSystem + directory + "'");
        for (String table : guard.tablesIn(directory)) {
            if (!base.sessionState().catalog().tableExists(new TableIdentifier(table, scala.Option.apply(database)))) {
                asSystem(base, "CREATE TABLE IF NOT EXISTS `" + database + "`.`" + table + "` USING parquet LOCATION '" + fileSystem
                        + directory + "/" + table + "'");
            }
        }
    }

    private void asSystem(SparkSession session, String sql) {
        context.beginSystem();
        try {
            session.sql(sql).collectAsList();
        } finally {
            context.end();
        }
    }

    private StructType schemaOf(String database, String table) {
        try {
            return base.sessionState().catalog().getTableMetadata(new TableIdentifier(table, scala.Option.apply(database))).schema();
        } catch (Exception e) {
            throw new IllegalStateException("table " + database + "." + table + " was just registered but cannot be found", e);
        }
    }

    /** Spark's values as plain Java: lists for arrays, maps for maps, ISO strings stay dates. */
    static Object plain(Object value) {
        if (value instanceof scala.collection.Seq<?> seq) {
            List<Object> out = new ArrayList<>();
            scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(v -> out.add(plain(v)));
            return out;
        }
        if (value instanceof scala.collection.Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            scala.jdk.javaapi.CollectionConverters.asJava(map).forEach((k, v) -> out.put(plain(k), plain(v)));
            return out;
        }
        if (value instanceof Row row) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < row.size(); i++) {
                out.add(plain(row.get(i)));
            }
            return out;
        }
        if (value instanceof BigDecimal d) {
            return d;
        }
        return value;
    }

    @Override
    public void close() {
        AuthzContext.unregister(base.sparkContext());
        base.stop();
    }
}
