package jp.nmi.enclave.policy;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/** The user a statement runs for, with the groups Ranger policies name (project, affiliation, role). */
public record Principal(String user, Set<String> groups) {
    public Principal {
        requireNonNull(user, "user is null");
        if (user.isBlank()) {
            throw new IllegalArgumentException("user is blank");
        }
        groups = Set.copyOf(requireNonNull(groups, "groups is null"));
    }
}
