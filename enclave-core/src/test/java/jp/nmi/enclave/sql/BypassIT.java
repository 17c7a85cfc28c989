package jp.nmi.enclave.sql;

import static jp.nmi.enclave.testing.Personas.ANALYST_ALICE;
import static jp.nmi.enclave.testing.Personas.ANALYST_KENJI;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.io.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an analyst could try to get around the enclave's controls, each denied with a message that
 * says what and why. Run as alice, the member with the most access; a statement that works for
 * her is no bypass.
 */
class BypassIT {
    @TempDir
    static Path dir;

    static DemoEnclave enclave;
    static EnclaveSession session;
    static String datasets;

    @BeforeAll
    static void start() {
        enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(300, 20, 5), Progress.NONE);
        session = enclave.openProject("DEMO-1", new EnclaveSession.Settings("local[2]", 1000, 2));
        datasets = enclave.storage().fileSystemUri() + "/enclave/datasets";
    }

    @AfterAll
    static void stop() {
        if (session != null) {
            session.close();
        }
        if (enclave != null) {
            enclave.close();
        }
    }

    static Stream<Arguments> attempts() {
        String outbox = "/enclave/projects/DEMO-1/outbox";
        return Stream.of(
                // running code
                a("SELECT reflect('java.lang.System', 'getenv', 'HOME')", "it calls an arbitrary Java method inside the enclave"),
                a("SELECT java_method('java.lang.Runtime', 'getRuntime')", "it calls an arbitrary Java method inside the enclave"),
                a("SELECT try_reflect('java.lang.System', 'exit', 0)", "it calls an arbitrary Java method inside the enclave"),
                a("ADD JAR /tmp/evil.jar", "AddJarsCommand is not allowed in the enclave: adding code to the session"),
                a("ADD FILE /etc/passwd", "AddFilesCommand is not allowed in the enclave: adding files to the session"),
                a("ADD ARCHIVE /tmp/x.zip", "AddArchivesCommand is not allowed in the enclave"),
                a("LIST JARS", "ListJarsCommand is not allowed in the enclave"),
                a("CREATE TEMPORARY FUNCTION f AS 'org.example.Evil'", "CreateFunctionCommand is not allowed in the enclave"),
                a("CREATE FUNCTION enclave_pseudonym AS 'org.example.Identity'", "is not allowed in the enclave: user functions could"),
                a("CREATE TEMPORARY FUNCTION mask(x STRING) RETURNS STRING RETURN x", "is not allowed in the enclave: user functions could"),
                // reading data around the policies
                a("SELECT * FROM parquet.`" + datasets + "/participants`", "reading files by path is not allowed"),
                a("SELECT * FROM parquet.`/enclave/datasets/participants`", "reading files by path is not allowed"),
                a("SELECT * FROM json.`/etc/passwd`", "reading files by path is not allowed"),
                a("SELECT * FROM text.`file:///etc/hostname`", "reading files by path is not allowed"),
                a("SELECT * FROM orc.`/enclave/datasets`", "reading files by path is not allowed"),
                a("CREATE TABLE raw USING parquet LOCATION '/enclave/datasets/participants'", "writing to demo_1.raw is not allowed"),
                a("CREATE TABLE workspace.raw USING parquet LOCATION '/enclave/datasets/participants'",
                        "LOCATION and OPTIONS (path) are not allowed"),
                a("SELECT input_file_name(), participant_id FROM participants", "it reveals where the provider's data lives on HDFS"),
                a("SELECT input_file_block_start() FROM participants", "it reveals how the provider's data is stored on HDFS"),
                a("SELECT input_file_block_length() FROM participants", "it reveals how the provider's data is stored on HDFS"),
                a("LOAD DATA INPATH '/enclave/datasets/participants' INTO TABLE participants", "is not allowed in the enclave"),
                a("EXPLAIN SELECT * FROM participants", "ExplainCommand is not allowed in the enclave: plans show where"),
                a("DESCRIBE EXTENDED participants", "DESCRIBE EXTENDED is not allowed in the enclave"),
                a("DESCRIBE FORMATTED participants", "DESCRIBE EXTENDED is not allowed in the enclave"),
                a("SHOW CREATE TABLE participants", "is not allowed in the enclave"),
                // exfiltration through side channels
                a("SELECT raise_error(participant_id) FROM participants", "it turns row values into error messages"),
                a("SELECT assert_true(sex = 'M') FROM participants", "it turns row values into error messages"),
                a("SELECT aes_encrypt(participant_id, '0000111122223333') FROM participants", "no disclosure check can read"),
                a("SELECT from_protobuf(CAST(sex AS BINARY), 'M', '/tmp/x.desc') FROM participants", "it reads descriptor files by path"),
                // switching the controls off
                a("SET spark.sql.optimizer.excludedRules=org.apache.spark.sql.catalyst.optimizer.PushDownPredicates",
                        "SET spark.sql.optimizer.excludedRules is not allowed: it could switch off the enclave's controls"),
                a("SET spark.sql.extensions=org.example.Nothing", "SET spark.sql.extensions is not allowed: it could switch off"),
                a("SET spark.sql.runSQLOnFiles=true", "SET spark.sql.runSQLOnFiles is not allowed: it could switch off"),
                a("SET spark.sql.catalog.evil=org.example.Catalog", "SET spark.sql.catalog.evil is not allowed"),
                a("SET spark.enclave.secret.key.demo=AAAA", "SET spark.enclave.secret.key.demo is not allowed: it could switch off"),
                a("SET spark.sql.legacy.storeAnalyzedPlanForView=true", "may be set"),
                a("SET", "SET (list) is not allowed: the session's configuration is the enclave's"),
                a("RESET", "ResetCommand is not allowed in the enclave"),
                // shared state between users
                a("CACHE TABLE participants", "cached plans are shared between the users of the project"),
                a("CACHE TABLE c AS SELECT * FROM participants", "cached plans are shared between the users of the project"),
                a("UNCACHE TABLE participants", "cached plans are shared between the users of the project"),
                a("CLEAR CACHE", "cached plans are shared between the users of the project"),
                a("CREATE VIEW shared AS SELECT * FROM participants", "only temporary views are allowed"),
                a("CREATE GLOBAL TEMPORARY VIEW shared AS SELECT * FROM participants", "only temporary views are allowed"),
                // writing where results should not go
                a("INSERT OVERWRITE DIRECTORY '/tmp/out' USING csv SELECT * FROM participants",
                        "writing to /tmp/out is not allowed: results go to the project's outbox (" + outbox + "/<name>)"),
                a("INSERT OVERWRITE DIRECTORY '" + outbox + "/../../DEMO-2/outbox' USING csv SELECT * FROM participants",
                        "writing to /enclave/projects/DEMO-2/outbox is not allowed"),
                a("INSERT OVERWRITE DIRECTORY '/enclave/datasets/participants' USING parquet SELECT * FROM participants",
                        "writing to /enclave/datasets/participants is not allowed"),
                a("INSERT INTO participants SELECT * FROM participants", "writing to demo_1.participants is not allowed"),
                a("INSERT OVERWRITE TABLE variants SELECT '1:1:A:C', '1', 1L, 'A', 'C'", "writing to demo_1.variants is not allowed"),
                // DDL on the provider's datasets
                a("DROP TABLE participants", "writing to demo_1.participants is not allowed"),
                a("TRUNCATE TABLE participants", "the project's datasets are read-only"),
                a("ALTER TABLE participants SET LOCATION '/tmp/x'", "is not allowed in the enclave"),
                a("ALTER TABLE participants ADD COLUMNS (x STRING)", "is not allowed in the enclave"),
                a("ANALYZE TABLE participants COMPUTE STATISTICS", "statistics would be computed over rows the policies hide"),
                a("MSCK REPAIR TABLE participants", "is not allowed in the enclave"),
                a("REFRESH TABLE participants", "is not allowed in the enclave"),
                a("REFRESH '/enclave/datasets'", "is not allowed in the enclave"),
                a("CREATE DATABASE other", "is not allowed in the enclave"),
                a("SELECT * FROM enclave_consent", "alice may not read demo_1.enclave_consent.commercial_use_prohibited"),
                a("DROP DATABASE demo_1 CASCADE", "is not allowed in the enclave"));
    }

    static Arguments a(String sql, String reason) {
        return Arguments.of(sql, reason);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("attempts")
    void isDeniedWithAReason(String sql, String reason) {
        StatementResult r = session.execute(ANALYST_ALICE, sql);
        assertThat(r.status()).as(sql + " -> " + r.message()).isEqualTo(StatementResult.Status.DENIED);
        assertThat(r.message()).startsWith(AccessDeniedException.PREFIX).contains(reason);
        assertThat(r.rows()).isEmpty();
    }

    @Test
    void thereAreAtLeastFortyAttempts() {
        assertThat(attempts().count()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void anotherUsersWorkspaceTableCannotBeReadOrReplaced() {
        assertThat(session.execute(ANALYST_ALICE, "CREATE TABLE workspace.alice_only USING parquet AS SELECT region FROM participants")
                .status()).isEqualTo(StatementResult.Status.OK);
        // kenji's workspace is his own: the same name there is another table
        assertThat(session.execute(ANALYST_KENJI, "SELECT * FROM workspace.alice_only").message()).contains("TABLE_OR_VIEW_NOT_FOUND");
        StatementResult read = session.execute(ANALYST_KENJI, "SELECT * FROM workspace_alice.alice_only");
        assertThat(read.status()).isEqualTo(StatementResult.Status.DENIED);
        assertThat(read.message()).isEqualTo("Access denied: kenji may not read workspace table workspace_alice.alice_only: it belongs to alice");
        StatementResult overwrite = session.execute(ANALYST_KENJI, "INSERT INTO workspace_alice.alice_only SELECT region FROM participants");
        assertThat(overwrite.status()).isEqualTo(StatementResult.Status.DENIED);
        assertThat(overwrite.message()).isEqualTo("Access denied: writing to workspace_alice.alice_only is not allowed: it is in the"
                + " workspace of alice; writing to workspace tables is for their owner only");
    }
}
