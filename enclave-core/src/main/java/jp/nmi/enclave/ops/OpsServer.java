package jp.nmi.enclave.ops;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import jp.nmi.enclave.error.EnclaveStorageException;

/**
 * A service's operations endpoint, on a port of its own on 127.0.0.1 (never the port a reverse
 * proxy forwards to users): {@code GET /health} answers 200 when every check passes and 503 naming
 * the checks that fail; {@code GET /metrics} is the Prometheus text format of the service's
 * Micrometer registry. Nothing else is served; no data value or user name is ever a label.
 */
public final class OpsServer implements AutoCloseable {
    /** One thing the service needs to work; throws, saying what is wrong, when it does not. */
    public interface HealthCheck {
        String name();

        void check() throws Exception;

        static HealthCheck of(String name, Callable check) {
            return new HealthCheck() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public void check() throws Exception {
                    check.call();
                }
            };
        }

        /** A check body. */
        @FunctionalInterface
        interface Callable {
            void call() throws Exception;
        }
    }

    /** Runs before each scrape (to bring counters up to date, e.g. from a log). */
    public interface BeforeScrape {
        void run();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // a client that connects and says nothing must not hold one of the few threads (JDK server: seconds)
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "10");
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", "30");
        }
    }

    private final HttpServer server;

    private OpsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts the endpoint on {@code port} of 127.0.0.1 (0: any free port).
     *
     * @throws EnclaveStorageException if the port cannot be bound
     */
    public static OpsServer start(String service, int port, PrometheusMeterRegistry registry, List<HealthCheck> checks,
            BeforeScrape beforeScrape) {
        requireNonNull(registry, "registry is null");
        List<HealthCheck> all = List.copyOf(checks);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        } catch (IOException e) {
            throw new EnclaveStorageException("cannot serve the " + service + " health and metrics on 127.0.0.1:" + port + ": "
                    + e.getMessage(), e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, service + "-ops");
            t.setDaemon(true);
            return t;
        }));
        int bound = server.getAddress().getPort();
        java.util.Set<String> hosts = java.util.Set.of("127.0.0.1:" + bound, "localhost:" + bound);
        server.createContext("/", exchange -> {
            try (exchange) {
                // a page elsewhere reaching this port by DNS rebinding names another host
                String host = exchange.getRequestHeaders().getFirst("Host");
                if (host == null || !hosts.contains(host.toLowerCase(java.util.Locale.ROOT))) {
                    send(exchange, 421, "text/plain; charset=utf-8", "misdirected: ask for 127.0.0.1:" + bound + "\n");
                    return;
                }
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    send(exchange, 405, "text/plain; charset=utf-8", "only GET\n");
                    return;
                }
                switch (exchange.getRequestURI().getPath()) {
                    case "/health" -> health(exchange, service, all);
                    case "/metrics" -> {
                        if (beforeScrape != null) {
                            beforeScrape.run();
                        }
                        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
                    }
                    default -> send(exchange, 404, "text/plain; charset=utf-8", "not found: /health and /metrics are served here\n");
                }
            } catch (RuntimeException e) {
                send(exchange, 500, "text/plain; charset=utf-8", "internal error\n");
            }
        });
        server.start();
        return new OpsServer(server);
    }

    private static void health(HttpExchange exchange, String service, List<HealthCheck> checks) throws IOException {
        Map<String, String> results = new LinkedHashMap<>();
        boolean up = true;
        for (HealthCheck c : checks) {
            try {
                c.check();
                results.put(c.name(), "up");
            } catch (Exception e) {
                up = false;
                results.put(c.name(), "down: " + oneLine(e));
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", service);
        body.put("status", up ? "up" : "down");
        body.put("checks", results);
        send(exchange, up ? 200 : 503, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
