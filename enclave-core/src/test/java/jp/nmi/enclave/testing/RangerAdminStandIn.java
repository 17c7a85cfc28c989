package jp.nmi.enclave.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jp.nmi.enclave.policy.PolicyBuilder;
import org.apache.ranger.plugin.model.RangerPolicy;

/**
 * Ranger Admin is not served on these machines, so the tests talk to this stand-in on loopback: the
 * few REST calls the enclave makes, with Ranger Admin's rules for them as documented (HTTP Basic,
 * policy names unique per service, ids assigned on create, a service version that moves on every
 * change, 304 for a plugin that is up to date, errors as {@code {"statusCode":1,"msgDesc":...}}).
 * A double beside the real path (the policy file), never a replacement for a real Ranger Admin
 * in production.
 */
public final class RangerAdminStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Pattern LIST = Pattern.compile("/service/public/v2/api/service/([^/]+)/policy");
    private static final Pattern ONE = Pattern.compile("/service/public/v2/api/policy/(\\d+)");
    private static final Pattern DOWNLOAD = Pattern.compile("/service/plugins/secure/policies/download/([^/]+)");

    private final HttpServer server;
    private final String service;
    private final String authorization;
    private final Map<Long, RangerPolicy> policies = new LinkedHashMap<>();
    private final AtomicInteger writes = new AtomicInteger();
    private long nextId = 1;
    private long version = 1;

    private RangerAdminStandIn(String service, String user, String password) throws IOException {
        this.service = service;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A Ranger Admin with one Hive-type service and one user. */
    public static RangerAdminStandIn start(String service, String user, String password) throws IOException {
        return new RangerAdminStandIn(service, user, password);
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The policies in force after each change, in order: what a session downloading between two changes would get. */
    public synchronized List<List<RangerPolicy>> history() {
        return List.copyOf(history);
    }

    private final List<List<RangerPolicy>> history = new ArrayList<>();

    /** How many changes the REST API was asked to make (create, update, delete). */
    public int writes() {
        return writes.get();
    }

    public synchronized List<RangerPolicy> policies() {
        return List.copyOf(policies.values());
    }

    public synchronized long version() {
        return version;
    }

    /** Stores a policy as somebody using Ranger's UI would (not counted as a write of the enclave's). */
    public synchronized RangerPolicy putByHand(RangerPolicy policy) {
        if (policy.getId() == null) {
            policy.setId(nextId++);
        }
        policy.setService(service);
        policies.put(policy.getId(), policy);
        version++;
        return policy;
    }

    /** Removes a policy as somebody using Ranger's UI would. */
    public synchronized void remove(long id) {
        policies.remove(id);
        version++;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            if (!authorization.equals(x.getRequestHeaders().getFirst("Authorization"))) {
                send(x, 401, error("Authentication Failed"));
                return;
            }
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            Matcher m;
            synchronized (this) {
                if ((m = LIST.matcher(path)).matches() && method.equals("GET")) {
                    if (!m.group(1).equals(service)) {
                        send(x, 400, error("Service name=" + m.group(1) + " does not exist"));
                        return;
                    }
                    // paged like Ranger Admin's list (startIndex, pageSize capped by its maxrows, here small on purpose)
                    String q = x.getRequestURI().getQuery() == null ? "" : x.getRequestURI().getQuery();
                    int start = param(q, "startIndex", 0);
                    int size = Math.min(param(q, "pageSize", MAX_ROWS), MAX_ROWS);
                    List<RangerPolicy> all = new ArrayList<>(policies.values());
                    send(x, 200, JSON.writeValueAsBytes(all.subList(Math.min(start, all.size()), Math.min(start + size, all.size()))));
                } else if (path.equals("/service/public/v2/api/policy") && method.equals("POST")) {
                    RangerPolicy p = JSON.readValue(x.getRequestBody(), RangerPolicy.class);
                    String problem = p.getId() != null ? "id must not be set for a new policy"
                            : !service.equals(p.getService()) ? "Service name=" + p.getService() + " does not exist"
                            : clash(p.getName(), null);
                    if (problem != null) {
                        send(x, 400, error(problem));
                        return;
                    }
                    p.setId(nextId++);
                    p.setGuid(UUID.randomUUID().toString());
                    p.setVersion(1L);
                    policies.put(p.getId(), p);
                    version++;
                    writes.incrementAndGet();
                    history.add(new ArrayList<>(policies.values()));
                    send(x, 200, JSON.writeValueAsBytes(p));
                } else if ((m = ONE.matcher(path)).matches() && method.equals("PUT")) {
                    long id = Long.parseLong(m.group(1));
                    RangerPolicy old = policies.get(id);
                    if (old == null) {
                        send(x, 404, error("no policy with id=" + id));
                        return;
                    }
                    RangerPolicy p = JSON.readValue(x.getRequestBody(), RangerPolicy.class);
                    String problem = clash(p.getName(), id);
                    if (problem != null) {
                        send(x, 400, error(problem));
                        return;
                    }
                    p.setId(id);
                    p.setGuid(old.getGuid());
                    p.setVersion(old.getVersion() == null ? 2 : old.getVersion() + 1);
                    policies.put(id, p);
                    version++;
                    writes.incrementAndGet();
                    history.add(new ArrayList<>(policies.values()));
                    send(x, 200, JSON.writeValueAsBytes(p));
                } else if ((m = ONE.matcher(path)).matches() && method.equals("DELETE")) {
                    if (policies.remove(Long.parseLong(m.group(1))) == null) {
                        send(x, 404, error("no policy with id=" + m.group(1)));
                        return;
                    }
                    version++;
                    writes.incrementAndGet();
                    history.add(new ArrayList<>(policies.values()));
                    send(x, 204, new byte[0]);
                } else if ((m = DOWNLOAD.matcher(path)).matches() && method.equals("GET")) {
                    if (!m.group(1).equals(service)) {
                        send(x, 404, error("Service name=" + m.group(1) + " does not exist"));
                        return;
                    }
                    String q = x.getRequestURI().getQuery();
                    Matcher known = Pattern.compile("lastKnownVersion=(-?\\d+)").matcher(q == null ? "" : q);
                    if (known.find() && Long.parseLong(known.group(1)) == version) {
                        send(x, 304, null);
                        return;
                    }
                    send(x, 200, JSON.writeValueAsBytes(PolicyBuilder.servicePolicies(service, version, new ArrayList<>(policies.values()))));
                } else {
                    send(x, 404, error("no such endpoint: " + method + " " + path));
                }
            }
        }
    }

    /** Ranger Admin's ranger.db.maxrows.default is 200; smaller here, so that every test pages. */
    private static final int MAX_ROWS = 7;

    private static int param(String query, String name, int otherwise) {
        Matcher m = Pattern.compile("(?:^|&)" + name + "=(\\d+)").matcher(query);
        return m.find() ? Integer.parseInt(m.group(1)) : otherwise;
    }

    private String clash(String name, Long self) {
        for (RangerPolicy p : policies.values()) {
            if (p.getName().equals(name) && !p.getId().equals(self)) {
                return "Another policy already exists for this name: policy-name=[" + name + "], service=[" + service + "]";
            }
        }
        return null;
    }

    private static byte[] error(String message) throws IOException {
        return JSON.writeValueAsBytes(Map.of("statusCode", 1, "msgDesc", message));
    }

    private static void send(HttpExchange x, int status, byte[] body) throws IOException {
        if (body == null || status == 204 || status == 304) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }
}
