package jp.nmi.egress.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.project.ProjectMembers;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.request.Duties;
import jp.nmi.egress.request.ExportRequest;
import jp.nmi.egress.request.Releases;
import jp.nmi.egress.request.RequestRepository;
import jp.nmi.egress.request.RequestViews;
import jp.nmi.egress.request.Requests;
import jp.nmi.egress.request.Reviews;
import jp.nmi.egress.request.Transitions;
import jp.nmi.egress.security.Actor;
import jp.nmi.egress.security.CurrentActor;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.NotFoundException;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The web pages: the stewards' queue and review page, the analysts' requests, new-request form
 * and downloads. Server-rendered; every form carries a CSRF token; every action goes through the
 * same services (and checks) as the REST API.
 */
@Controller
public class WebController {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final Requests requests;
    private final Reviews reviews;
    private final Releases releases;
    private final RequestViews views;
    private final RequestRepository repo;
    private final EgressStore store;
    private final ProjectMembers projects;
    private final Duties duties;
    private final EgressAudit audit;
    private final CurrentActor current;

    public WebController(Requests requests, Reviews reviews, Releases releases, RequestViews views, RequestRepository repo,
            EgressStore store, ProjectMembers projects, Duties duties, EgressAudit audit, CurrentActor current) {
        this.requests = requests;
        this.reviews = reviews;
        this.releases = releases;
        this.views = views;
        this.repo = repo;
        this.store = store;
        this.projects = projects;
        this.duties = duties;
        this.audit = audit;
        this.current = current;
    }

    @GetMapping("/login")
    public String login() {
        return "login";
    }

    @GetMapping("/")
    public String home(Authentication auth) {
        Actor a = current.of(auth);
        if (a.isSteward() || a.isApprover()) {
            return "redirect:/queue";
        }
        if (a.isAnalyst()) {
            return "redirect:/requests";
        }
        if (a.isResearcher()) {
            return "redirect:/discovery";
        }
        return "redirect:/audit";
    }

    @GetMapping("/queue")
    public String queue(Authentication auth, Model model) {
        Actor a = current.of(auth);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ExportRequest r : requests.queue(a)) {
            RequestViews.RequestView v = views.view(a, r);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("r", r);
            m.put("verdict", v.verdict());
            m.put("files", v.files().size());
            m.put("reviewers", String.join(", ", v.reviewersThisRound()));
            m.put("mine", v.reviewersThisRound().contains(a.user()) ? "reviewed by you" : v.actions().contains("review") ? "to review" : "");
            rows.add(m);
        }
        model.addAttribute("actor", a);
        model.addAttribute("rows", rows);
        model.addAttribute("history", requests.visibleTo(a).stream().filter(r -> r.status().isTerminal()).limit(50).toList());
        return "queue";
    }

    @GetMapping("/requests")
    public String myRequests(Authentication auth, Model model) {
        Actor a = current.of(auth);
        model.addAttribute("actor", a);
        model.addAttribute("requests", requests.visibleTo(a));
        return "requests";
    }

    @GetMapping("/requests/new")
    public String newRequest(@RequestParam(required = false) String project, @RequestParam(required = false) String file,
            @RequestParam(required = false) String context, Authentication auth, Model model) {
        Actor a = current.of(auth);
        model.addAttribute("actor", a);
        model.addAttribute("project", project == null ? "" : project);
        // prefilled from the notebook's export link: the file ticked, the analyst's description as context
        model.addAttribute("file", file == null ? "" : file);
        model.addAttribute("context", context == null ? "" : context.length() > 2000 ? context.substring(0, 2000) : context);
        if (project != null && !project.isBlank()) {
            if (!projects.isMember(project, a.user())) {
                throw new AccessDeniedException(a.user() + " is not a member of " + project + " and may not list its outbox");
            }
            model.addAttribute("outbox", store.outboxFiles(project));
            // the regulators the project's spec declares, if any: only then is a regulatory request offered
            model.addAttribute("regulators", projects.members(project).map(m -> m.regulatory() == null ? List.<String>of()
                    : m.regulatory().destinations()).orElse(List.of()));
        }
        return "new-request";
    }

    @PostMapping("/requests")
    public String create(@RequestParam String project, @RequestParam(name = "files", required = false) List<String> files,
            @RequestParam String context, @RequestParam String controls, @RequestParam(required = false) String regulator,
            @RequestParam(name = "public_description", required = false) String publicDescription, Authentication auth) {
        Requests.publicDescriptionOf(publicDescription); // checked before anything is made
        ExportRequest r = requests.create(current.of(auth), project, files == null ? List.of() : files, context, controls,
                regulator == null || regulator.isBlank() ? null : regulator, true);
        if (publicDescription != null && !publicDescription.isBlank()) {
            requests.describePublicly(current.of(auth), r.id(), publicDescription);
        }
        return "redirect:/requests/" + r.id();
    }

    @GetMapping("/requests/{id}")
    public String request(@PathVariable String id, Authentication auth, Model model) {
        Actor a = current.of(auth);
        ExportRequest r = requests.view(a, id);
        RequestViews.RequestView v = views.view(a, r);
        Map<String, Object> viewers = new LinkedHashMap<>();
        Map<String, Object> reports = new LinkedHashMap<>();
        // The contents are shown to the independent stewards only: nothing unreleased leaves, not even to its author.
        // a withdrawn or rejected request's quarantined bytes were destroyed when it ended: nothing to show
        boolean destroyed = r.status() == jp.nmi.egress.request.RequestStatus.WITHDRAWN
                || r.status() == jp.nmi.egress.request.RequestStatus.REJECTED;
        boolean inspect = duties.canSteward(a, r) && !destroyed;
        model.addAttribute("destroyed", destroyed);
        for (RequestViews.FileView f : v.files()) {
            if (inspect) {
                viewers.put(f.name(), viewer(r, f));
            }
            reports.put(f.name(), parse(f.checkReport()));
        }
        model.addAttribute("inspect", inspect);
        model.addAttribute("reports", reports);
        model.addAttribute("actor", a);
        model.addAttribute("v", v);
        model.addAttribute("r", r);
        model.addAttribute("viewers", viewers);
        model.addAttribute("owner", v.frozen() != null ? "nobody (" + v.frozen() + ")"
                : Transitions.owner(r.status()).map(p -> p.name().toLowerCase(java.util.Locale.ROOT)).orElse("nobody"));
        if (v.actions().contains("files")) {
            model.addAttribute("outbox", store.outboxFiles(r.project()));
        }
        return "request";
    }

    /** A check report for the page: the rules that were applied ({@code checks}) apart from those that do not apply here. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String json) {
        try {
            Map<String, Object> report = new LinkedHashMap<>(JSON.readValue(json,
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
            List<Object> applied = new java.util.ArrayList<>();
            List<Object> notApplicable = new java.util.ArrayList<>();
            for (Object c : (List<Object>) report.getOrDefault("checks", List.of())) {
                (c instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("applies")) ? notApplicable : applied).add(c);
            }
            report.put("checks", applied);
            report.put("not_applicable", notApplicable);
            return report;
        } catch (java.io.IOException e) {
            return Map.of("checks", List.of(), "not_applicable", List.of(), "metadata_detail",
                    "the check report cannot be read: " + e.getMessage());
        }
    }

    private Object viewer(ExportRequest r, RequestViews.FileView f) {
        return switch (f.type()) {
            case "csv" -> CsvGrid.of(store.readQuarantined(r.id(), f.sha256()), f.checkReport());
            case "txt", "md", "json", "html", "svg" -> new String(store.readQuarantined(r.id(), f.sha256()), StandardCharsets.UTF_8);
            default -> null;
        };
    }

    /** Quarantined bytes of an image, for the viewer (never a download: served inline, sandboxed). */
    @GetMapping("/requests/{id}/files/{name}/preview")
    public ResponseEntity<byte[]> preview(@PathVariable String id, @PathVariable String name, Authentication auth) {
        Actor a = current.of(auth);
        ExportRequest r = requests.view(a, id);
        duties.checkCanInspect(a, r);
        var f = repo.file(r.id(), name).orElseThrow(() -> new NotFoundException("request " + id + " has no file '" + name + "'"));
        MediaType type = switch (f.type()) {
            case "png" -> MediaType.IMAGE_PNG;
            case "jpg", "jpeg" -> MediaType.IMAGE_JPEG;
            case "svg" -> MediaType.valueOf("image/svg+xml");
            default -> throw new NotFoundException("'" + name + "' is shown in the page, not as an image");
        };
        HttpHeaders h = new HttpHeaders();
        h.setContentType(type);
        h.set("Content-Security-Policy", "sandbox; default-src 'none'");
        h.setContentDisposition(ContentDisposition.inline().filename("preview." + f.type()).build());
        return new ResponseEntity<>(store.readQuarantined(r.id(), f.sha256()), h, HttpStatus.OK);
    }

    @PostMapping("/requests/{id}/files")
    public String addFiles(@PathVariable String id, @RequestParam(name = "files", required = false) List<String> files,
            Authentication auth) {
        requests.addFiles(current.of(auth), id, files == null ? List.of() : files);
        return "redirect:/requests/" + id;
    }

    /** The author removes a file (or one still being taken in) from a draft or returned request. */
    @PostMapping("/requests/{id}/files/{name}/remove")
    public String removeFile(@PathVariable String id, @PathVariable String name, Authentication auth, RedirectAttributes flash) {
        requests.removeFile(current.of(auth), id, name);
        flash.addFlashAttribute("notice", "Removed " + name + ".");
        return "redirect:/requests/" + id;
    }

    @PostMapping("/requests/{id}/description")
    public String describe(@PathVariable String id, @RequestParam(required = false) String context,
            @RequestParam(required = false) String controls,
            @RequestParam(name = "public_description", required = false) String publicDescription, Authentication auth,
            RedirectAttributes flash) {
        return keepingWhatWasTyped(id, "description", flash, () -> {
            Requests.publicDescriptionOf(publicDescription); // refused before the rest is saved
            requests.describe(current.of(auth), id, context, controls);
            if (publicDescription != null) {
                requests.describePublicly(current.of(auth), id, publicDescription);
            }
            flash.addFlashAttribute("notice", "Description saved.");
        }, "context", context, "controls", controls, "publicDescription", publicDescription);
    }

    /**
     * Runs a form's action; a refusal of its input goes back to the request's page with the form
     * ({@code form}) as it was typed ({@code typed}: name, value, ...) and the reason.
     */
    private static String keepingWhatWasTyped(String id, String form, RedirectAttributes flash, Runnable action, String... typed) {
        try {
            action.run();
        } catch (jp.nmi.enclave.error.ValidationException e) {
            flash.addFlashAttribute("formError", Map.of("form", form, "message", e.getMessage()));
            flash.addFlashAttribute("typed", typed(typed));
            return "redirect:/requests/" + id + "#" + form + "-form";
        }
        return "redirect:/requests/" + id;
    }

    private static Map<String, String> typed(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1] == null ? "" : keyValues[i + 1]);
        }
        return m;
    }

    @PostMapping("/requests/{id}/submit")
    public String submit(@PathVariable String id, Authentication auth, RedirectAttributes flash) {
        requests.submit(current.of(auth), id);
        flash.addFlashAttribute("notice", "Submitted for review.");
        return "redirect:/requests/" + id;
    }

    @PostMapping("/requests/{id}/withdraw")
    public String withdraw(@PathVariable String id, Authentication auth) {
        requests.withdraw(current.of(auth), id);
        return "redirect:/requests/" + id;
    }

    @PostMapping("/requests/{id}/review")
    public String review(@PathVariable String id, @RequestParam Map<String, String> form, Authentication auth,
            RedirectAttributes flash) {
        // who may not see the request learns nothing of it, its files included
        requests.view(current.of(auth), id);
        Map<String, Reviews.FileReview> decisions = new LinkedHashMap<>();
        for (var f : repo.files(id)) {
            String d = form.get("decision:" + f.name());
            if (d != null && !d.isBlank()) {
                decisions.put(f.name(), new Reviews.FileReview(d, form.get("public:" + f.name()), form.get("private:" + f.name())));
            }
        }
        ExportRequest r;
        try {
            r = reviews.review(current.of(auth), id, decisions);
        } catch (jp.nmi.enclave.error.ValidationException e) {
            // back to the page with what was typed, and what to fix
            Map<String, String> draft = new LinkedHashMap<>(form);
            draft.remove("_csrf");
            flash.addFlashAttribute("reviewError", e.getMessage());
            flash.addFlashAttribute("draft", draft);
            return "redirect:/requests/" + id;
        }
        flash.addFlashAttribute("notice", "Review saved; the request is " + r.status().label().replace('_', ' ') + ".");
        return "redirect:/requests/" + id;
    }

    @PostMapping("/requests/{id}/resolve")
    public String resolve(@PathVariable String id, @RequestParam Map<String, String> form, Authentication auth, RedirectAttributes flash) {
        requests.view(current.of(auth), id);
        Map<String, Reviews.FileResolution> decisions = new LinkedHashMap<>();
        for (var f : repo.files(id)) {
            String d = form.get("resolve:" + f.name());
            if (d != null && !d.isBlank()) {
                decisions.put(f.name(), new Reviews.FileResolution(d, form.get("note:" + f.name())));
            }
        }
        reviews.resolve(current.of(auth), id, decisions);
        flash.addFlashAttribute("notice", "Conflict settled.");
        return "redirect:/requests/" + id;
    }

    @PostMapping("/requests/{id}/return")
    public String returnToAuthor(@PathVariable String id, @RequestParam(required = false) String message, Authentication auth,
            RedirectAttributes flash) {
        return keepingWhatWasTyped(id, "return", flash, () -> requests.returnToAuthor(current.of(auth), id, message), "message", message);
    }

    @PostMapping("/requests/{id}/reject")
    public String reject(@PathVariable String id, @RequestParam(required = false) String reason, Authentication auth,
            RedirectAttributes flash) {
        return keepingWhatWasTyped(id, "reject", flash, () -> requests.reject(current.of(auth), id, reason), "reason", reason);
    }

    @PostMapping("/requests/{id}/release")
    public String release(@PathVariable String id, Authentication auth, RedirectAttributes flash) {
        releases.release(current.of(auth), id);
        flash.addFlashAttribute("notice", "Released: the reviewed bytes can now be downloaded by the project's members.");
        return "redirect:/requests/" + id;
    }

    @GetMapping("/requests/{id}/files/{name}/download")
    public ResponseEntity<byte[]> download(@PathVariable String id, @PathVariable String name, Authentication auth) {
        byte[] bytes = releases.download(current.of(auth), id, name);
        HttpHeaders h = new HttpHeaders();
        h.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        h.setContentDisposition(ContentDisposition.attachment().filename(name, StandardCharsets.UTF_8).build());
        return new ResponseEntity<>(bytes, h, HttpStatus.OK);
    }

    @GetMapping("/audit")
    public String audit(Authentication auth, Model model) {
        Actor a = current.of(auth);
        model.addAttribute("actor", a);
        if (a.isSteward() || a.isOperator()) {
            model.addAttribute("verification", audit.verify());
        }
        return "audit";
    }
}
