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

    public Releases(RequestRepository repo, EgressStore store, Duties duties, Reviews reviews, Requests requests, EgressAudit audit,
            TransactionTemplate tx, Clock clock, ReleaseHooks hooks) {
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

    public ExportRequest release(Actor actor, String id) {
        ExportRequest approved = tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanSteward(actor, r);
            if (r.releaseStartedAt() != null) {
                throw new InvalidStateTransitionException("request " + id + " is being released by " + r.releaseStartedBy()
                        + " since " + r.releaseStartedAt());
            }
            Instant now = clock.instant();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("request", id);
            d.put("round", r.round());
            if (r.status() == RequestStatus.REVIEWED) {
                Transitions.Move move = Transitions.checkTransition(id, r.status(), RequestStatus.APPROVED, Party.STEWARD);
                checkAllApproved(r);
                checkNoNewDifferencing(r);
                d.put("from", r.status().label());
                d.put("to", RequestStatus.APPROVED.label());
                d.put("files", fileHashes(repo.files(id)));
                audit.record(actor.user(), r.project(), move.auditAction(), "ok", d);
            } else {
                // approved already: an earlier release was rolled back and is tried again
                Transitions.checkTransition(id, r.status(), RequestStatus.RELEASED, Party.STEWARD);
                checkNoNewDifferencing(r);
                audit.record(actor.user(), r.project(), "release.retry", "ok", d);
            }
            ExportRequest updated = new ExportRequest(r.id(), r.project(), r.author(), RequestStatus.APPROVED, r.round(), r.context(),
                    r.controls(), r.profile(), r.createdAt(), now, r.submittedAt(), now, actor.user(), null, null);
            repo.update(updated);
            return updated;
        });
        hooks.at(id, "approved");
        List<RequestFile> files = repo.files(id);
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
            hooks.at(id, "staged");
            store.publishStaged(id);
        } catch (RuntimeException e) {
            rollBack(approved, actor.user(), e.getMessage());
            throw e;
        }
        hooks.at(id, "published");
        ExportRequest released = finish(approved, actor.user(), false);
        hooks.at(id, "committed");
        store.clearPending(released.project(), id);
        return released;
    }

    private ExportRequest finish(ExportRequest approved, String actor, boolean recovered) {
        return tx.execute(s -> {
            ExportRequest r = repo.lock(approved.id());
            Transitions.Move move = Transitions.checkTransition(r.id(), r.status(), RequestStatus.RELEASED, Party.STEWARD);
            Instant now = clock.instant();
            List<RequestFile> files = repo.files(r.id());
            for (RequestFile f : files) {
                for (OutputRecord.RecordedCell c : Json.cells(f.cells())) {
                    repo.insertReleasedCell(r.project(), new RequestRepository.ReleasedCell(r.id(), f.name(), c.label(), c.contributors()));
                }
            }
            ExportRequest updated = new ExportRequest(r.id(), r.project(), r.author(), RequestStatus.RELEASED, r.round(), r.context(),
                    r.controls(), r.profile(), r.createdAt(), now, r.submittedAt(), null, null, now, r.releaseStartedBy());
            repo.update(updated);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("request", r.id());
            d.put("from", r.status().label());
            d.put("to", RequestStatus.RELEASED.label());
            d.put("files", fileHashes(files));
            d.put("recovered_after_restart", recovered);
            audit.record(actor, r.project(), move.auditAction(), "ok", d);
            return updated;
        });
    }

    private void rollBack(ExportRequest r, String actor, String why) {
        store.discard(r.id(), false);
        tx.executeWithoutResult(s -> {
            ExportRequest current = repo.lock(r.id());
            repo.update(new ExportRequest(current.id(), current.project(), current.author(), current.status(), current.round(),
                    current.context(), current.controls(), current.profile(), current.createdAt(), clock.instant(), current.submittedAt(),
                    null, null, current.releasedAt(), current.releasedBy()));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("request", r.id());
            d.put("reason", why == null ? "" : why);
            audit.record(actor, r.project(), "release.rolled_back", "error", d);
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
            if (r.status() != RequestStatus.APPROVED) {
                continue;
            }
            String problem = store.isPublished(r.id()) ? publishedProblem(r) : "its release directory was never published";
            if (problem == null) {
                finish(r, "egress-service", true);
                store.clearPending(r.project(), r.id());
                done.add(r.id() + ": release finished after restart");
            } else {
                store.discard(r.id(), true);
                rollBack(r, "egress-service", "interrupted release rolled back at restart: " + problem);
                done.add(r.id() + ": interrupted release rolled back (" + problem + "); it is approved and can be released again");
            }
        }
        for (ExportRequest r : repo.terminal()) {
            if (store.isPending(r.project(), r.id())) {
                store.clearPending(r.project(), r.id());
            }
        }
        return done;
    }

    /** Why a published release directory cannot be trusted, or null if every file is exactly the reviewed bytes. */
    private String publishedProblem(ExportRequest r) {
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
        Map<String, FileDecision> decisions = reviews.fileDecisions(r);
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
        if (r.status() != RequestStatus.RELEASED) {
            throw new jp.nmi.enclave.error.AccessDeniedException("request " + id + " is " + r.status().label()
                    + ": only released files can be downloaded");
        }
        RequestFile f = repo.file(id, name).orElseThrow(() -> new NotFoundException("request " + id + " has no file '" + name + "'"));
        byte[] bytes = store.readReleased(id, f.name())
                .orElseThrow(() -> new EnclaveStorageException("released file '" + name + "' of " + id + " is missing"));
        String sha = EgressStore.sha256(bytes);
        if (!sha.equals(f.sha256())) {
            throw new EnclaveStorageException("released file '" + name + "' of " + id + " is not the reviewed bytes (" + sha + ")");
        }
        tx.executeWithoutResult(s -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("request", id);
            d.put("file", f.name());
            d.put("sha256", sha);
            audit.record(actor.user(), r.project(), "file.download", "ok", d);
        });
        return bytes;
    }

    private static Map<String, Object> fileHashes(List<RequestFile> files) {
        Map<String, Object> out = new LinkedHashMap<>();
        files.forEach(f -> out.put(f.name(), f.sha256()));
        return out;
    }
}
