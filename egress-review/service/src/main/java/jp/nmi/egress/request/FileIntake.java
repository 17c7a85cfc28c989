package jp.nmi.egress.request;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.check.FileChecker;
import jp.nmi.egress.check.FileVerdict;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.disclosure.FileTypes;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Takes the files of requests in: copies each from the project's outbox into quarantine under its
 * SHA-256, runs the automatic checks, and records it as a file of its request with an audit event,
 * on a few worker threads rather than on the thread that answers the analyst. What is asked for is
 * recorded first ({@code file_intake}), so a stop loses nothing: at start-up every file still asked
 * for is taken in again. A file that cannot be taken in stays listed with the reason; the request
 * cannot be submitted until its author removes it or asks for it again.
 *
 * <p>Quarantine copies of one request are written and discarded under one lock (striped by request):
 * a copy a worker has written but not yet committed is never taken for an unreferenced one.
 */
public final class FileIntake implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileIntake.class);
    private static final int STORAGE_ATTEMPTS = 3;

    private final RequestRepository repo;
    private final EgressStore store;
    private final FileChecker checker;
    private final Duties duties;
    private final jp.nmi.egress.project.ProjectMembers projects;
    private final EgressAudit audit;
    private final TransactionTemplate tx;
    private final EgressSettings settings;
    private final Clock clock;
    private final ExecutorService workers;
    private final java.util.concurrent.ScheduledExecutorService sweeper;
    private final Set<String> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private final Object[] stripes = new Object[64];

    public FileIntake(RequestRepository repo, EgressStore store, FileChecker checker, Duties duties,
            jp.nmi.egress.project.ProjectMembers projects, EgressAudit audit, TransactionTemplate tx, EgressSettings settings, Clock clock) {
        this.projects = projects;
        this.repo = repo;
        this.store = store;
        this.checker = checker;
        this.duties = duties;
        this.audit = audit;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(settings.intakeWorkers(), settings.intakeWorkers(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "egress-intake-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        // a file whose task was lost (its failure could not be recorded, say) is asked for again, not left waiting
        this.sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "egress-intake-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    static final long SWEEP_SECONDS = 60;

    private void sweep() {
        try {
            java.time.Instant settled = clock.instant().minusSeconds(SWEEP_SECONDS);
            List<Intake> lost = repo.queuedIntakes().stream()
                    .filter(i -> !inFlight.contains(i.token()) && i.requestedAt().isBefore(settled)).toList();
            if (!lost.isEmpty()) {
                LOG.warn("{} file(s) waiting without a worker are taken in again", lost.size());
                enqueue(lost);
            }
        } catch (RuntimeException e) {
            LOG.warn("the intake sweep failed: {}", e.toString());
        }
    }

    /** Hands files already recorded as asked for to the workers; each future completes when its file is taken in or has failed. */
    public List<CompletableFuture<Void>> enqueue(List<Intake> intakes) {
        List<CompletableFuture<Void>> out = new ArrayList<>();
        for (Intake i : intakes) {
            if (!inFlight.add(i.token())) {
                continue; // already on its way
            }
            out.add(CompletableFuture.runAsync(() -> {
                try {
                    take(i);
                } finally {
                    inFlight.remove(i.token());
                }
            }, workers));
        }
        return out;
    }

    /** Waits at most {@code limit} for the files to be taken in; false if some are still on their way. */
    public static boolean await(List<CompletableFuture<Void>> work, Duration limit) {
        try {
            CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true; // take() records its own failures; nothing is left waiting
        }
    }

    /** At start-up: every file a stop left asked for is taken in again. */
    public int recover() {
        List<Intake> queued = repo.queuedIntakes();
        enqueue(queued);
        return queued.size();
    }

    void take(Intake i) {
        try {
            ExportRequest r = repo.find(i.requestId()).orElse(null);
            // replaced, removed or withdrawn since it was asked for: no bytes are read for it
            if (r == null || !repo.isIntakeQueued(i)) {
                return;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    takeOnce(i, r);
                    return;
                } catch (EnclaveStorageException e) {
                    if (closing) {
                        return; // stopping: it stays asked for and is taken in at the next start
                    }
                    if (attempt >= STORAGE_ATTEMPTS) {
                        LOG.warn("intake of {} / {} failed after {} attempts", i.requestId(), i.name(), attempt, e);
                        fail(i, "the enclave's storage could not be read or written (" + attempt
                                + " attempts); ask for the file again, or tell the operators if it keeps failing");
                        return;
                    }
                    Thread.sleep(200L * attempt);
                }
            }
        } catch (ValidationException | NotFoundException | jp.nmi.enclave.error.AccessDeniedException e) {
            fail(i, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stopping: the intake stays asked for and is taken in at the next start
        } catch (RuntimeException e) {
            if (closing) {
                return;
            }
            LOG.error("intake of {} / {} failed", i.requestId(), i.name(), e);
            fail(i, "the automatic checks could not be run on this file (" + e.getClass().getSimpleName() + "); tell the operators");
        } catch (Error e) {
            // out of memory, say: the file is not left waiting forever, and the error goes on
            fail(i, "the automatic checks could not be run on this file (" + e.getClass().getSimpleName() + "); tell the operators");
            throw e;
        }
    }

    private void takeOnce(Intake i, ExportRequest r) {
        // checked against the project as it is now: its current profile, a member still, not closed
        jp.nmi.enclave.project.MemberList members = projects.members(r.project())
                .filter(m -> m.status() == jp.nmi.enclave.project.ProjectStatus.ACTIVE)
                .orElseThrow(() -> new ValidationException("project " + r.project() + " is closed: nothing more is taken in for " + r.id()));
        if (members.members().stream().noneMatch(m -> m.user().equals(i.requestedBy()))) {
            throw new ValidationException(i.requestedBy() + " is no longer a member of " + r.project());
        }
        duties.checkRegulatoryStillDeclared(r);
        Profile profile = Profile.named(members.disclosureProfile());
        // read, hashed and checked outside any lock: only storing and recording hold the request's stripe
        byte[] bytes = store.read(r.project(), i.name(), settings.maxFileBytes());
        FileVerdict v = r.isRegulatory() ? checker.checkRegulatory(profile, r.regulator(), i.name(), bytes)
                : checker.check(r.project(), profile, i.name(), bytes, store.metadata(r.project(), i.name()), releasedCells(r.project()));
        synchronized (stripe(i.requestId())) {
            if (!repo.isIntakeQueued(i)) {
                return; // replaced or removed while it was checked: nothing is stored
            }
            EgressStore.Quarantined q = store.store(r.id(), bytes);
            RequestFile f = new RequestFile(r.id(), i.name(), q.sha256(), bytes.length, FileTypes.extension(i.name()), i.round(),
                    v.status().label(), v.reportJson(), v.metadata(), v.cells().isEmpty() ? null : Json.write(v.cells()), i.requestedBy(),
                    clock.instant());
            Boolean kept = tx.execute(s -> {
                ExportRequest locked = repo.lock(r.id());
                if (!Transitions.allows(locked.status(), Capability.CHANGE_FILES) || duties.isProjectClosed(locked)) {
                    repo.completeIntake(i); // the request moved on (withdrawn) or its project closed: nothing more to take in
                    return false;
                }
                long others = repo.files(r.id()).stream().filter(x -> !x.name().equals(i.name())).mapToLong(RequestFile::size).sum();
                if (others + f.size() > settings.maxRequestBytes()) {
                    throw new ValidationException("with '" + i.name() + "' (" + f.size() + " bytes) the files add up to " + (others + f.size())
                            + " bytes, more than the limit of " + settings.maxRequestBytes() + " bytes per request");
                }
                if (!repo.completeIntake(i)) {
                    return false; // replaced by a later version, or removed, meanwhile
                }
                boolean replaced = repo.file(r.id(), i.name()).isPresent();
                repo.upsertFile(f);
                repo.update(locked.touched(clock.instant()));
                audit.record(i.requestedBy(), r.project(), AuditAction.FILE_CHECKED, "ok", new AuditDetails.FileChecked(r.id(), i.round(),
                        i.name(), f.sha256(), f.size(), f.checkStatus(), f.metadata(), profile.name(), replaced, null));
                return true;
            });
            // what no file refers to any more (a replaced version, a refused one) goes once nothing else is on its way
            discardUnreferencedLocked(r.id());
            if (Boolean.TRUE.equals(kept) && duties.isProjectClosed(r)) {
                store.discardQuarantine(r.id()); // closed just after: its copy goes with the project
            }
        }
    }

    private void fail(Intake i, String failure) {
        try {
            tx.executeWithoutResult(s -> {
                ExportRequest r = repo.lock(i.requestId());
                if (repo.failIntake(i, failure)) {
                    audit.record(i.requestedBy(), r.project(), AuditAction.FILE_CHECKED, "failed",
                            AuditDetails.FileChecked.failed(r.id(), i.round(), i.name(), failure));
                }
            });
        } catch (RuntimeException e) {
            LOG.error("cannot record that {} / {} failed: {}", i.requestId(), i.name(), failure, e);
        }
        discardUnreferenced(i.requestId());
    }

    /** Removes every copy in the request's quarantine that no file of it refers to (and no worker is writing). */
    public void discardUnreferenced(String requestId) {
        synchronized (stripe(requestId)) {
            discardUnreferencedLocked(requestId);
        }
    }

    private void discardUnreferencedLocked(String requestId) {
        if (repo.intakes(requestId).stream().anyMatch(x -> !x.failed())) {
            return; // a queued file of this request may share a copy; the last of them cleans up
        }
        Set<String> referenced = new HashSet<>();
        repo.files(requestId).forEach(f -> referenced.add(f.sha256()));
        store.discardUnreferenced(requestId, referenced);
    }

    private Object stripe(String requestId) {
        return stripes[Math.floorMod(requestId.hashCode(), stripes.length)];
    }

    /** The project's released cells, grouped by release. */
    Map<String, List<OutputRecord.RecordedCell>> releasedCells(String project) {
        Map<String, List<OutputRecord.RecordedCell>> out = new LinkedHashMap<>();
        for (RequestRepository.ReleasedCell c : repo.releasedCells(project)) {
            out.computeIfAbsent(c.requestId() + " " + c.fileName(), k -> new ArrayList<>())
                    .add(new OutputRecord.RecordedCell(-1, -1, c.label(), c.contributors()));
        }
        return out;
    }

    /** Removes the request's whole quarantine (a withdrawn or rejected request never leaves), after any worker writing to it. */
    public void discardAll(String requestId) {
        synchronized (stripe(requestId)) {
            store.discardQuarantine(requestId);
        }
    }

    @Override
    public void close() {
        closing = true;
        sweeper.shutdownNow();
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
