package jp.nmi.infra.up;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jp.nmi.enclave.hdfs.EnclaveStorage;
import jp.nmi.enclave.ops.OpsServer;
import org.apache.hadoop.fs.FsStatus;

/**
 * The enclave's own health and metrics, served by the process of {@code ./enclave up}: whether
 * each service answers, the governed statements and their outcomes (allowed, denied, error) and
 * every other audited action, read from the audit log as it grows (whichever process appended,
 * the notebook interpreters included), and the HDFS's capacity and use. Counts over the whole
 * enclave only: no project, user or statement is ever a label (a project's activity over time
 * would be its few members').
 */
public final class EnclaveMonitor implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Outcomes a statement can have; anything else is counted as "other" so labels stay bounded. */
    private static final Set<String> OUTCOMES = Set.of("ok", "allowed", "denied", "error", "refused");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Path auditLog;
    private long offset;
    private final OpsServer server;
    private final EnclaveStorage storage;
    private volatile FsStatus fsStatus;
    private volatile long fsStatusAt;

    private EnclaveMonitor(int port, Path auditLog, EnclaveStorage storage, List<RunState.Service> services) {
        this.auditLog = auditLog;
        this.storage = storage;
        for (RunState.Service s : services) {
            Gauge.builder("enclave.service.ready", s, x -> Probe.ready(x.health()) ? 1 : 0).tag("service", s.name())
                    .description("Whether the service answers its health probe").register(registry);
        }
        Gauge.builder("enclave.hdfs.capacity", this, m -> m.fs(FsStatus::getCapacity)).baseUnit("bytes")
                .description("Capacity of the enclave's HDFS").register(registry);
        Gauge.builder("enclave.hdfs.used", this, m -> m.fs(FsStatus::getUsed)).baseUnit("bytes")
                .description("Bytes used in the enclave's HDFS").register(registry);
        Gauge.builder("enclave.hdfs.remaining", this, m -> m.fs(FsStatus::getRemaining)).baseUnit("bytes")
                .description("Bytes left in the enclave's HDFS").register(registry);
        List<OpsServer.HealthCheck> checks = new ArrayList<>();
        for (RunState.Service s : services) {
            checks.add(OpsServer.HealthCheck.of(s.name(), () -> {
                if (!Probe.ready(s.health())) {
                    throw new IllegalStateException(s.name() + " does not answer at " + s.health());
                }
            }));
        }
        this.server = OpsServer.start("enclave", port, registry, checks, this::readAudit);
    }

    /** Starts the endpoint on {@code port} of 127.0.0.1; counts the audit log from its start. */
    public static EnclaveMonitor start(int port, Path auditLog, EnclaveStorage storage, List<RunState.Service> services) {
        return new EnclaveMonitor(port, auditLog, storage, services);
    }

    public int port() {
        return server.port();
    }

    private double fs(java.util.function.ToLongFunction<FsStatus> what) {
        long now = System.nanoTime();
        if (fsStatus == null || now - fsStatusAt > 5_000_000_000L) {
            try {
                fsStatus = storage.fs().getStatus();
                fsStatusAt = now;
            } catch (IOException e) {
                return Double.NaN;
            }
        }
        return what.applyAsLong(fsStatus);
    }

    /** Counts the audit events appended since the last scrape (complete lines only). */
    synchronized void readAudit() {
        if (!Files.exists(auditLog)) {
            return;
        }
        try (RandomAccessFile f = new RandomAccessFile(auditLog.toFile(), "r")) {
            long length = f.length();
            if (length < offset) {
                offset = 0; // a new log
            }
            f.seek(offset);
            byte[] rest = new byte[(int) Math.min(length - offset, 64L << 20)];
            f.readFully(rest);
            int start = 0;
            for (int i = 0; i < rest.length; i++) {
                if (rest[i] == '\n') {
                    count(new String(rest, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            offset += start;
        } catch (IOException e) {
            // counted at the next scrape
        }
    }

    private void count(String line) {
        if (line.isBlank()) {
            return;
        }
        try {
            JsonNode e = JSON.readTree(line);
            String action = e.path("action").asText("unknown");
            String outcome = e.path("outcome").asText("unknown");
            String bounded = OUTCOMES.contains(outcome) ? outcome : "other";
            // no project label: with few members per project, its activity over time would be a person's
            if ("sql.statement".equals(action)) {
                registry.counter("enclave.sql.statements", "outcome", bounded).increment();
                if ("denied".equals(outcome)) {
                    registry.counter("enclave.sql.denials").increment();
                }
            } else {
                registry.counter("enclave.audit.events", "action", action.replaceAll("[^a-z0-9._-]", "_"), "outcome", bounded).increment();
            }
        } catch (IOException e) {
            registry.counter("enclave.audit.unreadable.lines").increment();
        }
    }

    /** For tests: the scrape as a client sees it. */
    String scrape() {
        readAudit();
        return registry.scrape();
    }

    @Override
    public void close() {
        server.close();
    }

}
