package jp.nmi.infra.up;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import jp.nmi.enclave.dataset.DatasetRegistryStore;
import jp.nmi.enclave.db.EnclaveDatabase;
import jp.nmi.enclave.demo.DemoWorld;
import jp.nmi.enclave.directory.DirectoryStore;
import jp.nmi.enclave.embedded.DemoEnclave;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.io.ConsoleProgress;
import jp.nmi.infra.zeppelin.NotebookServer;
import jp.nmi.infra.zeppelin.ZeppelinHome;

/**
 * The whole enclave on one machine, from one data directory: the embedded HDFS and PostgreSQL in
 * this process, the egress service and the notebook server (Zeppelin with {@code %enclave} and the
 * workbench) in their own, and the enclave's health and metrics. On first start the demo world is
 * generated and ingested and the demo projects applied. Either everything runs or nothing does:
 * a port already taken, a second start on the same directory or a service that does not come up
 * stops what was started, and says why.
 */
public final class EnclaveUp implements AutoCloseable {
    /** How the enclave is brought up. {@code root}: the checkout (the egress service's build, the Zeppelin home). */
    public record Options(Path dir, int participants, UpPorts ports, String interpreterHeap, String egressHeap, Path root,
            Duration timeout) {
        public Options {
            requireNonNull(dir, "dir is null");
            requireNonNull(ports, "ports is null");
            requireNonNull(root, "root is null");
            if (participants < 100 || participants > 1_000_000) {
                throw new ValidationException("--participants must be between 100 and 1,000,000, got " + participants);
            }
        }
    }

    /** Where the processes of the services write. */
    public static Path logs(Path dir) {
        return dir.toAbsolutePath().resolve("logs");
    }

    private final Options options;
    private final PrintStream out;
    private final Deque<AutoCloseable> started = new ConcurrentLinkedDeque<>();
    private final List<RunState.Service> services = new ArrayList<>();
    private FileChannel lockChannel;
    private FileLock lock;
    private RunState state;
    private EnclaveStorage storage;
    private Map<String, String> passwords = Map.of();
    private boolean firstStart;
    private volatile boolean cancelled;
    private long readyMillis;

    private EnclaveUp(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** An enclave to bring up with {@link #start()}; {@link #cancel()} may be called from a signal handler meanwhile. */
    public static EnclaveUp prepare(Options options, PrintStream out) {
        return new EnclaveUp(options, out);
    }

    /**
     * Brings the enclave up and returns once every service answers.
     *
     * @throws ValidationException for a port already taken or an enclave already running from the directory (nothing was started)
     * @throws EnclaveStorageException when a service does not come up (what was started has been stopped)
     */
    public EnclaveUp start() {
        lock();
        starting = Thread.currentThread();
        try {
            bringUp();
            return this;
        } catch (RuntimeException e) {
            if (cancelled) {
                Thread.interrupted(); // stopping must not be interrupted in turn
            }
            out.println("enclave up: " + oneLine(e) + "; stopping what was started ...");
            close();
            out.println("enclave up: nothing is left running. Logs: " + logs(options.dir()));
            throw e;
        } finally {
            starting = null;
        }
    }

    /** Stops the start in progress (Ctrl-C or ./enclave down during a start): the step under way is interrupted. */
    public void cancel() {
        cancelled = true;
        Thread t = starting;
        if (t != null) {
            t.interrupt();
        }
    }

    private volatile Thread starting;

    /** Creates {@code file} readable by its owner only, if it does not exist (a log others must not read). */
    static void ownerOnlyFile(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    private void lock() {
        Path dir = options.dir().toAbsolutePath();
        try {
            Files.createDirectories(dir.resolve("run"));
            lockChannel = FileChannel.open(dir.resolve("run").resolve("up.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = lockChannel.tryLock();
        } catch (IOException e) {
            throw new ValidationException("cannot use " + dir + " as the enclave's data directory: " + e.getMessage());
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeLock();
            String who = RunState.read(dir).map(s -> " (process " + s.pid() + ", started " + s.started() + ", " + s.phase() + ")").orElse("");
            throw new ValidationException("an enclave is already running from " + dir + who + ": see ./enclave status --data-dir " + dir
                    + ", stop it with ./enclave down --data-dir " + dir);
        }
        // A supervisor that died without stopping its services left them behind: stop them first, and
        // forget run files that point at ports nobody serves (never those of a process that does).
        RunState.read(dir).ifPresent(old -> Down.stopLeftovers(old, out));
        Down.removeStaleRunFiles(dir, true); // this process holds the lock: the state file is stale
        List<String> taken = new ArrayList<>();
        for (UpPorts.Wanted w : options.ports().all()) {
            if (!Probe.free(w.port())) {
                taken.add("port " + w.port() + " (" + w.service() + ", " + w.option() + ")");
            }
        }
        if (!taken.isEmpty()) {
            closeLock();
            throw new ValidationException("already taken on 127.0.0.1: " + String.join(", ", taken)
                    + ". Stop what uses them or choose other ports with the options named; nothing was started");
        }
    }

    private void bringUp() {
        Path dir = options.dir().toAbsolutePath();
        UpPorts ports = options.ports();
        long t0 = System.nanoTime();
        state = new RunState(ProcessHandle.current().pid(), "starting", Instant.now().toString(), dir.toString(), logs(dir).toString(),
                List.of());
        save();
        try {
            Files.createDirectories(logs(dir));
            Files.setPosixFilePermissions(logs(dir), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot create " + logs(dir) + ": " + e.getMessage(), e);
        }
        step("HDFS", () -> {
            storage = jp.nmi.enclave.hdfs.EmbeddedStorage.open(dir, ports.hdfs());
            started.push(storage);
            if (!storage.isOwner()) {
                throw new ValidationException("another process already serves the HDFS of " + dir + " (" + storage.fileSystemUri()
                        + "): stop it first");
            }
            storage.advertise(dir);
            add(RunState.Service.of("hdfs", storage.fileSystemUri().toString(), "tcp://127.0.0.1:" + storage.fileSystemUri().getPort(),
                    null, ProcessHandle.current().pid()));
            return storage.fileSystemUri().toString();
        });
        step("PostgreSQL", () -> {
            EnclaveDatabase db = EnclaveDatabase.embedded(dir, ports.postgres());
            started.push(db);
            if (!db.isOwner()) {
                throw new ValidationException("another process already runs the PostgreSQL of " + dir + ": stop it first");
            }
            add(RunState.Service.of("postgres", "postgresql://127.0.0.1:" + db.port() + "/postgres", "tcp://127.0.0.1:" + db.port(), null,
                    postmaster(dir)));
            return "postgresql://127.0.0.1:" + db.port();
        });
        firstStart = new DatasetRegistryStore(storage).read().isEmpty();
        step(firstStart ? "demo world (first start)" : "demo world", () -> {
            if (firstStart) {
                out.println("    generating and ingesting " + String.format(Locale.ROOT, "%,d", options.participants())
                        + " synthetic participants, then applying DEMO-1 and DEMO-2 (once) ...");
            }
            try (DemoEnclave demo = DemoEnclave.start(dir, new DemoWorld.Parameters(options.participants(), 200, 42),
                    firstStart ? new ConsoleProgress(out, 5000) : jp.nmi.enclave.io.Progress.NONE)) {
                passwords = new DirectoryStore(demo.storage()).ensureDemoUsers(DirectoryStore.demoUsersFile(dir));
            }
            return firstStart ? "generated, ingested, projects applied" : "kept from the last start";
        });
        step("egress service", () -> {
            EgressProcess egress = EgressProcess.start(options, ports);
            started.push(egress);
            add(RunState.Service.of("egress", "http://127.0.0.1:" + ports.egress() + "/", "http://127.0.0.1:" + ports.egressMetrics()
                    + "/health", "http://127.0.0.1:" + ports.egressMetrics() + "/metrics", egress.pid()));
            egress.awaitReady(options.timeout());
            return "http://127.0.0.1:" + ports.egress() + "/";
        });
        step("notebook server", () -> {
            NotebookServer server = NotebookServer.prepare(ZeppelinHome.locate(options.root()), NotebookServer.instanceDirectory(dir),
                    new NotebookServer.Ports(ports.notebooks(), ports.notebookRpcFrom(), ports.notebookRpcTo()),
                    new NotebookServer.InterpreterSettings(dir, "http://127.0.0.1:" + ports.egress(), options.interpreterHeap()), storage);
            started.push(server);
            server.start(options.timeout());
            add(RunState.Service.of("zeppelin", server.url().toString(), server.url().resolve("api/version").toString(), null,
                    server.pid()));
            return server.url().toString();
        });
        step("health and metrics", () -> {
            List<RunState.Service> watched = List.copyOf(services);
            EnclaveMonitor monitor = EnclaveMonitor.start(ports.monitor(), dir.resolve("audit").resolve("enclave-audit.jsonl"), storage,
                    watched);
            started.push(monitor);
            String base = "http://127.0.0.1:" + monitor.port();
            add(RunState.Service.of("monitor", base + "/health", base + "/metrics", base + "/metrics", ProcessHandle.current().pid()));
            return base + "/metrics";
        });
        readyMillis = (System.nanoTime() - t0) / 1_000_000;
        state = state.in("ready", services);
        save();
    }

    /** The PostgreSQL server's own process (pg_ctl starts it apart from this one), from its pid file. */
    private static long postmaster(Path dir) {
        try {
            return Long.parseLong(Files.readAllLines(EnclaveDatabase.dataDirectory(dir).resolve("postmaster.pid")).get(0).strip());
        } catch (IOException | RuntimeException e) {
            throw new EnclaveStorageException("PostgreSQL started but its pid file cannot be read: " + e.getMessage(), e);
        }
    }

    private interface Step {
        String run() throws Exception;
    }

    private int stepNo;

    private void step(String name, Step body) {
        if (cancelled) {
            throw new EnclaveStorageException("stopped by request while starting");
        }
        stepNo++;
        long t = System.nanoTime();
        out.printf(Locale.ROOT, "  [%d/6] %-26s ...%n", stepNo, name);
        out.flush();
        String what;
        try {
            what = body.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new EnclaveStorageException(name + ": " + e.getMessage(), e);
        }
        out.printf(Locale.ROOT, "  [%d/6] %-26s %s (%.1f s)%n", stepNo, name, what, (System.nanoTime() - t) / 1e9);
        out.flush();
        save();
    }

    /** Records a service as soon as its process exists, so that down finds it even during the start. */
    private void add(RunState.Service s) {
        services.add(s);
        state = state.in(state.phase(), services);
        save();
    }

    private void save() {
        try {
            state.write(options.dir());
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot write " + RunState.file(options.dir()) + ": " + e.getMessage(), e);
        }
    }

    public RunState state() {
        return state;
    }

    /** The demo users and their passwords (also in {@code DIR/demo-users.txt}). */
    public Map<String, String> passwords() {
        return passwords;
    }

    public boolean firstStart() {
        return firstStart;
    }

    /** From the start of the first service to the last one answering. */
    public long readyMillis() {
        return readyMillis;
    }

    public String url(String service) {
        return services.stream().filter(s -> s.name().equals(service)).findFirst().map(RunState.Service::url)
                .orElseThrow(() -> new IllegalArgumentException("no service " + service));
    }

    /** Stops every service in the reverse order of their start, removes the run files, releases the directory. */
    @Override
    public synchronized void close() {
        if (state != null && !started.isEmpty()) {
            state = state.in("stopping", services);
            try {
                save();
            } catch (RuntimeException e) {
                // stopping matters more than saying so
            }
        }
        AutoCloseable c;
        while ((c = started.poll()) != null) {
            try {
                c.close();
            } catch (Exception e) {
                out.println("enclave: while stopping: " + oneLine(e));
            }
        }
        // only what this process wrote: another process's run files stay (the database and HDFS remove their own)
        if (state != null) {
            try {
                Files.deleteIfExists(RunState.file(options.dir()));
            } catch (IOException e) {
                // a stale run file is recognised as stale
            }
        }
        closeLock();
    }

    private void closeLock() {
        try {
            if (lock != null) {
                lock.release();
            }
            if (lockChannel != null) {
                lockChannel.close();
            }
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
        lock = null;
        lockChannel = null;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
