package jp.nmi.enclave.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TestEnclaveCli {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cli = EnclaveCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEverySubcommand() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("demo-data", "ingest", "Exit codes: 0 success, 1 error");
        for (String sub : new String[] {"demo-data", "ingest", "sql", "audit", "project", "optout", "users", "disclosure", "bench"}) {
            Run help = run(sub, "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out()).startsWith("Usage: enclave " + sub);
        }
    }

    @Test
    void demoDataWritesTheSourceFiles() {
        Run r = run("demo-data", "--participants", "50", "--variants", "20", "--seed", "3", "--out", dir.resolve("w").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Wrote the demo world to " + dir.resolve("w") + ": 50 participants,");
        assertThat(dir.resolve("w/genotypes.vcf")).exists();
        assertThat(dir.resolve("w/participants.csv")).exists();
    }

    @Test
    void errorsExitWithOneAndSayWhy() throws Exception {
        Files.writeString(dir.resolve("occupied"), "x");
        Run r = run("demo-data", "--out", dir.toString());
        assertThat(r.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(r.err()).isEqualTo("enclave demo-data: --out " + dir + " is not empty; demo-data writes only into a new"
                + " or empty directory" + System.lineSeparator());
    }

    @Test
    void disclosureCheckPrintsTheJsonReport() throws Exception {
        StringBuilder csv = new StringBuilder("participant_id,sex,band\n");
        for (int i = 0; i < 30; i++) {
            csv.append("p").append(i).append(",F,20-29\n");
        }
        for (int i = 30; i < 35; i++) {
            csv.append("p").append(i).append(",M,20-29\n");
        }
        Files.writeString(dir.resolve("data.csv"), csv);
        Run r = run("disclosure", "check", "--profile", "ndb", "--data", dir.resolve("data.csv").toString(), "--spec",
                "crosstab index=sex columns=band", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readValue(r.out(), java.util.Map.class);
        assertThat(java.util.List.copyOf(report.keySet()).subList(0, 5)).containsExactly("status", "profile", "table", "checks", "suppressed");
        assertThat(report.get("status")).isEqualTo("fail");
        assertThat(report.get("table")).isEqualTo(java.util.Map.of("index", java.util.List.of("F", "M"), "columns",
                java.util.List.of("20-29"), "values", java.util.List.of(java.util.List.of(30), java.util.List.of(5))));
        Run bad = run("disclosure", "check", "--profile", "strict", "--data", dir.resolve("data.csv").toString(), "--spec", "crosstab index=sex");
        assertThat(bad.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(bad.err()).isEqualTo("enclave disclosure check: unknown disclosure profile 'strict' (profiles: ndb, acro, opensafely, all-of-us)"
                + System.lineSeparator());
    }

    @Test
    void usageErrorsExitWithTwo() {
        Run r = run("ingest", "--source", "x");
        assertThat(r.code()).isEqualTo(EnclaveCli.EXIT_USAGE);
        // the one wrong thing and where the help is; not the whole help
        assertThat(r.err()).isEqualTo("enclave ingest: Missing required argument (specify one of these): (--target=URI | --embedded=DIR)"
                + System.lineSeparator() + "See: enclave ingest --help" + System.lineSeparator());
    }

    @Test
    void aMistakeInAnOutputSpecIsAMessageNotAStackTrace() throws Exception {
        Files.writeString(dir.resolve("d.csv"), "participant_id,sex\np1,F\n");
        Run r = run("disclosure", "check", "--profile", "ndb", "--data", dir.resolve("d.csv").toString(), "--spec", "crosstab indx=sex");
        assertThat(r.code()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(r.err()).startsWith("enclave disclosure check: ").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    /** Command lists show the first line of each description: it is a whole sentence, for every command. */
    @Test
    void everyCommandsSummaryIsAWholeSentence() {
        java.util.List<String> cut = new java.util.ArrayList<>();
        java.util.Deque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(EnclaveCli.commandLine()));
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            String[] d = c.getCommandSpec().usageMessage().description();
            if (d.length == 0 || !d[0].strip().endsWith(".")) {
                cut.add(c.getCommandSpec().qualifiedName(" ") + ": " + (d.length == 0 ? "(none)" : d[0]));
            }
            todo.addAll(c.getSubcommands().values());
        }
        assertThat(cut).as("summaries cut mid-sentence").isEmpty();
    }
}
