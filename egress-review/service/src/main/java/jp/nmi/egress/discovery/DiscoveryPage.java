package jp.nmi.egress.discovery;

import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.dataset.AgeBands;
import jp.nmi.enclave.dataset.Region;
import jp.nmi.enclave.discovery.Discovery;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The cohort discovery page: the criteria builder (the ICD-10 hierarchy browsable and searchable),
 * the counts per biobank (or another breakdown) as a table and a chart, and the last count saved as
 * a draft project spec. Its script is {@code static/discovery/discovery.js}, built from
 * {@code egress-review/service/web}.
 */
@Controller
public class DiscoveryPage {
    /** The page script's words, in the page's language (one source: the message bundles). */
    static final java.util.List<String> SCRIPT_MESSAGES = java.util.List.of("discovery.group", "discovery.group.or",
            "discovery.group.remove", "discovery.condition.add", "discovery.condition.remove", "discovery.condition.field",
            "discovery.condition.op", "discovery.condition.value", "discovery.op.is", "discovery.op.isnot", "discovery.counting",
            "discovery.chart", "discovery.budget", "discovery.add", "discovery.open", "discovery.participants", "discovery.bound",
            "field.icd10", "field.sample_type", "field.biobank", "field.age_at_collection", "field.age_band", "field.sex", "field.region",
            "field.duo", "field.commercial", "field.genotypes", "value.yes", "value.no", "value.F", "value.M");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final Discovery discovery;
    private final DiscoveryAccess access;
    private final org.springframework.context.MessageSource messages;

    public DiscoveryPage(Discovery discovery, DiscoveryAccess access, org.springframework.context.MessageSource messages) {
        this.discovery = discovery;
        this.access = access;
        this.messages = messages;
    }

    @GetMapping("/discovery")
    public String page(Authentication auth, Model model, java.util.Locale locale) throws Exception {
        Actor actor = access.checkCanDiscover(auth);
        discovery.index(); // built now, if the datasets changed, so that the first count is quick
        model.addAttribute("actor", actor);
        model.addAttribute("biobanks", discovery.policy().biobanks());
        model.addAttribute("sampleTypes", discovery.policy().sampleTypes());
        model.addAttribute("ageBands", AgeBands.labels());
        model.addAttribute("regions", Region.labels());
        model.addAttribute("breakdowns", Discovery.BREAKDOWNS);
        model.addAttribute("minCount", discovery.policy().minCount());
        model.addAttribute("roundTo", discovery.policy().roundTo());
        model.addAttribute("budget", discovery.policy().queriesPerResearcher());
        model.addAttribute("noise", discovery.policy().noise());
        java.util.Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("fields", java.util.Arrays.stream(jp.nmi.enclave.discovery.Criteria.Field.values())
                .map(jp.nmi.enclave.discovery.Criteria.Field::label).toList());
        java.util.Map<String, java.util.List<String>> values = new java.util.LinkedHashMap<>();
        // the policy's names, never the data's: a name listed says nothing about who holds such a sample
        values.put("sample_type", discovery.policy().sampleTypes());
        values.put("biobank", discovery.policy().biobanks());
        values.put("age_band", AgeBands.labels());
        values.put("sex", java.util.List.of("F", "M"));
        values.put("region", Region.labels());
        values.put("duo", java.util.List.of("GRU", "HMB", "POA", "NCU", "NPU", "NPUNCU"));
        values.put("commercial", java.util.List.of("yes", "no"));
        values.put("genotypes", java.util.List.of("yes", "no"));
        config.put("values", values);
        config.put("minCount", discovery.policy().minCount());
        config.put("budget", discovery.policy().queriesPerResearcher());
        java.util.Map<String, String> words = new java.util.LinkedHashMap<>();
        for (String key : SCRIPT_MESSAGES) {
            words.put(key, messages.getMessage(key, null, locale));
        }
        config.put("messages", words);
        // inside <script type="application/json">: no '<' may end the element
        model.addAttribute("config", JSON.writeValueAsString(config).replace("<", "\\u003c"));
        return "discovery";
    }
}
