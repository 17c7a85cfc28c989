package jp.nmi.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import jp.nmi.enclave.error.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestParagraph {
    @Test
    void theFirstWordDecidesAndAnythingElseIsSql() {
        assertThat(Paragraph.parse("SELECT 1").command()).isEqualTo(Paragraph.Command.SQL);
        assertThat(Paragraph.parse("  tables  ").command()).isEqualTo(Paragraph.Command.TABLES);
        assertThat(Paragraph.parse("schema").command()).isEqualTo(Paragraph.Command.SCHEMA);
        Paragraph d = Paragraph.parse("describe `participants`");
        assertThat(d.command()).isEqualTo(Paragraph.Command.DESCRIBE);
        assertThat(d.head()).isEqualTo("participants");
        assertThat(Paragraph.parse("DESCRIBE TABLE participants").head()).isEqualTo("participants");
        // Spark's other DESCRIBE forms are SQL, checked as SQL
        assertThat(Paragraph.parse("DESCRIBE FUNCTION upper").command()).isEqualTo(Paragraph.Command.SQL);
        assertThat(Paragraph.parse("describe participants\nSELECT 1").command()).isEqualTo(Paragraph.Command.SQL);
    }

    @Test
    void anOutputIsItsSpecLineAndTheQueryBelow() {
        Paragraph p = Paragraph.parse("crosstab index=sex columns=age_band suppress\nSELECT participant_id, sex, age_band\nFROM participants");
        assertThat(p.command()).isEqualTo(Paragraph.Command.CROSSTAB);
        assertThat(p.spec()).isEqualTo("crosstab index=sex columns=age_band");
        assertThat(p.suppress()).isTrue();
        assertThat(p.query()).isEqualTo("SELECT participant_id, sex, age_band\nFROM participants");
        assertThat(Paragraph.parse("ols y ~ x\nSELECT 1").suppress()).isFalse();
        assertThatThrownBy(() -> Paragraph.parse("crosstab index=sex")).isInstanceOf(ValidationException.class)
                .hasMessage("crosstab needs a query on the lines below it, returning participant_id (one row per contribution) and the"
                        + " columns it names: crosstab index=A[,B] [columns=C] [values=X aggfunc=mean|sum|median|std|count] [margins=true]"
                        + " [suppress]");
    }

    @Test
    void exportNamesAFileAndSaysWhatItIs() {
        Paragraph.ExportTarget t = Paragraph.parse("export sex_by_age as \"Sex by age band\"").exportTarget();
        assertThat(t.name()).isEqualTo("sex_by_age.csv");
        assertThat(t.description()).isEqualTo("Sex by age band");
        assertThat(Paragraph.parse("export a.csv").exportTarget()).isEqualTo(new Paragraph.ExportTarget("a.csv", ""));
        assertThatThrownBy(() -> Paragraph.parse("export a.csv\nSELECT 1")).isInstanceOf(ValidationException.class)
                .hasMessage("write export on a line of its own: export NAME.csv [as \"what it is\"]");
        assertThatThrownBy(() -> Paragraph.parse("tables participants")).hasMessage("'tables' takes nothing else: write it alone in the paragraph");
        assertThatThrownBy(() -> Paragraph.parse("  ")).hasMessage("the paragraph is empty: write SQL or a command (help lists them)");
    }

    @Test
    void resultsAreTabSeparatedWithoutTabsOrNewlinesInCells() {
        Output.Table t = new Output.Table(java.util.List.of("a", "b"), java.util.List.of(java.util.List.of("x\ty", "line\nbreak")));
        assertThat(t.tsv()).isEqualTo("a\tb\nx y\tline break\n");
        assertThat(NotebookCommands.value(12.0)).isEqualTo("12");
        assertThat(NotebookCommands.value(0.123456)).isEqualTo("0.1235");
        assertThat(NotebookCommands.value(null)).isEmpty();
    }

    @Test
    void settingsComeFromTheOperatorsFileAndUnknownOnesAreRefused(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("enclave-notebook.properties");
        Files.writeString(f, "enclave.embedded=/srv/enclave\nenclave.results.rows=50\n");
        NotebookSettings s = NotebookSettings.load(f);
        assertThat(s.embedded()).isEqualTo(Path.of("/srv/enclave"));
        assertThat(s.resultRows()).isEqualTo(50);
        assertThat(s.queryRows()).isEqualTo(5_000_000);
        Files.writeString(f, "enclave.embedded=/srv/enclave\nspark.sql.extensions=x\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).isInstanceOf(ValidationException.class).hasMessageContaining("unknown setting(s) [spark.sql.extensions]");
        Files.writeString(f, "enclave.target=hdfs://nn:8020/enclave\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("with enclave.target, enclave.keystore is required");
        Files.writeString(f, "enclave.embedded=/a\nenclave.results.rows=0\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("enclave.results.rows must be a whole number from 1 to 100000, not '0'");
    }

    @Test
    void productionPoliciesComeFromOneFileOrFromRangerAdminNeverBoth(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("enclave-notebook.properties");
        String common = "enclave.target=hdfs://nn:8020/enclave\nenclave.keystore=/k\nenclave.audit.log=/a\n"
                + "enclave.audit.anchor.jdbc=jdbc:postgresql://db/e?sslmode=verify-full\nenclave.audit.anchor.password.file=/s\n";
        Files.writeString(f, common.replace("?sslmode=verify-full", "") + "enclave.policies=/p\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("enclave.audit.anchor.jdbc reaches db without sslmode: a"
                + " connection that leaves this host carries passwords and audit anchors, so it must be TLS with the server's name verified"
                + " (add sslmode=verify-full, and sslrootcert=FILE unless the CA is in ~/.postgresql/root.crt)");
        Files.writeString(f, common);
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("with enclave.target, give exactly one of enclave.policies"
                + " (a policy file) and enclave.ranger.admin (Ranger Admin's URL)");
        Files.writeString(f, common + "enclave.policies=/p\nenclave.ranger.admin=https://ranger:6182\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageContaining("give exactly one of enclave.policies");
        Files.writeString(f, common + "enclave.ranger.admin=https://ranger:6182\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("with enclave.ranger.admin, enclave.ranger.user is required");
        Files.writeString(f, common + "enclave.ranger.admin=ldap://ranger\nenclave.ranger.user=u\nenclave.ranger.password.file=/r\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("enclave.ranger.admin must be an https:// (or, on loopback, http://) URL, not 'ldap://ranger'");
        Files.writeString(f, common + "enclave.ranger.admin=https://ops:s3cret@ranger:6182\nenclave.ranger.user=u\nenclave.ranger.password.file=/r\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("enclave.ranger.admin may not carry a user or password: give"
                + " them as enclave.ranger.user and enclave.ranger.password.file").hasMessageNotContaining("s3cret");
        Files.writeString(f, common + "enclave.ranger.admin=http://ranger:6080\nenclave.ranger.user=u\nenclave.ranger.password.file=/r\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).as("the password would cross the network in clear")
                .hasMessageEndingWith("not 'http://ranger:6080'");
        Files.writeString(f, common + "enclave.ranger.admin=https://ranger:6182\nenclave.ranger.user=enclave\nenclave.ranger.password.file=/r\n");
        NotebookSettings s = NotebookSettings.load(f);
        assertThat(s.policies()).isNull();
        assertThat(s.rangerAdmin()).isEqualTo(new NotebookSettings.RangerAdmin(java.net.URI.create("https://ranger:6182"), "enclave",
                Path.of("/r"), "enclave_hive"));
        String ranger = common + "enclave.ranger.admin=https://ranger:6182\nenclave.ranger.user=enclave\nenclave.ranger.password.file=/r\n";
        Files.writeString(f, ranger + "enclave.ranger.service=enclave_hive_prod\n");
        assertThat(NotebookSettings.load(f).rangerAdmin().service()).isEqualTo("enclave_hive_prod");
        Files.writeString(f, ranger + "enclave.ranger.service=../../service/1\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("enclave.ranger.service '../../service/1' is not a Ranger"
                + " service name (letters, digits, '_' and '-')");
        Files.writeString(f, common + "enclave.policies=/p\nenclave.ranger.service=enclave_hive_prod\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageEndingWith("enclave.ranger.service goes with enclave.ranger.admin (a"
                + " policy file holds one service's policies)");
        Files.writeString(f, "enclave.embedded=/srv/enclave\nenclave.ranger.admin=https://ranger:6182\n");
        assertThatThrownBy(() -> NotebookSettings.load(f)).hasMessageContaining("enclave.ranger.admin goes with enclave.target");
    }
}
