package jp.nmi.infra.up;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * What {@code ./enclave up} runs for a data directory, in {@code DIR/run/enclave.json}: the
 * supervisor's process, when it started, and every service with its URL, how its readiness is
 * probed, and its process. Written once everything answers; removed on a clean stop.
 */
public record RunState(long pid, String phase, String started, String dataDir, String logs, List<Service> services) {
    /**
     * One service. {@code health}: an http(s) URL answering 200 when ready, or tcp://HOST:PORT for a
     * server that speaks no HTTP. {@code pid}: its process (the supervisor's for those in it).
     */
    public record Service(String name, String url, String health, String metrics, long pid, long pidStarted) {
        /** A service in process {@code pid} (its start time is recorded, so that a reused pid is never taken for it). */
        public static Service of(String name, String url, String health, String metrics, long pid) {
            return new Service(name, url, health, metrics, pid, startOf(pid));
        }

        /** Its process, if that very process still runs. */
        public java.util.Optional<ProcessHandle> process() {
            return ProcessHandle.of(pid).filter(p -> p.isAlive() && startOf(pid) == pidStarted);
        }
    }

    static long startOf(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).map(java.time.Instant::toEpochMilli).orElse(-1L);
    }

    /** Phases: starting (services come up one by one), ready, stopping. */
    public RunState in(String newPhase, List<Service> newServices) {
        return new RunState(pid, newPhase, started, dataDir, logs, List.copyOf(newServices));
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static Path file(Path dir) {
        return dir.toAbsolutePath().resolve("run").resolve("enclave.json");
    }

    public static Optional<RunState> read(Path dir) {
        Path f = file(dir);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), RunState.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void write(Path dir) throws IOException {
        Path f = file(dir);
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling("enclave.json.tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Whether an up runs from {@code dir}: it holds {@code DIR/run/up.lock} for as long as it runs
     * (a pid alone may have been reused). Never to be asked by the process that holds the lock:
     * closing a channel of the file releases a POSIX lock held by the same process.
     */
    public static boolean running(Path dir) {
        Path lock = dir.toAbsolutePath().resolve("run").resolve("up.lock");
        if (!Files.exists(lock)) {
            return false;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lock, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // held by this very process
        } catch (IOException e) {
            // cannot tell: taken as running, so that down never treats a live enclave's services as left behind
            return true;
        }
    }
}
