package jp.nmi.egress.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.discovery.Criteria;
import jp.nmi.enclave.discovery.Discovery;
import jp.nmi.enclave.discovery.Icd10Catalog;
import jp.nmi.enclave.error.ValidationException;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Cohort discovery as a GA4GH Beacon v2 (count granularity) for registered researchers' scripts and
 * for beacon networks (HTTP Basic, as the rest of {@code /api}): {@code GET /api/beacon} (info),
 * {@code GET /api/beacon/filtering_terms}, {@code POST /api/beacon/individuals}.
 *
 * <p>Filters are ANDed, as Beacon v2 has them: ontology terms {@code ICD10:C50},
 * {@code ICD10:C00-D48} and the DUO permissions ({@code DUO:0000042} general research use, ...);
 * alphanumeric filters {@code {"id": "sex", "operator": "=", "value": "F"}} (or {@code "!"}) over
 * the discovery fields. OR and a breakdown other than per biobank go in
 * {@code query.requestParameters}: {@code {"where": "icd10=C50;icd10=C34", "by": "sex"}}. Counts
 * are shown as discovery shows them: {@code numTotalResults} rounded ({@code countPrecision}
 * {@code rounded}, {@code countAdjustedTo} the rounding); a count under the threshold answers
 * {@code exists: false} with the range 0 to threshold-1, so none and a few look the same.
 */
@RestController
@RequestMapping(path = "/api/beacon", produces = MediaType.APPLICATION_JSON_VALUE)
public class BeaconApi {
    static final String BEACON_ID = "jp.nmi.enclave.discovery";
    static final String API_VERSION = "v2.0.0";

    /** The DUO permissions and modifiers a consent carries, by the short codes the datasets keep. */
    static final Map<String, String> DUO = Map.of(
            "DUO:0000042", "GRU", "DUO:0000006", "HMB", "DUO:0000007", "DS", "DUO:0000011", "POA",
            "DUO:0000046", "NCU", "DUO:0000045", "NPU", "DUO:0000018", "NPUNCU");

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Characters a query may have: criteria are at most 2,000, filters a few dozen. */
    static final int MAX_BODY = 65_536;

    private final Discovery discovery;
    private final DiscoveryAccess access;

    public BeaconApi(Discovery discovery, DiscoveryAccess access) {
        this.discovery = discovery;
        this.access = access;
    }

    @GetMapping({"", "/", "/info"})
    public Map<String, Object> info(Authentication auth) {
        access.checkCanDiscover(auth);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("id", BEACON_ID);
        response.put("name", "Enclave cohort discovery");
        response.put("apiVersion", API_VERSION);
        response.put("environment", "prod");
        response.put("organization", Map.of("id", "provider", "name", "The certified provider"));
        response.put("description", "Counts of the provider's participants by ICD-10, samples, consent and genotypes; " + discovery.precision());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("meta", Map.of("beaconId", BEACON_ID, "apiVersion", API_VERSION, "returnedSchemas", List.of()));
        out.put("response", response);
        return out;
    }

    @GetMapping("/filtering_terms")
    public Map<String, Object> filteringTerms(Authentication auth, Locale locale) {
        access.checkCanDiscover(auth);
        List<Map<String, Object>> terms = new ArrayList<>();
        addTerms(Icd10Catalog.builtIn(), null, locale, terms);
        DUO.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> terms.add(Map.of("type", "ontologyTerm", "id", e.getKey(),
                "label", e.getValue(), "scopes", List.of("individual"))));
        for (Criteria.Field f : Criteria.Field.values()) {
            if (f != Criteria.Field.ICD10) {
                terms.add(Map.of("type", "alphanumeric", "id", f.label(), "scopes", List.of("individual")));
            }
        }
        return Map.of("meta", Map.of("beaconId", BEACON_ID, "apiVersion", API_VERSION, "returnedSchemas", List.of()),
                "response", Map.of("filteringTerms", terms));
    }

    private static void addTerms(Icd10Catalog c, String parent, Locale locale, List<Map<String, Object>> out) {
        for (Icd10Catalog.Entry e : c.children(parent)) {
            out.add(Map.of("type", "ontologyTerm", "id", "ICD10:" + e.code(), "label", e.title(locale), "scopes", List.of("individual")));
            addTerms(c, e.code(), locale, out);
        }
    }

    @PostMapping(path = "/individuals", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> individuals(@RequestBody String json, Authentication auth) {
        Actor actor = access.checkCanDiscover(auth);
        if (json.length() > MAX_BODY) {
            throw new ValidationException("the request body has " + json.length() + " characters; a Beacon query here has at most " + MAX_BODY);
        }
        JsonNode body;
        try {
            body = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new ValidationException("the request body is not JSON: a Beacon v2 request ({\"query\": {\"filters\": [...]}})");
        }
        JsonNode query = body.path("query");
        String granularity = query.path("requestedGranularity").asText("count");
        if (!granularity.equals("count") && !granularity.equals("boolean")) {
            throw new ValidationException("requestedGranularity " + granularity + ": this beacon answers counts (count or boolean),"
                    + " never records");
        }
        JsonNode params = query.path("requestParameters");
        String where = params.path("where").asText("");
        List<String> terms = filters(query.path("filters"));
        if (!where.isBlank() && !terms.isEmpty()) {
            throw new ValidationException("give filters or requestParameters.where, not both");
        }
        if (where.isBlank() && terms.isEmpty()) {
            throw new ValidationException("say what to count: filters (ICD10:C50, {\"id\": \"sex\", \"operator\": \"=\", \"value\": \"F\"}, ...)"
                    + " or requestParameters.where");
        }
        String by = params.path("by").asText("biobank");
        Discovery.Answer a = discovery.count(actor.user(), where.isBlank() ? String.join(",", terms) : where, Optional.of(by));
        Criteria criteria = a.criteria();

        int min = discovery.policy().minCount();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("exists", !a.total().isBound());
        if (granularity.equals("count")) {
            summary.put("numTotalResults", a.total().isBound() ? 0 : a.total().value());
            summary.put("countAdjustedTo", List.of(discovery.policy().roundTo()));
            summary.put("countPrecision", "rounded");
        }
        List<Map<String, Object>> sets = new ArrayList<>();
        a.breakdown().forEach((label, count) -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", label);
            s.put("setType", by.equals("biobank") ? "dataset" : "cohort");
            s.put("exists", !count.isBound());
            if (granularity.equals("count")) {
                s.put("resultsCount", count.isBound() ? 0 : count.value());
                s.put("info", Map.of("shown", count.shown(), "resultCountDescription", count.isBound()
                        ? Map.of("minRange", 0, "maxRange", min - 1) : Map.of("minRange", count.value(), "maxRange", count.value())));
            }
            sets.add(s);
        });
        Map<String, Object> received = new LinkedHashMap<>();
        received.put("apiVersion", body.path("meta").path("apiVersion").asText(API_VERSION));
        received.put("requestedSchemas", List.of());
        received.put("filters", terms);
        received.put("requestParameters", Map.of("where", criteria.toString(), "by", by));
        received.put("requestedGranularity", granularity);
        received.put("pagination", Map.of("skip", 0, "limit", 0));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("beaconId", BEACON_ID);
        meta.put("apiVersion", API_VERSION);
        meta.put("returnedGranularity", granularity);
        meta.put("receivedRequestSummary", received);
        meta.put("returnedSchemas", List.of(Map.of("entityType", "individual", "schema", "beacon-individual-v2.0.0")));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("criteria", criteria.toString());
        info.put("total", a.total().shown());
        info.put("precision", a.precision());
        info.put("queries_left", a.queriesLeft());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("meta", meta);
        out.put("responseSummary", summary);
        out.put("response", Map.of("resultSets", sets));
        out.put("info", info);
        return out;
    }

    /** Beacon filters as discovery terms ({@code field=value}), or a refusal naming the filter it cannot read. */
    static List<String> filters(JsonNode filters) {
        List<String> out = new ArrayList<>();
        if (filters.isMissingNode() || filters.isNull()) {
            return out;
        }
        if (!filters.isArray()) {
            throw new ValidationException("query.filters is a list of filters");
        }
        for (JsonNode f : filters) {
            String id = f.isTextual() ? f.asText() : f.path("id").asText("");
            if (id.startsWith("ICD10:")) {
                String code = id.substring("ICD10:".length());
                if (!jp.nmi.enclave.discovery.Icd10Catalog.isTerm(code)) {
                    throw new ValidationException("filter '" + id + "' is not an ICD-10 code, prefix or range (ICD10:C50, ICD10:C00-D48)");
                }
                out.add("icd10=" + code);
            } else if (DUO.containsKey(id)) {
                out.add("duo=" + DUO.get(id));
            } else if (Criteria.Field.of(id).isPresent() && f.has("value")) {
                String op = f.path("operator").asText("=");
                if (!op.equals("=") && !op.equals("!")) {
                    throw new ValidationException("filter " + id + ": operator " + op + " is not one this beacon reads (= or !)");
                }
                String value = f.path("value").asText();
                // one value per filter: the separators of the criteria language would change what is asked
                if (value.isBlank() || value.chars().anyMatch(c -> c == ',' || c == ';' || c == '|' || c == '=' || c == '!')) {
                    throw new ValidationException("filter " + id + ": one value, without , ; | = or ! (filters are ANDed; OR goes in"
                            + " requestParameters.where)");
                }
                out.add(id + (op.equals("!") ? "!=" : "=") + value);
            } else {
                throw new ValidationException("filter '" + id + "' is not one this beacon knows (see /api/beacon/filtering_terms)");
            }
        }
        return out;
    }
}
