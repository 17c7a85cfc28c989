package jp.nmi.egress.request;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.error.ValidationException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stewards' file-level reviews. A steward decides each file (approve, request changes, reject) with
 * a comment for the author and one for stewards only; decisions can be saved file by file, and a
 * review is complete when it covers every file of the round. The first complete review moves the
 * request to partially reviewed, the second distinct steward's to reviewed; there is no third.
 */
public final class Reviews {
    /** One file's decision as submitted. */
    public record FileReview(@com.fasterxml.jackson.annotation.JsonProperty("decision") String decision,
            @com.fasterxml.jackson.annotation.JsonProperty("public_comment") String publicComment,
            @com.fasterxml.jackson.annotation.JsonProperty("private_comment") String privateComment) {}

    /** How one conflicted file is settled: the decision and the discussion that led to it. */
    public record FileResolution(@com.fasterxml.jackson.annotation.JsonProperty("decision") String decision,
            @com.fasterxml.jackson.annotation.JsonProperty("note") String note) {}

    private final RequestRepository repo;
    private final Duties duties;
    private final EgressAudit audit;
    private final TransactionTemplate tx;
    private final Clock clock;

    public Reviews(RequestRepository repo, Duties duties, EgressAudit audit, TransactionTemplate tx, Clock clock) {
        this.repo = repo;
        this.duties = duties;
        this.audit = audit;
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * Records {@code actor}'s decisions on some or all files of the request's current round.
     *
     * @throws ValidationException for unknown files or decisions, or an approval of a failing file without a comment
     * @throws InvalidStateTransitionException if the request is not under review, or two other stewards have reviewed it
     */
    public ExportRequest review(Actor actor, String id, Map<String, FileReview> decisions) {
        if (decisions == null || decisions.isEmpty()) {
            throw new ValidationException("a review needs a decision on at least one file");
        }
        return tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanSteward(actor, r);
            Transitions.checkAllows(id, r.status(), Capability.REVIEW, "files are reviewed");
            duties.checkRegulatoryStillDeclared(r);
            List<RequestFile> files = repo.files(id);
            Map<String, RequestFile> byName = new TreeMap<>();
            files.forEach(f -> byName.put(f.name(), f));
            List<Review> round = repo.reviews(id, r.round());
            Set<String> complete = completeReviewers(round, byName.keySet());
            complete.remove(actor.user());
            boolean reviewedBefore = round.stream().anyMatch(x -> x.reviewer().equals(actor.user()));
            if (complete.size() >= 2 || (r.status() == RequestStatus.REVIEWED && !reviewedBefore)) {
                throw new InvalidStateTransitionException("request " + id + " has been reviewed by " + String.join(" and ", complete)
                        + " already; two independent reviews are all a request takes");
            }
            if (r.isRegulatory()) {
                checkOneOfEachKind(actor, r, round);
            }
            Instant now = clock.instant();
            // both reviews of the round are in: each steward has been able to read the other's, so a change now is marked
            boolean revealed = completeReviewers(round, byName.keySet()).size() >= 2;
            Map<String, Object> logged = new LinkedHashMap<>();
            List<Review> toWrite = new ArrayList<>();
            for (Map.Entry<String, FileReview> e : decisions.entrySet()) {
                RequestFile f = byName.get(e.getKey());
                if (f == null) {
                    throw new ValidationException("request " + id + " has no file '" + e.getKey() + "' (files: "
                            + String.join(", ", byName.keySet()) + ")");
                }
                FileReview fr = e.getValue();
                Decision d = Decision.of(fr.decision() == null ? "" : fr.decision().strip());
                String pub = comment("public comment", fr.publicComment());
                String priv = comment("private comment", fr.privateComment());
                if (d == Decision.APPROVE && f.checkStatus().equals("fail") && pub.isEmpty() && priv.isEmpty()) {
                    throw new ValidationException("'" + f.name() + "' failed the automatic checks: approving it needs a comment saying why"
                            + " it is safe");
                }
                if (d != Decision.APPROVE && pub.isEmpty()) {
                    throw new ValidationException("'" + f.name() + "': say in the public comment what the author should change"
                            + (d == Decision.REJECT ? " or why it cannot leave" : ""));
                }
                toWrite.add(new Review(id, r.round(), f.name(), actor.user(), d, pub, priv, now, revealed, Review.roleOf(actor)));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("decision", d.label());
                m.put("sha256", f.sha256());
                m.put("public_comment", pub);
                m.put("private_comment", priv);
                logged.put(f.name(), m);
            }
            toWrite.forEach(repo::upsertReview);
            audit.record(actor.user(), r.project(), AuditAction.REVIEW_DECIDE, "ok", new AuditDetails.ReviewDecided(id, r.round(), logged,
                    Review.roleOf(actor), r.isRegulatory() ? r.kind() : null, r.isRegulatory() ? r.regulator() : null,
                    revealed ? Boolean.TRUE : null));

            Set<String> nowComplete = completeReviewers(repo.reviews(id, r.round()), byName.keySet());
            RequestStatus to = null;
            if (r.status() == RequestStatus.SUBMITTED && nowComplete.size() >= 1) {
                to = RequestStatus.PARTIALLY_REVIEWED;
            } else if (r.status() == RequestStatus.PARTIALLY_REVIEWED && nowComplete.size() >= 2) {
                to = RequestStatus.REVIEWED;
            }
            if (to == null) {
                return r;
            }
            Transitions.Move move = Transitions.checkTransition(id, r.status(), to, Party.REVIEWER);
            ExportRequest updated = Requests.with(r, to, now);
            repo.update(updated);
            audit.record(actor.user(), r.project(), move.auditAction(), "ok",
                    AuditDetails.Moved.of(id, r.status(), to, r.round()).withReviewers(List.copyOf(nowComplete)));
            return updated;
        });
    }

    /**
     * A regulatory submission is approved by one data steward and the provider's approver: whoever
     * reviews beside someone of their own kind is refused, before either review is complete.
     */
    private void checkOneOfEachKind(Actor actor, ExportRequest r, List<Review> round) {
        String mine = Review.roleOf(actor);
        for (Review other : round) {
            // the capacity each review was written in, as recorded then: a later change in the directory changes nothing here
            if (!other.reviewer().equals(actor.user()) && other.reviewerRole().equals(mine)) {
                throw new InvalidStateTransitionException("request " + r.id() + " is a regulatory submission to " + r.regulator()
                        + ": one data steward and the provider's approver review it, and " + other.reviewer() + " reviews it as "
                        + (mine.equals(Review.APPROVER) ? "the approver" : "its steward") + "; the other review is "
                        + (mine.equals(Review.APPROVER) ? "a steward's" : "the approver's"));
            }
        }
    }

    /** Stewards whose decisions cover every file of the round, in the order they completed. */
    static Set<String> completeReviewers(List<Review> round, Set<String> fileNames) {
        Map<String, Set<String>> byReviewer = new LinkedHashMap<>();
        round.stream().sorted((a, b) -> a.decidedAt().compareTo(b.decidedAt()))
                .forEach(x -> byReviewer.computeIfAbsent(x.reviewer(), k -> new LinkedHashSet<>()).add(x.fileName()));
        Set<String> out = new LinkedHashSet<>();
        byReviewer.forEach((reviewer, decided) -> {
            if (decided.containsAll(fileNames)) {
                out.add(reviewer);
            }
        });
        return out;
    }

    /** Each file's decision in the request's current round. */
    public Map<String, FileDecision> fileDecisions(ExportRequest r) {
        return fileDecisions(r, reviewer -> true);
    }

    /** Each file's decision in the current round, counting only the reviews of stewards for whom {@code counts} holds. */
    public Map<String, FileDecision> fileDecisions(ExportRequest r, java.util.function.Predicate<String> counts) {
        return fileDecisionsOf(r, x -> counts.test(x.reviewer()));
    }

    /** Each file's decision in the current round, from the reviews for which {@code counts} holds (what a viewer may see). */
    public Map<String, FileDecision> fileDecisionsOf(ExportRequest r, java.util.function.Predicate<Review> counts) {
        return fileDecisionsOf(r, counts, x -> true);
    }

    /**
     * Each file's decision in the current round from the reviews for which {@code counts} holds; a
     * conflict settled by a resolution for which {@code resolutionCounts} holds takes its decision.
     */
    public Map<String, FileDecision> fileDecisionsOf(ExportRequest r, java.util.function.Predicate<Review> counts,
            java.util.function.Predicate<Resolution> resolutionCounts) {
        List<RequestFile> files = repo.files(r.id());
        List<Review> round = repo.reviews(r.id(), r.round()).stream().filter(counts).toList();
        Map<String, Resolution> settled = new java.util.HashMap<>();
        repo.resolutions(r.id(), r.round()).stream().filter(resolutionCounts).forEach(x -> settled.put(x.fileName(), x));
        Map<String, FileDecision> out = new TreeMap<>();
        for (RequestFile f : files) {
            List<Decision> ds = round.stream().filter(x -> x.fileName().equals(f.name())).map(Review::decision).toList();
            FileDecision d = FileDecision.of(ds);
            if (d == FileDecision.CONFLICTED && settled.containsKey(f.name())) {
                d = FileDecision.resolved(settled.get(f.name()).decision());
            }
            out.put(f.name(), d);
        }
        return out;
    }

    /**
     * Settles conflicts between the two reviews of the round, file by file: a decision and the
     * discussion that led to it (required), by either reviewing steward or a third independent one,
     * once per file and round, only on a reviewed request's conflicted files.
     *
     * @throws ValidationException for a file that is not in conflict, an unknown decision or a missing note
     * @throws InvalidStateTransitionException if the request is not reviewed
     */
    public ExportRequest resolve(Actor actor, String id, Map<String, FileResolution> decisions) {
        if (decisions == null || decisions.isEmpty()) {
            throw new ValidationException("a resolution needs a decision on at least one conflicted file");
        }
        return tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanSteward(actor, r);
            if (r.isRegulatory()) {
                // one side alone would decide what the other refused: a conflict here goes back to the author, or ends the request
                throw new InvalidStateTransitionException("request " + id + " is a regulatory submission: a conflict between its steward"
                        + " and the provider's approver is not settled by either of them; return it to the author or reject it");
            }
            if (r.status() != RequestStatus.REVIEWED) {
                throw new InvalidStateTransitionException("request " + id + " is " + r.status().label() + ": conflicts are settled once"
                        + " both reviews are in (reviewed)");
            }
            Map<String, FileDecision> current = fileDecisions(r);
            Instant now = clock.instant();
            Map<String, Object> logged = new LinkedHashMap<>();
            for (Map.Entry<String, FileResolution> e : decisions.entrySet()) {
                FileDecision d = current.get(e.getKey());
                if (d == null) {
                    throw new ValidationException("request " + id + " has no file '" + e.getKey() + "'");
                }
                if (d != FileDecision.CONFLICTED) {
                    throw new ValidationException("'" + e.getKey() + "' is " + d.label().replace('_', ' ') + ", not in conflict: there is"
                            + " nothing to settle");
                }
                Decision decision = Decision.of(e.getValue().decision() == null ? "" : e.getValue().decision().strip());
                String note = comment("discussion note", e.getValue().note());
                if (note.isEmpty()) {
                    throw new ValidationException("'" + e.getKey() + "': say in the discussion note how the two stewards' disagreement"
                            + " was settled");
                }
                repo.addResolution(new Resolution(id, r.round(), e.getKey(), actor.user(), decision, note, now));
                logged.put(e.getKey(), Map.of("decision", decision.label(), "note", note));
            }
            audit.record(actor.user(), r.project(), AuditAction.REVIEW_RESOLVE, "ok", new AuditDetails.ReviewResolved(id, r.round(), logged));
            ExportRequest updated = r.touched(now);
            repo.update(updated);
            return updated;
        });
    }

    private static String comment(String what, String text) {
        String t = text == null ? "" : text.strip();
        if (t.length() > Requests.MAX_TEXT) {
            throw new ValidationException(what + " is " + t.length() + " characters; at most " + Requests.MAX_TEXT + " are allowed");
        }
        return t;
    }
}
