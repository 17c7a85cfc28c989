package jp.nmi.enclave.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import jp.nmi.enclave.policy.ColumnMask;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** The allowlist as data and the mask SQL, without a Spark session. */
class TestAllowlist {
    @Test
    void theShippedAllowlistMapsFunctionsToClassesAndDeniesTheDangerousOnes() {
        Allowlist a = Allowlist.load();
        assertThat(a.isAllowedExpression("Upper")).isTrue();
        assertThat(a.isAllowedExpression("Sum")).isTrue();
        assertThat(a.isAllowedExpression("CallMethodViaReflection")).isFalse();
        assertThat(a.denial("CallMethodViaReflection")).isPresent();
        assertThat(a.denial("CallMethodViaReflection").get()[1]).isEqualTo("it calls an arbitrary Java method inside the enclave");
        assertThat(a.denial("InputFileName").get()).containsExactly("input_file_name", "it reveals where the provider's data lives on HDFS");
        assertThat(a.denial("RaiseError")).isPresent();
        assertThat(a.isAllowedPlanNode("Project")).isTrue();
        assertThat(a.isAllowedPlanNode("LogicalRDD")).isFalse();
        assertThat(a.isSettable("spark.sql.shuffle.partitions")).isTrue();
        assertThat(a.isSettable("spark.sql.optimizer.excludedRules")).isFalse();
    }

    @Test
    void unknownKeysAreRejected() {
        String yaml = "functions: {groups: [], allow: [], deny: {}}\nexpressions: []\nplan_nodes: []\nsettable_configuration: []\ncontrol_configuration: []\n"
                + "data_sources: {}\nmetadata_commands: []\ndenial_reasons: {}\nparser_denied: {}\ndefault_denial_reason: no\nplan_node: [Project]\n";
        assertThatThrownBy(() -> Allowlist.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("test.yaml is not a valid allowlist: Unrecognized field \"plan_node\"");
    }

    @Test
    void aControlCannotBeMadeSettable() {
        String yaml = "functions: {groups: [], allow: [], deny: {}}\nexpressions: []\nplan_nodes: []\n"
                + "settable_configuration: [spark.sql.optimizer.excludedRules]\ncontrol_configuration: [spark.sql.optimizer]\n"
                + "data_sources: {}\nmetadata_commands: []\ndenial_reasons: {}\nparser_denied: {}\ndefault_denial_reason: no\n";
        assertThatThrownBy(() -> Allowlist.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the allowlist makes spark.sql.optimizer.excludedRules settable, but it is one of the controls (control_configuration)");
    }

    @Test
    void dataSourcesAreKnownByTheirNamesAndTheClassesTheyResolveTo() {
        Allowlist a = Allowlist.load();
        assertThat(a.isDataSourceName("parquet")).isTrue();
        assertThat(a.isDataSourceName("PARQUET")).isTrue();
        assertThat(a.isDataSourceName("org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat")).isTrue();
        assertThat(a.isDataSourceName("jdbc")).isFalse();
        assertThat(a.isDataSourceName("org.apache.spark.sql.execution.datasources.jdbc.JdbcRelationProvider")).isFalse();
        assertThat(a.isDataSourceName("java.lang.Runtime")).isFalse();
        assertThat(a.dataSourceNames()).containsExactly("csv", "json", "parquet");
        assertThat(a.dataSource("org.apache.spark.sql.execution.datasources.v2.parquet.ParquetDataSourceV2")).get()
                .satisfies(e -> assertThat(e.getKey()).isEqualTo("parquet"));
        assertThat(a.dataSourcesFor(Allowlist.DataSourceUse.WORKSPACE_TABLE)).containsExactly("parquet");
        assertThat(a.dataSourcesFor(Allowlist.DataSourceUse.OUTBOX_DIRECTORY)).containsExactly("csv", "json", "parquet");
        Allowlist.DataSourceRule csv = a.dataSource("org.apache.spark.sql.execution.datasources.csv.CSVFileFormat").get().getValue();
        // text in the outbox is never compressed: the purge of opted-out participants reads it line by line
        assertThat(csv.options()).containsKeys("header", "sep").doesNotContainKeys("path", "compression");
        Allowlist.DataSourceRule parquet = a.dataSource("org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat").get()
                .getValue();
        assertThat(parquet.options().get("compression").matcher("zstd").matches()).isTrue();
        assertThat(parquet.options().get("compression").matcher("org.example.Codec").matches()).isFalse();
        assertThat(a.parserDenial("RelationTimeTravel")).get().asString().contains("before the enclave checks the statement");
    }

    @Test
    void theCheckTablesAreData() {
        Allowlist a = Allowlist.load();
        assertThat(a.isMetadataCommand("ShowTables")).isTrue();
        assertThat(a.isMetadataCommand("DescribeNamespace")).isFalse();
        assertThat(a.specificDenialReason("ExplainCommand")).contains("plans show where the provider's data lives and how the"
                + " policies are implemented");
        assertThat(a.specificDenialReason("SomethingNew")).isEmpty();
        assertThat(a.denialReason("SomethingNew")).isEqualTo("the enclave runs queries, temporary views, workspace tables and exports"
                + " to the outbox");
        assertThat(a.deniedFunctions()).containsKey("enclave_pseudonym");
        assertThat(a.isSettable("spark.sql.codegen.wholeStage")).isFalse();
        assertThat(a.isSettable("spark.sql.analyzer.singlePassResolver.enabled")).isFalse();
        assertThat(a.configurationDenial("spark.sql.extensions")).isEqualTo("it could switch off the enclave's controls");
        assertThat(a.configurationDenial("spark.enclave.user")).isEqualTo("it could switch off the enclave's controls");
        assertThat(a.configurationDenial("spark.sql.codegen.wholeStage")).isEqualTo("only spark.sql.ansi.enabled,"
                + " spark.sql.legacy.timeParserPolicy, spark.sql.session.timeZone, spark.sql.shuffle.partitions may be set");
    }

    @Test
    void masksKeepTheColumnTypeAndUnknownMasksAreNull() {
        assertThat(MaskSql.of(new ColumnMask(1, "MASK_HASH", null), "participant_id", DataTypes.StringType))
                .isEqualTo("enclave_pseudonym(`participant_id`)");
        assertThat(MaskSql.of(new ColumnMask(1, "MASK_HASH", null), "birth_year", DataTypes.IntegerType)).isEqualTo("CAST(NULL AS INT)");
        assertThat(MaskSql.of(new ColumnMask(1, "MASK_DATE_SHOW_YEAR", null), "d", DataTypes.DateType)).isEqualTo("trunc(`d`, 'YEAR')");
        assertThat(MaskSql.of(new ColumnMask(1, "CUSTOM", "{col} - pmod({col}, 10)"), "y", DataTypes.IntegerType))
                .isEqualTo("CAST((`y` - pmod(`y`, 10)) AS INT)");
        assertThat(MaskSql.of(new ColumnMask(1, "SOMETHING_NEW", null), "x", DataTypes.StringType)).isEqualTo("CAST(NULL AS STRING)");
        assertThat(MaskSql.of(new ColumnMask(1, "MASK", null), "we`ird", DataTypes.StringType)).isEqualTo("mask(`we``ird`)");
    }
}
