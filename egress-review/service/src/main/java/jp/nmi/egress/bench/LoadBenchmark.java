package jp.nmi.egress.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.nmi.egress.EgressApplication;
import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.request.ReleaseHooks;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.directory.DirectoryUser;
import jp.nmi.enclave.directory.PasswordHash;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.project.ProjectSpecParser;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.security.UserGroupInformation;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The egress service under load on loopback: N analysts at once, each creating and submitting a
 * request with one file of the given size from the project outbox, through the REST API of a
 * running service (real PostgreSQL, real HDFS). Reported: p50 and p99 latency of create (copy
 * into quarantine, hash, checks, database, audit) and of submit, against a baseline measured in
 * the same run — the same N files copied on HDFS by N threads without the service — and a count of
 * lost or duplicated files, which must be zero.
 */
public final class LoadBenchmark {
    static final String PROJECT = "BENCH-LOAD";
    /** Analysts per project: a project holds at most 25 members (one HDFS ACL entry each). */
    static final int PER_PROJECT = 25;

    /** The figures of one run. */
    public record Result(int analysts, int rounds, int fileBytes, double createP50, double createP99, double checkedP50,
            double checkedP99, double submitP50, double submitP99, double copyP50, double copyP99, double megabytesPerSecond, int requests,
            int lost, int duplicated) {
        /** The time until a file is taken in and checked, against a plain copy of it. */
        public double ratio() {
            return checkedP50 / copyP50;
        }
    }

    private LoadBenchmark() {}

    /**
     * Runs the benchmark: {@code warmup} rounds first (the same load on a cold service and HDFS
     * client, reported apart and left out of the figures), then {@code measured} rounds.
     */
    public static Result run(int analysts, int fileBytes, int warmup, int measured, Path work, PrintWriter out) throws Exception {
        int rounds = warmup + measured;
        Path dir = work.resolve("egress-load");
        deleteRecursively(dir);
        out.println("setting up an embedded enclave in " + dir + " (HDFS, PostgreSQL, " + analysts + " analysts in projects of at most "
                + PER_PROJECT + ") ...");
        out.flush();
        try (EnclaveStorage storage = jp.nmi.enclave.hdfs.EmbeddedStorage.open(dir)) {
            Path source = dir.resolve("demo-source");
            DemoWorld.write(new DemoWorld.Parameters(300, 5, 1), source, Progress.NONE);
            Path keys = KeyStoreFile.embeddedPath(dir);
            Ingest.run(storage, new Ingest.Request(source, keys, source.resolve(DemoWorld.OPTOUT_CSV)), Progress.NONE);
            List<String> users = new ArrayList<>();
            for (int i = 1; i <= analysts; i++) {
                users.add(String.format(Locale.ROOT, "bench%02d", i));
            }
            KeyStoreFile keyStore = KeyStoreFile.openOrCreate(keys);
            ProjectReconciler reconciler = new ProjectReconciler(storage, keyStore, PolicyPublisher.file(dir.resolve("policies.json")),
                    new FileAuditLog(dir.resolve("audit.jsonl")), "ops", Clock.systemUTC(), Progress.NONE);
            for (int p = 0; p * PER_PROJECT < analysts; p++) {
                StringBuilder members = new StringBuilder("members:\n");
                for (String u : users.subList(p * PER_PROJECT, Math.min(analysts, (p + 1) * PER_PROJECT))) {
                    members.append("  - user: ").append(u).append("\n    role: analyst\n    affiliation: academic\n");
                }
                String yaml = DemoSpecs.yaml("DEMO-1").replace("id: DEMO-1", "id: " + project(p * PER_PROJECT))
                        .replaceAll("(?s)members:\\n.*?\\ndatasets:", Matcher.quoteReplacement(members + "datasets:"));
                reconciler.apply(ProjectSpecParser.parse(yaml, project(p * PER_PROJECT) + ".yaml"));
            }
            Map<String, String> passwords = new HashMap<>();
            List<DirectoryUser> accounts = new ArrayList<>();
            for (String u : users) {
                String p = PasswordHash.randomPassword();
                passwords.put(u, p);
                accounts.add(new DirectoryUser(u, List.of(DirectoryUser.ANALYST), PasswordHash.hash(p.toCharArray())));
            }
            new DirectoryStore(storage).write(accounts);

            List<List<byte[]>> files = new ArrayList<>();
            SplittableRandom rnd = new SplittableRandom(17);
            for (int r = 0; r < rounds; r++) {
                List<byte[]> round = new ArrayList<>();
                for (int i = 0; i < analysts; i++) {
                    byte[] bytes = csv(rnd, fileBytes);
                    round.add(bytes);
                    writeAs(storage, users.get(i), project(i), outbox(users.get(i), r), bytes);
                }
                files.add(round);
            }

            // Baseline: the same files copied on HDFS, N threads at once, without the service.
            List<Double> copy = new ArrayList<>();
            try (EgressStore store = EgressStore.open(storage)) {
                for (int r = 0; r < rounds; r++) {
                    int round = r;
                    List<Double> times = concurrently(analysts, i -> {
                        long t0 = System.nanoTime();
                        byte[] b;
                        try (InputStream in = store.fileSystem().open(new org.apache.hadoop.fs.Path(storage.layout().project(project(i)),
                                "outbox/" + outbox(users.get(i), round)))) {
                            b = in.readAllBytes();
                        }
                        String sha = EgressStore.sha256(b);
                        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(storage.layout().egress(), "bench-copy/" + round + "-" + i + "-" + sha);
                        try (FSDataOutputStream o = store.fileSystem().create(target, true)) {
                            o.write(b);
                            o.hsync();
                        }
                        return (System.nanoTime() - t0) / 1e6;
                    });
                    if (round >= warmup) {
                        copy.addAll(times);
                    }
                }
                store.fileSystem().delete(new org.apache.hadoop.fs.Path(storage.layout().egress(), "bench-copy"), true);
            }

            try (EnclaveDatabase db = EnclaveDatabase.embedded(dir)) {
                ConfigurableApplicationContext ctx = EgressApplication.start(new EgressEnvironment(storage, db.jdbcUrl(), db.user(), db.password(),
                        keyStore.keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS).getEncoded(), EgressSettings.DEFAULTS, Clock.systemUTC(),
                        ReleaseHooks.NONE, jp.nmi.egress.config.LoginSettings.DIRECTORY), 0);
                try {
                    String base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
                    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                            .executor(Executors.newFixedThreadPool(Math.max(4, analysts))).build();
                    out.println("warming up: every analyst logs in once (PBKDF2 with 600,000 iterations, then cached) ...");
                    out.flush();
                    concurrently(analysts, i -> {
                        HttpResponse<String> r = send(http, base + "/api/requests", users.get(i), passwords, "GET", null, null);
                        check(r, 200);
                        return 0.0;
                    });
                    List<Double> create = Collections.synchronizedList(new ArrayList<>());
                    List<Double> submit = Collections.synchronizedList(new ArrayList<>());
                    List<Double> checked = Collections.synchronizedList(new ArrayList<>());
                    Map<String, String> submitted = Collections.synchronizedMap(new HashMap<>());
                    List<Double> coldCreate = Collections.synchronizedList(new ArrayList<>());
                    long t0 = System.nanoTime();
                    for (int r = 0; r < rounds; r++) {
                        int round = r;
                        if (r == warmup) {
                            t0 = System.nanoTime();
                        }
                        out.printf(Locale.ROOT, "%s %d of %d: %d analysts submit a %,d-byte file each ...%n", r < warmup ? "warm-up round"
                                : "round", r < warmup ? r + 1 : r - warmup + 1, r < warmup ? warmup : measured, analysts, fileBytes);
                        out.flush();
                        boolean counted = r >= warmup;
                        concurrently(analysts, i -> {
                            String name = outbox(users.get(i), round);
                            long a = System.nanoTime();
                            HttpResponse<String> c = send(http, base + "/api/requests", users.get(i), passwords, "POST",
                                    "{\"project\":\"" + project(i) + "\",\"files\":[\"" + name + "\"],\"context\":\"load test\",\"controls\":\"none\"}",
                                    "respond-async");
                            if (c.statusCode() != 201 && c.statusCode() != 202) {
                                check(c, 202);
                            }
                            (counted ? create : coldCreate).add((System.nanoTime() - a) / 1e6);
                            Matcher m = Pattern.compile("\"id\":\"(R-[0-9]+)\"").matcher(c.body());
                            if (!m.find()) {
                                throw new IllegalStateException("no request id in " + c.body());
                            }
                            String id = m.group(1);
                            // the analyst looks at the checks before submitting: poll until the file is taken in
                            while (true) {
                                HttpResponse<String> g = send(http, base + "/api/requests/" + id, users.get(i), passwords, "GET", null, null);
                                check(g, 200);
                                if (g.body().contains("\"intake\":[]")) {
                                    break;
                                }
                                if (g.body().contains("\"state\":\"failed\"")) {
                                    throw new IllegalStateException(id + " could not be taken in: " + g.body());
                                }
                                Thread.sleep(250); // a client that looks four times a second
                            }
                            if (counted) {
                                checked.add((System.nanoTime() - a) / 1e6);
                            }
                            long b = System.nanoTime();
                            check(send(http, base + "/api/requests/" + id + "/submit", users.get(i), passwords, "POST", null, null), 200);
                            if (counted) {
                                submit.add((System.nanoTime() - b) / 1e6);
                            }
                            submitted.put(id, round + "/" + i);
                            return 0.0;
                        });
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;

                    // Nothing lost, nothing duplicated: one request per submission, holding exactly the bytes written.
                    Map<String, String> expected = new HashMap<>();
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < analysts; i++) {
                            expected.put(r + "/" + i, EgressStore.sha256(files.get(r).get(i)));
                        }
                    }
                    int lost = 0;
                    int duplicated = 0;
                    Set<String> seenHashes = new HashSet<>();
                    int requests = 0;
                    try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                            ResultSet rs = s.executeQuery("SELECT r.id, r.status, f.sha256 FROM export_request r JOIN request_file f"
                                    + " ON f.request_id = r.id WHERE r.project LIKE '" + PROJECT + "-%'")) {
                        while (rs.next()) {
                            requests++;
                            String key = submitted.get(rs.getString(1));
                            if (key == null || !"submitted".equals(rs.getString(2)) || !expected.get(key).equals(rs.getString(3))) {
                                lost++;
                            }
                            if (!seenHashes.add(rs.getString(3))) {
                                duplicated++;
                            }
                        }
                    }
                    lost += rounds * analysts - requests;
                    FileSystem fs = storage.fs();
                    for (String id : submitted.keySet()) {
                        var listing = fs.listStatus(new org.apache.hadoop.fs.Path(storage.layout().quarantine(), id));
                        if (listing.length != 1) {
                            duplicated += Math.max(0, listing.length - 1);
                            lost += listing.length == 0 ? 1 : 0;
                        }
                    }
                    double mb = (double) measured * analysts * fileBytes / (1 << 20);
                    if (warmup > 0) {
                        out.printf(Locale.ROOT, "%nwarm-up (cold service, not counted): create p50 %.1f ms, p99 %.1f ms%n", pct(coldCreate, 50),
                                pct(coldCreate, 99));
                    }
                    Result result = new Result(analysts, measured, fileBytes, pct(create, 50), pct(create, 99), pct(checked, 50),
                            pct(checked, 99), pct(submit, 50),
                            pct(submit, 99), pct(copy, 50), pct(copy, 99), mb / seconds, requests, lost, duplicated);
                    print(result, out);
                    return result;
                } finally {
                    ctx.close();
                }
            }
        }
    }

    static void print(Result r, PrintWriter out) {
        out.println();
        out.printf(Locale.ROOT, "%d analysts x %d rounds, %,d-byte files, on loopback%n", r.analysts(), r.rounds(), r.fileBytes());
        out.printf(Locale.ROOT, "%-50s %9s %9s%n", "", "p50 ms", "p99 ms");
        out.printf(Locale.ROOT, "%-50s %9.1f %9.1f%n", "create (recorded, answered 202)", r.createP50(), r.createP99());
        out.printf(Locale.ROOT, "%-50s %9.1f %9.1f%n", "create to checked (quarantined, hashed, checked)", r.checkedP50(), r.checkedP99());
        out.printf(Locale.ROOT, "%-50s %9.1f %9.1f%n", "submit", r.submitP50(), r.submitP99());
        out.printf(Locale.ROOT, "%-50s %9.1f %9.1f%n", "baseline: plain HDFS copy, same files", r.copyP50(), r.copyP99());
        out.printf(Locale.ROOT, "ratio checked p50 / copy p50: %.2f; throughput %.1f MB/s%n", r.ratio(), r.megabytesPerSecond());
        out.printf(Locale.ROOT, "requests %d, lost %d, duplicated %d%n", r.requests(), r.lost(), r.duplicated());
        out.flush();
    }

    interface Task {
        double run(int i) throws Exception;
    }

    /** Runs task(0..n-1) on n threads released at the same moment; returns their results. */
    static List<Double> concurrently(int n, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Double>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return task.run(k);
                }));
            }
            go.countDown();
            List<Double> out = new ArrayList<>();
            for (Future<Double> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static HttpResponse<String> send(HttpClient http, String url, String user, Map<String, String> passwords, String method, String json,
            String prefer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + passwords.get(user))
                        .getBytes(StandardCharsets.UTF_8)));
        if (prefer != null) {
            b.header("Prefer", prefer);
        }
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void check(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** The project of the i-th analyst (0-based). */
    static String project(int i) {
        return PROJECT + "-" + (i / PER_PROJECT + 1);
    }

    static String outbox(String user, int round) {
        return "load-" + user + "-" + round + ".csv";
    }

    /** A CSV table of about {@code size} bytes: labels and counts, as a large output would look. */
    static byte[] csv(SplittableRandom rnd, int size) {
        StringBuilder sb = new StringBuilder(size + 64).append("cell,count\n");
        int i = 0;
        while (sb.length() < size) {
            sb.append("c").append(i++).append(',').append(10 + rnd.nextInt(5000)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void writeAs(EnclaveStorage storage, String user, String project, String name, byte[] bytes) throws Exception {
        FileSystem fs = UserGroupInformation.createRemoteUser(user).doAs((PrivilegedExceptionAction<FileSystem>) () ->
                FileSystem.newInstance(storage.fileSystemUri(), storage.configuration()));
        try (fs; FSDataOutputStream o = fs.create(new org.apache.hadoop.fs.Path(storage.layout().project(project), "outbox/" + name), true)) {
            o.write(bytes);
        }
    }

    /** Nearest-rank percentile. */
    static double pct(List<Double> values, int p) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * v.size());
        return v.get(Math.max(0, Math.min(v.size() - 1, rank - 1)));
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
