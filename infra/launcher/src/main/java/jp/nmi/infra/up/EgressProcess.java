package jp.nmi.infra.up;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jp.nmi.enclave.error.EnclaveStorageException;

/**
 * The egress service in a JVM of its own ({@code egress serve --embedded DIR}), using the HDFS and
 * PostgreSQL that {@code up} runs for the same directory; it stops when {@code up} ends, however
 * that ends.
 */
final class EgressProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final String health;

    private EgressProcess(Process process, Path log, String health) {
        this.process = process;
        this.log = log;
        this.health = health;
    }

    static EgressProcess start(EnclaveUp.Options options, UpPorts ports) {
        Path root = options.root();
        Path service = root.resolve("egress-review/service/target");
        Path jar = service.resolve("egress-service-0.1.0-SNAPSHOT.jar");
        Path classpath = service.resolve("classpath.txt");
        if (!Files.exists(jar) || !Files.exists(classpath)) {
            throw new EnclaveStorageException("the egress service is not built (" + jar + "): run ./enclave up from the checkout, which builds it");
        }
        Path log = EnclaveUp.logs(options.dir()).resolve("egress.log");
        EnclaveUp.ownerOnlyFile(log);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("@" + root.resolve("infra/jvm/java17.options"));
        cmd.add("-Xmx" + options.egressHeap());
        cmd.add("-Djava.net.preferIPv4Stack=true");
        cmd.add("-cp");
        try {
            cmd.add(jar + ":" + Files.readString(classpath).strip());
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot read " + classpath + ": " + e.getMessage(), e);
        }
        cmd.addAll(List.of("jp.nmi.egress.cli.EgressCli", "serve", "--embedded", options.dir().toAbsolutePath().toString(), "--port",
                Integer.toString(ports.egress()), "--metrics-port", Integer.toString(ports.egressMetrics()), "--stop-with",
                Long.toString(ProcessHandle.current().pid()), "--no-print-passwords"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        try {
            return new EgressProcess(pb.start(), log, "http://127.0.0.1:" + ports.egressMetrics() + "/health");
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot start the egress service: " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new EnclaveStorageException("the egress service stopped while starting (exit " + process.exitValue() + "): "
                        + lastLines(log, 3) + " (see " + log + ")");
            }
            if (Probe.ready(health)) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EnclaveStorageException("interrupted while waiting for the egress service", e);
            }
        }
        throw new EnclaveStorageException("the egress service did not answer within " + timeout.toSeconds() + " s (see " + log + ")");
    }

    static String lastLines(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
