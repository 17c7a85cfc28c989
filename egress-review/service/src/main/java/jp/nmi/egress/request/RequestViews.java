package jp.nmi.egress.request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.security.Actor;

/**
 * A request as one viewer may see it: stewards see every comment, authors and project members the
 * public ones; the actions offered are those the state machine and separation of duties allow
 * this viewer now.
 */
public final class RequestViews {
    /** One file with its automatic verdict, its decision this round and the reviews the viewer may read. */
    public record FileView(String name, String sha256, long size, String type, String checkStatus, String metadata, String checkReport,
            String decision, List<ReviewView> reviews, Resolution resolution) {}

    /** One event of the request's history: when, who, what (never a decision or a comment). */
    public record HistoryEntry(String at, String actor, String action) {
        /** When, as the pages show every time. */
        public String shownAt() {
            return Times.shown(at);
        }
    }

    /** One review of one file. Private comments are null for viewers who are not stewards. */
    public record ReviewView(int round, String reviewer, String decision, String publicComment, String privateComment,
            String decidedAt, boolean revisedAfterReveal) {}

    /**
     * The whole request. {@code frozen}: why nothing can be done with it any more, or null;
     * {@code unavailable}: for the actions this viewer's role has but may not take now, why not.
     */
    public record RequestView(ExportRequest request, String verdict, List<FileView> files, List<String> actions,
            List<String> reviewersThisRound, List<RequestMessage> messages, String frozen, Map<String, String> unavailable,
            List<HistoryEntry> history, List<String> changes, boolean stewardView, List<Intake> intake, String publicDescription) {
        /** Whether some file is still being copied into quarantine and checked. */
        public boolean checking() {
            return intake.stream().anyMatch(i -> !i.failed());
        }

        /** Whether the viewer reads the stewards' own notes (private comments, discussion notes). */
        public boolean showsNotes() {
            return stewardView;
        }

        /** The viewer's own decision on {@code file} in the current round, if saved. */
        public ReviewView mine(String file, String viewer) {
            for (FileView f : files) {
                if (f.name().equals(file)) {
                    for (ReviewView x : f.reviews()) {
                        if (x.round() == request.round() && x.reviewer().equals(viewer)) {
                            return x;
                        }
                    }
                }
            }
            return null;
        }
    }

    private final RequestRepository repo;
    private final Reviews reviews;
    private final Duties duties;

    public RequestViews(RequestRepository repo, Reviews reviews, Duties duties) {
        this.repo = repo;
        this.reviews = reviews;
        this.duties = duties;
    }

    public RequestView view(Actor actor, ExportRequest r) {
        duties.checkCanView(actor, r);
        boolean steward = duties.canSteward(actor, r);
        java.util.Set<String> fileNames = new java.util.LinkedHashSet<>(repo.files(r.id()).stream().map(RequestFile::name).toList());
        java.util.function.Predicate<Review> visible = visibleReviews(actor, r, steward,
                Reviews.completeReviewers(repo.reviews(r.id(), r.round()), fileNames));
        boolean roundVisible = CONCLUDED.contains(r.status()) || (steward && Reviews.completeReviewers(repo.reviews(r.id(), r.round()),
                fileNames).size() >= 2);
        Map<String, Resolution> resolutions = new java.util.HashMap<>();
        if (roundVisible) {
            repo.resolutions(r.id(), r.round()).forEach(x -> resolutions.put(x.fileName(), x));
        }
        Map<String, FileDecision> decisions = reviews.fileDecisionsOf(r, visible, x -> roundVisible);
        List<Review> all = repo.reviews(r.id());
        List<FileView> files = new ArrayList<>();
        String verdict = "pass";
        for (RequestFile f : repo.files(r.id())) {
            List<ReviewView> rv = new ArrayList<>();
            for (Review x : all) {
                if (x.fileName().equals(f.name()) && visible.test(x)) {
                    rv.add(new ReviewView(x.round(), x.reviewer(), x.decision().label(), x.publicComment(), steward ? x.privateComment() : null,
                            x.decidedAt().toString(), x.revisedAfterReveal()));
                }
            }
            files.add(new FileView(f.name(), f.sha256(), f.size(), f.type(), f.checkStatus(), f.metadata(), f.checkReport(),
                    decisions.getOrDefault(f.name(), FileDecision.INCOMPLETE).label(), rv, resolutions.get(f.name())));
            verdict = worse(verdict, f.checkStatus());
        }
        List<String> reviewers = new ArrayList<>(Reviews.completeReviewers(repo.reviews(r.id(), r.round()),
                new java.util.LinkedHashSet<>(files.stream().map(FileView::name).toList())));
        String frozen = duties.frozen(r).orElse(null);
        List<String> actions = frozen != null ? List.of() : actions(actor, r, steward, reviewers, decisions);
        List<RequestRepository.Event> events = repo.events(r.id());
        boolean seesRound = roundVisible;
        List<HistoryEntry> history = events.stream()
                // while blind, not even when, or how often, someone else decided in this round
                .filter(e -> seesRound || !e.action().equals(AuditAction.REVIEW_DECIDE.label()) || e.actor().equals(actor.user())
                        || round(e) != r.round())
                .map(e -> new HistoryEntry(toMinute(e.at()), e.actor(), e.action())).toList();
        List<Intake> intake = repo.intakes(r.id());
        Map<String, String> unavailable = frozen != null ? Map.of() : unavailable(actor, r, steward, reviewers, decisions, actions);
        if (!intake.isEmpty() && (actions.contains("submit") || actions.contains("resubmit"))) {
            // the stewards review what the checks saw: not before every file is checked
            String move = actions.contains("submit") ? "submit" : "resubmit";
            actions = new ArrayList<>(actions);
            actions.remove(move);
            unavailable = new LinkedHashMap<>(unavailable);
            long failed = intake.stream().filter(Intake::failed).count();
            unavailable.put(move, failed > 0 ? failed + (failed == 1 ? " file" : " files") + " could not be taken in: remove or add again"
                    : (intake.size() - failed) + (intake.size() - failed == 1 ? " file is" : " files are") + " still being checked");
        }
        return new RequestView(r, verdict, files, actions, reviewers, repo.messages(r.id()), frozen, unavailable, history,
                changes(events), steward, intake, repo.publicDescription(r.id()).orElse(null));
    }

    /** States in which the stewards have concluded the current round (and its reviews may be read by all who see the request). */
    private static final java.util.Set<RequestStatus> CONCLUDED = java.util.EnumSet.of(RequestStatus.RETURNED, RequestStatus.APPROVED,
            RequestStatus.REJECTED, RequestStatus.RELEASED);

    /**
     * Which reviews {@code actor} may read. Reviews are blind until the round has both: a steward
     * sees only their own decisions and notes of the current round until two stewards' reviews cover
     * every file (a placeholder review of one's own reveals nothing), and nobody else sees the
     * round's reviews until the stewards have concluded it (returned, approved, rejected or
     * released; never by a withdrawal or a closure). Earlier rounds were concluded and are readable.
     */
    static java.util.function.Predicate<Review> visibleReviews(Actor actor, ExportRequest r, boolean steward,
            java.util.Set<String> completeThisRound) {
        if (CONCLUDED.contains(r.status())) {
            return x -> true;
        }
        if (steward && completeThisRound.size() >= 2) {
            return x -> true; // both are in: consolidated; a later change is marked as revised after the reveal
        }
        if (steward) {
            return x -> x.round() != r.round() || x.reviewer().equals(actor.user());
        }
        return x -> x.round() != r.round();
    }

    /**
     * What the author changed since the request was last returned (files added or replaced, the
     * description or the controls edited), for the stewards of the new round; empty before any return.
     */
    static List<String> changes(List<RequestRepository.Event> events) {
        int lastReturn = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).action().equals(AuditAction.REQUEST_RETURN.label())) {
                lastReturn = i;
            }
        }
        List<String> out = new ArrayList<>();
        if (lastReturn < 0) {
            return out;
        }
        for (RequestRepository.Event e : events.subList(lastReturn + 1, events.size())) {
            com.fasterxml.jackson.databind.JsonNode d = Json.nodeOrEmpty(e.details());
            if (e.action().equals(AuditAction.FILE_CHECKED.label())) {
                String name = d.path("file").asText();
                if (d.has("failure")) {
                    out.add(name + " could not be taken in: " + d.path("failure").asText());
                } else {
                    out.add(e.actor() + (d.path("replaced").asBoolean() ? " replaced " : " added ") + name + " (SHA-256 "
                            + abbreviate(d.path("sha256").asText()) + ", checks: " + d.path("check").asText("?") + ")");
                }
            } else if (e.action().equals(AuditAction.REQUEST_FILES.label()) && d.has("removed")) {
                d.path("removed").forEach(x -> out.add(e.actor() + " removed " + x.asText()));
            } else if (e.action().equals(AuditAction.REQUEST_EDIT.label())) {
                for (String field : List.of("context", "controls")) {
                    if (d.has(field)) {
                        out.add(e.actor() + " changed " + (field.equals("context") ? "what it is" : "the controls applied") + " from \u201c"
                                + d.path(field).path("from").asText() + "\u201d to \u201c" + d.path(field).path("to").asText() + "\u201d");
                    }
                }
            } else if (e.action().equals(AuditAction.REQUEST_PUBLIC_DESCRIPTION.label())) {
                // published as written once released: the stewards see each change of it
                out.add(e.actor() + " changed the public description from \u201c" + d.path("text").path("from").asText("")
                        + "\u201d to \u201c" + d.path("text").path("to").asText("") + "\u201d");
            }
        }
        return out;
    }

    private static int round(RequestRepository.Event e) {
        com.fasterxml.jackson.databind.JsonNode d = Json.nodeOrEmpty(e.details());
        return d.path("round").asInt(-1);
    }

    private static String toMinute(String at) {
        try {
            return java.time.Instant.parse(at).truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString();
        } catch (java.time.format.DateTimeParseException e) {
            return at;
        }
    }

    private static String abbreviate(String sha256) {
        return sha256.length() > 12 ? sha256.substring(0, 12) + "…" : sha256;
    }

    /** Why a steward may not review or release now, when the request's state is one where stewards act. */
    private static Map<String, String> unavailable(Actor actor, ExportRequest r, boolean steward, List<String> reviewers,
            Map<String, FileDecision> decisions, List<String> actions) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!steward) {
            return out;
        }
        if (Transitions.allows(r.status(), Capability.REVIEW) && !actions.contains("review")) {
            out.put("review", String.join(" and ", reviewers) + " have reviewed this round: two independent reviews are all a request takes");
        }
        if (!actions.contains("release") && r.status() != RequestStatus.RELEASED && !r.status().isTerminal()) {
            if (r.status() == RequestStatus.REVIEWED) {
                List<String> open = new ArrayList<>();
                decisions.forEach((file, d) -> {
                    if (d != FileDecision.APPROVED) {
                        open.add(file + " is " + d.label().replace('_', ' '));
                    }
                });
                out.put("release", "every file needs the approval of both stewards (or a settled conflict): " + String.join(", ", open));
            } else if (r.status() == RequestStatus.APPROVED) {
                out.put("release", "a release of this request is under way");
            } else if (Transitions.allows(r.status(), Capability.REVIEW)) {
                out.put("release", "a request is released after two stewards have reviewed every file (" + reviewers.size()
                        + " of 2 so far)");
            } else {
                out.put("release", "the request is " + r.status().label().replace('_', ' ') + "; its author has the next move");
            }
        }
        return out;
    }

    private List<String> actions(Actor actor, ExportRequest r, boolean steward, List<String> reviewers, Map<String, FileDecision> decisions) {
        List<String> out = new ArrayList<>();
        boolean author = actor.user().equals(r.author());
        if (author) {
            for (Transitions.Move m : Transitions.movesFrom(r.status())) {
                if (m.party() == Party.AUTHOR) {
                    out.add(m.to() == RequestStatus.SUBMITTED ? (r.status() == RequestStatus.RETURNED ? "resubmit" : "submit") : "withdraw");
                }
            }
            if (Transitions.allows(r.status(), Capability.CHANGE_FILES)) {
                out.add("files");
            }
        }
        if (steward) {
            if (Transitions.allows(r.status(), Capability.REVIEW) && (reviewers.size() < 2 || reviewers.contains(actor.user()))) {
                out.add("review");
            }
            if (r.status() == RequestStatus.REVIEWED && decisions.containsValue(FileDecision.CONFLICTED)) {
                out.add("resolve");
            }
            if (r.status() == RequestStatus.REVIEWED) {
                boolean allApproved = !decisions.isEmpty() && decisions.values().stream().allMatch(d -> d == FileDecision.APPROVED);
                if (allApproved) {
                    out.add("release");
                }
                out.add("return");
                out.add("reject");
            }
            if (r.status() == RequestStatus.APPROVED && Transitions.allows(r.status(), Capability.RELEASE) && r.releaseStartedAt() == null) {
                out.add("release");
            }
        }
        // a regulatory submission is delivered by the provider's approver; an output goes to the project's analysts
        if (Transitions.allows(r.status(), Capability.DOWNLOAD) && (r.isRegulatory() ? actor.isApprover() && steward
                : actor.isAnalyst() && duties.canView(actor, r) && !steward)) {
            out.add("download");
        }
        return out;
    }

    private static String worse(String a, String b) {
        List<String> order = List.of("pass", "review", "fail");
        return order.indexOf(b) > order.indexOf(a) ? b : a;
    }

    /** The request as the API returns it. */
    public static Map<String, Object> toMap(RequestView v) {
        ExportRequest r = v.request();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("project", r.project());
        m.put("author", r.author());
        m.put("status", r.status().label());
        m.put("kind", r.kind());
        m.put("regulator", r.regulator());
        m.put("regulatory_purpose", r.regulatoryPurpose());
        m.put("round", r.round());
        m.put("context", r.context());
        m.put("controls", r.controls());
        m.put("public_description", v.publicDescription());
        m.put("profile", r.profile());
        m.put("verdict", v.verdict());
        m.put("created_at", String.valueOf(r.createdAt()));
        m.put("submitted_at", r.submittedAt() == null ? null : r.submittedAt().toString());
        m.put("released_at", r.releasedAt() == null ? null : r.releasedAt().toString());
        m.put("reviewers", v.reviewersThisRound());
        m.put("actions", v.actions());
        m.put("frozen", v.frozen());
        m.put("unavailable", v.unavailable());
        m.put("changes", v.changes());
        m.put("history", v.history().stream().map(h -> Map.of("at", h.at(), "actor", h.actor(), "action", h.action())).toList());
        List<Map<String, Object>> messages = new ArrayList<>();
        for (RequestMessage x : v.messages()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("round", x.round());
            mm.put("kind", x.kind().label());
            mm.put("from", x.sender());
            mm.put("message", x.message());
            mm.put("sent_at", x.sentAt().toString());
            messages.add(mm);
        }
        m.put("messages", messages);
        List<Map<String, Object>> files = new ArrayList<>();
        for (FileView f : v.files()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("name", f.name());
            fm.put("sha256", f.sha256());
            fm.put("size", f.size());
            fm.put("type", f.type());
            fm.put("check", f.checkStatus());
            fm.put("metadata", f.metadata());
            fm.put("decision", f.decision());
            fm.put("checks", Json.tree(f.checkReport()));
            List<Map<String, Object>> reviews = new ArrayList<>();
            for (ReviewView rv : f.reviews()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("round", rv.round());
                x.put("reviewer", rv.reviewer());
                x.put("decision", rv.decision());
                x.put("public_comment", rv.publicComment());
                if (rv.privateComment() != null) {
                    x.put("private_comment", rv.privateComment());
                }
                x.put("decided_at", rv.decidedAt());
                x.put("revised_after_reveal", rv.revisedAfterReveal());
                reviews.add(x);
            }
            fm.put("reviews", reviews);
            if (f.resolution() != null) {
                Map<String, Object> res = new LinkedHashMap<>();
                res.put("resolver", f.resolution().resolver());
                res.put("decision", f.resolution().decision().label());
                // the discussion is between stewards: the author reads its outcome, not the note
                res.put("note", v.showsNotes() ? f.resolution().note() : null);
                res.put("resolved_at", f.resolution().resolvedAt().toString());
                fm.put("resolution", res);
            }
            files.add(fm);
        }
        m.put("files", files);
        m.put("intake", intakeMaps(v.intake()));
        return m;
    }

    /** Files asked for and not yet taken in ({@code checking}), or that could not be ({@code failed}, with why). */
    public static List<Map<String, Object>> intakeMaps(List<Intake> intake) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Intake i : intake) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", i.name());
            m.put("round", i.round());
            m.put("state", i.failed() ? "failed" : "checking");
            m.put("failure", i.failure());
            m.put("requested_at", i.requestedAt().toString());
            out.add(m);
        }
        return out;
    }
}
