package jp.nmi.infra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.infra.up.Probe;
import jp.nmi.infra.up.RunState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./enclave status}: what runs, where, and whether it answers. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"What ./enclave up runs from DIR: each service, its URL, and whether it answers now.",
            "Exit code 0 when the enclave runs and every service is ready, 3 otherwise."})
final class StatusCommand implements Callable<Integer> {
    static final int NOT_READY = 3;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "enclave-data", description = "Its data directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json: {\"running\", \"phase\", \"dataDir\", \"services\": [{\"name\", \"url\", \"ready\", ...}]}")
    String format;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("text") && !format.equals("json")) {
            throw new ValidationException("--format must be text or json, got '" + format + "'");
        }
        Optional<RunState> state = RunState.read(dir);
        boolean running = state.isPresent() && RunState.running(dir);
        List<Map<String, Object>> services = new ArrayList<>();
        boolean allReady = running;
        if (running) {
            for (RunState.Service s : state.get().services()) {
                boolean ready = Probe.ready(s.health());
                allReady &= ready;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", s.name());
                m.put("url", s.url());
                m.put("ready", ready);
                m.put("health", s.health());
                if (s.metrics() != null) {
                    m.put("metrics", s.metrics());
                }
                m.put("pid", s.pid());
                services.add(m);
            }
            allReady &= "ready".equals(state.get().phase());
        }
        String phase = running ? state.get().phase() : "stopped";
        if (format.equals("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dataDir", dir.toAbsolutePath().toString());
            json.put("running", running);
            json.put("phase", phase);
            json.put("ready", allReady);
            json.put("pid", running ? state.get().pid() : null);
            json.put("started", running ? state.get().started() : null);
            json.put("services", services);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } else if (!running) {
            System.out.println("no enclave runs from " + dir.toAbsolutePath() + ": start it with ./enclave up --data-dir " + dir);
        } else {
            System.out.println("enclave in " + dir.toAbsolutePath() + ": " + phase + " (process " + state.get().pid() + ", since "
                    + state.get().started() + ")");
            for (Map<String, Object> s : services) {
                System.out.printf("  %-10s %-44s %s%n", s.get("name"), s.get("url"), (Boolean) s.get("ready") ? "ready" : "NOT READY");
            }
        }
        return allReady ? 0 : NOT_READY;
    }
}
