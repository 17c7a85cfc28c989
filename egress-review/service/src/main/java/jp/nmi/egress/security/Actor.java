package jp.nmi.egress.security;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import jp.nmi.enclave.directory.DirectoryUser;

/** Who is acting: a user of the enclave's directory with their roles. */
public record Actor(String user, Set<String> roles) {
    public Actor {
        requireNonNull(user, "user is null");
        roles = Set.copyOf(roles);
    }

    public static Actor of(DirectoryUser u) {
        return new Actor(u.user(), Set.copyOf(u.roles()));
    }

    public boolean isSteward() {
        return roles.contains(DirectoryUser.STEWARD);
    }

    public boolean isOperator() {
        return roles.contains(DirectoryUser.OPERATOR);
    }

    /** The provider's approver of regulatory submissions. */
    public boolean isApprover() {
        return roles.contains(DirectoryUser.APPROVER);
    }

    public boolean isAnalyst() {
        return roles.contains(DirectoryUser.ANALYST);
    }

    /** A registered researcher, who may count cohorts before any project (analysts are researchers too). */
    public boolean isResearcher() {
        return roles.contains(DirectoryUser.RESEARCHER) || roles.contains(DirectoryUser.ANALYST);
    }
}
