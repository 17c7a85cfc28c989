package jp.nmi.egress.request;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.disclosure.Check;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Release: exactly the reviewed bytes leave, all of a request's files or none.
 *
 * <ol>
 *   <li>In one transaction: every file approved by both stewards, the project's newest releases
 *       differenced once more, the request marked approved with a release under way.</li>
 *   <li>Each file read from quarantine, re-hashed against the hash the stewards reviewed, written to
 *       a staging directory.</li>
 *   <li>The staging directory renamed to the release directory: one atomic step on HDFS.</li>
 *   <li>In one transaction: released, with the published cells recorded for later differencing.</li>
 * </ol>
 *
 * A crash anywhere leaves the request approved with its release under way; {@link #recover()}
 * (run at every start) finishes it if the release directory was published and every byte checks
 * out, and otherwise removes what was staged and leaves the request approved, to be released again.
 * Downloads serve released requests only, re-hashed, each one audited.
 */
public final class Releases {
    private final RequestRepository repo;
    private final EgressStore store;
    private final Duties duties;
    private final Reviews reviews;
    private final Requests requests;
    private final EgressAudit audit;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ReleaseHooks hooks;
    private final java.util.function.Function<String, java.util.Optional<Actor>> actors;

    /**
     * @param actors the accounts of the directory by name: a review counts at release only if its
     *     steward is still independent of the project
     */
    public Releases(RequestRepository repo, EgressStore store, Duties duties, Reviews reviews, Requests requests, EgressAudit audit,
            TransactionTemplate tx, Clock clock, ReleaseHooks hooks, java.util.function.Function<String, java.util.Optional<Actor>> actors) {
        this.actors = actors;
        this.repo = repo;
        this.store = store;
        this.duties = duties;
        this.reviews = reviews;
        this.requests = requests;
        this.audit = audit;
        this.tx = tx;
        this.clock = clock;
        this.hooks = hooks;
    }

    /** A release under way for longer than this was interrupted without a restart (a failed commit): it is settled first. */
    static final java.time.Duration STALE = java.time.Duration.ofMinutes(15);

    public ExportRequest release(Actor actor, String id) {
        ExportRequest before = repo.require(id);
        duties.checkCanSteward(actor, before);
        if (before.releaseStartedAt() != null && before.releaseStartedAt().isBefore(clock.instant().minus(STALE))) {
            settle(before, actor.user(), "a release started at " + before.releaseStartedAt() + " never finished");
        }
        ExportRequest approved = tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanSteward(actor, r);
            if (r.releaseStartedAt() != null) {
                throw new InvalidStateTransitionException("request " + id + " is being released by " + r.releaseStartedBy()
                        + " since " + r.releaseStartedAt());
            }
            // PostgreSQL keeps microseconds: the attempt is identified by exactly what is stored
            Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
            duties.checkRegulatoryStillDeclared(r);
            if (r.status() == RequestStatus.REVIEWED) {
                Transitions.Move move = Transitions.checkTransition(id, r.status(), RequestStatus.APPROVED, Party.STEWARD);
                checkAllApproved(r);
                checkNoNewDifferencing(r);
                audit.record(actor.user(), r.project(), move.auditAction(), "ok", AuditDetails.Moved.of(id, r.status(),
                        RequestStatus.APPROVED, r.round()).withRequest(r).withFiles(fileHashes(repo.files(id))));
            } else {
                // approved already: an earlier release was rolled back and is tried again
                Transitions.checkTransition(id, r.status(), RequestStatus.RELEASED, Party.STEWARD);
                checkAllApproved(r);
                checkNoNewDifferencing(r);
                audit.record(actor.user(), r.project(), AuditAction.RELEASE_RETRY, "ok", new AuditDetails.ReleaseRetried(id, r.round(),
                        r.isRegulatory() ? r.kind() : null, r.isRegulatory() ? r.regulator() : null));
            }
            ExportRequest updated = r.withReleaseStarted(now, actor.user());
            repo.update(updated);
            return updated;
        });
        hooks.at(id, "approved");
        List<RequestFile> files = repo.files(id);
        ExportRequest released;
        try {
            store.startStaging(id);
            for (RequestFile f : files) {
                byte[] bytes = store.readQuarantined(id, f.sha256());
                if (!EgressStore.sha256(bytes).equals(f.sha256())) {
                    throw new EnclaveStorageException("'" + f.name() + "' in quarantine no longer matches the reviewed bytes");
                }
                store.writeStaged(id, f.name(), bytes);
                hooks.at(id, "staged:" + f.name());
            }
            if (approved.isRegulatory()) {
                RegulatoryPackage pkg = packageOf(approved);
                store.writeStaged(id, RegulatoryPackage.MANIFEST, pkg.manifest());
                store.writeStaged(id, RegulatoryPackage.CHECKSUMS, pkg.checksums());
            }
            hooks.at(id, "staged");
            store.publishStaged(id);
            hooks.at(id, "published");
            // what leaves is re-read and re-hashed: it must be exactly the reviewed bytes
            String problem = publishedProblem(approved);
            if (problem != null) {
                throw new EnclaveStorageException("the release of " + id + " was not published intact: " + problem);
            }
            released = tx.execute(s -> {
                ExportRequest cur = repo.lock(id);
                // only the attempt that published may finish: one settled meanwhile (taken as stale) was rolled back
                if (cur.status() != RequestStatus.APPROVED || cur.releaseStartedAt() == null
                        || !cur.releaseStartedAt().equals(approved.releaseStartedAt())) {
                    throw new InvalidStateTransitionException("the release of " + id + " started at " + approved.releaseStartedAt()
                            + " was settled by another attempt meanwhile; nothing was released by this one");
                }
                return finishLocked(cur, actor.user(), false);
            });
        } catch (RuntimeException e) {
            // Whatever failed, settle decides from what is there: a rename that happened although it reported
            // a failure, or a commit that failed after publishing, finishes; anything less is rolled back.
            if (settle(approved, actor.user(), e.getMessage()) != Settlement.FINISHED) {
                throw e;
            }
            released = repo.require(id);
        }
        hooks.at(id, "committed");
        store.clearPending(released.project(), id);
        return released;
    }

    /** Commits a published release; called under the request's row lock. */
    private ExportRequest finishLocked(ExportRequest r, String actor, boolean recovered) {
        Transitions.Move move = Transitions.checkTransition(r.id(), r.status(), RequestStatus.RELEASED, Party.STEWARD);
        Instant now = clock.instant();
        List<RequestFile> files = repo.files(r.id());
        for (RequestFile f : files) {
            for (OutputRecord.RecordedCell c : Json.cells(f.cells())) {
                repo.insertReleasedCell(r.project(), new RequestRepository.ReleasedCell(r.id(), f.name(), c.label(), c.contributors()));
            }
        }
        ExportRequest updated = r.withReleased(now);
        repo.update(updated);
        AuditDetails.Moved d = AuditDetails.Moved.of(r.id(), r.status(), RequestStatus.RELEASED, null).withRequest(r)
                .withFiles(fileHashes(files)).withRecovered(recovered);
        if (r.isRegulatory()) {
            Map<String, String> pkg = new LinkedHashMap<>();
            for (String name : RegulatoryPackage.NAMES) {
                store.readReleased(r.id(), name).ifPresent(b -> pkg.put(name, EgressStore.sha256(b)));
            }
            d = d.withPackage(pkg);
        }
        audit.record(actor, r.project(), move.auditAction(), "ok", d);
        return updated;
    }

    /**
     * Settles the release attempt {@code started} (identified by when it started), under the
     * request's row lock so that nothing else moves it meanwhile: finished if its directory was
     * published and every file is exactly the reviewed bytes, otherwise everything staged or
     * published is removed and the request stays approved, to be released again.
     *
     * @return what became of the attempt
     */
    Settlement settle(ExportRequest started, String actor, String why) {
        return tx.execute(s -> {
            ExportRequest cur = repo.lock(started.id());
            if (cur.status() != RequestStatus.APPROVED || cur.releaseStartedAt() == null
                    || !cur.releaseStartedAt().equals(started.releaseStartedAt())) {
                return Settlement.NOTHING_TO_SETTLE;
            }
            String problem = store.isPublished(cur.id()) ? publishedProblem(cur) : "its release directory was never published";
            if (problem == null) {
                finishLocked(cur, actor, true);
                return Settlement.FINISHED;
            }
            store.discard(cur.id(), true);
            repo.update(cur.withReleaseRolledBack(clock.instant()));
            audit.record(actor, cur.project(), AuditAction.RELEASE_ROLLED_BACK, "error",
                    new AuditDetails.ReleaseRolledBack(cur.id(), (why == null ? "" : why) + "; " + problem));
            return Settlement.ROLLED_BACK;
        });
    }

    /**
     * Finishes or rolls back every release a crash interrupted, and puts the pending marks (which
     * project closure reads) right. Run at every start, before serving.
     *
     * @return what was done, one line per request
     */
    public List<String> recover() {
        List<String> done = new ArrayList<>();
        for (ExportRequest r : repo.releaseInterrupted()) {
            Settlement outcome = settle(r, "egress-service", "release interrupted; found at restart");
            if (outcome == Settlement.FINISHED) {
                store.clearPending(r.project(), r.id());
            }
            done.add(r.id() + ": interrupted release " + outcome.label());
        }
        for (ExportRequest r : repo.all(Integer.MAX_VALUE)) {
            boolean pending = store.isPending(r.project(), r.id());
            if (r.status().isTerminal() && pending) {
                store.clearPending(r.project(), r.id());
            } else if (!r.status().isTerminal() && !pending && !duties.isProjectClosed(r)) {
                // a closed project's requests are frozen: its closure destroyed their marks with its data
                store.markPending(r.project(), r.id());
            }
        }
        return done;
    }

    /** Why a published release directory cannot be trusted, or null if every file is exactly the reviewed bytes. */
    private RegulatoryPackage packageOf(ExportRequest r) {
        return RegulatoryPackage.of(r, repo.files(r.id()), repo.reviews(r.id(), r.round()), repo.resolutions(r.id(), r.round()));
    }

    private String publishedProblem(ExportRequest r) {
        if (r.isRegulatory()) {
            RegulatoryPackage expected = packageOf(r);
            for (String name : RegulatoryPackage.NAMES) {
                var bytes = store.readReleased(r.id(), name);
                if (bytes.isEmpty()) {
                    return "the package's " + name + " is missing from the release directory";
                }
                if (!java.util.Arrays.equals(bytes.get(), expected.part(name))) {
                    return "the package's " + name + " in the release directory is not the one its records give";
                }
            }
        }
        for (RequestFile f : repo.files(r.id())) {
            var bytes = store.readReleased(r.id(), f.name());
            if (bytes.isEmpty()) {
                return "'" + f.name() + "' is missing from the release directory";
            }
            if (!EgressStore.sha256(bytes.get()).equals(f.sha256())) {
                return "'" + f.name() + "' in the release directory is not the reviewed bytes";
            }
        }
        return null;
    }

    private void checkAllApproved(ExportRequest r) {
        // A review counts only while its steward is still a steward independent of the project.
        java.util.function.Predicate<String> independent = user -> actors.apply(user).map(a -> duties.canSteward(a, r)).orElse(false);
        Map<String, FileDecision> decisions = reviews.fileDecisionsOf(r, x -> independent.test(x.reviewer()),
                x -> independent.test(x.resolver()));
        List<String> notApproved = new ArrayList<>();
        decisions.forEach((name, d) -> {
            if (d != FileDecision.APPROVED) {
                notApproved.add(name + " (" + d.label() + ")");
            }
        });
        if (decisions.isEmpty() || !notApproved.isEmpty()) {
            throw new InvalidStateTransitionException("request " + r.id() + " cannot be released: every file needs the approval of two"
                    + " stewards, and " + String.join(", ", notApproved) + " has not; return it to the author or reject it");
        }
        if (r.isRegulatory()) {
            checkOneStewardAndTheApprover(r);
        }
    }

    /**
     * A regulatory submission leaves with the complete reviews of exactly one steward and one
     * approver, each made in that capacity (as recorded) and each reviewer still holding it.
     */
    private void checkOneStewardAndTheApprover(ExportRequest r) {
        List<Review> round = repo.reviews(r.id(), r.round());
        java.util.Set<String> files = new java.util.TreeSet<>(repo.files(r.id()).stream().map(RequestFile::name).toList());
        java.util.Set<String> complete = Reviews.completeReviewers(round, files);
        java.util.Map<String, String> roles = new java.util.TreeMap<>();
        for (Review x : round) {
            if (complete.contains(x.reviewer())) {
                roles.put(x.reviewer(), x.reviewerRole());
            }
        }
        long stewards = roles.values().stream().filter(Review.STEWARD::equals).count();
        long approvers = roles.values().stream().filter(Review.APPROVER::equals).count();
        boolean stillSo = roles.entrySet().stream().allMatch(e -> actors.apply(e.getKey())
                .map(a -> Review.roleOf(a).equals(e.getValue())).orElse(false));
        if (stewards != 1 || approvers != 1 || roles.size() != 2 || !stillSo) {
            throw new InvalidStateTransitionException("request " + r.id() + " cannot be released: a regulatory submission needs the"
                    + " complete reviews of one steward and the provider's approver, each still in that role (reviews: " + roles + ")");
        }
    }

    /** A release since the request was checked may make one of its cells differ by a few contributors: check again. */
    private void checkNoNewDifferencing(ExportRequest r) {
        Map<String, List<OutputRecord.RecordedCell>> released = requests.releasedCells(r.project());
        if (released.isEmpty()) {
            return;
        }
        int minCount = Profile.named(r.profile()).minCount();
        for (RequestFile f : repo.files(r.id())) {
            Check c = OutputRecord.differencing(Json.cells(f.cells()), released, minCount);
            if (c.status() == Status.FAIL) {
                throw new InvalidStateTransitionException("request " + r.id() + " cannot be released: '" + f.name() + "' now differs from"
                        + " a release made after it was checked: " + c.detail() + "; return it to the author");
            }
        }
    }

    /**
     * The bytes of a released file for a member of its project, re-hashed against the reviewed hash;
     * the download is audited before a byte is served.
     */
    public byte[] download(Actor actor, String id, String name) {
        ExportRequest r = repo.find(id).orElseThrow(() -> new NotFoundException("no export request " + id));
        duties.checkCanDownload(actor, r);
        if (!Transitions.allows(r.status(), Capability.DOWNLOAD)) {
            throw new jp.nmi.enclave.error.AccessDeniedException("request " + id + " is " + r.status().label()
                    + ": only released files can be downloaded");
        }
        if (r.isRegulatory() && RegulatoryPackage.NAMES.contains(name)) {
            // the package's manifest and checksums: written at release, their hashes in the release's audit event
            byte[] part = store.readReleased(id, name)
                    .orElseThrow(() -> new EnclaveStorageException("the package's " + name + " of " + id + " is missing"));
            if (!java.util.Arrays.equals(part, packageOf(r).part(name))) {
                throw new EnclaveStorageException("the package's " + name + " of " + id + " is not the one its records give");
            }
            tx.executeWithoutResult(s -> {
                audit.record(actor.user(), r.project(), AuditAction.FILE_DOWNLOAD, "ok",
                        new AuditDetails.FileDownloaded(id, name, EgressStore.sha256(part)));
            });
            return part;
        }
        RequestFile f = repo.file(id, name).orElseThrow(() -> new NotFoundException("request " + id + " has no file '" + name + "'"));
        byte[] bytes = store.readReleased(id, f.name())
                .orElseThrow(() -> new EnclaveStorageException("released file '" + name + "' of " + id + " is missing"));
        String sha = EgressStore.sha256(bytes);
        if (!sha.equals(f.sha256())) {
            throw new EnclaveStorageException("released file '" + name + "' of " + id + " is not the reviewed bytes (" + sha + ")");
        }
        tx.executeWithoutResult(s -> {
            audit.record(actor.user(), r.project(), AuditAction.FILE_DOWNLOAD, "ok", new AuditDetails.FileDownloaded(id, f.name(), sha));
        });
        return bytes;
    }

    private static Map<String, Object> fileHashes(List<RequestFile> files) {
        Map<String, Object> out = new LinkedHashMap<>();
        files.forEach(f -> out.put(f.name(), f.sha256()));
        return out;
    }
}
