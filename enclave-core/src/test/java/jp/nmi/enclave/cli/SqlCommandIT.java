package jp.nmi.enclave.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jp.nmi.enclave.testing.EnclaveProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./enclave sql} and {@code ./enclave audit verify} as a user runs them: a separate process, its output and exit code. */
class SqlCommandIT {
    @TempDir
    Path dir;

    @Test
    void jsonlReportsEveryStatementAndTheExitCodeSaysWhatHappened() throws Exception {
        Path demo = dir.resolve("demo");
        Path script = dir.resolve("queries.sql");
        Files.writeString(script, """
                -- one allowed, one denied
                SELECT count(*) AS n FROM participants WHERE commercial_use_prohibited;
                SELECT birth_year FROM participants;
                """);
        EnclaveProcess.Result r = EnclaveProcess.run(List.of(), "sql", "--demo", "--demo-dir", demo.toString(), "--participants", "300",
                "--project", "DEMO-1", "--user", "kenji", "--file", script.toString(), "--format", "jsonl");
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(EnclaveCli.EXIT_DENIED);
        List<Map<?, ?>> lines = new ArrayList<>();
        for (String line : r.stdout().strip().split("\n")) {
            lines.add(new ObjectMapper().readValue(line, Map.class));
        }
        assertThat(lines).hasSize(2);
        assertThat(List.copyOf(lines.get(0).keySet())).isEqualTo(List.of("statement", "status", "message", "columns", "rows"));
        assertThat(lines.get(0).get("statement")).isEqualTo("SELECT count(*) AS n FROM participants WHERE commercial_use_prohibited");
        assertThat(lines.get(0).get("status")).isEqualTo("ok");
        assertThat(lines.get(0).get("columns")).isEqualTo(List.of("n"));
        assertThat(lines.get(0).get("rows")).isEqualTo(List.of(List.of(0)));
        assertThat(lines.get(1).get("status")).isEqualTo("denied");
        assertThat(lines.get(1).get("message"))
                .isEqualTo("Access denied: kenji may not read demo_1.participants.birth_year (no Ranger policy allows it)");
        assertThat(lines.get(1).get("rows")).isEqualTo(List.of());

        EnclaveProcess.Result error = EnclaveProcess.run(List.of(), "sql", "--demo", "--demo-dir", demo.toString(), "--project", "DEMO-1",
                "--user", "alice", "SELECT sex, count(*) AS n FROM participants GROUP BY sex; SELECT * FROM no_such_table");
        assertThat(error.exitCode()).as(error.stderr()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(error.stdout()).contains("-- SELECT sex, count(*) AS n FROM participants GROUP BY sex\nsex,n\n");
        assertThat(error.stderr()).contains("enclave sql: error: [TABLE_OR_VIEW_NOT_FOUND]");

        EnclaveProcess.Result fine = EnclaveProcess.run(List.of(), "sql", "--demo", "--demo-dir", demo.toString(), "--project", "DEMO-1",
                "--user", "alice", "SELECT count(*) AS n FROM participants WHERE sex IN ('F', 'M')");
        assertThat(fine.exitCode()).as(fine.stderr()).isEqualTo(EnclaveCli.EXIT_OK);
        assertThat(fine.stdout()).containsPattern("(?m)^n$").containsPattern("(?m)^[1-9][0-9]*$");

        // Every run was audited; the chain verifies, and a forged line is found.
        EnclaveProcess.Result verify = EnclaveProcess.run(List.of(), "audit", "verify", "--embedded", demo.toString());
        assertThat(verify.exitCode()).isZero();
        Path log = demo.resolve("audit/enclave-audit.jsonl");
        List<String> events = new ArrayList<>(Files.readAllLines(log));
        // the demo set-up once (ingest, two project applies), as demo set-up and never as a named operator;
        // later runs on the same directory do not apply the projects again; then the five statements
        assertThat(events.stream().filter(e -> e.contains("\"action\":\"sql.statement\"")).count()).isEqualTo(5);
        assertThat(events.stream().filter(e -> e.contains("\"action\":\"project.apply\"")).toList()).hasSize(2)
                .allSatisfy(e -> assertThat(e).contains("\"actor\":\"demo-setup\""));
        assertThat(events.stream().filter(e -> e.contains("\"action\":\"ingest.publish\"")).toList()).hasSize(1)
                .allSatisfy(e -> assertThat(e).contains("\"actor\":\"demo-setup\""));
        assertThat(events).noneMatch(e -> e.contains("\"actor\":\"ops\""));
        assertThat(verify.stdout()).startsWith("audit log " + demo.toAbsolutePath().resolve("audit/enclave-audit.jsonl")
                + ": " + events.size() + " events, chain intact (head ");
        int denied = 0;
        while (!events.get(denied).contains("\"outcome\":\"denied\"")) {
            denied++;
        }
        events.set(denied, events.get(denied).replace("\"outcome\":\"denied\"", "\"outcome\":\"allowed\""));
        Files.write(log, events);
        EnclaveProcess.Result broken = EnclaveProcess.run(List.of(), "audit", "verify", "--log", log.toString());
        assertThat(broken.exitCode()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(broken.stderr()).startsWith("audit log " + log + ": chain broken at line " + (denied + 1) + " (event " + (denied + 1)
                + "): event " + (denied + 1) + " was altered after it was written")
                .contains("the " + denied + " events before it are intact");
    }

    @Test
    void exportWritesTheCheckedTableAndItsSignedRecordToTheOutbox() throws Exception {
        Path demo = dir.resolve("export-demo");
        EnclaveProcess.Result r = EnclaveProcess.run(List.of(), "export", "--demo", "--demo-dir", demo.toString(), "--participants", "300",
                "--project", "DEMO-1", "--user", "alice", "--query", "SELECT participant_id, age_band FROM participants",
                "--spec", "crosstab index=age_band", "--name", "age-bands.csv");
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(EnclaveCli.EXIT_OK);
        Map<?, ?> report = new ObjectMapper().readValue(r.stdout(), Map.class);
        assertThat(report.get("profile")).isEqualTo("acro");
        assertThat(report.get("spec")).isEqualTo("crosstab index=age_band");
        assertThat(r.stderr()).contains("enclave export: wrote age-bands.csv to the outbox of DEMO-1 (checks: " + report.get("status"));

        EnclaveProcess.Result denied = EnclaveProcess.run(List.of(), "export", "--demo", "--demo-dir", demo.toString(), "--project",
                "DEMO-1", "--user", "kenji", "--query", "SELECT participant_id, birth_year FROM participants", "--spec",
                "crosstab index=birth_year", "--name", "years.csv");
        assertThat(denied.exitCode()).isEqualTo(EnclaveCli.EXIT_DENIED);
        assertThat(denied.stderr()).contains("enclave export: Access denied: kenji may not read demo_1.participants.birth_year");

        EnclaveProcess.Result anonymous = EnclaveProcess.run(List.of(), "export", "--demo", "--demo-dir", demo.toString(), "--project",
                "DEMO-1", "--user", "alice", "--query", "SELECT age_band FROM participants", "--spec", "crosstab index=age_band",
                "--name", "no-ids.csv");
        assertThat(anonymous.exitCode()).isEqualTo(EnclaveCli.EXIT_ERROR);
        assertThat(anonymous.stderr()).contains("the query must return participant_id with every row");

        // What the egress service will find: the table, and a record that verifies against it with the enclave's key.
        try (jp.nmi.enclave.hdfs.EnclaveStorage storage = jp.nmi.enclave.hdfs.EmbeddedStorage.open(demo)) {
            org.apache.hadoop.fs.Path outbox = new org.apache.hadoop.fs.Path(storage.layout().project("DEMO-1"), "outbox");
            byte[] csv;
            byte[] json;
            try (var in = storage.fs().open(new org.apache.hadoop.fs.Path(outbox, "age-bands.csv"))) {
                csv = in.readAllBytes();
            }
            try (var in = storage.fs().open(new org.apache.hadoop.fs.Path(outbox, ".disclosure/age-bands.csv.json"))) {
                json = in.readAllBytes();
            }
            // the enclave's file (it acts as no analyst on HDFS), its exporter recorded on it
            assertThat(new String(storage.fs().getXAttr(new org.apache.hadoop.fs.Path(outbox, "age-bands.csv"),
                    jp.nmi.enclave.output.OutputExporter.EXPORTER), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("alice");
            assertThat(new String(csv, java.nio.charset.StandardCharsets.UTF_8)).startsWith("age_band,count\n");
            byte[] key = jp.nmi.enclave.pseudonym.KeyStoreFile.openOrCreate(jp.nmi.enclave.pseudonym.KeyStoreFile.embeddedPath(demo))
                    .key(jp.nmi.enclave.pseudonym.KeyStoreFile.OUTPUT_SIGNING_ALIAS).orElseThrow().getEncoded();
            jp.nmi.egress.disclosure.OutputRecord record = jp.nmi.egress.disclosure.OutputRecord.parse(json);
            assertThat(record.verify(key, "DEMO-1", "age-bands.csv", csv)).isNull();
            assertThat(record.createdBy()).isEqualTo("alice");
            assertThat(record.verify(key, "DEMO-1", "age-bands.csv", "age_band,count\n20-29,1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .startsWith("the file was changed after it was checked");
            // the record names contributors only as salted 16-byte hashes, never the (32-byte) pseudonyms
            assertThat(record.cells()).isNotEmpty();
            record.cells().forEach(c -> c.contributors().forEach(h -> assertThat(h).matches("[0-9a-f]{32}")));
        }
    }
}
