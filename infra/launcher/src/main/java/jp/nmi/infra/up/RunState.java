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
    public record Service(String name, String url, String health, String metrics, long pid) {}

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

    /** Whether the supervisor that wrote this still runs. */
    public boolean supervisorAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
