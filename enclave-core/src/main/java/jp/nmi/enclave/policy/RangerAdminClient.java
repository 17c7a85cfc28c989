package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.apache.ranger.plugin.model.RangerPolicy;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * The parts of Ranger Admin's REST API the enclave uses: the public v2 policy API
 * ({@code /service/public/v2/api/...}) to keep the projects' policies, and the download endpoint
 * Ranger's own plugins poll ({@code /service/plugins/policies/download/<service>}) to read the
 * policies in force. HTTP Basic; behind Kerberos, a SPNEGO-capable proxy in front of Ranger Admin.
 * Every failure is a {@link PolicyUnavailableException} naming the call and Ranger's answer.
 */
public final class RangerAdminClient {
    private static final TypeReference<List<RangerPolicy>> POLICIES = new TypeReference<>() {};

    private final URI baseUri;
    private final String user;
    private final String password;
    private final String authorization;
    private final HttpClient http;

    public RangerAdminClient(URI baseUri, String user, String password) {
        requireNonNull(baseUri, "baseUri is null");
        String s = baseUri.toString();
        this.baseUri = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.user = user;
        this.password = password;
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password))
                        .getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public URI baseUri() {
        return baseUri;
    }

    /**
     * Every policy of {@code service}, as Ranger Admin keeps them (with ids and labels), through
     * Ranger's own client. The list is paged (at most {@code ranger.db.maxrows.default}, 200, per
     * answer): pages are read until one is empty, so that no policy past the first page goes unseen.
     */
    public List<RangerPolicy> policies(String service) {
        List<RangerPolicy> all = new java.util.ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        while (true) {
            java.util.Map<String, String> filter = new java.util.LinkedHashMap<>();
            filter.put("serviceName", service);
            filter.put("startIndex", Integer.toString(all.size()));
            filter.put("pageSize", Integer.toString(PAGE));
            List<RangerPolicy> page = call("list the policies of service " + service, () -> ranger().findPolicies(filter));
            if (page == null || page.isEmpty()) {
                return all;
            }
            for (RangerPolicy p : page) {
                if (!seen.add(p.getId())) {
                    throw new PolicyUnavailableException("Ranger Admin at " + baseUri + " sent policy " + p.getId() + " of service "
                            + service + " twice while paging; its list cannot be trusted to be complete");
                }
            }
            all.addAll(page);
        }
    }

    private static final int PAGE = 200;

    /** Creates {@code policy} (its id must be unset); returns it as stored. */
    public RangerPolicy create(RangerPolicy policy) {
        if (policy.getId() != null) {
            throw new IllegalArgumentException("a policy to create has no id; '" + policy.getName() + "' has " + policy.getId());
        }
        return call("create policy '" + policy.getName() + "'", () -> ranger().createPolicy(policy));
    }

    /** Replaces the policy with {@code id} by {@code policy}; returns it as stored. */
    public RangerPolicy update(long id, RangerPolicy policy) {
        return call("update policy '" + policy.getName() + "' (id " + id + ")", () -> ranger().updatePolicy(id, policy));
    }

    public void delete(long id, String name) {
        call("delete policy '" + name + "' (id " + id + ")", () -> {
            ranger().deletePolicy(id);
            return null;
        });
    }

    /** One call of Ranger's client. */
    @FunctionalInterface
    private interface RangerCall<T> {
        T run() throws org.apache.ranger.RangerServiceException;
    }

    /** Ranger's own Java client ({@code ranger-intg}), made on first use. */
    private org.apache.ranger.RangerClient ranger() {
        org.apache.ranger.RangerClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = new org.apache.ranger.RangerClient(baseUri.toString(), "simple", user, password, null);
                }
                c = client;
            }
        }
        return c;
    }

    private volatile org.apache.ranger.RangerClient client;

    private <T> T call(String what, RangerCall<T> call) {
        try {
            return call.run();
        } catch (org.apache.ranger.RangerServiceException e) {
            if (e.getStatus() == null) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new PolicyUnavailableException("cannot reach Ranger Admin at " + baseUri + ": " + (cause.getMessage() != null
                        ? cause.getMessage() : cause.getClass().getSimpleName()), e);
            }
            String m = String.valueOf(e.getMessage());
            int at = m.indexOf("response: ");
            String body = at < 0 ? "" : m.substring(at + "response: ".length());
            String detail = message(body.getBytes(StandardCharsets.UTF_8));
            throw new PolicyUnavailableException("Ranger Admin at " + baseUri + " refused to " + what + ": " + e.getStatus().getStatusCode()
                    + (detail.isEmpty() || detail.equals(" (null)") ? " (" + e.getStatus().getReasonPhrase() + ")" : detail), e);
        } catch (com.sun.jersey.api.client.ClientHandlerException e) {
            throw new PolicyUnavailableException("cannot reach Ranger Admin at " + baseUri + ": " + (e.getCause() != null
                    ? describe(e.getCause()) : e.getMessage()), e);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * The policies of {@code service} as Ranger's plugins download them: null when unchanged since
     * {@code knownVersion} (304).
     */
    public ServicePolicies download(String service, Long knownVersion, String pluginId) {
        HttpResponse<byte[]> r = send("GET", "/service/plugins/policies/download/" + encode(service)
                + "?lastKnownVersion=" + (knownVersion == null ? -1 : knownVersion)
                + "&pluginId=" + encode(pluginId) + "&supportsPolicyDeltas=false", null);
        if (r.statusCode() == 304 && knownVersion != null) {
            return null;
        }
        expect(r, 200, "download the policies of service " + service);
        try {
            return ServicePoliciesJson.parse(new java.io.ByteArrayInputStream(r.body()));
        } catch (IOException e) {
            throw new PolicyUnavailableException("cannot parse the policies Ranger Admin at " + baseUri + " sent: " + e.getMessage(), e);
        }
    }

    private HttpResponse<byte[]> send(String method, String path, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (body != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new PolicyUnavailableException("cannot reach Ranger Admin at " + baseUri + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolicyUnavailableException("interrupted while calling Ranger Admin at " + baseUri, e);
        }
    }

    private void expect(HttpResponse<byte[]> r, int status, String what) {
        if (r.statusCode() != status) {
            throw failure(r, what);
        }
    }

    private PolicyUnavailableException failure(HttpResponse<byte[]> r, String what) {
        return new PolicyUnavailableException("Ranger Admin at " + baseUri + " refused to " + what + ": " + r.statusCode()
                + message(r.body()));
    }

    /** Ranger's error bodies are {@code {"statusCode":1,"msgDesc":"..."}}; anything else is cut short. */
    private static String message(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode n = ServicePoliciesJson.JSON.readTree(body);
            if (n != null && n.hasNonNull("msgDesc")) {
                return " (" + n.get("msgDesc").asText() + ")";
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "" : " (" + (text.length() > 200 ? text.substring(0, 200) + "…" : text) + ")";
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
