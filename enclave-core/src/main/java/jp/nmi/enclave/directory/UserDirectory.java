package jp.nmi.enclave.directory;

import java.util.Optional;
import jp.nmi.enclave.policy.Principal;

/** Who the enclave's users are and which groups Ranger policies know them by. */
public interface UserDirectory {
    /** The principal of {@code user}, or empty if the directory does not know them. */
    Optional<Principal> principal(String user);
}
