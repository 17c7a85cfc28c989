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
    private final jp.nmi.enclave.project.MemberList members;
    private final String group;

    public ProjectDirectory(jp.nmi.enclave.project.MemberList members) {
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

    /**
     * The members as the project's store holds them now, for sessions that outlive an apply (a
     * notebook's): re-read whenever the member list's file changes, so that a member removed by
     * {@code project apply} or a project closed is refused at the next statement. Unreadable: no one.
     */
    public static UserDirectory following(ProjectStore store, String projectId) {
        return new Following(store, projectId);
    }

    private static final class Following implements UserDirectory {
        private final ProjectStore store;
        private final String projectId;
        private volatile String version = "";
        private volatile UserDirectory current = user -> Optional.empty();

        Following(ProjectStore store, String projectId) {
            this.store = store;
            this.projectId = projectId;
        }

        @Override
        public Optional<Principal> principal(String user) {
            String now = store.membersVersion(projectId);
            if (!now.equals(version)) {
                synchronized (this) {
                    if (!now.equals(version)) {
                        UserDirectory next;
                        try {
                            next = store.members(projectId).<UserDirectory>map(ProjectDirectory::new).orElse(u -> Optional.empty());
                        } catch (RuntimeException e) {
                            return Optional.empty(); // fail closed; read again next time
                        }
                        current = next;
                        version = now;
                    }
                }
            }
            return current.principal(user);
        }
    }
}
