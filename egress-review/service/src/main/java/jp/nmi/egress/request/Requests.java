package jp.nmi.egress.request;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import jp.nmi.egress.audit.EgressAudit;
import jp.nmi.egress.config.EgressSettings;
import jp.nmi.egress.disclosure.FileTypes;
import jp.nmi.egress.disclosure.OutputRecord;
import jp.nmi.egress.disclosure.Profile;
import jp.nmi.egress.disclosure.Status;
import jp.nmi.egress.project.ProjectMembers;
import jp.nmi.egress.quarantine.EgressStore;
import jp.nmi.egress.quarantine.FileNames;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import org.apache.hadoop.fs.FileStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Export requests from the analysts' side: creation from outbox files (copied into quarantine and
 * checked), submission, withdrawal, changes while returned, resubmission; and the stewards'
 * return and rejection. Every input is validated before anything is written, so a refused request
 * changes nothing; every move takes the request's row lock, checks the state machine, and commits
 * with its audit event.
 */
public final class Requests {
    static final int MAX_TEXT = 4000;

    private final RequestRepository repo;
    private final EgressStore store;
    private final ProjectMembers projects;
    private final Duties duties;
    private final FileIntake intake;
    private final EgressAudit audit;
    private final TransactionTemplate tx;
    private final EgressSettings settings;
    private final Clock clock;

    public Requests(RequestRepository repo, EgressStore store, ProjectMembers projects, Duties duties, FileIntake intake,
            EgressAudit audit, TransactionTemplate tx, EgressSettings settings, Clock clock) {
        this.repo = repo;
        this.store = store;
        this.projects = projects;
        this.duties = duties;
        this.intake = intake;
        this.audit = audit;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Creates a draft request from files of the project's outbox: validates everything first, then
     * records the request and the files asked for with its audit event; the intake workers copy
     * each file into quarantine under its SHA-256 and run the automatic checks. Waits for them up to
     * the configured time unless {@code wait} is false.
     *
     * @throws ValidationException for bad input (nothing is written)
     * @throws AccessDeniedException if {@code actor} may not export from {@code project}
     */
    public ExportRequest create(Actor actor, String project, List<String> fileNames, String context, String controls, boolean wait) {
        return create(actor, project, fileNames, context, controls, null, wait);
    }

    /**
     * As {@link #create(Actor, String, List, String, String, boolean)}; with a {@code regulator}, a
     * regulatory submission: record-level data for that regulator, allowed only if the project's
     * spec declares a regulatory purpose with that destination.
     */
    public ExportRequest create(Actor actor, String project, List<String> fileNames, String context, String controls, String regulator,
            boolean wait) {
        requireNonNull(actor, "actor is null");
        jp.nmi.enclave.project.MemberList members = checkCanExport(actor, project);
        String purpose = regulator == null ? null : checkRegulatory(members, regulator);
        String ctx = text("context", context, "say what the outputs are and which cohort they describe");
        String ctl = text("controls", controls, "say which disclosure controls you applied (e.g. suppression, rounding)");
        List<String> names = checkFiles(project, fileNames, Map.of());
        if (regulator != null) {
            checkPackageNames(names);
        }
        Profile profile = Profile.named(members.disclosureProfile());

        checkQueue(actor, names.size());
        String id = repo.nextId();
        Instant now = clock.instant();
        ExportRequest r = ExportRequest.draft(id, project, actor.user(), ctx, ctl, profile.name(), now, regulator, purpose);
        List<Intake> asked = names.stream().map(n -> new Intake(id, n, 1, UUID.randomUUID().toString(), actor.user(), now, null)).toList();
        // Marked pending before the commit: a mark without a request only delays a project's closure (which names it),
        // a request without a mark could let a project close under it.
        store.markPending(project, id);
        try {
            tx.executeWithoutResult(s -> {
                repo.insert(r);
                asked.forEach(repo::upsertIntake);
                audit.record(actor.user(), project, AuditAction.REQUEST_CREATE, "ok", new AuditDetails.RequestCreated(id, names, r.kind(),
                        r.isRegulatory() ? regulator : null, r.isRegulatory() ? purpose : null, ctx, ctl, profile.name()));
            });
        } catch (RuntimeException e) {
            store.clearPending(project, id); // nothing of a refused request stays behind
            throw e;
        }
        List<java.util.concurrent.CompletableFuture<Void>> work = intake.enqueue(asked);
        if (wait) {
            FileIntake.await(work, settings.intakeWait());
        }
        return repo.require(id);
    }

    /** {@link #create(Actor, String, List, String, String, boolean)}, waiting for the files to be taken in. */
    public ExportRequest create(Actor actor, String project, List<String> fileNames, String context, String controls) {
        return create(actor, project, fileNames, context, controls, true);
    }

    /** The files of a request asked for and not yet taken in, or that could not be. */
    public List<Intake> intakes(String id) {
        return repo.intakes(id);
    }

    /** Adds files to, or replaces files of, a draft or returned request (its author only); waits for them as create does. */
    public ExportRequest addFiles(Actor actor, String id, List<String> fileNames, boolean wait) {
        ExportRequest current = repo.require(id);
        duties.checkCanAuthor(actor, current);
        Transitions.checkAllows(id, current.status(), Capability.CHANGE_FILES, "files can be changed");
        checkCanExport(actor, current.project());
        duties.checkRegulatoryStillDeclared(current);
        Map<String, Long> existingSizes = new LinkedHashMap<>();
        repo.files(id).forEach(f -> existingSizes.put(f.name(), f.size()));
        List<String> names = checkFiles(current.project(), fileNames, existingSizes);
        if (current.isRegulatory()) {
            checkPackageNames(names);
        }
        Instant now = clock.instant();
        checkQueue(actor, names.size());
        List<Intake> asked = tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            if (r.status() != current.status()) {
                throw new InvalidStateTransitionException("request " + id + " changed to " + r.status().label() + " meanwhile");
            }
            // the limit counts what the request holds and what is on its way, under the row lock
            Set<String> all = new java.util.TreeSet<>(names);
            repo.files(id).forEach(f -> all.add(f.name()));
            repo.intakes(id).forEach(x -> all.add(x.name()));
            if (all.size() > settings.maxFiles()) {
                throw new ValidationException(all.size() + " files in one request (with those still being taken in); at most "
                        + settings.maxFiles() + " are allowed");
            }
            int round = r.status() == RequestStatus.RETURNED ? r.round() + 1 : r.round();
            List<Intake> out = names.stream().map(n -> new Intake(id, n, round, UUID.randomUUID().toString(), actor.user(), now, null))
                    .toList();
            out.forEach(repo::upsertIntake);
            repo.update(with(r, r.status(), now));
            audit.record(actor.user(), r.project(), AuditAction.REQUEST_FILES, "ok", AuditDetails.FilesChanged.added(id, round, names));
            return out;
        });
        List<java.util.concurrent.CompletableFuture<Void>> work = intake.enqueue(asked);
        if (wait) {
            FileIntake.await(work, settings.intakeWait());
        }
        return repo.require(id);
    }

    public ExportRequest addFiles(Actor actor, String id, List<String> fileNames) {
        return addFiles(actor, id, fileNames, true);
    }

    /**
     * The author removes a file from a draft or returned request (or one still being taken in, or
     * that could not be). Audited; the stewards of the next round see it among the changes.
     */
    public ExportRequest removeFile(Actor actor, String id, String fileName) {
        String name = FileNames.normalise(fileName);
        ExportRequest out = tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanAuthor(actor, r);
            Transitions.checkAllows(id, r.status(), Capability.CHANGE_FILES, "files can be removed");
            int round = r.status() == RequestStatus.RETURNED ? r.round() + 1 : r.round();
            boolean asked = repo.deleteIntake(id, name);
            java.util.Optional<RequestFile> version = repo.file(id, name);
            boolean held = repo.removeFile(id, name, round);
            if (!asked && !held) {
                throw new NotFoundException("request " + id + " has no file '" + name + "'");
            }
            ExportRequest updated = with(r, r.status(), clock.instant());
            repo.update(updated);
            audit.record(actor.user(), r.project(), AuditAction.REQUEST_FILES, "ok",
                    AuditDetails.FilesChanged.removed(id, round, name, version.map(RequestFile::sha256).orElse(null)));
            return updated;
        });
        intake.discardUnreferenced(id);
        return out;
    }

    /**
     * The author changes what the request says its outputs are ({@code context}) and which controls
     * were applied, while it is a draft or returned; audited with both versions, so the stewards see
     * what changed between rounds.
     */
    public ExportRequest describe(Actor actor, String id, String context, String controls) {
        String newContext = text("context", context, "say what the outputs are and which cohort they describe");
        String newControls = text("controls", controls, "say which disclosure controls were applied (or 'none')");
        return tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanAuthor(actor, r);
            Transitions.checkAllows(id, r.status(), Capability.CHANGE_FILES, "what it is can be changed");
            if (r.context().equals(newContext) && r.controls().equals(newControls)) {
                return r;
            }
            ExportRequest updated = r.described(newContext, newControls, clock.instant());
            repo.update(updated);
            audit.record(actor.user(), r.project(), AuditAction.REQUEST_EDIT, "ok", new AuditDetails.DescriptionEdited(id,
                    r.status() == RequestStatus.RETURNED ? r.round() + 1 : r.round(),
                    r.context().equals(newContext) ? null : new AuditDetails.Change(r.context(), newContext),
                    r.controls().equals(newControls) ? null : new AuditDetails.Change(r.controls(), newControls)));
            return updated;
        });
    }

    public ExportRequest submit(Actor actor, String id) {
        return authorMove(actor, id, RequestStatus.SUBMITTED);
    }

    public ExportRequest resubmit(Actor actor, String id) {
        return authorMove(actor, id, RequestStatus.SUBMITTED);
    }

    public ExportRequest withdraw(Actor actor, String id) {
        ExportRequest r = authorMove(actor, id, RequestStatus.WITHDRAWN);
        store.clearPending(r.project(), id);
        intake.discardAll(id); // a withdrawn request never leaves: its quarantined bytes go now, not at the project's closure
        return r;
    }

    /** A steward sends a reviewed request back to its author, with a message (the per-file comments are in the reviews). */
    public ExportRequest returnToAuthor(Actor actor, String id, String message) {
        return stewardMove(actor, id, RequestStatus.RETURNED, message == null ? "" : message.strip());
    }

    public ExportRequest reject(Actor actor, String id, String reason) {
        String why = text("reason", reason, "say why the request is rejected");
        ExportRequest r = stewardMove(actor, id, RequestStatus.REJECTED, why);
        store.clearPending(r.project(), id);
        intake.discardAll(id); // nor does a rejected one
        return r;
    }

    private ExportRequest authorMove(Actor actor, String id, RequestStatus to) {
        return tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanAuthor(actor, r);
            Transitions.Move move = Transitions.checkTransition(id, r.status(), to, Party.AUTHOR);
            if (to == RequestStatus.WITHDRAWN) {
                repo.deleteIntakes(id); // nothing more is taken in for a withdrawn request
            }
            if (to == RequestStatus.SUBMITTED) {
                duties.checkRegulatoryStillDeclared(r);
                checkTakenIn(id);
                checkCanExport(actor, r.project());
            }
            Instant now = clock.instant();
            int round = r.status() == RequestStatus.RETURNED && to == RequestStatus.SUBMITTED ? r.round() + 1 : r.round();
            ExportRequest updated = r.withStatus(to, round, now);
            repo.update(updated);
            audit.record(actor.user(), r.project(), move.auditAction(), "ok", AuditDetails.Moved.of(id, r.status(), to, round).withRequest(r));
            return updated;
        });
    }

    /** A request is submitted with every file taken in and checked: the stewards review what the checks saw. */
    private void checkTakenIn(String id) {
        List<Intake> open = repo.intakes(id);
        List<String> failed = open.stream().filter(Intake::failed).map(i -> "'" + i.name() + "' (" + i.failure() + ")").toList();
        if (!failed.isEmpty()) {
            throw new ValidationException("request " + id + " has files that could not be taken in: " + String.join("; ", failed)
                    + ". Remove them or add them again, then submit");
        }
        if (!open.isEmpty()) {
            throw new InvalidStateTransitionException("request " + id + " has " + open.size() + (open.size() == 1 ? " file" : " files")
                    + " still being copied into quarantine and checked (" + String.join(", ", open.stream().map(Intake::name).toList())
                    + "): submit when the checks are done");
        }
        if (repo.files(id).isEmpty()) {
            throw new ValidationException("request " + id + " has no files to submit");
        }
    }

    private ExportRequest stewardMove(Actor actor, String id, RequestStatus to, String message) {
        if (message.isEmpty()) {
            throw new ValidationException(to == RequestStatus.RETURNED ? "say in the message what the author should change"
                    : "say in the message why it cannot leave");
        }
        if (message.length() > MAX_TEXT) {
            throw new ValidationException("the message is " + message.length() + " characters; at most " + MAX_TEXT + " are allowed");
        }
        return tx.execute(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanSteward(actor, r);
            Transitions.Move move = Transitions.checkTransition(id, r.status(), to, Party.STEWARD);
            ExportRequest updated = with(r, to, clock.instant());
            repo.update(updated);
            repo.addMessage(new RequestMessage(id, r.round(), to == RequestStatus.RETURNED ? RequestMessage.Kind.RETURN
                    : RequestMessage.Kind.REJECT, actor.user(), message, clock.instant()));
            audit.record(actor.user(), r.project(), move.auditAction(), "ok",
                    AuditDetails.Moved.of(id, r.status(), to, r.round()).withMessage(message));
            return updated;
        });
    }

    static ExportRequest with(ExportRequest r, RequestStatus status, Instant now) {
        return status == r.status() ? r.touched(now) : r.withStatus(status, r.round(), now);
    }

    /**
     * The purpose under which {@code project} may provide record-level data to {@code regulator}.
     *
     * @throws ValidationException for a code that is no regulator
     * @throws AccessDeniedException if the project's spec declares no regulatory purpose, or not this destination
     */
    private static String checkRegulatory(jp.nmi.enclave.project.MemberList members, String regulator) {
        if (jp.nmi.enclave.project.Regulator.of(regulator).isEmpty()) {
            throw new ValidationException("'" + regulator + "' is not a regulator: record-level data may go to "
                    + jp.nmi.enclave.project.Regulator.codes() + " only, for pharmaceutical approval");
        }
        var declared = members.regulatory();
        if (declared == null) {
            throw new AccessDeniedException("project " + members.project() + " declares no regulatory purpose in its spec: record-level"
                    + " data leaves only for a purpose and a regulator its committee approved (regulatory.purpose and"
                    + " regulatory.destinations)");
        }
        if (!declared.destinations().contains(regulator)) {
            throw new AccessDeniedException(regulator + " is not a destination of project " + members.project() + ": its spec declares "
                    + String.join(", ", declared.destinations()) + " only");
        }
        return declared.purpose();
    }

    /**
     * How many files one analyst may have waiting to be taken in, across requests: enough for two
     * full requests; more would only make everyone else wait behind one person.
     */
    private void checkQueue(Actor actor, int adding) {
        long waiting = repo.queuedIntakesOf(actor.user());
        long limit = 2L * settings.maxFiles();
        if (waiting + adding > limit) {
            throw new InvalidStateTransitionException(actor.user() + " has " + waiting + " files still being copied and checked; at most "
                    + limit + " may wait at once: add more when those are done");
        }
    }

    /** A regulatory submission's release carries its manifest and checksums: no file of it may take their names. */
    private static void checkPackageNames(List<String> names) {
        for (String n : names) {
            // also in another case: on the regulator's case-insensitive disk it would be the same file
            if (RegulatoryPackage.NAMES.stream().anyMatch(x -> x.equalsIgnoreCase(n))) {
                throw new ValidationException("'" + n + "' is the name of the regulatory package's own " + (n.equalsIgnoreCase(RegulatoryPackage.MANIFEST)
                        ? "manifest" : "checksum list") + ": rename the file");
            }
        }
    }

    /** The project's member list if {@code actor} may export from it now. */
    private jp.nmi.enclave.project.MemberList checkCanExport(Actor actor, String project) {
        if (project == null || project.isBlank()) {
            throw new ValidationException("project is missing: name the project whose outbox holds the files");
        }
        jp.nmi.enclave.project.MemberList m = projects.members(project)
                .orElseThrow(() -> new ValidationException("unknown project '" + project + "': no such project has been applied"));
        if (!actor.isAnalyst() || m.members().stream().noneMatch(x -> x.user().equals(actor.user()))) {
            throw new AccessDeniedException(actor.user() + " is not an analyst of project " + project + " and cannot export from it");
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), ProjectMembers.ZONE);
        if (!ProjectMembers.isOpen(m, today)) {
            throw new AccessDeniedException("project " + project + " is " + m.status() + " with approved dates " + m.start() + " to "
                    + m.end() + "; nothing can be exported from it on " + today);
        }
        return m;
    }

    /**
     * The normalised names of files to add, checked against the limits counting what the request
     * already holds ({@code existing}: name -> bytes; a file of the same name is replaced).
     */
    private List<String> checkFiles(String project, List<String> fileNames, Map<String, Long> existing) {
        if (fileNames == null || fileNames.isEmpty()) {
            throw new ValidationException("a request needs at least one file from the outbox of " + project);
        }
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String raw : fileNames) {
            String name = FileNames.normalise(raw);
            if (!seen.add(name)) {
                throw new ValidationException("'" + name + "' is named twice");
            }
            var type = FileTypes.check(name);
            if (type.status() == Status.FAIL) {
                throw new ValidationException(type.detail());
            }
            names.add(name);
        }
        // the count first: it needs no storage round trip
        int count = names.size();
        long total = 0;
        for (Map.Entry<String, Long> e : existing.entrySet()) {
            if (!seen.contains(e.getKey())) {
                count++;
                total += e.getValue();
            }
        }
        if (count > settings.maxFiles()) {
            throw new ValidationException(count + " files in one request; at most " + settings.maxFiles() + " are allowed");
        }
        for (String name : names) {
            FileStatus st = store.checkExportable(project, name, settings.maxFileBytes());
            total += st.getLen();
        }
        if (total > settings.maxRequestBytes()) {
            throw new ValidationException("the files add up to " + total + " bytes, more than the limit of " + settings.maxRequestBytes()
                    + " bytes per request");
        }
        return names;
    }

    /** The project's released cells, grouped by release. */
    public Map<String, List<OutputRecord.RecordedCell>> releasedCells(String project) {
        return intake.releasedCells(project);
    }

    /** The longest public description: a line or two on the register. */
    public static final int MAX_PUBLIC_DESCRIPTION = 300;

    /**
     * Sets what the public data-use register will say of the request once it is released (its
     * author, while it is a draft or returned, so that the stewards review it with the outputs);
     * blank removes it, and the register then says only that outputs were released.
     */
    public void describePublicly(Actor actor, String id, String text) {
        String v = publicDescriptionOf(text);
        tx.executeWithoutResult(s -> {
            ExportRequest r = repo.lock(id);
            duties.checkCanAuthor(actor, r);
            Transitions.checkAllows(id, r.status(), Capability.CHANGE_FILES, "its public description can be changed");
            String before = repo.publicDescription(id).orElse(null);
            if (java.util.Objects.equals(before, v)) {
                return;
            }
            repo.setPublicDescription(id, v, actor.user(), clock.instant());
            audit.record(actor.user(), r.project(), AuditAction.REQUEST_PUBLIC_DESCRIPTION, "ok", new AuditDetails.PublicDescriptionEdited(id,
                    r.status() == RequestStatus.RETURNED ? r.round() + 1 : r.round(), new AuditDetails.Change(before, v)));
        });
    }

    /**
     * A public description as stored: whitespace runs (line breaks included) made one space, blank
     * as none; refused if longer than {@link #MAX_PUBLIC_DESCRIPTION}. Callers check with this before
     * they change anything else.
     */
    public static String publicDescriptionOf(String text) {
        String v = text == null || text.isBlank() ? null : text.strip().replaceAll("\\s+", " ");
        if (v != null && v.length() > MAX_PUBLIC_DESCRIPTION) {
            throw new ValidationException("public_description is " + v.length() + " characters; at most " + MAX_PUBLIC_DESCRIPTION
                    + " are allowed (a line or two for the public register)");
        }
        return v;
    }

    public java.util.Optional<String> publicDescription(String id) {
        return repo.publicDescription(id);
    }

    static String text(String field, String value, String hint) {
        if (value == null || value.isBlank()) {
            throw new ValidationException(field + " is missing: " + hint);
        }
        String v = value.strip();
        if (v.length() > MAX_TEXT) {
            throw new ValidationException(field + " is " + v.length() + " characters; at most " + MAX_TEXT + " are allowed");
        }
        return v;
    }

    /** Requests {@code actor} may see (their projects' as an analyst, those they could review as a steward), newest first. */
    public List<ExportRequest> visibleTo(Actor actor) {
        return repo.all(500).stream().filter(r -> duties.canView(actor, r)).toList();
    }

    /** The stewards' queue: requests waiting for a steward that {@code actor} may review, oldest first. */
    public List<ExportRequest> queue(Actor actor) {
        if (!actor.isSteward() && !actor.isApprover()) {
            throw new AccessDeniedException(actor.user() + " is not a steward: the review queue is for stewards");
        }
        return repo.queue().stream().filter(r -> duties.canSteward(actor, r)).toList();
    }

    public ExportRequest view(Actor actor, String id) {
        ExportRequest r = repo.find(id).orElseThrow(() -> new NotFoundException("no export request " + id));
        duties.checkCanView(actor, r);
        return r;
    }
}
