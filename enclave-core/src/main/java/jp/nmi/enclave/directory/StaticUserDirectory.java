package jp.nmi.enclave.directory;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import jp.nmi.enclave.policy.Principal;

/** A fixed map of users to groups (the demo's and the tests' directory; projects provide their own). */
public final class StaticUserDirectory implements UserDirectory {
    private final Map<String, Set<String>> groups;

    public StaticUserDirectory(Map<String, Set<String>> groups) {
        this.groups = Map.copyOf(groups);
    }

    @Override
    public Optional<Principal> principal(String user) {
        Set<String> g = groups.get(user);
        return g == null ? Optional.empty() : Optional.of(new Principal(user, g));
    }
}
