package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.ranger.plugin.util.ServicePolicies;

/**
 * Policies from Ranger Admin, over the REST endpoint Ranger's own plugins poll
 * ({@code GET /service/plugins/policies/download/<service>}): 200 with {@code ServicePolicies}
 * JSON when they changed since {@code lastKnownVersion}, 304 when not. Authenticates with HTTP
 * Basic; production deployments behind Kerberos use the {@code /secure/} variant through a
 * SPNEGO-capable proxy. Any other answer, or none, means the policies are unavailable.
 */
public final class RangerAdminPolicySource implements PolicySource {
    private final URI baseUri;
    private final String serviceName;
    private final String authorization;
    private final HttpClient http;
    private final String pluginId;

    public RangerAdminPolicySource(URI baseUri, String serviceName, String user, String password) {
        this.baseUri = requireNonNull(baseUri, "baseUri is null");
        this.serviceName = requireNonNull(serviceName, "serviceName is null");
        this.authorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.pluginId = "enclave@" + ProcessHandle.current().pid() + "-" + serviceName;
    }

    @Override
    public ServicePolicies policiesIfChanged(Long knownVersion) {
        URI uri = baseUri.resolve("/service/plugins/policies/download/" + URLEncoder.encode(serviceName, StandardCharsets.UTF_8)
                + "?lastKnownVersion=" + (knownVersion == null ? -1 : knownVersion)
                + "&pluginId=" + URLEncoder.encode(pluginId, StandardCharsets.UTF_8)
                + "&supportsPolicyDeltas=false");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Accept", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new PolicyUnavailableException("cannot reach Ranger Admin at " + baseUri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolicyUnavailableException("interrupted while asking Ranger Admin at " + baseUri + " for policies", e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() == 304 && knownVersion != null) {
                return null;
            }
            if (response.statusCode() != 200) {
                throw new PolicyUnavailableException("Ranger Admin at " + baseUri + " answered " + response.statusCode()
                        + " for service " + serviceName);
            }
            return ServicePoliciesJson.parse(body);
        } catch (IOException e) {
            throw new PolicyUnavailableException("cannot parse the policies Ranger Admin at " + baseUri + " sent: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "Ranger Admin " + baseUri + " (service " + serviceName + ")";
    }
}
