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

        // Both runs were audited; the chain verifies, and a forged line is found.
        EnclaveProcess.Result verify = EnclaveProcess.run(List.of(), "audit", "verify", "--embedded", demo.toString());
        assertThat(verify.exitCode()).isZero();
        Path log = demo.resolve("audit/enclave-audit.jsonl");
        List<String> events = new ArrayList<>(Files.readAllLines(log));
        // two project applies when the demo enclave was set up, then the four statements
        assertThat(events.stream().filter(e -> e.contains("\"action\":\"sql.statement\"")).count()).isEqualTo(4);
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
}
