package jp.nmi.infra.up;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Stops the enclave that {@code up} runs from a directory: asks its process to stop (it stops its
 * services in order), waits, and then makes sure none of its services' processes is left.
 */
public final class Down {
    /** What identifies each service's process, so that a reused process id is never stopped by mistake. */
    private static final Map<String, String> MARKERS = Map.of("egress", "jp.nmi.egress.cli.EgressCli", "zeppelin",
            "org.apache.zeppelin.server.ZeppelinServer");
    private static final String SUPERVISOR = "jp.nmi.infra.cli.LauncherCli";

    private Down() {}

    /** @return whether an enclave was running */
    public static boolean stop(Path dir, Duration wait, PrintStream out) {
        Optional<RunState> state = RunState.read(dir);
        if (state.isEmpty()) {
            out.println("no enclave runs from " + dir.toAbsolutePath());
            return false;
        }
        RunState s = state.get();
        Optional<ProcessHandle> supervisor = ProcessHandle.of(s.pid()).filter(p -> p.isAlive() && is(p, SUPERVISOR));
        if (supervisor.isEmpty()) {
            out.println("no enclave runs from " + dir.toAbsolutePath() + " (its process " + s.pid() + " is gone)");
            stopLeftovers(s, out);
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
        }
        stopLeftovers(s, out);
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
            ProcessHandle.of(svc.pid()).filter(p -> p.isAlive() && is(p, marker)).ifPresent(p -> {
                out.println("stopping the " + svc.name() + " process " + p.pid() + " left behind");
                java.util.List<ProcessHandle> children = p.descendants().toList();
                p.destroy();
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
                children.forEach(ProcessHandle::destroy);
            });
        }
    }

    /**
     * Whether the process runs {@code marker} (a main class). Read from /proc in full: the JDK's
     * process information cuts long command lines (a class path) short.
     */
    static boolean is(ProcessHandle p, String marker) {
        try {
            byte[] cmdline = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(p.pid()), "cmdline"));
            return new String(cmdline, java.nio.charset.StandardCharsets.UTF_8).contains(marker);
        } catch (java.io.IOException e) {
            return p.info().commandLine().map(c -> c.contains(marker)).orElse(false);
        }
    }
}
