package jp.nmi.enclave.project;

import java.util.Optional;
import java.util.Set;
import jp.nmi.enclave.directory.UserDirectory;
import jp.nmi.enclave.policy.Principal;

/**
 * A project's members as its sessions know them: each member's groups are the project's group,
 * their affiliation and their role — the names the generated Ranger policies use. Anyone else is
 * not a member.
 */
public final class ProjectDirectory implements UserDirectory {
    private final ProjectStore.Members members;
    private final String group;

    public ProjectDirectory(ProjectStore.Members members) {
        this.members = members;
        this.group = members.project().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Optional<Principal> principal(String user) {
        if (members.status() != ProjectStatus.ACTIVE) {
            return Optional.empty();
        }
        return members.members().stream().filter(m -> m.user().equals(user)).findFirst()
                .map(m -> new Principal(user, Set.of(group, m.affiliation(), m.role())));
    }
}
