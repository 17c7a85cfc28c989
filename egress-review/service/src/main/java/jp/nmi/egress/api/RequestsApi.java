package jp.nmi.egress.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.request.ExportRequest;
import jp.nmi.egress.request.Releases;
import jp.nmi.egress.request.RequestViews;
import jp.nmi.egress.request.Requests;
import jp.nmi.egress.request.Reviews;
import jp.nmi.egress.security.Actor;
import jp.nmi.egress.security.CurrentActor;
import jp.nmi.egress.project.ProjectMembers;
import jp.nmi.enclave.audit.AuditVerification;
import jp.nmi.enclave.error.AccessDeniedException;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The REST API (HTTP Basic; described at {@code /api/openapi.json}). Errors come back as
 * {@code {"error": kind, "message": why}} with 400 (bad input), 403 (not allowed), 404 (no such
 * thing), 409 (not in this state).
 */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
public class RequestsApi {
    /**
     * A new request: files of the project's outbox, what they are, which controls were applied; its
     * {@code kind} is {@code output} (the default: statistical results) or {@code regulatory}
     * (record-level data for the named {@code regulator}, if the project's spec declares it).
     */
    public record NewRequest(String project, List<String> files, String context, String controls, String kind, String regulator,
            @com.fasterxml.jackson.annotation.JsonProperty("public_description") String publicDescription) {
        /** The regulator of a regulatory request, null for an output; bad combinations are refused with the reason. */
        String regulatorOfKind() {
            String k = kind == null || kind.isBlank() ? "output" : kind.strip();
            return switch (k) {
                case "output" -> {
                    if (regulator != null && !regulator.isBlank()) {
                        throw new jp.nmi.enclave.error.ValidationException("regulator is for requests of kind 'regulatory' only");
                    }
                    yield null;
                }
                case "regulatory" -> {
                    if (regulator == null || regulator.isBlank()) {
                        throw new jp.nmi.enclave.error.ValidationException("a regulatory request names its regulator ("
                                + jp.nmi.enclave.project.Regulator.codes() + ")");
                    }
                    yield regulator.strip();
                }
                default -> throw new jp.nmi.enclave.error.ValidationException("unknown kind '" + k + "': output or regulatory");
            };
        }
    }

    /** Files to add to (or replace in) a draft or returned request. */
    public record FileList(List<String> files) {}

    /** One steward's decisions, by file name. */
    public record ReviewBody(Map<String, Reviews.FileReview> files) {}

    /** A message to the author (return) or the reason (reject). */
    public record Message(String message) {}

    private final Requests requests;
    private final Reviews reviews;
    private final Releases releases;
    private final RequestViews views;
    private final EgressStore store;
    private final ProjectMembers projects;
    private final EgressAudit audit;
    private final CurrentActor current;

    public RequestsApi(Requests requests, Reviews reviews, Releases releases, RequestViews views, EgressStore store,
            ProjectMembers projects, EgressAudit audit, CurrentActor current) {
        this.requests = requests;
        this.reviews = reviews;
        this.releases = releases;
        this.views = views;
        this.store = store;
        this.projects = projects;
        this.audit = audit;
        this.current = current;
    }

    /**
     * Creates a request. Its files are copied into quarantine and checked by the intake workers: the
     * answer waits for them (201) unless the client sends {@code Prefer: respond-async} (RFC 7240),
     * or they take longer than the service waits; then it is 202 and {@code intake} lists the files
     * still on their way ({@code GET /api/requests/{id}} shows when they are done).
     */
    @PostMapping("/requests")
    public ResponseEntity<Map<String, Object>> create(@RequestBody NewRequest body,
            @RequestHeader(name = "Prefer", required = false) String prefer, Authentication auth) {
        // checked before anything is made: a refused field changes nothing
        Requests.publicDescriptionOf(body.publicDescription());
        ExportRequest r = requests.create(current.of(auth), body.project(), body.files(), body.context(), body.controls(),
                body.regulatorOfKind(), !respondAsync(prefer));
        if (body.publicDescription() != null && !body.publicDescription().isBlank()) {
            requests.describePublicly(current.of(auth), r.id(), body.publicDescription());
        }
        return withIntake(r, HttpStatus.CREATED);
    }

    @PostMapping("/requests/{id}/files")
    public ResponseEntity<Map<String, Object>> addFiles(@PathVariable String id, @RequestBody FileList body,
            @RequestHeader(name = "Prefer", required = false) String prefer, Authentication auth) {
        return withIntake(requests.addFiles(current.of(auth), id, body.files(), !respondAsync(prefer)), HttpStatus.OK);
    }

    /** The author removes a file from a draft or returned request. */
    @DeleteMapping("/requests/{id}/files/{name}")
    public Map<String, Object> removeFile(@PathVariable String id, @PathVariable String name, Authentication auth) {
        return idStatus(requests.removeFile(current.of(auth), id, name));
    }

    static boolean respondAsync(String prefer) {
        if (prefer == null) {
            return false;
        }
        for (String p : prefer.split(",")) {
            if (p.strip().toLowerCase(java.util.Locale.ROOT).startsWith("respond-async")) {
                return true;
            }
        }
        return false;
    }

    private ResponseEntity<Map<String, Object>> withIntake(ExportRequest r, HttpStatus done) {
        Map<String, Object> m = idStatus(r);
        List<jp.nmi.egress.request.Intake> open = requests.intakes(r.id());
        m.put("intake", RequestViews.intakeMaps(open));
        boolean waiting = open.stream().anyMatch(i -> !i.failed());
        ResponseEntity.BodyBuilder b = ResponseEntity.status(waiting ? HttpStatus.ACCEPTED : done);
        if (waiting) {
            b.header("Preference-Applied", "respond-async").header(HttpHeaders.LOCATION, "/api/requests/" + r.id());
        }
        return b.body(m);
    }

    /** Settlements of conflicted files, by file name. */
    public record ResolutionBody(Map<String, Reviews.FileResolution> files) {}

    @PostMapping("/requests/{id}/resolutions")
    public Map<String, Object> resolve(@PathVariable String id, @RequestBody ResolutionBody body, Authentication auth) {
        return idStatus(reviews.resolve(current.of(auth), id, body.files()));
    }

    /** What the request says its outputs are, and the controls applied (the author, while it is a draft or returned). */
    public record Description(String context, String controls) {}

    @PostMapping("/requests/{id}/description")
    public Map<String, Object> describe(@PathVariable String id, @RequestBody Description body, Authentication auth) {
        return idStatus(requests.describe(current.of(auth), id, body.context(), body.controls()));
    }

    /** What the public data-use register says of the request once released (its author; blank removes it). */
    public record PublicDescription(@com.fasterxml.jackson.annotation.JsonProperty("public_description") String publicDescription) {}

    @PostMapping("/requests/{id}/public-description")
    public Map<String, Object> describePublicly(@PathVariable String id, @RequestBody PublicDescription body, Authentication auth) {
        requests.describePublicly(current.of(auth), id, body.publicDescription());
        return Map.of("id", id, "public_description", requests.publicDescription(id).orElse(""));
    }

    @PostMapping("/requests/{id}/submit")
    public Map<String, Object> submit(@PathVariable String id, Authentication auth) {
        return idStatus(requests.submit(current.of(auth), id));
    }

    @PostMapping("/requests/{id}/reviews")
    public Map<String, Object> review(@PathVariable String id, @RequestBody ReviewBody body, Authentication auth) {
        return idStatus(reviews.review(current.of(auth), id, body.files()));
    }

    @PostMapping("/requests/{id}/return")
    public Map<String, Object> returnToAuthor(@PathVariable String id, @RequestBody(required = false) Message body,
            Authentication auth) {
        return idStatus(requests.returnToAuthor(current.of(auth), id, body == null ? null : body.message()));
    }

    @PostMapping("/requests/{id}/reject")
    public Map<String, Object> reject(@PathVariable String id, @RequestBody(required = false) Message body, Authentication auth) {
        return idStatus(requests.reject(current.of(auth), id, body == null ? null : body.message()));
    }

    @PostMapping("/requests/{id}/withdraw")
    public Map<String, Object> withdraw(@PathVariable String id, Authentication auth) {
        return idStatus(requests.withdraw(current.of(auth), id));
    }

    @PostMapping("/requests/{id}/release")
    public Map<String, Object> release(@PathVariable String id, Authentication auth) {
        return idStatus(releases.release(current.of(auth), id));
    }

    @GetMapping("/requests/{id}")
    public Map<String, Object> get(@PathVariable String id, Authentication auth) {
        Actor actor = current.of(auth);
        return RequestViews.toMap(views.view(actor, requests.view(actor, id)));
    }

    /** Requests the caller may see, newest first. */
    @GetMapping("/requests")
    public List<Map<String, Object>> list(Authentication auth) {
        return requests.visibleTo(current.of(auth)).stream().map(RequestsApi::summary).toList();
    }

    /** The stewards' queue: requests waiting for a steward, oldest submission first. */
    @GetMapping("/queue")
    public List<Map<String, Object>> queue(Authentication auth) {
        Actor actor = current.of(auth);
        return requests.queue(actor).stream().map(r -> {
            Map<String, Object> m = summary(r);
            m.put("verdict", views.view(actor, r).verdict());
            return m;
        }).toList();
    }

    /** A released file, to a member of its project; every download is audited. */
    @GetMapping(path = "/requests/{id}/files/{name}", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<byte[]> download(@PathVariable String id, @PathVariable String name, Authentication auth) {
        byte[] bytes = releases.download(current.of(auth), id, name);
        HttpHeaders h = new HttpHeaders();
        h.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        h.setContentDisposition(ContentDisposition.attachment().filename(name, StandardCharsets.UTF_8).build());
        h.set("X-Content-SHA256", EgressStore.sha256(bytes));
        return new ResponseEntity<>(bytes, h, HttpStatus.OK);
    }

    /** The files of a project's outbox that its members may export. */
    @GetMapping("/projects/{project}/outbox")
    public List<Map<String, Object>> outbox(@PathVariable String project, Authentication auth) {
        Actor actor = current.of(auth);
        if (!projects.isMember(project, actor.user())) {
            throw new AccessDeniedException(actor.user() + " is not a member of " + project + " and may not list its outbox");
        }
        return store.outboxFiles(project).stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", f.name());
            m.put("size", f.size());
            m.put("directory", f.isDirectory());
            return m;
        }).toList();
    }

    /** Walks the egress audit chain (stewards and operators). */
    @GetMapping("/audit/verify")
    public Map<String, Object> verifyAudit(Authentication auth) {
        Actor actor = current.of(auth);
        if (!actor.isSteward() && !actor.isOperator()) {
            throw new AccessDeniedException(actor.user() + " may not verify the audit trail (stewards and operators may)");
        }
        AuditVerification v = audit.verify();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("intact", v.intact());
        m.put("events", v.events());
        m.put("head", v.headHash());
        m.put("broken_at", v.brokenAtSeq());
        m.put("reason", v.reason());
        return m;
    }

    static Map<String, Object> idStatus(ExportRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("status", r.status().label());
        return m;
    }

    static Map<String, Object> summary(ExportRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("project", r.project());
        m.put("author", r.author());
        m.put("status", r.status().label());
        m.put("kind", r.kind());
        m.put("regulator", r.regulator());
        m.put("round", r.round());
        m.put("submitted_at", r.submittedAt() == null ? null : r.submittedAt().toString());
        return m;
    }
}
