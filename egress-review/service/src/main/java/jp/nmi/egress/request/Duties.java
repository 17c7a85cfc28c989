package jp.nmi.egress.request;

import jp.nmi.egress.project.ProjectMembers;
import jp.nmi.egress.security.Actor;
import jp.nmi.enclave.error.AccessDeniedException;

/**
 * Separation of duties. Analysts export from their own projects and never review; a steward
 * never reviews (or releases, returns, rejects) a request of a project they belong to, nor their
 * own; two distinct stewards review each request; operators, who provision the projects, never
 * approve what leaves them. {@code checkCanXxx} throws with the reason, {@code canXxx} answers.
 */
public final class Duties {
    private final ProjectMembers projects;

    public Duties(ProjectMembers projects) {
        this.projects = projects;
    }

    public void checkCanAuthor(Actor actor, ExportRequest r) {
        if (!actor.user().equals(r.author())) {
            throw new AccessDeniedException(actor.user() + " is not the author of " + r.id() + " (" + r.author() + " is); only the"
                    + " author can change, submit or withdraw it");
        }
        if (!projects.isMember(r.project(), actor.user())) {
            throw new AccessDeniedException(actor.user() + " is no longer a member of " + r.project());
        }
    }

    /** Whether {@code actor} could act as an independent steward on {@code r}. */
    public boolean canSteward(Actor actor, ExportRequest r) {
        return actor.isSteward() && !actor.isOperator() && !actor.user().equals(r.author())
                && !projects.isMember(r.project(), actor.user());
    }

    public void checkCanSteward(Actor actor, ExportRequest r) {
        if (!actor.isSteward()) {
            throw new AccessDeniedException(actor.user() + " is not a steward: only stewards review, return, reject and release"
                    + " exports" + (actor.isOperator() ? " (operators provision projects and never approve their outputs)" : ""));
        }
        if (actor.isOperator()) {
            throw new AccessDeniedException(actor.user() + " is an operator: operators never approve outputs");
        }
        if (actor.user().equals(r.author())) {
            throw new AccessDeniedException(actor.user() + " wrote " + r.id() + " and cannot review it");
        }
        if (projects.isMember(r.project(), actor.user())) {
            throw new AccessDeniedException(actor.user() + " is a member of " + r.project() + " and cannot review its exports");
        }
    }

    /** Authors, members of the project and independent stewards see a request; nobody else. */
    public boolean canView(Actor actor, ExportRequest r) {
        return actor.user().equals(r.author()) || projects.isMember(r.project(), actor.user()) || canSteward(actor, r);
    }

    public void checkCanView(Actor actor, ExportRequest r) {
        if (!canView(actor, r)) {
            throw new AccessDeniedException(actor.user() + " may not see " + r.id() + ": it belongs to project " + r.project()
                    + ", of which they are not a member, and they are not an independent steward");
        }
    }

    /** Released files go to the project's members: analysts who still belong to it. */
    public void checkCanDownload(Actor actor, ExportRequest r) {
        if (!actor.isAnalyst() || !projects.isMember(r.project(), actor.user())) {
            throw new AccessDeniedException(actor.user() + " may not download the files of " + r.id() + ": released files go to the"
                    + " members of " + r.project() + " only");
        }
    }
}
