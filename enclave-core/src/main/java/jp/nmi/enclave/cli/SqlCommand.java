package jp.nmi.enclave.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.ConsoleProgress;
import jp.nmi.enclave.io.CsvWriter;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.enclave.sql.SqlScript;
import jp.nmi.enclave.sql.StatementResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code enclave sql}: governed SQL for a user of a project, every statement under Ranger's policies. */
@Command(name = "sql",
        mixinStandardHelpOptions = true,
        description = {
            "Run governed SQL as a project member.",
            "Run governed SQL as a project member: Ranger row filters, column masks and column access apply to every",
            "statement, inside Spark's analyser; anything not allowed is denied with the reason. Every statement is",
            "audited. With --demo, the demo enclave in --demo-dir (default: enclave-data, the one ./enclave up runs): the",
            "command connects to its HDFS and PostgreSQL when up runs them, or starts them for itself."},
        footer = {"", "Exit codes: 0 every statement ran, 3 a statement was denied, 1 a statement failed, 2 usage error."})
final class SqlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--demo", required = true, description = "Run against the embedded demo enclave.")
    boolean demo;

    @Option(names = "--demo-dir", paramLabel = "DIR",
            description = "The demo enclave's data directory (default: enclave-data, which ./enclave up must have made); a directory"
                    + " named here that holds no enclave gets a demo world of its own.")
    Path demoDir;

    @Option(names = "--project", paramLabel = "P", required = true, description = "The project: DEMO-1 or DEMO-2.")
    String project;

    @Option(names = "--user", paramLabel = "U", required = true, description = "The analyst: alice, kenji (DEMO-1) or bob (DEMO-2).")
    String user;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Parameters(paramLabel = "QUERY", description = "The statement(s) to run; several are separated by ';'.")
        String query;

        @Option(names = "--file", paramLabel = "F", description = "Run each statement of the file F in order.")
        Path file;
    }

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "csv",
            description = "csv (each result as CSV; denials and errors on stderr) or jsonl (one object per statement:"
                    + " statement, status, message, columns, rows). Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--max-rows", paramLabel = "N", defaultValue = "10000", description = "Rows returned per statement (default: ${DEFAULT-VALUE}).")
    int maxRows;

    @Option(names = "--participants", paramLabel = "N", defaultValue = "2000", hidden = true)
    int participants;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("csv") && !format.equals("jsonl")) {
            throw new ValidationException("--format must be csv or jsonl, got '" + format + "'");
        }
        String script = input.file != null ? read(input.file) : input.query;
        List<String> statements = SqlScript.split(script);
        if (statements.isEmpty()) {
            throw new ValidationException("no statement to run");
        }
        Path dir = DemoEnclave.demoDirectory(demoDir);
        Progress progress = new ConsoleProgress(System.err, 5000);
        System.err.println("enclave sql: the demo enclave in " + dir + " ...");
        List<StatementResult> results = new ArrayList<>();
        try (DemoEnclave enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(participants, 200, 42), progress);
                EnclaveSession session = enclave.openProject(project,
                        new EnclaveSession.Settings("local[2]", maxRows, 4))) {
            for (String statement : statements) {
                StatementResult r = session.execute(user, statement);
                results.add(r);
                print(r, statements.size() > 1);
            }
            System.err.println("enclave sql: " + results.size() + " statement(s) audited in " + enclave.auditLog());
        }
        if (results.stream().anyMatch(r -> r.status() == StatementResult.Status.ERROR)) {
            return EnclaveCli.EXIT_ERROR;
        }
        if (results.stream().anyMatch(r -> r.status() == StatementResult.Status.DENIED)) {
            return EnclaveCli.EXIT_DENIED;
        }
        return EnclaveCli.EXIT_OK;
    }

    private void print(StatementResult r, boolean several) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("jsonl")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("statement", r.statement());
            json.put("status", r.status().label());
            json.put("message", r.message());
            json.put("columns", r.columns());
            json.put("rows", r.rows());
            out.println(JSON.writeValueAsString(json));
            out.flush();
            return;
        }
        if (r.isOk()) {
            StringWriter csv = new StringWriter();
            try (CsvWriter w = new CsvWriter(csv)) {
                w.writeRow(r.columns());
                for (List<Object> row : r.rows()) {
                    w.writeRow(row);
                }
            }
            if (several) {
                out.println("-- " + r.statement().replaceAll("\\s+", " "));
            }
            out.print(csv);
            if (several) {
                out.println();
            }
            if (r.truncated()) {
                System.err.println("enclave sql: " + r.message());
            }
        } else {
            System.err.println("enclave sql: " + r.status().label() + ": " + r.message());
        }
        out.flush();
    }

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ValidationException("cannot read --file " + file + ": " + e.getMessage());
        }
    }

}
