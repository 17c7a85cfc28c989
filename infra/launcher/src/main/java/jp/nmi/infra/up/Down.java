package jp.nmi.infra.up;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Stops the enclave that {@code up} runs from a directory: asks its process to stop (it stops its
 * services in order), waits, and then makes sure none of its services' processes is left, the
 * PostgreSQL server (its own process) included. A process is only ever stopped when it is the very one recorded (same
 * pid, same start time) and runs what it should.
 */
public final class Down {
    /** What identifies each service's process, so that a reused process id is never stopped by mistake. */
    private static final Map<String, String> MARKERS = Map.of("egress", "jp.nmi.egress.cli.EgressCli", "zeppelin",
            "org.apache.zeppelin.server.ZeppelinServer", "postgres", "postgres");
    private static final String SUPERVISOR = "jp.nmi.infra.cli.LauncherCli";

    private Down() {}

    /** @return whether an enclave was running */
    public static boolean stop(Path dir, Duration wait, PrintStream out) {
        Optional<RunState> state = RunState.read(dir);
        if (state.isEmpty() || !RunState.running(dir)) {
            out.println("no enclave runs from " + dir.toAbsolutePath());
            state.ifPresent(s -> stopLeftovers(s, out));
            removeStaleRunFiles(dir);
            return false;
        }
        RunState s = state.get();
        RunState.Service self = RunState.Service.of("up", "", "", null, s.pid());
        Optional<ProcessHandle> supervisor = ProcessHandle.of(s.pid()).filter(p -> p.isAlive() && is(p, SUPERVISOR));
        if (supervisor.isEmpty()) {
            out.println("the enclave in " + dir.toAbsolutePath() + " is held by a process that is not ./enclave up (" + s.pid()
                    + "): not stopping it");
            return false;
        }
        long t = System.nanoTime();
        out.println("stopping the enclave in " + dir.toAbsolutePath() + " (process " + s.pid() + ") ...");
        supervisor.get().destroy();
        try {
            supervisor.get().onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            out.println("it did not stop within " + wait.toSeconds() + " s: stopping it forcibly");
            supervisor.get().destroyForcibly();
            try {
                supervisor.get().onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception again) {
                out.println("process " + self.pid() + " does not stop");
            }
        }
        // what it recorded last (services started while it was being stopped included): each may finish
        // its own shutdown (PostgreSQL's takes a moment after its client is gone) before it is stopped
        RunState last = RunState.read(dir).orElse(s);
        for (RunState.Service svc : last.services()) {
            svc.process().ifPresent(p -> {
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // stopped below
                }
            });
        }
        stopLeftovers(last, out);
        removeStaleRunFiles(dir);
        out.printf(java.util.Locale.ROOT, "stopped (%.1f s)%n", (System.nanoTime() - t) / 1e9);
        return true;
    }

    /** Stops the processes of services whose supervisor is gone. */
    static void stopLeftovers(RunState s, PrintStream out) {
        for (RunState.Service svc : s.services()) {
            String marker = MARKERS.get(svc.name());
            if (marker == null || svc.pid() == s.pid()) {
                continue;
            }
            svc.process().filter(p -> is(p, marker)).ifPresent(p -> stop(p, svc.name(), out));
        }
    }

    private static void stop(ProcessHandle p, String what, PrintStream out) {
        out.println("stopping the " + what + " process " + p.pid() + " left behind");
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            p.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
        children.forEach(ProcessHandle::destroy);
    }

    /** Run files that point at ports nobody serves any more (never those of a process that does). */
    static void removeStaleRunFiles(Path dir) {
        removeStaleRunFiles(dir, !RunState.running(dir));
    }

    /**
     * As {@link #removeStaleRunFiles(Path)}; {@code stateStale}: whether {@code enclave.json} is to go
     * too. The process that holds {@code up.lock} says so itself: it must never probe its own lock
     * (closing any channel of the file would release it).
     */
    static void removeStaleRunFiles(Path dir, boolean stateStale) {
        Path run = dir.toAbsolutePath().resolve("run");
        try {
            Path hdfs = run.resolve("hdfs.uri");
            if (Files.exists(hdfs)) {
                java.net.URI uri = java.net.URI.create(Files.readString(hdfs).strip());
                if (!Probe.listening(uri.getHost(), uri.getPort())) {
                    Files.deleteIfExists(hdfs);
                }
            }
            Path db = run.resolve("egress-db.port");
            if (Files.exists(db) && !Probe.listening("127.0.0.1", Integer.parseInt(Files.readString(db).strip()))) {
                Files.deleteIfExists(db);
            }
            if (stateStale) {
                Files.deleteIfExists(RunState.file(dir));
            }
        } catch (IOException | RuntimeException e) {
            // unreadable run files are recognised as stale by whoever reads them
        }
    }

    /**
     * Whether the process runs {@code marker} (a main class, a path). Read from /proc in full: the
     * JDK's process information cuts long command lines (a class path) short.
     */
    static boolean is(ProcessHandle p, String marker) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains(marker);
        } catch (IOException e) {
            return p.info().commandLine().map(c -> c.contains(marker)).orElse(false);
        }
    }
}
