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
 * Ranger's own plugins poll ({@code /service/plugins/secure/policies/download/<service>}) to read the
 * policies in force. HTTP Basic; behind Kerberos, a SPNEGO-capable proxy in front of Ranger Admin.
 * Every failure is a {@link PolicyUnavailableException} naming the call and Ranger's answer.
 */
public final class RangerAdminClient {
    private static final TypeReference<List<RangerPolicy>> POLICIES = new TypeReference<>() {};

    private final URI baseUri;
    private final String authorization;
    private final HttpClient http;

    public RangerAdminClient(URI baseUri, String user, String password) {
        requireNonNull(baseUri, "baseUri is null");
        String s = baseUri.toString();
        this.baseUri = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password))
                        .getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    public URI baseUri() {
        return baseUri;
    }

    /**
     * Every policy of {@code service}, as Ranger Admin keeps them (with ids and labels). The list is
     * paged (at most {@code ranger.db.maxrows.default}, 200, per answer): pages are read until one is
     * empty, so that no policy past the first page goes unseen.
     */
    public List<RangerPolicy> policies(String service) {
        List<RangerPolicy> all = new java.util.ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        while (true) {
            HttpResponse<byte[]> r = send("GET", "/service/public/v2/api/service/" + encode(service) + "/policy?startIndex=" + all.size()
                    + "&pageSize=" + PAGE, null);
            expect(r, 200, "list the policies of service " + service);
            List<RangerPolicy> page;
            try {
                page = ServicePoliciesJson.JSON.readValue(r.body(), POLICIES);
            } catch (IOException e) {
                throw new PolicyUnavailableException("Ranger Admin at " + baseUri + " sent policies of service " + service
                        + " that cannot be read: " + e.getMessage(), e);
            }
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
        HttpResponse<byte[]> r = send("POST", "/service/public/v2/api/policy", json(policy));
        expect(r, 200, "create policy '" + policy.getName() + "'");
        return read(r, "create policy '" + policy.getName() + "'");
    }

    /** Replaces the policy with {@code id} by {@code policy}; returns it as stored. */
    public RangerPolicy update(long id, RangerPolicy policy) {
        HttpResponse<byte[]> r = send("PUT", "/service/public/v2/api/policy/" + id, json(policy));
        expect(r, 200, "update policy '" + policy.getName() + "' (id " + id + ")");
        return read(r, "update policy '" + policy.getName() + "'");
    }

    public void delete(long id, String name) {
        HttpResponse<byte[]> r = send("DELETE", "/service/public/v2/api/policy/" + id, null);
        if (r.statusCode() != 200 && r.statusCode() != 204) {
            throw failure(r, "delete policy '" + name + "' (id " + id + ")");
        }
    }

    /**
     * The policies of {@code service} as Ranger's plugins download them: null when unchanged since
     * {@code knownVersion} (304).
     */
    public ServicePolicies download(String service, Long knownVersion, String pluginId) {
        // the authenticated endpoint: the plain one skips Ranger Admin's login and, with Kerberos, refuses or serves anyone
        HttpResponse<byte[]> r = send("GET", "/service/plugins/secure/policies/download/" + encode(service)
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

    private RangerPolicy read(HttpResponse<byte[]> r, String what) {
        try {
            return ServicePoliciesJson.JSON.readValue(r.body(), RangerPolicy.class);
        } catch (IOException e) {
            throw new PolicyUnavailableException("Ranger Admin at " + baseUri + " answered " + what + " with what is not a policy: "
                    + e.getMessage(), e);
        }
    }

    private static byte[] json(RangerPolicy policy) {
        try {
            return ServicePoliciesJson.JSON.writeValueAsBytes(policy);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write policy '" + policy.getName() + "' as JSON: " + e.getMessage(), e);
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
