package jp.nmi.egress.request;

import java.util.Optional;
import jp.nmi.egress.project.ProjectMembers;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.NotFoundException;

/**
 * Separation of duties. Analysts export from their own projects and never review; a steward
 * never reviews (or releases, returns, rejects) a request of a project they belong to, nor their
 * own; two distinct stewards review each request; operators, who provision the projects, never
 * approve what leaves them. A request whose project has no member list any more (closed, or never
 * applied) can be stewarded by nobody: independence cannot be shown. Someone who may not see a
 * request is told it does not exist, so request numbers reveal nothing. {@code checkCanXxx}
 * throws with the reason, {@code canXxx} answers.
 */
public final class Duties {
    private final ProjectMembers projects;

    public Duties(ProjectMembers projects) {
        this.projects = projects;
    }

    /**
     * The member list of an active project. A closed project keeps its list on HDFS (for the record),
     * but nobody acts on its requests any more: not its members, not its stewards.
     */
    private Optional<jp.nmi.enclave.project.MemberList> active(ExportRequest r) {
        return projects.members(r.project()).filter(m -> m.status() == jp.nmi.enclave.project.ProjectStatus.ACTIVE);
    }

    private boolean isMember(ExportRequest r, String user) {
        Optional<jp.nmi.enclave.project.MemberList> m = active(r);
        return m.isPresent() && m.get().members().stream().anyMatch(x -> x.user().equals(user));
    }

    /** Whether the request's project is closed (or was never applied): its requests are frozen. */
    public boolean isProjectClosed(ExportRequest r) {
        return active(r).isEmpty();
    }

    public void checkCanAuthor(Actor actor, ExportRequest r) {
        checkCanView(actor, r);
        if (!actor.user().equals(r.author())) {
            throw new AccessDeniedException(actor.user() + " is not the author of " + r.id() + "; only its author can change, submit"
                    + " or withdraw it");
        }
        Optional<String> frozen = frozen(r);
        if (frozen.isPresent()) {
            throw new AccessDeniedException(r.id() + " is " + frozen.get() + ": nothing can be done with it any more");
        }
        if (!isMember(r, actor.user())) {
            throw new AccessDeniedException(actor.user() + " is no longer a member of " + r.project());
        }
    }

    /**
     * Whether {@code actor} reviews in this request's kind: stewards review every request; the
     * provider's approver reviews regulatory submissions (beside one steward), and nothing else.
     */
    private static boolean reviews(Actor actor, ExportRequest r) {
        return actor.isSteward() || (r.isRegulatory() && actor.isApprover());
    }

    /** Whether {@code actor} could act as an independent steward on {@code r} now (the approver on a regulatory submission). */
    public boolean canSteward(Actor actor, ExportRequest r) {
        return reviews(actor, r) && !actor.isOperator() && !actor.user().equals(r.author()) && active(r).isPresent()
                && !isMember(r, actor.user());
    }

    public void checkCanSteward(Actor actor, ExportRequest r) {
        if (!reviews(actor, r)) {
            checkCanView(actor, r);
            throw new AccessDeniedException(actor.user() + " is not a steward: only stewards review, return, reject and release"
                    + " exports" + (actor.isOperator() ? " (operators provision projects and never approve their outputs)"
                    : actor.isApprover() ? " (the provider's approver reviews regulatory submissions only)" : ""));
        }
        // a steward who may not see the request (a former member of its closed project) learns nothing of it
        checkCanView(actor, r);
        if (actor.isOperator()) {
            throw new AccessDeniedException(actor.user() + " is an operator: operators never approve outputs");
        }
        if (actor.user().equals(r.author())) {
            throw new AccessDeniedException(actor.user() + " wrote " + r.id() + " and cannot review it");
        }
        if (active(r).isEmpty()) {
            throw new AccessDeniedException("project " + r.project() + " is closed (or has no member list): its requests can no"
                    + " longer be reviewed or released");
        }
        if (isMember(r, actor.user())) {
            throw new AccessDeniedException(actor.user() + " is a member of " + r.project() + " and cannot review its exports");
        }
    }

    /**
     * Authors, members of the project and independent stewards see a request; nobody else. A closed
     * project's requests stay readable, frozen, by their author and by the stewards who could have
     * reviewed them (never by its former members or operators).
     */
    public boolean canView(Actor actor, ExportRequest r) {
        return actor.user().equals(r.author()) || isMember(r, actor.user()) || canSteward(actor, r) || canSeeFrozen(actor, r);
    }

    private boolean canSeeFrozen(Actor actor, ExportRequest r) {
        if (!reviews(actor, r) || actor.isOperator()) {
            return false;
        }
        return projects.members(r.project()).filter(m -> m.status() == jp.nmi.enclave.project.ProjectStatus.CLOSED)
                .map(m -> m.members().stream().noneMatch(x -> x.user().equals(actor.user()))).orElse(false);
    }

    /**
     * Why nothing can be done with the request any more, if so: {@code frozen: project P closed on
     * DATE} (in Japan) for a closed project, or a project whose member list is gone.
     */
    public Optional<String> frozen(ExportRequest r) {
        if (!isProjectClosed(r)) {
            return Optional.empty();
        }
        Optional<jp.nmi.enclave.project.MemberList> m = projects.members(r.project());
        if (m.isPresent() && m.get().closedAt() != null) {
            String day = java.time.LocalDate.ofInstant(java.time.Instant.parse(m.get().closedAt()), jp.nmi.egress.project.ProjectMembers.ZONE)
                    .toString();
            return Optional.of("frozen: project " + r.project() + " closed on " + day);
        }
        return Optional.of("frozen: project " + r.project() + (m.isPresent() ? " is closed" : " has no member list"));
    }

    /**
     * A regulatory submission goes on only while the project's spec still declares it as it was when
     * the request was made: the same regulator among its destinations, the same purpose. A committee
     * that withdraws or changes the approval stops every request in flight.
     *
     * @throws AccessDeniedException if the declaration is gone or changed
     */
    public void checkRegulatoryStillDeclared(ExportRequest r) {
        if (!r.isRegulatory()) {
            return;
        }
        var declared = projects.members(r.project()).map(jp.nmi.enclave.project.MemberList::regulatory).orElse(null);
        if (declared == null || !declared.destinations().contains(r.regulator()) || !declared.purpose().equals(r.regulatoryPurpose())) {
            throw new AccessDeniedException("project " + r.project() + " no longer declares the regulatory submission of " + r.id() + " ("
                    + r.regulator() + ", '" + r.regulatoryPurpose() + "') in its spec: nothing more is done with it; return or reject it,"
                    + " or ask the committee to declare it again");
        }
    }

    /** @throws NotFoundException (not "denied": the request's existence is not theirs to learn) */
    public void checkCanView(Actor actor, ExportRequest r) {
        if (!canView(actor, r)) {
            throw new NotFoundException("no export request " + r.id());
        }
    }

    /**
     * The files' contents (the viewer, image previews) are for independent stewards only: the
     * service faces the outside world, and nothing unreleased leaves it, not even to the author.
     */
    public void checkCanInspect(Actor actor, ExportRequest r) {
        checkCanView(actor, r);
        if (!canSteward(actor, r)) {
            throw new AccessDeniedException(actor.user() + " may not see the contents of " + r.id() + " before it is released: only"
                    + " the stewards who review it do");
        }
    }

    /**
     * Released files go to the project's members: analysts who still belong to it. A regulatory
     * submission goes to its regulator, through the provider's approver: no analyst downloads
     * record-level data.
     */
    public void checkCanDownload(Actor actor, ExportRequest r) {
        checkCanView(actor, r);
        if (r.isRegulatory()) {
            if (!actor.isApprover() || !canSteward(actor, r)) {
                throw new AccessDeniedException(actor.user() + " may not download " + r.id() + ": a regulatory submission is delivered to "
                        + r.regulator() + " by the provider's approver, and no member of the project downloads it");
            }
            return;
        }
        if (!actor.isAnalyst() || !isMember(r, actor.user())) {
            throw new AccessDeniedException(actor.user() + " may not download the files of " + r.id() + ": released files go to the"
                    + " members of " + r.project() + " only");
        }
    }
}
