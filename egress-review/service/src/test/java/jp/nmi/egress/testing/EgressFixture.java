package jp.nmi.egress.testing;

import jp.nmi.egress.disclosure.RuleId;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import jp.nmi.egress.EgressApplication;
import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.disclosure.Data;
import jp.nmi.egress.disclosure.DisclosureChecker;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Report;
import jp.nmi.egress.request.ReleaseHooks;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.audit.FileAuditLog;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.demo.DemoSpecs;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ingest.Ingest;
import jp.nmi.enclave.io.Progress;
import jp.nmi.enclave.project.PolicyPublisher;
import jp.nmi.enclave.project.ProjectReconciler;
import jp.nmi.enclave.pseudonym.KeyStoreFile;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.security.UserGroupInformation;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One embedded enclave for every egress test in the JVM: a real HDFS (MiniDFSCluster) with the
 * demo world ingested and DEMO-1 and DEMO-2 applied, a real PostgreSQL, the demo accounts. Test
 * classes start their own egress service over it ({@link #start}) and make their own requests.
 */
public final class EgressFixture {
    private static EgressFixture instance;

    public final Path dir;
    public final EnclaveStorage storage;
    public final EnclaveDatabase db;
    public final byte[] signingKey;
    public final Map<String, String> passwords;
    /** Failures to inject into releases, per request. */
    public final ScriptedHooks hooks = new ScriptedHooks();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private EgressFixture(Path dir) throws IOException {
        this.dir = dir;
        this.storage = jp.nmi.enclave.hdfs.EmbeddedStorage.open(dir);
        Path source = dir.resolve("demo-source");
        DemoWorld.write(new DemoWorld.Parameters(800, 20, 7), source, Progress.NONE);
        Path keys = KeyStoreFile.embeddedPath(dir);
        Ingest.run(storage, new Ingest.Request(source, keys, source.resolve(DemoWorld.OPTOUT_CSV)), Progress.NONE);
        KeyStoreFile keyStore = KeyStoreFile.openOrCreate(keys);
        ProjectReconciler reconciler = new ProjectReconciler(storage, keyStore, PolicyPublisher.file(dir.resolve("policies.json")),
                new FileAuditLog(dir.resolve("audit.jsonl")), "ops", Clock.systemUTC(), Progress.NONE);
        for (String id : DemoSpecs.IDS) {
            reconciler.apply(DemoSpecs.spec(id));
        }
        this.signingKey = keyStore.keyOrCreate(KeyStoreFile.OUTPUT_SIGNING_ALIAS).getEncoded();
        this.passwords = new DirectoryStore(storage).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
        this.db = EnclaveDatabase.embedded(dir);
    }

    /** The shared enclave, started on first use and stopped when the JVM exits. */
    public static synchronized EgressFixture get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("egress-it-");
                instance = new EgressFixture(dir);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            EgressFixture f = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                f.db.close();
                try {
                    f.storage.close();
                } catch (RuntimeException e) {
                    // Hadoop cannot unregister its own hooks while the JVM shuts down; the data is scratch
                }
                try (var files = Files.walk(f.dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // a temporary directory left behind is not worth failing over
                }
            }));
        }
        return instance;
    }

    /** A running egress service over this enclave, with this fixture's release hooks. */
    public Service start(EgressSettings settings) {
        return start(settings, jp.nmi.egress.config.LoginSettings.DIRECTORY);
    }

    public Service start(EgressSettings settings, jp.nmi.egress.config.LoginSettings login) {
        ConfigurableApplicationContext ctx = EgressApplication.start(new EgressEnvironment(storage, db.jdbcUrl(), db.user(), db.password(), signingKey,
                settings, Clock.systemUTC(), hooks, login), 0);
        return new Service(ctx, Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port")));
    }

    public Service start() {
        return start(EgressSettings.DEFAULTS);
    }

    /** Release hooks that fail a given request's release at a given step: with an Error (a crash) or a storage error. */
    public static final class ScriptedHooks implements ReleaseHooks {
        private final Map<String, String> failAt = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<String, Boolean> crash = new java.util.concurrent.ConcurrentHashMap<>();

        public void failAt(String request, String step, boolean asCrash) {
            failAt.put(request, step);
            crash.put(request, asCrash);
        }

        private final Map<String, Map.Entry<String, Runnable>> actions = new java.util.concurrent.ConcurrentHashMap<>();

        /** Runs {@code action} when the release of {@code request} reaches {@code step} (something else touching storage). */
        public void doAt(String request, String step, Runnable action) {
            actions.put(request, Map.entry(step, action));
        }

        public void clear(String request) {
            failAt.remove(request);
            crash.remove(request);
            actions.remove(request);
        }

        @Override
        public void at(String request, String step) {
            Map.Entry<String, Runnable> action = actions.get(request);
            if (action != null && action.getKey().equals(step)) {
                action.getValue().run();
            }
            if (step.equals(failAt.get(request))) {
                if (crash.get(request)) {
                    throw new SimulatedCrash("crash injected at " + step);
                }
                throw new jp.nmi.enclave.error.EnclaveStorageException("injected failure at " + step);
            }
        }
    }

    /** The process dies here: nothing after this step runs, nothing is cleaned up. */
    public static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String message) {
            super(message);
        }
    }

    /** What a refused request must not change. */
    public record Snapshot(long requests, long files, long auditEvents, java.util.List<String> quarantine) {}

    public Snapshot snapshot() {
        try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.Statement s = c.createStatement()) {
            long requests = count(s, "SELECT count(*) FROM export_request");
            long files = count(s, "SELECT count(*) FROM request_file");
            long audit = count(s, "SELECT count(*) FROM audit_event");
            java.util.List<String> q = new java.util.ArrayList<>();
            var it = storage.fs().listFiles(storage.layout().quarantine(), true);
            while (it.hasNext()) {
                q.add(it.next().getPath().toUri().getPath());
            }
            q.sort(null);
            return new Snapshot(requests, files, audit, q);
        } catch (java.sql.SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(java.sql.Statement s, String sql) throws java.sql.SQLException {
        try (var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public byte[] readOutbox(String project, String name) {
        try (var in = storage.fs().open(new org.apache.hadoop.fs.Path("/enclave/projects/" + project + "/outbox/" + name))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean isPending(String project, String request) {
        try {
            return storage.fs().exists(new org.apache.hadoop.fs.Path(storage.layout().pendingExports(project),
                    request));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A running service: its beans for direct calls, its port for HTTP. */
    public final class Service implements AutoCloseable {
        public final ConfigurableApplicationContext ctx;
        public final int port;

        Service(ConfigurableApplicationContext ctx, int port) {
            this.ctx = ctx;
            this.port = port;
        }

        public <T> T bean(Class<T> type) {
            return ctx.getBean(type);
        }

        public String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }

        /** An API call as {@code user} with HTTP Basic. */
        public HttpResponse<String> call(String user, String method, String path, String json) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                    .header("Authorization", basic(user))
                    .timeout(Duration.ofSeconds(60));
            if (json != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        public HttpResponse<byte[]> download(String user, String path) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", basic(user)).GET().build();
            try {
                return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    /** The demo persona's password. */
    public String password(String user) {
        return passwords.get(user);
    }

    public String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + passwords.get(user)).getBytes(StandardCharsets.UTF_8));
    }

    /** The account of a demo persona as the service sees it. */
    public Actor actor(String user) {
        return Actor.of(new DirectoryStore(storage).user(user).orElseThrow());
    }

    /** Writes a file into a project's outbox as {@code user} (as an analyst's notebook would). */
    public void writeOutbox(String user, String project, String name, byte[] bytes) {
        writeAs(user, "/enclave/projects/" + project + "/outbox/" + name, bytes);
    }

    public void writeAs(String user, String path, byte[] bytes) {
        try {
            FileSystem fs = UserGroupInformation.createRemoteUser(user).doAs((PrivilegedExceptionAction<FileSystem>) () ->
                    FileSystem.newInstance(storage.fileSystemUri(), storage.configuration()));
            try (fs; FSDataOutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
                out.write(bytes);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + path + " as " + user + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code path} as HDFS user {@code user}; HDFS's refusal comes out as the exception. */
    public byte[] readAs(String user, String path) throws IOException {
        try {
            FileSystem fs = UserGroupInformation.createRemoteUser(user).doAs((PrivilegedExceptionAction<FileSystem>) () ->
                    FileSystem.newInstance(storage.fileSystemUri(), storage.configuration()));
            try (fs; var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
                return in.readAllBytes();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * An output made in the enclave: the table of {@code spec} over {@code rows} (CSV with a
     * participant_id column), checked under the project's profile, written to the outbox with its
     * signed record — what the notebooks' export does.
     */
    public Report writeCheckedOutput(String user, String project, String name, String rowsCsv, String spec, boolean suppress) {
        Data data;
        try {
            data = Data.readCsv(new java.io.StringReader(rowsCsv), name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // as the enclave's exporter records it when the query's contributors traced back to the project's tables
        Report report = DisclosureChecker.check(Profile.named("acro"), data, spec,
                new DisclosureChecker.Options(suppress, null, null, null))
                .withCheck(new jp.nmi.egress.disclosure.Check(jp.nmi.egress.disclosure.RuleId.CONTRIBUTORS,
                        jp.nmi.egress.disclosure.Status.PASS, java.util.List.of(), "every row's participant_id is a participant of"
                                + " the project, taken unchanged from the project's tables, every other person-level table joined on it"));
        byte[] csv = OutputRecord.csv(report);
        writeOutbox(user, project, name, csv);
        OutputRecord record = OutputRecord.create(signingKey, project, name, csv, user, report);
        writeAs(user, "/enclave/projects/" + project + "/outbox/" + OutputRecord.DIRECTORY + "/" + name + ".json", record.toJson());
        return report;
    }
}
