package jp.nmi.egress.discovery;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jakarta.servlet.http.HttpSession;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.discovery.Discovery;
import jp.nmi.enclave.discovery.DraftSpec;
import jp.nmi.enclave.discovery.Icd10Catalog;
import jp.nmi.enclave.error.ValidationException;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the discovery page calls (the browser's session, with its CSRF token): a count, the ICD-10
 * hierarchy, and the last count saved as a draft project spec.
 */
@RestController
@RequestMapping(path = "/discovery/api", produces = MediaType.APPLICATION_JSON_VALUE)
public class DiscoveryEndpoints {
    /** A count asked for by the page. */
    public record CountRequest(String where, String by) {}

    static final String LAST_ANSWER = "discovery.last";

    private final Discovery discovery;
    private final DiscoveryAccess access;

    public DiscoveryEndpoints(Discovery discovery, DiscoveryAccess access) {
        this.discovery = discovery;
        this.access = access;
    }

    @PostMapping(path = "/count", consumes = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> count(@RequestBody CountRequest request, Authentication auth, HttpSession session) {
        Actor actor = access.checkCanDiscover(auth);
        if (request == null || request.where() == null) {
            throw new ValidationException("say what to count: where");
        }
        Optional<String> by = request.by() == null || request.by().isBlank() ? Optional.empty() : Optional.of(request.by());
        Discovery.Answer a = discovery.count(actor.user(), request.where(), by);
        session.setAttribute(LAST_ANSWER, a);
        return json(a);
    }

    static Map<String, Object> json(Discovery.Answer a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("criteria", a.criteria().toString());
        out.put("total", a.total().json());
        a.by().ifPresent(b -> out.put("by", b));
        List<Map<String, Object>> cells = new ArrayList<>();
        a.breakdown().forEach((label, count) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("label", label);
            c.put("count", count.json());
            cells.add(c);
        });
        out.put("breakdown", cells);
        out.put("precision", a.precision());
        out.put("queries_used", a.queriesUsed());
        out.put("queries_left", a.queriesLeft());
        return out;
    }

    /** The entries under {@code parent} (the chapters without it), or those matching {@code q}; titles in the page's language. */
    @GetMapping("/icd10")
    public List<Map<String, Object>> icd10(@RequestParam(required = false) String parent, @RequestParam(required = false) String q,
            Authentication auth, Locale locale) {
        access.checkCanDiscover(auth);
        Icd10Catalog catalog = Icd10Catalog.builtIn();
        List<Icd10Catalog.Entry> entries = q != null && !q.isBlank() ? catalog.search(q, 50) : catalog.children(parent);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Icd10Catalog.Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("code", e.code());
            m.put("title", e.title(locale));
            m.put("children", !catalog.children(e.code()).isEmpty());
            m.put("path", catalog.path(e.code()).stream().map(Icd10Catalog.Entry::code).toList());
            out.add(m);
        }
        return out;
    }

    /** The last count of this session as a draft project spec, for the researcher to send with their application. */
    @PostMapping(path = "/draft", produces = "application/yaml")
    public ResponseEntity<byte[]> draft(@RequestParam("project_id") String projectId, Authentication auth, HttpSession session) {
        Actor actor = access.checkCanDiscover(auth);
        if (!(session.getAttribute(LAST_ANSWER) instanceof Discovery.Answer a)) {
            throw new ValidationException("count first: the draft holds the criteria of your last count");
        }
        String yaml = DraftSpec.yaml(projectId, actor.user(), a, LocalDate.now(ZoneId.of("Asia/Tokyo")));
        return ResponseEntity.ok()
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment().filename(projectId + ".yaml").build().toString())
                .contentType(new MediaType("application", "yaml", StandardCharsets.UTF_8))
                .body(yaml.getBytes(StandardCharsets.UTF_8));
    }
}
