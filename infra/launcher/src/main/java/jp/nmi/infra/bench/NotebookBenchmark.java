package jp.nmi.infra.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.sql.EnclaveSession;
import jp.nmi.infra.zeppelin.NotebookServer;
import jp.nmi.infra.zeppelin.ZeppelinClient;
import jp.nmi.infra.zeppelin.ZeppelinHome;

/**
 * {@code ./enclave bench notebooks}: a realistic note (the DEMO-1 samples' paragraphs) run through
 * the real Zeppelin server and the project's interpreter process, against the same SQL run on a
 * governed session in this process (the baseline, same run): the first paragraph of the project
 * (interpreter process and Spark session start), later paragraphs p50/p95, and the interpreter's
 * memory. Not part of the tests.
 */
public final class NotebookBenchmark {
    private NotebookBenchmark() {}

    public static void run(Path root, int participants, int rounds, Path work, PrintWriter out) throws Exception {
        Path dir = work.resolve("notebook-bench-" + participants);
        Files.createDirectories(dir);
        out.printf(Locale.ROOT, "notebook benchmark: %,d participants, %d rounds, in %s%n", participants, rounds, dir);
        out.flush();
        try (DemoEnclave enclave = DemoEnclave.start(dir, new DemoWorld.Parameters(participants, 200, 42), Progress.NONE)) {
            enclave.storage().advertise(dir);
            Map<String, String> passwords = new DirectoryStore(enclave.storage()).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
            int web;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                web = s.getLocalPort();
            }
            int rpc = 33000 + (int) (ProcessHandle.current().pid() % 100) * 20;
            try (NotebookServer server = NotebookServer.prepare(ZeppelinHome.locate(root), NotebookServer.instanceDirectory(dir),
                    new NotebookServer.Ports(web, rpc, rpc + 19), new NotebookServer.InterpreterSettings(dir, "", "2g"),
                    enclave.storage())) {
                long serverStart = System.nanoTime();
                server.start(Duration.ofMinutes(2));
                double serverReady = (System.nanoTime() - serverStart) / 1e9;
                ZeppelinClient alice = new ZeppelinClient(server.url());
                alice.login("alice", passwords.get("alice"));
                List<String> paragraphs = realisticNote(root);
                String note = alice.createNote("/DEMO-1/alice/bench " + System.currentTimeMillis(), paragraphs);
                List<String> ids = alice.paragraphIds(note);

                long t0 = System.nanoTime();
                ZeppelinClient.Result first = alice.run(note, ids.get(0));
                double firstSeconds = (System.nanoTime() - t0) / 1e9;
                check(first, paragraphs.get(0));

                List<Double> later = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < ids.size(); i++) {
                        long t = System.nanoTime();
                        ZeppelinClient.Result res = alice.run(note, ids.get(i));
                        later.add((System.nanoTime() - t) / 1e9);
                        check(res, paragraphs.get(i));
                    }
                }
                long rss = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("-Denclave.project=DEMO-1"))
                        .mapToLong(p -> rssKiB(p.pid())).max().orElse(-1);
                long serverRss = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("")
                        .contains("org.apache.zeppelin.server.ZeppelinServer")).mapToLong(p -> rssKiB(p.pid())).max().orElse(-1);

                // the baseline: the same statements on a governed session in this process, no Zeppelin in between
                List<Double> direct = new ArrayList<>();
                try (EnclaveSession session = enclave.openProject("DEMO-1", new EnclaveSession.Settings("local[2]", 1000, 4),
                        Clock.systemUTC())) {
                    List<String> sql = paragraphs.stream().filter(p -> p.startsWith("%enclave\nSELECT")).map(p -> p.substring(9)).toList();
                    for (String s : sql) {
                        session.execute("alice", s); // warm
                    }
                    for (int r = 0; r < rounds; r++) {
                        for (String s : sql) {
                            long t = System.nanoTime();
                            session.execute("alice", s);
                            direct.add((System.nanoTime() - t) / 1e9);
                        }
                    }
                }
                List<Double> laterSql = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < ids.size(); i++) {
                        if (paragraphs.get(i).startsWith("%enclave\nSELECT")) {
                            laterSql.add(later.get(r * ids.size() + i));
                        }
                    }
                }
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("participants", participants);
                result.put("server_ready_s", round(serverReady));
                result.put("first_paragraph_s", round(firstSeconds));
                result.put("later_p50_s", round(percentile(later, 50)));
                result.put("later_p95_s", round(percentile(later, 95)));
                result.put("later_sql_p50_s", round(percentile(laterSql, 50)));
                result.put("direct_sql_p50_s", round(percentile(direct, 50)));
                result.put("notebook_over_direct_p50", round(percentile(laterSql, 50) / percentile(direct, 50)));
                result.put("interpreter_rss_mib", rss / 1024);
                result.put("server_rss_mib", serverRss / 1024);
                out.printf(Locale.ROOT, "  Zeppelin server ready          %6.1f s   (RSS %,d MiB)%n", serverReady, serverRss / 1024);
                out.printf(Locale.ROOT, "  first paragraph of DEMO-1      %6.1f s   (interpreter process and Spark session start)%n", firstSeconds);
                out.printf(Locale.ROOT, "  later paragraphs (%3d runs)    p50 %5.2f s   p95 %5.2f s%n", later.size(), percentile(later, 50),
                        percentile(later, 95));
                out.printf(Locale.ROOT, "  SQL paragraphs vs the same SQL on a session in this process: p50 %.2f s vs %.2f s (ratio %.2f)%n",
                        percentile(laterSql, 50), percentile(direct, 50), percentile(laterSql, 50) / percentile(direct, 50));
                out.printf(Locale.ROOT, "  project interpreter RSS        %,d MiB%n", rss / 1024);
                Path json = work.resolve("notebooks.json");
                Files.writeString(json, ZeppelinClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
                out.println("  written to " + json);
                out.flush();
            }
        }
    }

    /** The %enclave paragraphs of the DEMO-1 samples, minus export (which writes to the outbox). */
    static List<String> realisticNote(Path root) throws IOException {
        Path samples = root.resolve("notebooks/samples/DEMO-1");
        List<String> out = new ArrayList<>();
        JsonNode index = ZeppelinClient.JSON.readTree(Files.readString(samples.resolve("index.json")));
        for (JsonNode s : index.path("samples")) {
            JsonNode sample = ZeppelinClient.JSON.readTree(Files.readString(samples.resolve(s.path("file").asText())));
            for (JsonNode p : sample.path("paragraphs")) {
                String text = p.path("text").asText();
                if (text.startsWith("%enclave") && !text.contains("\nexport ")) {
                    out.add(text);
                }
            }
        }
        return out;
    }

    private static void check(ZeppelinClient.Result r, String paragraph) {
        if (!"SUCCESS".equals(r.code())) {
            throw new IllegalStateException("the benchmark's paragraph failed: " + paragraph + " -> " + r.text());
        }
    }

    static double percentile(List<Double> values, int p) {
        List<Double> s = values.stream().sorted().toList();
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
